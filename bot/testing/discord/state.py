"""The fake's state, world lookups, and what tests look at: waiting on and reading what the
fake recorded."""

from __future__ import annotations

import asyncio
import fnmatch
import itertools
import time
from collections.abc import Callable, Sequence
from typing import Any

import yarl

from bot.testing.discord.wire import (
    Connection,
    InteractionState,
    RateLimit,
    Recorded,
    Refusal,
    SentInteraction,
)
from bot.testing.discord.world import (
    API_PREFIX,
    APP_ID,
    BOT_USER,
    DISCORD_EPOCH_MS,
    EPHEMERAL,
    GATEWAY_PATH,
    FakeGuild,
    FakeMember,
    FakeUser,
    default_guild,
)
from bot.testing.local import LocalServer


class FakeState:
    """Everything the fake knows; the route, gateway and interaction parts build on it."""

    def __init__(
        self,
        *,
        application_id: int = APP_ID,
        bot: FakeUser = BOT_USER,
        guilds: Sequence[FakeGuild] | None = None,
        token: str | None = None,
        interaction_deadline: float = 3.0,
        heartbeat_interval_ms: int = 41_250,
        recommended_shards: int = 1,
    ) -> None:
        self.application_id = application_id
        self.token = token
        self.bot = bot
        self.guilds = list(guilds) if guilds is not None else [default_guild()]
        for guild in self.guilds:
            if guild.member(bot.id) is None:
                guild.members.append(FakeMember(bot))
        self.interaction_deadline = interaction_deadline
        self.heartbeat_interval_ms = heartbeat_interval_ms
        # What GET /gateway/bot recommends; clients that IDENTIFY with a shard get only its
        # guilds' events, (guild_id >> 22) % count, as on Discord.
        self.recommended_shards = recommended_shards

        self.requests: list[Recorded] = []
        self.unhandled: list[Recorded] = []
        self.errors: list[BaseException] = []
        self.gateway_received: list[dict[str, Any]] = []
        self.identify: dict[str, Any] | None = None
        self.messages: dict[int, dict[str, Any]] = {}
        # (host, port) of each HTTP connection REST requests came on: discord.py opens one per
        # concurrent request, so this shows how many requests a client had in flight at once.
        self.http_peers: set[tuple[str, int]] = set()

        self._channel_messages: dict[int, list[int]] = {}
        self._nonces: dict[tuple[int, str], int] = {}
        self._commands: dict[int | None, list[dict[str, Any]]] = {}
        self._interactions: dict[int, InteractionState] = {}
        self._by_token: dict[str, InteractionState] = {}
        self._dm_channels: dict[int, int] = {}
        self.dms_blocked: set[int] = set()
        """Users whose DM channel refuses the bot's messages (``block_dms``)."""
        self._connections: list[Connection] = []
        self._sessions: set[str] = set()
        self._changed = asyncio.Condition()
        self._connected = asyncio.Event()
        self._connection_added = asyncio.Event()
        self._session_shards: dict[str, tuple[int, int] | None] = {}
        self._rate_limit: RateLimit | None = None
        self._refusals: list[Refusal] = []
        self._last_id = 0
        self._counter = itertools.count(1)
        self._server = LocalServer()
        self._port = 0

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self._port}{API_PREFIX}"

    @property
    def gateway_url(self) -> yarl.URL:
        return yarl.URL(f"ws://127.0.0.1:{self._port}{GATEWAY_PATH}")

    # --- world lookups ------------------------------------------------------------------------

    def new_id(self) -> int:
        """A time-based snowflake, unique and increasing within this fake."""
        stamp = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last_id = max(stamp, self._last_id + 1)
        return self._last_id

    def guild(self, guild_id: int | None = None) -> FakeGuild:
        if guild_id is None:
            return self.guilds[0]
        for guild in self.guilds:
            if guild.id == guild_id:
                return guild
        raise LookupError(f"no guild {guild_id}")

    def dm_channel_id(self, user_id: int) -> int:
        """The DM channel between the bot and a user (created on first use)."""
        if user_id not in self._dm_channels:
            self._dm_channels[user_id] = self.new_id()
        return self._dm_channels[user_id]

    def _user(self, user_id: int) -> FakeUser:
        if user_id == self.bot.id:
            return self.bot
        for guild in self.guilds:
            if member := guild.member(user_id):
                return member.user
        raise LookupError(f"no user {user_id} in any guild")

    def _channel_guild(self, channel_id: int) -> FakeGuild | None:
        return next((g for g in self.guilds if g.channel(channel_id) is not None), None)

    def _channel_payload(self, channel_id: int) -> dict[str, Any] | None:
        if guild := self._channel_guild(channel_id):
            channel = guild.channel(channel_id)
            assert channel is not None
            return channel.payload(guild.id)
        for user_id, dm_id in self._dm_channels.items():
            if dm_id == channel_id:
                user = self._user(user_id)
                return {"id": str(dm_id), "type": 1, "recipients": [user.payload()]}
        return None

    # --- recording and waiting ----------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Callable[[Recorded], bool] | None = None,
        *,
        method: str | None = None,
        path: str | None = None,
        since: int = 0,
        # A per-call default bound: a test waiting on the fake must fail fast, never hang.
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Recorded:
        """The first request from index ``since`` on (already recorded or still to come) that
        matches ``method``, ``path`` (an fnmatch pattern such as ``/channels/*/messages``) and
        ``predicate``. Raises AssertionError listing what was recorded after ``timeout``."""

        def matches(request: Recorded) -> bool:
            return (
                (method is None or request.method == method)
                and (path is None or fnmatch.fnmatchcase(request.path, path))
                and (predicate is None or predicate(request))
            )

        def found() -> Recorded | None:
            return next((r for r in self.requests[since:] if matches(r)), None)

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), timeout)
            except TimeoutError:
                seen = "\n  ".join(f"{r.status} {r.method} {r.path}" for r in self.requests)
                raise AssertionError(
                    f"no request matching method={method} path={path} within {timeout}s; "
                    f"recorded:\n  {seen or '(none)'}"
                ) from None
        result = found()
        assert result is not None
        return result

    async def wait_for_callback(
        self,
        interaction: SentInteraction,
        timeout: float = 5.0,  # noqa: ASYNC109 (as wait_for)
    ) -> Recorded:
        """The bot's (first) response to ``interaction``."""
        return await self.wait_for(method="POST", path=interaction.callback_path, timeout=timeout)

    async def wait_for_followup(
        self,
        interaction: SentInteraction,
        index: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 (as wait_for)
    ) -> Recorded:
        """The ``index``-th follow-up message the bot posted for ``interaction``."""
        route = f"/webhooks/{self.application_id}/{interaction.token}"
        await self.wait_for(
            lambda _: len(self.followups_for(interaction)) > index, path=route, timeout=timeout
        )
        return self.followups_for(interaction)[index]

    def callbacks_for(self, interaction: SentInteraction | int) -> list[Recorded]:
        state = self._interaction(interaction)
        return [r for r in self.requests if r.path == state.sent.callback_path]

    def followups_for(self, interaction: SentInteraction | int) -> list[Recorded]:
        state = self._interaction(interaction)
        route = f"/webhooks/{self.application_id}/{state.sent.token}"
        return [r for r in self.requests if r.method == "POST" and r.path == route]

    def response_message(self, interaction: SentInteraction | int) -> dict[str, Any] | None:
        """The message ``@original`` refers to (None before a message response)."""
        state = self._interaction(interaction)
        return self.messages.get(state.original_id) if state.original_id else None

    def messages_in(
        self, channel_id: int, *, include_ephemeral: bool = True
    ) -> list[dict[str, Any]]:
        """Messages in a channel, oldest first, as Discord returned them (live dicts: read,
        don't mutate); ``include_ephemeral=False`` keeps what everyone in it can see."""
        found = [self.messages[mid] for mid in self._channel_messages.get(channel_id, [])]
        return [m for m in found if include_ephemeral or not m["flags"] & EPHEMERAL]

    def synced_commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """The commands the bot last synced, globally or to ``guild_id``, with their ids."""
        return self._commands.get(guild_id, [])

    def _interaction(self, interaction: SentInteraction | int) -> InteractionState:
        key = interaction.id if isinstance(interaction, SentInteraction) else interaction
        return self._interactions[key]
