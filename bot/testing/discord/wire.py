"""What the fake records and shares between its parts: recorded requests, sent interactions
and their state, JSON responses the way discord.py wants them, and component walking."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.testing.discord.world import FakeUser
from bot.testing.local import json_response

SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
# Interaction type -> the response types Discord accepts for it (2 command, 3 component,
# 4 autocomplete, 5 modal submit; 4 message, 5 deferred, 6 deferred update, 7 update,
# 8 autocomplete result, 9 modal).
RESPONSE_TYPES = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}

BODY = web.RequestKey[Any]("body")
FILES = web.RequestKey[Sequence[tuple[str, bytes]]]("files")


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


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
class InteractionState:
    sent: SentInteraction
    created: float
    channel_id: int
    user: FakeUser
    message_id: int | None = None  # the message a component/modal came from
    response_type: int | None = None
    original_id: int | None = None
    modal: dict[str, Any] | None = None


@dataclass
class Refusal:
    """Requests the fake answers with an error instead of handling them (``refuse``)."""

    method: str
    path: str
    status: int
    code: int
    times: int


@dataclass
class RateLimit:
    limit: int
    per: float
    is_global: bool
    exempt_interactions: bool
    window_start: float = 0.0
    count: int = 0


class Connection:
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.sequence = 0
        self.session_id: str | None = None
        self.lock = asyncio.Lock()
        # [shard_id, shard_count] from IDENTIFY; None: unsharded, it receives every event.
        self.shard: tuple[int, int] | None = None

    def receives(self, guild_id: int | None) -> bool:
        """Whether Discord would send this connection an event of ``guild_id`` (None: not a
        guild's event, which Discord sends on shard 0)."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id

    async def send(self, op: int, data: Any, event: str | None = None) -> None:
        async with self.lock:
            payload: dict[str, Any] = {"op": op, "d": data, "s": None, "t": event}
            if op == 0:
                self.sequence += 1
                payload["s"] = self.sequence
            await self.ws.send_str(json.dumps(payload))


def error_response(status: int, code: int, message: str) -> web.Response:
    return json_response({"message": message, "code": code}, status)


def copy_json(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars): four times faster than
    ``copy.deepcopy``, which every click paid for its message."""
    kind = type(value)
    if kind is dict:
        return {key: copy_json(item) for key, item in value.items()}
    if kind is list:
        return [copy_json(item) for item in value]
    return value


def walk_components(components: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for component in components:
        yield component
        yield from walk_components(component.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                yield from walk_components([component[key]])
