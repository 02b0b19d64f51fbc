"""A fake Discord (REST + gateway websocket) on 127.0.0.1 that real discord.py talks to.

Nothing here mocks discord.py: the library runs as in production and only the platform is
fake, so a test covers our adapter, discord.py's parsing and the wire format together, with no
network and no token (background: /work/shared/PLATFORM-TESTING.md).

    async with FakeDiscord() as fake, running_client(fake, make_bot) as bot:
        sent = await fake.slash("quiz", "ping")             # /quiz ping, as the plain member
        callback = await fake.wait_for_callback(sent)       # the bot's interaction response
        assert callback.json["data"]["flags"] & EPHEMERAL
        click = await fake.click("quiz:answer:7:B", user=ADMIN)  # newest message with it
        assert fake.response_message(click)["content"] == "..."

The world is plain data: ``default_guild()`` has #general and #quiz, an owner (OWNER), an
"Admin" role with MANAGE_GUILD (ADMIN), a "Quiz Admin" role without it (QUIZ_ADMIN) and a
plain MEMBER; pass ``guilds=[...]`` for another. Member permissions in interactions are
computed from roles and channel overwrites as Discord does.

Driving: ``slash``, ``autocomplete``, ``click``, ``submit_modal`` build and dispatch an
INTERACTION_CREATE and return a ``SentInteraction``; ``dispatch(event, data)`` sends any
gateway event, ``send_raw(op)`` any op, ``disconnect(code)`` drops the socket (discord.py then
RESUMEs). Looking: ``requests`` (every REST call, ``Recorded``), ``unhandled`` (unknown routes,
404), ``wait_for(...)``, ``wait_for_callback``, ``wait_for_followup``, ``callbacks_for``,
``followups_for``, ``response_message``, ``messages_in``, ``synced_commands``, ``identify``,
``gateway_received``. ``rate_limit(n, per)`` turns on a 429-answering limiter.

Like Discord, the fake refuses a second response to an interaction (40060), one after
``interaction_deadline`` seconds (10062), a response type the interaction does not allow,
a follow-up before any response (10015), a click on a disabled or absent component and a
command that was never synced; the first follow-up after a deferred response fills in the
"thinking" message; a repeated ``nonce`` with ``enforce_nonce`` returns the earlier message;
with ``token=`` set, a wrong token gets 401 (REST) or close code 4004 (gateway).

Not modelled: MESSAGE_CREATE for the bot's own messages (``dispatch`` one if needed), resolved
data for user/role/channel selects, threads, reactions, polls, per-route rate-limit buckets,
message history (``GET /channels/{id}/messages``) and everything else under ``unhandled``.
"""

from __future__ import annotations

import asyncio
import copy
import fnmatch
import itertools
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
import yarl
from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway-ws"
DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ALL_PERMISSIONS = discord.Permissions.all().value
DEFAULT_EVERYONE = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_external_emojis=True,
    use_application_commands=True,
).value

# Message flags.
EPHEMERAL = 1 << 6
LOADING = 1 << 7

SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
# Interaction type -> the response types Discord accepts for it (2 command, 3 component,
# 4 autocomplete, 5 modal submit; 4 message, 5 deferred, 6 deferred update, 7 update,
# 8 autocomplete result, 9 modal).
_RESPONSES = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}

BODY = web.RequestKey("body", object)
FILES = web.RequestKey("files", tuple)


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


# --- the world -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeUser:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name or self.username.capitalize(),
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(frozen=True)
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 0

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass(frozen=True)
class FakeOverwrite:
    """A channel permission overwrite for a role (or a member with ``is_member``)."""

    target_id: int
    allow: int = 0
    deny: int = 0
    is_member: bool = False

    def payload(self) -> dict[str, Any]:
        kind = 1 if self.is_member else 0
        return {
            "id": str(self.target_id),
            "type": kind,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass(frozen=True)
class FakeChannel:
    id: int
    name: str
    type: int = 0  # 0 = guild text
    position: int = 0
    overwrites: tuple[FakeOverwrite, ...] = ()

    def payload(self, guild_id: int) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "guild_id": str(guild_id),
            "permission_overwrites": [overwrite.payload() for overwrite in self.overwrites],
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }


@dataclass(frozen=True)
class FakeMember:
    user: FakeUser
    roles: tuple[int, ...] = ()
    nick: str | None = None

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(role_id) for role_id in self.roles],
            "nick": self.nick,
            "avatar": None,
            "joined_at": "2026-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass
