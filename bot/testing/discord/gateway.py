"""The fake's gateway websocket: HELLO, heartbeats, IDENTIFY, RESUME, member chunks, and
sending DISPATCH events to connected clients."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import WSMsgType, web

from bot.testing.discord.state import FakeState
from bot.testing.discord.wire import Connection


class GatewayRoutes(FakeState):
    """The websocket handler and the ways to send on it."""

    # --- gateway ------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        connection = Connection(ws)
        # Plain-JSON text frames: discord.py only decompresses binary ones.
        await connection.send(10, {"heartbeat_interval": self.heartbeat_interval_ms})
        try:
            async for frame in ws:
                if frame.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(frame.data)
                self.gateway_received.append(payload)
                await self._on_gateway(connection, payload)
        finally:
            if connection in self._connections:
                self._connections.remove(connection)
            if not self._connections:
                self._connected.clear()
        return ws

    async def _on_gateway(self, connection: Connection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data: Any = payload.get("d")
        if op == 1:
            await connection.send(11, None)
        elif op == 2:
            self.identify = data
            if self.token is not None and data.get("token") != self.token:
                await connection.ws.close(code=4004, message=b"Authentication failed.")
                return
            await self._identify(connection, data)
        elif op == 6:
            if data.get("session_id") in self._sessions:
                connection.session_id = data["session_id"]
                connection.sequence = int(data.get("seq") or 0)
                connection.shard = self._session_shards.get(data["session_id"])
                self._add_connection(connection)
                await connection.send(0, {}, "RESUMED")
            else:
                await connection.send(9, False)
        elif op == 8:
            for guild_id in self._as_list(data.get("guild_id")):
                guild = self.guild(int(guild_id))
                chunk = {
                    "guild_id": str(guild.id),
                    "members": [member.payload() for member in guild.members],
                    "chunk_index": 0,
                    "chunk_count": 1,
                    "not_found": [],
                    "nonce": data.get("nonce"),
                }
                await connection.send(0, chunk, "GUILD_MEMBERS_CHUNK")

    @staticmethod
    def _as_list(value: Any) -> list[Any]:
        return value if isinstance(value, list) else [value]

    async def _identify(self, connection: Connection, data: dict[str, Any]) -> None:
        session_id = f"fake-session-{next(self._counter)}"
        connection.session_id, connection.sequence = session_id, 0
        self._sessions.add(session_id)
        shard = data.get("shard")
        if isinstance(shard, list) and len(shard) == 2:
            connection.shard = (int(shard[0]), int(shard[1]))
        self._session_shards[session_id] = connection.shard
        guilds = [guild for guild in self.guilds if connection.receives(guild.id)]
        ready: dict[str, Any] = {
            "v": 10,
            "user": {**self.bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(guild.id), "unavailable": True} for guild in guilds],
            "session_id": session_id,
            "session_type": "normal",
            "resume_gateway_url": str(self.gateway_url),
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["fake-discord"],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await connection.send(0, ready, "READY")
        for guild in guilds:
            await connection.send(0, guild.create_payload(), "GUILD_CREATE")
        self._add_connection(connection)

    def _add_connection(self, connection: Connection) -> None:
        self._connections.append(connection)
        self._connected.set()
        added, self._connection_added = self._connection_added, asyncio.Event()
        added.set()

    async def dispatch(
        self, event: str, data: dict[str, Any], *, connect_timeout: float = 5.0
    ) -> None:
        """Send a gateway DISPATCH (op 0) ``event`` to every connected client that Discord
        would send it to (a guild's events go only to its shard), waiting up to
        ``connect_timeout`` seconds for one to have identified."""
        guild_id = _guild_of(event, data)
        await self._wait_connected(connect_timeout)
        if any(connection.shard is not None for connection in self._connections):
            await self._wait_for_shard(guild_id, connect_timeout)
        for connection in list(self._connections):
            if not connection.ws.closed and connection.receives(guild_id):
                await connection.send(0, data, event)

    async def _wait_for_shard(self, guild_id: int | None, seconds: float) -> None:
        """Until a client runs the shard of ``guild_id``: shards identify one by one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not any(
            connection.receives(guild_id) and not connection.ws.closed
            for connection in self._connections
        ):
            added = self._connection_added
            try:
                await asyncio.wait_for(added.wait(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise AssertionError(
                    f"no client runs the shard of guild {guild_id} within {seconds}s"
                ) from None

    async def disconnect(self, code: int = 4000) -> None:
        """Close every gateway connection with ``code``: 4000 makes discord.py RESUME,
        4004 (authentication failed) makes ``connect()`` raise ConnectionClosed."""
        for connection in list(self._connections):
            await connection.ws.close(code=code)

    async def send_raw(self, op: int, data: Any = None, *, connect_timeout: float = 5.0) -> None:
        """Send any gateway op, e.g. 7 (RECONNECT) or 9 (INVALID_SESSION)."""
        await self._wait_connected(connect_timeout)
        for connection in list(self._connections):
            if not connection.ws.closed:
                await connection.send(op, data)

    async def _wait_connected(self, seconds: float) -> None:
        if self._connected.is_set():
            return  # wait_for would start a task and yield to the loop on every dispatch
        try:
            await asyncio.wait_for(self._connected.wait(), seconds)
        except TimeoutError:
            raise AssertionError(f"no client identified on the gateway within {seconds}s") from None


def _guild_of(event: str, data: dict[str, Any]) -> int | None:
    """The guild an event belongs to (GUILD_CREATE and its kind carry it as ``id``)."""
    found = data.get("guild_id")
    if found is None and event.startswith("GUILD_") and "id" in data:
        found = data["id"]
    return int(found) if found is not None else None
