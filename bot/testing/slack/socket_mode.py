"""The fake's Socket Mode websocket: ``hello`` on connect, envelopes pushed by the test, and
the app's acknowledgements recorded."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import WSMsgType, web

from bot.testing.slack.state import FakeSlackState
from bot.testing.slack.wire import SocketAck, SocketConnection

ENVELOPE_TYPES = frozenset({"slash_commands", "interactive", "events_api"})


class SocketModeRoutes(FakeSlackState):
    """The websocket handler and the ways to send on it."""

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()  # answers the client's pings itself (autoping)
        await ws.prepare(request)
        connection = SocketConnection(ws)
        hello = {
            "type": "hello",
            "num_connections": len(self._sockets) + 1,
            "debug_info": {"host": "fake-slack", "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }
        await ws.send_str(json.dumps(hello))
        self._sockets.append(connection)
        self._socket_connected.set()
        try:
            async for frame in ws:
                if frame.type is not WSMsgType.TEXT:
                    continue
                message = json.loads(frame.data)
                connection.received.append(message)
                if "envelope_id" in message:
                    ack = SocketAck(message["envelope_id"], message, time.monotonic())
                    await self._record(self.acks, ack)
        finally:
            self._sockets.remove(connection)
            if not self._sockets:
                self._socket_connected.clear()
        return ws

    @property
    def socket_connections(self) -> int:
        return len(self._sockets)

    async def wait_socket_connected(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until an app holds a Socket Mode connection (``hello`` sent)."""
        if self._socket_connected.is_set():
            return
        try:
            await asyncio.wait_for(self._socket_connected.wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"no Socket Mode connection within {timeout}s") from None

    async def send_envelope(
        self,
        envelope_type: str,
        payload: Mapping[str, Any],
        *,
        envelope_id: str | None = None,
        accepts_response_payload: bool = True,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        connect_timeout: float = 5.0,
    ) -> str:
        """Send an envelope (``slash_commands``, ``interactive`` or ``events_api``) with
        ``payload`` to the connected app (the newest connection, as Slack picks one) and
        return its envelope id; ``wait_for_ack(envelope_id)`` then gives the app's answer.
        ``payload`` is what the HTTP path would carry: the slash command's form fields as a
        dict, the interaction payload, the ``event_callback`` body."""
        if envelope_type not in ENVELOPE_TYPES:
            raise ValueError(f"unknown envelope type {envelope_type!r}")
        await self.wait_socket_connected(connect_timeout)
        envelope_id = envelope_id or f"fake-envelope-{next(self._counter)}"
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": dict(payload),
            "accepts_response_payload": accepts_response_payload,
        }
        if retry_attempt is not None:
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason or ""
        await self._sockets[-1].ws.send_str(json.dumps(envelope))
        return envelope_id

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's ``disconnect`` message: the SDK then opens a new connection (a new
        ``apps.connections.open``)."""
        await self.wait_socket_connected()
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-slack"}}
        await self._sockets[-1].ws.send_str(json.dumps(message))