class FakeGuild:
    """A guild; its @everyone role has the guild's id, as on Discord."""

    id: int
    name: str
    owner_id: int
    roles: list[FakeRole] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)

    def role(self, role_id: int) -> FakeRole:
        for role in self.roles:
            if role.id == role_id:
                return role
        raise LookupError(f"no role {role_id} in guild {self.id}")

    def channel(self, channel_id: int) -> FakeChannel | None:
        return next((ch for ch in self.channels if ch.id == channel_id), None)

    def member(self, user_id: int) -> FakeMember | None:
        return next((m for m in self.members if m.user.id == user_id), None)

    def permissions_for(self, user_id: int, channel_id: int | None = None) -> int:
        """Discord's algorithm: base from roles, ADMINISTRATOR/owner = all, then overwrites."""
        member = self.member(user_id)
        if member is None:
            raise LookupError(f"user {user_id} is not a member of guild {self.id}")
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        role_ids = {self.id, *member.roles}
        perms = 0
        for role in self.roles:
            if role.id in role_ids:
                perms |= role.permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        channel = self.channel(channel_id) if channel_id is not None else None
        if channel is None:
            return perms
        overwrites = {(ow.is_member, ow.target_id): ow for ow in channel.overwrites}
        everyone = overwrites.get((False, self.id))
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in member.roles:
            if overwrite := overwrites.get((False, role_id)):
                allow |= overwrite.allow
                deny |= overwrite.deny
        perms = (perms & ~deny) | allow
        if own := overwrites.get((True, user_id)):
            perms = (perms & ~own.deny) | own.allow
        return perms

    def create_payload(self) -> dict[str, Any]:
        """The GUILD_CREATE event data; member_count = len(members) so it counts as chunked."""
        return {
            "id": str(self.id),
            "name": self.name,
            "owner_id": str(self.owner_id),
            "icon": None,
            "splash": None,
            "description": None,
            "features": [],
            "roles": [role.payload() for role in self.roles],
            "emojis": [],
            "stickers": [],
            "channels": [channel.payload(self.id) for channel in self.channels],
            "members": [member.payload() for member in self.members],
            "member_count": len(self.members),
            "large": False,
            "unavailable": False,
            "joined_at": "2026-01-01T00:00:00+00:00",
            "voice_states": [],
            "presences": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "afk_timeout": 300,
        }


APP_ID = 1_100_000_000_000_000_001
BOT_USER = FakeUser(APP_ID, "quizbot", bot=True)
GUILD_ID = 1_200_000_000_000_000_001
GENERAL_ID = 1_300_000_000_000_000_001
QUIZ_CHANNEL_ID = 1_300_000_000_000_000_002
ADMIN_ROLE_ID = 1_400_000_000_000_000_001
QUIZ_ADMIN_ROLE_ID = 1_400_000_000_000_000_002
OWNER = FakeUser(1_500_000_000_000_000_001, "olive")
ADMIN = FakeUser(1_500_000_000_000_000_002, "ada")
QUIZ_ADMIN = FakeUser(1_500_000_000_000_000_003, "quinn")
MEMBER = FakeUser(1_500_000_000_000_000_004, "pat")


def default_guild() -> FakeGuild:
    """#general and #quiz; olive owns it, ada is Admin, quinn is Quiz Admin, pat is plain."""
    return FakeGuild(
        id=GUILD_ID,
        name="Quiz Guild",
        owner_id=OWNER.id,
        roles=[
            FakeRole(GUILD_ID, "@everyone", DEFAULT_EVERYONE),
            FakeRole(ADMIN_ROLE_ID, "Admin", MANAGE_GUILD, position=2),
            FakeRole(QUIZ_ADMIN_ROLE_ID, "Quiz Admin", 0, position=1),
        ],
        channels=[
            FakeChannel(GENERAL_ID, "general"),
            FakeChannel(QUIZ_CHANNEL_ID, "quiz", position=1),
        ],
        members=[
            FakeMember(OWNER),
            FakeMember(ADMIN, (ADMIN_ROLE_ID,)),
            FakeMember(QUIZ_ADMIN, (QUIZ_ADMIN_ROLE_ID,)),
            FakeMember(MEMBER),
        ],
    )


