"""What the fake records and shares between its parts: recorded Web API calls, response_url
posts and socket acks, Slack-style errors, JSON responses and message timestamps."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aiohttp import web

# Form fields the Web API client sends as JSON strings; the fake parses them so that ``args``
# reads the same whether the client used a form or a JSON body.
JSON_FIELDS = frozenset({"blocks", "attachments", "view", "metadata", "user_auth_blocks", "files"})


@dataclass(frozen=True)
class Recorded:
    """One Web API call. ``method`` is the API method (``chat.postMessage``), ``args`` the query,
    form or JSON arguments merged (``blocks``/``view`` parsed), ``time`` is ``time.monotonic()``
    when answered, ``response`` the JSON sent back; ``token`` comes from the Authorization
    header (or a ``token`` argument)."""

    method: str
    args: Mapping[str, Any]
    time: float
    response: Any
    status: int = 200
    token: str | None = None
    http_method: str = "POST"

    @property
    def ok(self) -> bool:
        return isinstance(self.response, dict) and bool(self.response.get("ok"))


@dataclass(frozen=True)
class Responded:
    """One POST to a ``response_url`` (what bolt's ``respond()`` sends)."""

    response_id: str
    body: Mapping[str, Any]
    time: float


@dataclass(frozen=True)
class SocketAck:
    """What the app sent back on the Socket Mode websocket for an envelope."""

    envelope_id: str
    message: Mapping[str, Any]
    time: float

    @property
    def payload(self) -> Any:
        return self.message.get("payload")


@dataclass
class ResponseUrl:
    """Where a minted response_url's messages go."""

    channel: str | None
    message_ts: str | None
    posts: int = 0


@dataclass
class RateLimit:
    limit: int
    per: float
    retry_after: int
    window_start: float = 0.0
    count: int = 0


@dataclass
class SocketConnection:
    ws: web.WebSocketResponse
    received: list[dict[str, Any]] = field(default_factory=list)


class SlackError(Exception):
    """Raised by a method handler: answered as ``{"ok": false, "error": <error>}`` (HTTP 200,
    as Slack does)."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def parse_json_fields(args: dict[str, Any]) -> dict[str, Any]:
    for key in JSON_FIELDS & args.keys():
        value = args[key]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            args[key] = json.loads(value)
    return args


def ts_value(ts: str | float | None, default: Decimal) -> Decimal:
    if ts is None or ts == "":
        return default
    return Decimal(str(ts))


class TsClock:
    """Message timestamps as Slack writes them (``"1700000000.000100"``): unique and
    increasing within a fake, near wall-clock time."""

    def __init__(self) -> None:
        self._last = 0

    def next(self, now: float) -> str:
        micros = max(int(now * 1_000_000), self._last + 100)
        self._last = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
