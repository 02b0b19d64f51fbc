"""The fake's state, world lookups, and what tests look at: waiting on and reading what the
fake recorded (Web API calls, response_url posts, socket acks)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from bot.testing.local import LocalServer
from bot.testing.slack.wire import (
    RateLimit,
    Recorded,
    Responded,
    ResponseUrl,
    SocketAck,
    SocketConnection,
    TsClock,
)
from bot.testing.slack.world import (
    API_PREFIX,
    APP_ID,
    BOT_ID,
    BOT_USER,
    BOT_USER_ID,
    RESPONSE_PREFIX,
    SOCKET_PATH,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    FakeChannel,
    FakeUser,
    default_channels,
    default_users,
    dm_channel_id,
)

T = TypeVar("T")


class FakeSlackState:
    """Everything the fake knows; the Web API, Socket Mode and server parts build on it."""

    def __init__(
        self,
        *,
        team_id: str = TEAM_ID,
        team_name: str = TEAM_NAME,
        bot_user_id: str = BOT_USER_ID,
        bot_id: str = BOT_ID,
        app_id: str = APP_ID,
        users: Sequence[FakeUser] | None = None,
        channels: Sequence[FakeChannel] | None = None,
        trigger_ttl: float = 3.0,
    ) -> None:
        self.team_id, self.team_name = team_id, team_name
        self.bot_user_id, self.bot_id, self.app_id = bot_user_id, bot_id, app_id
        self.users = list(users) if users is not None else default_users()
        if not any(user.id == bot_user_id for user in self.users):
            self.users.append(FakeUser(bot_user_id, BOT_USER.name, is_bot=True))
        self.channels = list(channels) if channels is not None else default_channels()
        self.trigger_ttl = trigger_ttl

        self.requests: list[Recorded] = []
        self.unhandled: list[Recorded] = []
        self.responses: list[Responded] = []
        self.acks: list[SocketAck] = []
        self.errors: list[BaseException] = []
        # channel id -> messages, oldest first (live dicts: read, don't mutate).
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}  # view id -> modal (views.open/update/push)
        self.home_views: dict[str, dict[str, Any]] = {}  # user id -> published App Home view
        self.dms_refused: dict[str, str] = {}  # user id -> the error their DM answers

        self._response_urls: dict[str, ResponseUrl] = {}
        self._rate_limits: dict[str, RateLimit] = {}
        self._sockets: list[SocketConnection] = []
        self._socket_connected = asyncio.Event()
        self._changed = asyncio.Condition()
        self._counter = itertools.count(1)
        self._ts = TsClock()
        self._server = LocalServer()
        self._port = 0

    # --- addresses ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        """The Web API base for ``AsyncWebClient(base_url=...)``; ends with ``/`` on purpose."""
        return f"{self.base_url}{API_PREFIX}"

    @property
    def socket_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}{SOCKET_PATH}"

    def response_url(self, channel: str | None = None, message_ts: str | None = None) -> str:
        """A new response_url on the fake. With ``channel`` (and the ``message_ts`` of the
        message an action came from) ``respond(replace_original=True)`` edits that message
        and ``response_type="in_channel"`` posts into the channel, as Slack does."""
        response_id = f"R{next(self._counter):06d}"
        self._response_urls[response_id] = ResponseUrl(channel, message_ts)
        return f"{self.base_url}{RESPONSE_PREFIX}{response_id}"

    # --- world lookups ------------------------------------------------------------------------

    def user(self, user_id: str) -> FakeUser | None:
        return next((user for user in self.users if user.id == user_id), None)

    def channel(self, channel_id: str) -> FakeChannel | None:
        found = next((c for c in self.channels if c.id == channel_id), None)
        if found is None and channel_id.startswith("D"):
            user = next((u for u in self.users if dm_channel_id(u.id) == channel_id), None)
            if user is not None:
                found = FakeChannel(channel_id, "", is_im=True, user=user.id)
        return found

    def auth_test_payload(self) -> dict[str, Any]:
        bot = self.user(self.bot_user_id)
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": self.team_name,
            "user": bot.name if bot else "quizbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def new_ts(self, now: float) -> str:
        return self._ts.next(now)

    # --- recording and waiting ----------------------------------------------------------------

    async def _record(self, target: list[T], item: T) -> None:
        async with self._changed:
            target.append(item)
            self._changed.notify_all()

    async def _wait(self, found: Callable[[], T | None], seconds: float, what: str) -> T:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), seconds)
            except TimeoutError:
                seen = "\n  ".join(
                    f"{r.method} {'ok' if r.ok else r.response}" for r in self.requests
                )
                raise AssertionError(
                    f"no {what} within {seconds}s; Web API calls:\n  {seen or '(none)'}"
                ) from None
        result = found()
        assert result is not None
        return result

    async def wait_for(
        self,
        predicate: Callable[[Recorded], bool] | None = None,
        *,
        method: str | None = None,
        since: int = 0,
        # A per-call default bound: a test waiting on the fake must fail fast, never hang.
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Recorded:
        """The first Web API call from index ``since`` of ``requests`` on (already recorded or
        still to come) with API method ``method`` matching ``predicate``. Bolt answers the
        HTTP request at ``ack()`` while the listener goes on calling the API: wait, never sleep.
        Raises AssertionError listing what was recorded after ``timeout``."""

        def found() -> Recorded | None:
            return next(
                (
                    r
                    for r in self.requests[since:]
                    if (method is None or r.method == method)
                    and (predicate is None or predicate(r))
                ),
                None,
            )

        return await self._wait(found, timeout, f"{method or 'call'} matching")

    async def wait_for_response(
        self,
        predicate: Callable[[Responded], bool] | None = None,
        *,
        response_url: str | None = None,
        since: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 (as wait_for)
    ) -> Responded:
        """The first post to a response_url (``response_url``, or any) matching ``predicate``."""
        wanted = response_url.rsplit("/", 1)[-1] if response_url else None

        def found() -> Responded | None:
            return next(
                (
                    r
                    for r in self.responses[since:]
                    if (wanted is None or r.response_id == wanted)
                    and (predicate is None or predicate(r))
                ),
                None,
            )

        return await self._wait(found, timeout, f"response_url post to {response_url or 'any'}")

    async def wait_for_ack(
        self,
        envelope_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109 (as wait_for)
    ) -> SocketAck:
        """The app's Socket Mode acknowledgement of envelope ``envelope_id``."""

        def found() -> SocketAck | None:
            return next((a for a in self.acks if a.envelope_id == envelope_id), None)

        return await self._wait(found, timeout, f"ack of envelope {envelope_id}")

    def calls(self, method: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method]

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """The messages posted in ``channel``, oldest first."""
        return self.messages.get(channel, [])

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages_in(channel) if m["ts"] == ts), None)