# --- what the tests look at ------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    """One REST request. ``path`` is relative to the API base (``/channels/1/messages``),
    ``json`` the parsed body (``payload_json`` for multipart uploads, whose files are in
    ``files``), ``time`` is ``time.monotonic()`` when answered, ``response`` the JSON sent back."""

    method: str
    path: str
    query: Mapping[str, str]
    json: Any
    time: float
    status: int = 200
    response: Any = None
    files: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class SentInteraction:
    """An interaction the fake dispatched; ``payload`` is the INTERACTION_CREATE data."""

    id: int
    token: str
    payload: dict[str, Any]

    @property
    def callback_path(self) -> str:
        return f"/interactions/{self.id}/{self.token}/callback"


@dataclass
class _InteractionState:
    sent: SentInteraction
    created: float
    channel_id: int
    user: FakeUser
    message_id: int | None = None  # the message a component/modal came from
    response_type: int | None = None
    original_id: int | None = None
    modal: dict[str, Any] | None = None


@dataclass
class _RateLimit:
    limit: int
    per: float
    is_global: bool
    exempt_interactions: bool
    window_start: float = 0.0
    count: int = 0


class _Connection:
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.sequence = 0
        self.session_id: str | None = None
        self.lock = asyncio.Lock()

    async def send(self, op: int, data: Any, event: str | None = None) -> None:
        async with self.lock:
            payload: dict[str, Any] = {"op": op, "d": data, "s": None, "t": event}
            if op == 0:
                self.sequence += 1
                payload["s"] = self.sequence
            await self.ws.send_str(json.dumps(payload))


def _json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py's json_or_text ignores "...; charset=utf-8".
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status)


def _walk_components(components: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for component in components:
        yield component
        yield from _walk_components(component.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                yield from _walk_components([component[key]])


class FakeDiscord:
    """A fake Discord on 127.0.0.1 (port 0). Configure the world, ``await start()``, point
    discord.py at ``api_base``/``gateway_url`` (``running_client`` does), then drive it with
    ``slash``/``click``/``submit_modal``/``dispatch`` and assert on what it recorded."""

    def __init__(
        self,
        *,
        application_id: int = APP_ID,
        bot: FakeUser = BOT_USER,
        guilds: Sequence[FakeGuild] | None = None,
        token: str | None = None,
        interaction_deadline: float = 3.0,
        heartbeat_interval_ms: int = 41_250,
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

        self.requests: list[Recorded] = []
        self.unhandled: list[Recorded] = []
        self.errors: list[BaseException] = []
        self.gateway_received: list[dict[str, Any]] = []
        self.identify: dict[str, Any] | None = None
        self.messages: dict[int, dict[str, Any]] = {}

        self._channel_messages: dict[int, list[int]] = {}
        self._nonces: dict[tuple[int, str], int] = {}
        self._commands: dict[int | None, list[dict[str, Any]]] = {}
        self._interactions: dict[int, _InteractionState] = {}
        self._by_token: dict[str, _InteractionState] = {}
        self._dm_channels: dict[int, int] = {}
        self._connections: list[_Connection] = []
        self._sessions: set[str] = set()
        self._changed = asyncio.Condition()
        self._connected = asyncio.Event()
        self._rate_limit: _RateLimit | None = None
        self._last_id = 0
        self._counter = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port = 0

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        self._add_routes(app.router)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def close(self) -> None:
        for connection in list(self._connections):
            await connection.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

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

    def _interaction(self, interaction: SentInteraction | int) -> _InteractionState:
        key = interaction.id if isinstance(interaction, SentInteraction) else interaction
        return self._interactions[key]

    # --- rate limiting ------------------------------------------------------------------------

    def rate_limit(
        self,
        limit: int | None,
        per: float = 1.0,
        *,
        is_global: bool = True,
        exempt_interactions: bool = True,
    ) -> None:
        """Allow ``limit`` requests per ``per`` seconds (one fixed window for all routes),
        answering 429 beyond it; ``None`` switches it off. Interaction callbacks and
        webhooks are exempt by default, as from Discord's global limit. Successful responses
        carry no bucket headers, so discord.py only learns of the limit from the 429."""
        self._rate_limit = (
            None if limit is None else _RateLimit(limit, per, is_global, exempt_interactions)
        )

    def _rate_limited(self, path: str) -> web.Response | None:
        limiter = self._rate_limit
        if limiter is None:
            return None
        if limiter.exempt_interactions and path.startswith(("/interactions/", "/webhooks/")):
            return None
        now = time.monotonic()
        if now >= limiter.window_start + limiter.per:
            limiter.window_start, limiter.count = now, 0
        if limiter.count < limiter.limit:
            limiter.count += 1
            return None
        retry_after = max(0.001, round(limiter.window_start + limiter.per - now, 3))
        headers = {
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Limit": str(limiter.limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Scope": "global" if limiter.is_global else "user",
            # discord.py treats a 429 without Via as a Cloudflare ban and does not retry.
            "Via": "1.1 google",
        }
        if limiter.is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers["X-RateLimit-Bucket"] = "fake-bucket"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": limiter.is_global,
        }
        return _json(body, 429, headers)

    # --- HTTP plumbing ------------------------------------------------------------------------

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        if request.path == GATEWAY_PATH:
            return await handler(request)
        path = request.path.removeprefix(API_PREFIX)
        body: Any = None
        files: tuple[tuple[str, bytes], ...] = ()
        try:
            body, files = await self._read_body(request)
            request[BODY], request[FILES] = body, files
            response = self._rate_limited(path) or self._unauthorized(request, path)
            if response is None:
                response = await handler(request)
        except Exception as exc:
            # A bug in the fake: 400 at once (a 500 makes discord.py retry for ~15 s).
            log.exception("fake Discord failed on %s %s", request.method, path)
            self.errors.append(exc)
            response = _error(400, 0, f"fake Discord error: {exc!r}")
        answer = None
        if isinstance(response, web.Response) and response.body:
            answer = json.loads(response.body)  # type: ignore[arg-type]
        recorded = Recorded(
            request.method,
            path,
            dict(request.query),
            body,
            time.monotonic(),
            response.status,
            answer,
            files,
        )
        async with self._changed:
            self.requests.append(recorded)
            if request.match_info.route.name == "unknown":
                self.unhandled.append(recorded)
            self._changed.notify_all()
        return response

    def _unauthorized(self, request: web.Request, path: str) -> web.Response | None:
        # Interaction callbacks and follow-ups are authorised by their token in the path.
        if self.token is None or path.startswith(("/interactions/", "/webhooks/")):
            return None
        if request.headers.get("Authorization") == f"Bot {self.token}":
            return None
        return _error(401, 0, "401: Unauthorized")

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, tuple[tuple[str, bytes], ...]]:
        if not request.can_read_body:
            return None, ()
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            files = tuple(
                (value.filename, value.file.read())
                for value in form.values()
                if isinstance(value, web.FileField)
            )
            raw = form.get("payload_json")
            return (json.loads(raw) if isinstance(raw, str) else None), files
        text = await request.text()
        return (json.loads(text) if text else None), ()

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        api = API_PREFIX
        routes: list[tuple[str, str, Callable[[web.Request], Any]]] = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("PUT", "/applications/{app}/commands", self._put_commands),
            ("GET", "/applications/{app}/commands", self._get_commands),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self._put_commands),
            ("GET", "/applications/{app}/guilds/{guild}/commands", self._get_commands),
            ("GET", "/channels/{channel}", self._get_channel),
            ("POST", "/channels/{channel}/messages", self._post_message),
            ("GET", "/channels/{channel}/messages/{message}", self._get_message),
            ("PATCH", "/channels/{channel}/messages/{message}", self._patch_message),
            ("DELETE", "/channels/{channel}/messages/{message}", self._delete_message),
            ("POST", "/users/@me/channels", self._create_dm),
            ("GET", "/guilds/{guild}/members/{user}", self._get_member),
            ("POST", "/interactions/{interaction}/{token}/callback", self._callback),
            ("POST", "/webhooks/{app}/{token}", self._post_followup),
            ("GET", "/webhooks/{app}/{token}/messages/{message}", self._get_webhook_message),
            ("PATCH", "/webhooks/{app}/{token}/messages/{message}", self._patch_webhook_message),
            ("DELETE", "/webhooks/{app}/{token}/messages/{message}", self._delete_webhook_message),
        ]
        for method, path, handler in routes:
            router.add_route(method, api + path, handler)
        router.add_get(GATEWAY_PATH, self._gateway)
        router.add_route("*", "/{tail:.*}", self._unknown, name="unknown")

    async def _unknown(self, request: web.Request) -> web.Response:
        return _error(404, 0, "404: Not Found")

    # --- REST: identity, gateway, commands, channels ------------------------------------------

    async def _get_me(self, request: web.Request) -> web.Response:
        return _json({**self.bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0})

    async def _get_application(self, request: web.Request) -> web.Response:
        owner = self._user(self.guilds[0].owner_id) if self.guilds else self.bot
        return _json(
            {
                "id": str(self.application_id),
                "name": self.bot.username,
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": owner.payload(),
                "verify_key": "0" * 64,
                "flags": 0,
                "team": None,
                "bot": self.bot.payload(),
            }
        )

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return _json({"url": str(self.gateway_url)})

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": str(self.gateway_url), "shards": 1, "session_start_limit": limit})

    async def _put_commands(self, request: web.Request) -> web.Response:
        if int(request.match_info["app"]) != self.application_id:
            return _error(403, 50001, "Missing Access")
        guild_id = int(request.match_info["guild"]) if "guild" in request.match_info else None
        previous = {(c["name"], c["type"]): c["id"] for c in self._commands.get(guild_id, [])}
        stored = []
        for command in request[BODY] or []:
            kind = command.get("type", 1)
            stored.append(
                {
                    "description": "",
                    "options": [],
                    "default_member_permissions": None,
                    "nsfw": False,
                    **command,
                    # Discord keeps a command's id when a sync re-sends the same name.
                    "id": previous.get((command["name"], kind)) or str(self.new_id()),
                    "application_id": str(self.application_id),
                    "type": kind,
                    "version": str(self.new_id()),
                    **({"guild_id": str(guild_id)} if guild_id else {}),
                }
            )
        self._commands[guild_id] = stored
        return _json(stored)

    async def _get_commands(self, request: web.Request) -> web.Response:
        if int(request.match_info["app"]) != self.application_id:
            return _error(403, 50001, "Missing Access")
        guild_id = int(request.match_info["guild"]) if "guild" in request.match_info else None
        return _json(self._commands.get(guild_id, []))

    async def _get_channel(self, request: web.Request) -> web.Response:
        payload = self._channel_payload(int(request.match_info["channel"]))
        return _json(payload) if payload else _error(404, 10003, "Unknown Channel")

    async def _create_dm(self, request: web.Request) -> web.Response:
        user_id = int(request[BODY]["recipient_id"])
        return _json(self._channel_payload(self.dm_channel_id(user_id)))

    async def _get_member(self, request: web.Request) -> web.Response:
        guild = self.guild(int(request.match_info["guild"]))
        member = guild.member(int(request.match_info["user"]))
        return _json(member.payload()) if member else _error(404, 10007, "Unknown Member")

    # --- REST: messages -----------------------------------------------------------------------

    def _new_message(
        self,
        channel_id: int,
        body: Mapping[str, Any],
        files: Sequence[tuple[str, bytes]] = (),
        *,
        flags: int | None = None,
        interaction: _InteractionState | None = None,
    ) -> dict[str, Any]:
        message_id = self.new_id()
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "type": 0,
            "content": body.get("content") or "",
            "author": self.bot.payload(),
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments(body, files, []),
            "embeds": body.get("embeds") or [],
            "components": self._number_components(body.get("components") or []),
            "pinned": False,
            "flags": body.get("flags", 0) if flags is None else flags,
        }
        if "nonce" in body:
            message["nonce"] = body["nonce"]
        if interaction is not None:
            message["type"] = 20 if interaction.sent.payload["type"] == 2 else 0
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
            message["interaction_metadata"] = {
                "id": str(interaction.sent.id),
                "type": interaction.sent.payload["type"],
                "user": interaction.user.payload(),
                "authorizing_integration_owners": interaction.sent.payload[
                    "authorizing_integration_owners"
                ],
            }
        self.messages[message_id] = message
        self._channel_messages.setdefault(channel_id, []).append(message_id)
        return message

    def _attachments(
        self,
        body: Mapping[str, Any],
        files: Sequence[tuple[str, bytes]],
        existing: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        kept = {a["id"]: a for a in existing}
        made = []
        for index, spec in enumerate(body.get("attachments") or []):
            if str(spec.get("id")) in kept:
                made.append(kept[str(spec["id"])])
                continue
            filename, data = files[index] if index < len(files) else (spec.get("filename"), b"")
            attachment_id = self.new_id()
            url = f"http://127.0.0.1:{self._port}/attachments/{attachment_id}/{filename}"
            made.append(
                {
                    "id": str(attachment_id),
                    "filename": spec.get("filename") or filename,
                    "size": len(data),
                    "url": url,
                    "proxy_url": url,
                    "description": spec.get("description"),
                }
            )
        return made

    def _number_components(self, components: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # Discord gives every component a numeric id in the message it stores.
        components = json.loads(json.dumps(components))
        used = {c["id"] for c in _walk_components(components) if "id" in c}
        free = (n for n in itertools.count(1) if n not in used)
        for component in _walk_components(components):
            component.setdefault("id", next(free))
        return components

    def _edit(
        self,
        message: dict[str, Any],
        body: Mapping[str, Any],
        files: Sequence[tuple[str, bytes]] = (),
    ) -> dict[str, Any]:
        for key in ("content", "embeds"):
            if key in body:
                message[key] = body[key] or ([] if key == "embeds" else "")
        if "components" in body:
            message["components"] = self._number_components(body["components"] or [])
        if "attachments" in body:
            message["attachments"] = self._attachments(body, files, message["attachments"])
        # Ephemerality is fixed at creation; an edit resolves a deferred "thinking" message.
        kept = message["flags"] & EPHEMERAL
        message["flags"] = kept | (body.get("flags", message["flags"]) & ~(EPHEMERAL | LOADING))
        message["edited_timestamp"] = iso_now()
        return message

    def _delete(self, message_id: int) -> None:
        message = self.messages.pop(message_id)
        self._channel_messages[int(message["channel_id"])].remove(message_id)

    async def _post_message(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel"])
        if self._channel_payload(channel_id) is None:
            return _error(404, 10003, "Unknown Channel")
        body = request[BODY] or {}
        nonce_key = (channel_id, str(body.get("nonce")))
        if body.get("enforce_nonce") and nonce_key in self._nonces:
            earlier = self.messages.get(self._nonces[nonce_key])
            if earlier is not None:
                return _json(earlier)
        message = self._new_message(channel_id, body, request[FILES])
        if body.get("nonce") is not None:
            self._nonces[nonce_key] = int(message["id"])
        return _json(message)

    def _channel_message(self, request: web.Request) -> dict[str, Any] | None:
        message = self.messages.get(int(request.match_info["message"]))
        if message is None or message["channel_id"] != request.match_info["channel"]:
            return None
        return message

    async def _get_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        return _json(message) if message else _error(404, 10008, "Unknown Message")

    async def _patch_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return _json(self._edit(message, request[BODY] or {}, request[FILES]))

    async def _delete_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        self._delete(int(message["id"]))
        return web.Response(status=204)

    # --- REST: interaction responses and webhooks ---------------------------------------------

    async def _callback(self, request: web.Request) -> web.Response:
        state = self._interactions.get(int(request.match_info["interaction"]))
        if state is None or state.sent.token != request.match_info["token"]:
            return _error(404, 10062, "Unknown interaction")
        if state.response_type is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        if time.monotonic() - state.created > self.interaction_deadline:
            return _error(404, 10062, "Unknown interaction")
        body = request[BODY] or {}
        kind, data = body["type"], body.get("data") or {}
        allowed = _RESPONSES[state.sent.payload["type"]]
        if state.message_id is None:
            allowed -= {6, 7}  # only a message's component (or its modal) can update it
        if kind not in allowed:
            return _error(400, 50035, f"Invalid Form Body: response type {kind} not allowed here")
        state.response_type = kind
        message = None
        if kind == 4:
            message = self._new_message(state.channel_id, data, request[FILES], interaction=state)
        elif kind == 5:
            flags = LOADING | (data.get("flags", 0) & EPHEMERAL)
            message = self._new_message(state.channel_id, {}, flags=flags, interaction=state)
        elif kind in (6, 7):
            assert state.message_id is not None
            message = self.messages[state.message_id]
            if kind == 7:
                self._edit(message, data, request[FILES])
        elif kind == 9:
            state.modal = data
        if message is not None:
            state.original_id = int(message["id"])
        if request.query.get("with_response") not in ("1", "true"):
            return web.Response(status=204)
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(state.sent.id),
                "type": state.sent.payload["type"],
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
            }
        }
        if message is not None:
            answer["resource"] = {"type": kind, "message": message}
        return _json(answer)

    def _webhook_state(self, request: web.Request) -> _InteractionState | None:
        if int(request.match_info["app"]) != self.application_id:
            return None
        return self._by_token.get(request.match_info["token"])

    async def _post_followup(self, request: web.Request) -> web.Response:
        state = self._webhook_state(request)
        if state is None or state.response_type is None:
            return _error(404, 10015, "Unknown Webhook")
        body = request[BODY] or {}
        original = self.messages.get(state.original_id) if state.original_id else None
        if original is not None and original["flags"] & LOADING:
            # The first follow-up after a deferred response fills in the "thinking" message.
            return _json(self._edit(original, body, request[FILES]))
        message = self._new_message(state.channel_id, body, request[FILES], interaction=state)
        return _json(message)

    def _webhook_message(self, request: web.Request) -> dict[str, Any] | None:
        state = self._webhook_state(request)
        if state is None:
            return None
        wanted = request.match_info["message"]
        message_id = state.original_id if wanted == "@original" else int(wanted)
        return self.messages.get(message_id) if message_id else None

    async def _get_webhook_message(self, request: web.Request) -> web.Response:
        message = self._webhook_message(request)
        return _json(message) if message else _error(404, 10008, "Unknown Message")

    async def _patch_webhook_message(self, request: web.Request) -> web.Response:
        message = self._webhook_message(request)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return _json(self._edit(message, request[BODY] or {}, request[FILES]))

    async def _delete_webhook_message(self, request: web.Request) -> web.Response:
        message = self._webhook_message(request)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        self._delete(int(message["id"]))
        return web.Response(status=204)

    # --- gateway ------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        connection = _Connection(ws)
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

    async def _on_gateway(self, connection: _Connection, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
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

    async def _identify(self, connection: _Connection, data: dict[str, Any]) -> None:
        session_id = f"fake-session-{next(self._counter)}"
        connection.session_id, connection.sequence = session_id, 0
        self._sessions.add(session_id)
        ready: dict[str, Any] = {
            "v": 10,
            "user": {**self.bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(guild.id), "unavailable": True} for guild in self.guilds],
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
        for guild in self.guilds:
            await connection.send(0, guild.create_payload(), "GUILD_CREATE")
        self._add_connection(connection)

    def _add_connection(self, connection: _Connection) -> None:
        self._connections.append(connection)
        self._connected.set()

    async def dispatch(
        self, event: str, data: dict[str, Any], *, connect_timeout: float = 5.0
    ) -> None:
        """Send a gateway DISPATCH (op 0) ``event`` to every connected client, waiting up
        to ``connect_timeout`` seconds for one to have identified."""
        await self._wait_connected(connect_timeout)
        for connection in list(self._connections):
            if not connection.ws.closed:
                await connection.send(0, data, event)

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
        try:
            await asyncio.wait_for(self._connected.wait(), seconds)
        except TimeoutError:
            raise AssertionError(f"no client identified on the gateway within {seconds}s") from None

    # --- interactions -------------------------------------------------------------------------

    async def slash(
        self,
        name: str,
        *path: str,
        options: Mapping[str, Any] | None = None,
        user: FakeUser | int | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        locale: str = "en-US",
    ) -> SentInteraction:
        """Run ``/name path... option:value`` (e.g. ``slash("quiz", "admin", "start",
        options={"bank": "demo"})``). The command must have been synced (the fake takes ids
        and option types from it); user/role/channel options take a FakeUser/FakeRole/
        FakeChannel or an id and are resolved. Default: the plain member in the first
        guild's first channel; ``dm=True`` sends it from the user's DM with the bot."""
        data = self._command_data(name, path, options or {}, None, guild_id, dm)
        return await self._send_interaction(2, data, user, guild_id, channel_id, dm, locale)

    async def autocomplete(
        self,
        name: str,
        *path: str,
        focused: str,
        options: Mapping[str, Any] | None = None,
        user: FakeUser | int | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        locale: str = "en-US",
    ) -> SentInteraction:
        """An autocomplete request (type 4) while typing option ``focused``; its value is what
        was typed so far. The bot's choices: ``(await wait_for_callback(sent)).json``."""
        data = self._command_data(name, path, options or {}, focused, guild_id, dm)
        return await self._send_interaction(4, data, user, guild_id, channel_id, dm, locale)

    async def click(
        self,
        custom_id: str,
        *,
        message_id: int | None = None,
        values: Sequence[str] | None = None,
        user: FakeUser | int | None = None,
        locale: str = "en-US",
    ) -> SentInteraction:
        """Click a button (or choose ``values`` in a select) with ``custom_id`` on a stored
        message: ``message_id``, or by default the newest message that has that component."""
        message = self._component_message(custom_id, message_id)
        component = next(
            c for c in _walk_components(message["components"]) if c.get("custom_id") == custom_id
        )
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled: Discord would not send it")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] in SELECT_TYPES:
            data["values"] = [str(value) for value in values or ()]
        elif values is not None:
            raise ValueError(f"component {custom_id!r} is a button, not a select")
        channel_id = int(message["channel_id"])
        guild = self._channel_guild(channel_id)
        return await self._send_interaction(
            3,
            data,
            user,
            guild.id if guild else None,
            channel_id,
            guild is None,
            locale,
            message=message,
        )

    async def click_forged(
        self,
        custom_id: str,
        *,
        message_id: int,
        user: FakeUser | int | None = None,
        component_type: int = 2,
    ) -> SentInteraction:
        """A component interaction whose custom_id is NOT on the message, as a modified client
        can send: the bot must not trust custom ids."""
        message = self.messages.get(message_id)
        if message is None:
            raise LookupError(f"no stored message {message_id}")
        channel_id = int(message["channel_id"])
        guild = self._channel_guild(channel_id)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        return await self._send_interaction(
            3, data, user, guild.id if guild else None, channel_id, guild is None, "en-US",
            message=message,
        )  # fmt: skip

    async def submit_modal(
        self,
        custom_id: str,
        fields: Mapping[str, str | Sequence[str]],
        *,
        user: FakeUser | int | None = None,
        locale: str = "en-US",
    ) -> SentInteraction:
        """Submit the modal ``custom_id`` the bot opened most recently, ``fields`` mapping each
        input's custom_id to its text (or a list of values for a select). The submission comes
        from the user, guild and channel (and message) of the interaction that opened it."""
        opener = next(
            (
                state
                for state in reversed(self._interactions.values())
                if state.modal is not None and state.modal.get("custom_id") == custom_id
            ),
            None,
        )
        if opener is None:
            raise LookupError(f"the bot never opened a modal {custom_id!r}")
        unknown = set(fields) - {
            c.get("custom_id") for c in _walk_components(opener.modal["components"])
        }
        if unknown:
            raise LookupError(f"modal {custom_id!r} has no inputs {sorted(unknown)}")
        data = {
            "custom_id": custom_id,
            "components": [self._submitted(c, fields) for c in opener.modal["components"]],
        }
        payload = opener.sent.payload
        guild_id = int(payload["guild_id"]) if "guild_id" in payload else None
        message = self.messages.get(opener.message_id) if opener.message_id else None
        return await self._send_interaction(
            5,
            data,
            user or opener.user,
            guild_id,
            opener.channel_id,
            guild_id is None,
            locale,
            message=message,
        )

    def _submitted(self, component: dict[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
        if component["type"] == 1:
            return {
                "type": 1,
                "components": [self._submitted(c, fields) for c in component["components"]],
            }
        if component["type"] == 18:  # a label wrapping one input
            return {"type": 18, "component": self._submitted(component["component"], fields)}
        if "custom_id" not in component:  # text display: comes back with its id only
            return {"type": component["type"], "id": component.get("id")}
        answer: dict[str, Any] = {
            "type": component["type"],
            "custom_id": component.get("custom_id"),
        }
        value = fields.get(component.get("custom_id", ""), "")
        if component["type"] == 4:
            answer["value"] = value
        else:
            answer["values"] = [value] if isinstance(value, str) else list(value)
        return answer

    def _component_message(self, custom_id: str, message_id: int | None) -> dict[str, Any]:
        if message_id is not None:
            message = self.messages.get(message_id)
            if message is None:
                raise LookupError(f"no stored message {message_id}")
            if not any(
                c.get("custom_id") == custom_id for c in _walk_components(message["components"])
            ):
                raise LookupError(f"message {message_id} has no component {custom_id!r}")
            return message
        for message in reversed(self.messages.values()):
            if any(
                c.get("custom_id") == custom_id for c in _walk_components(message["components"])
            ):
                return message
        raise LookupError(f"no stored message has a component {custom_id!r}")

    def _find_command(self, name: str, guild_id: int | None, dm: bool) -> dict[str, Any]:
        scopes = [None] if dm else [self.guild(guild_id).id, None]
        for scope in scopes:
            for command in self._commands.get(scope, []):
                if command["name"] == name and command["type"] == 1:
                    return command
        synced = {scope: [c["name"] for c in cmds] for scope, cmds in self._commands.items()}
        raise LookupError(f"/{name} was never synced (synced: {synced})")

    def _command_data(
        self,
        name: str,
        path: Sequence[str],
        values: Mapping[str, Any],
        focused: str | None,
        guild_id: int | None,
        dm: bool,
    ) -> dict[str, Any]:
        command = self._find_command(name, guild_id, dm)
        resolved: dict[str, dict[str, Any]] = {}
        definitions = command.get("options") or []
        chain = []
        for part in path:
            found = next(
                (o for o in definitions if o["name"] == part and o["type"] in (1, 2)), None
            )
            if found is None:
                raise LookupError(f"/{name} has no subcommand (group) {part!r}")
            chain.append(found)
            definitions = found.get("options") or []
        leaf = []
        for option_name, value in values.items():
            definition = next((o for o in definitions if o["name"] == option_name), None)
            if definition is None:
                raise LookupError(f"/{name} {' '.join(path)} has no option {option_name!r}")
            option = {"name": option_name, "type": definition["type"]}
            option["value"] = self._option_value(definition["type"], value, resolved, guild_id)
            if option_name == focused:
                option["focused"] = True
            leaf.append(option)
        options: list[dict[str, Any]] = leaf
        for part in reversed(chain):
            options = [{"name": part["name"], "type": part["type"], "options": options}]
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": 1, "options": options}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    def _option_value(
        self, kind: int, value: Any, resolved: dict[str, dict[str, Any]], guild_id: int | None
    ) -> Any:
        if kind not in (6, 7, 8, 9):  # plain values
            return value
        target_id = value if isinstance(value, int) else value.id
        guild = self.guild(guild_id)
        is_role = isinstance(value, FakeRole) or guild.member(target_id) is None
        if kind == 7:
            channel = guild.channel(target_id)
            if channel is None:
                raise LookupError(f"no channel {target_id} in {guild.name}")
            resolved.setdefault("channels", {})[str(target_id)] = {
                **channel.payload(guild.id),
                "permissions": str(guild.permissions_for(self.bot.id, target_id)),
            }
        elif kind == 8 or (kind == 9 and is_role):
            resolved.setdefault("roles", {})[str(target_id)] = guild.role(target_id).payload()
        else:
            member = guild.member(target_id)
            if member is None:
                raise LookupError(f"user {target_id} is not a member of {guild.name}")
            resolved.setdefault("users", {})[str(target_id)] = member.user.payload()
            resolved.setdefault("members", {})[str(target_id)] = {
                **member.payload(with_user=False),
                "permissions": str(guild.permissions_for(target_id)),
            }
        return str(target_id)

    async def _send_interaction(
        self,
        kind: int,
        data: dict[str, Any],
        user: FakeUser | int | None,
        guild_id: int | None,
        channel_id: int | None,
        dm: bool,
        locale: str,
        *,
        message: dict[str, Any] | None = None,
    ) -> SentInteraction:
        who = self._user(user) if isinstance(user, int) else (user or MEMBER)
        interaction_id = self.new_id()
        token = f"fake-interaction-token-{interaction_id}"
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "attachment_size_limit": 10 * 1024 * 1024,
            "locale": locale,
            "entitlements": [],
        }
        if dm:
            channel_id = self.dm_channel_id(who.id)
            channel = self._channel_payload(channel_id)
            payload |= {
                "user": who.payload(),
                "channel_id": str(channel_id),
                "channel": channel,
                "app_permissions": str(ALL_PERMISSIONS),
                "authorizing_integration_owners": {"0": "0"},
                "context": 1,
            }
        else:
            guild = self.guild(guild_id)
            member = guild.member(who.id)
            if member is None:
                raise LookupError(f"{who.username} is not a member of {guild.name}")
            if channel_id is None:
                channel_id = next(ch.id for ch in guild.channels if ch.type == 0)
            channel = self._channel_payload(channel_id)
            if channel is None:
                raise LookupError(f"no channel {channel_id} in {guild.name}")
            payload |= {
                "guild_id": str(guild.id),
                "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
                "guild_locale": "en-US",
                "channel_id": str(channel_id),
                "channel": channel,
                "member": {
                    **member.payload(),
                    "permissions": str(guild.permissions_for(who.id, channel_id)),
                },
                "app_permissions": str(guild.permissions_for(self.bot.id, channel_id)),
                "authorizing_integration_owners": {"0": str(guild.id)},
                "context": 0,
            }
        if message is not None:
            payload["message"] = copy.deepcopy(message)  # as it was when clicked
        sent = SentInteraction(interaction_id, token, payload)
        state = _InteractionState(
            sent,
            time.monotonic(),
            channel_id,
            who,
            message_id=int(message["id"]) if message is not None else None,
        )
        self._interactions[interaction_id] = state
        self._by_token[token] = state
        await self.dispatch("INTERACTION_CREATE", payload)
        return sent


# --- running a real client against the fake --------------------------------------------------


@asynccontextmanager
async def running_client(
    fake: FakeDiscord,
    client_factory: Callable[[], discord.Client] | discord.Client,
    *,
    token: str = "fake-token",
    ready_timeout: float = 5.0,
    reconnect: bool = False,
) -> AsyncIterator[Any]:
    """Log a real discord.py client in against ``fake`` and yield it once ready.

    Points ``discord.http.Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` at the fake
    (restored on exit, without pytest's monkeypatch, so benchmarks can use it too; one client
    at a time per process). On exit it closes the client and re-raises what killed
    ``connect()`` or broke the fake. Build clients with ``guild_ready_timeout=0.05``.
    ``reconnect=False`` makes a gateway failure end ``connect()`` with its exception."""
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = fake.api_base, fake.gateway_url
    client = client_factory if isinstance(client_factory, discord.Client) else client_factory()
    connect: asyncio.Task[None] | None = None
    try:
        await client.login(token)
        connect = asyncio.create_task(client.connect(reconnect=reconnect), name="discord-connect")
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait(
            {connect, ready}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if connect in done:
                connect.result()  # raises what killed it
                raise AssertionError("client.connect() returned before the client was ready")
            raise AssertionError(
                f"client not ready within {ready_timeout}s; gateway got "
                f"{[p.get('op') for p in fake.gateway_received]}"
            )
        yield client
    finally:
        try:
            await client.close()
            if connect is not None:
                done, _ = await asyncio.wait({connect}, timeout=5.0)
                if not done:
                    connect.cancel()
        finally:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
    # A clean close makes connect() return None; anything else is what killed it.
    if connect is not None and connect.done() and not connect.cancelled() and connect.exception():
        raise connect.exception()  # type: ignore[misc]
    if fake.errors:
        raise fake.errors[0]
