"""Channel schedules: when the daily question is posted, in which zone, on which days.

This module holds the rules (parsing, validation, the next post time); the runner that posts on
time comes with the scheduler.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.clock import Clock
from bot.core.models import Difficulty
from bot.core.outcomes import QuizError
from bot.core.rounds import ChannelRef


class ScheduleError(QuizError):
    pass


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_DAYS = frozenset(range(5))  # Monday to Friday
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_ALIASES = {
    "weekdays": DEFAULT_DAYS,
    "workdays": DEFAULT_DAYS,
    "daily": frozenset(range(7)),
    "everyday": frozenset(range(7)),
    "weekends": frozenset({5, 6}),
}


@dataclass(frozen=True, slots=True)
class Schedule:
    channel: ChannelRef
    post_time: time
    timezone: str
    days: frozenset[int] = DEFAULT_DAYS
    """Weekday numbers, Monday = 0."""
    difficulty: Difficulty | None = None
    paused: bool = False
    banks: tuple[str, ...] = ()
    """Draw only from these banks (empty: every bank enabled in the workspace)."""
    rotation: tuple[tuple[int, Difficulty], ...] = ()
    """Weekday -> difficulty, e.g. Mon easy / Wed medium / Fri hard (other days: difficulty)."""
    reveal_after: timedelta | None = None
    reveal_at: time | None = None
    """Reveal at this wall time after the post; neither set: one minute before the next post,
    or 23 hours after the post when the next is further away."""
    next_post_at: datetime | None = None
    """When the scheduler posts next (UTC); kept in the database so restarts know."""
    disabled_reason: str | None = None
    """Set when posting failed for good (channel gone, no permission): admins see it."""

    def difficulty_on(self, day: date) -> Difficulty | None:
        """The difficulty of the question posted on ``day`` (a day in the schedule's zone)."""
        for weekday, level in self.rotation:
            if weekday == day.weekday():
                return level
        return self.difficulty

    def describe_difficulty(self) -> str:
        if self.rotation:
            return ", ".join(
                f"{WEEKDAYS[d].capitalize()} {level.value}" for d, level in self.rotation
            )
        return self.difficulty.value if self.difficulty else "any difficulty"

    def describe_banks(self) -> str:
        return f"banks {', '.join(self.banks)}" if self.banks else "all banks"

    def describe_reveal(self) -> str:
        if self.reveal_after is not None:
            minutes = int(self.reveal_after.total_seconds() // 60)
            return f"reveal {minutes // 60}h{minutes % 60:02d} after posting"
        if self.reveal_at is not None:
            return f"reveal at {self.reveal_at:%H:%M}"
        return "reveal before the next post"

    @property
    def active(self) -> bool:
        return not self.paused and self.disabled_reason is None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def describe_days(self) -> str:
        return describe_days(self.days)

    def next_post(self, after: datetime) -> datetime:
        """The first post time strictly after ``after`` (aware), in UTC.

        A time that does not exist that day (clocks spring forward) moves to the first valid
        minute after it; an ambiguous one (clocks fall back) is the first of the two."""
        zone = self.zone
        local = after.astimezone(zone)
        for offset in range(0, 8):
            day = local.date() + timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            candidate = _local_moment(day, self.post_time, zone)
            if candidate > after:
                return candidate.astimezone(ZoneInfo("UTC"))
        raise ScheduleError("a schedule needs at least one weekday")  # pragma: no cover


def _local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    naive = datetime.combine(day, at)
    moment = naive.replace(tzinfo=zone, fold=0)
    # A nonexistent wall time does not survive a round trip through UTC.
    round_trip = moment.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
    if round_trip != naive:
        while True:
            naive += timedelta(minutes=1)
            moment = naive.replace(tzinfo=zone, fold=0)
            back = moment.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
            if back == naive:
                return moment
    return moment


def parse_time(text: str) -> time:
    match = _TIME.match(text.strip())
    if match is None:
        raise ScheduleError(f"'{text}' is not a time: use HH:MM, e.g. 09:30")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ScheduleError(f"'{text}' is not a time of day (00:00 to 23:59)")
    return time(hour, minute)


def parse_timezone(text: str) -> str:
    name = text.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"'{text}' is not a time zone: use an IANA name such as Europe/Berlin, "
            "America/New_York or UTC"
        ) from None
    return name


def parse_days(text: str | None) -> frozenset[int]:
    """``mon-fri``, ``mon,wed,fri``, ``weekdays``, ``daily`` or ``weekends``."""
    if text is None or not text.strip():
        return DEFAULT_DAYS
    cleaned = text.strip().lower()
    if cleaned in _ALIASES:
        return _ALIASES[cleaned]
    days: set[int] = set()
    for part in re.split(r"[,\s]+", cleaned):
        if not part:
            continue
        first, _, last = part.partition("-")
        start = _weekday(first)
        end = _weekday(last) if last else start
        index = start
        while True:
            days.add(index)
            if index == end:
                break
            index = (index + 1) % 7
    return frozenset(days)


def _weekday(text: str) -> int:
    key = text[:3]
    if len(text) < 3 or key not in WEEKDAYS:
        raise ScheduleError(
            f"'{text}' is not a weekday: use mon, tue, wed, thu, fri, sat, sun, ranges like "
            "mon-fri, or weekdays / daily / weekends"
        )
    return WEEKDAYS.index(key)


def describe_days(days: frozenset[int]) -> str:
    for name, value in (("daily", _ALIASES["daily"]), ("Mon-Fri", DEFAULT_DAYS)):
        if days == value:
            return name
    return ", ".join(WEEKDAYS[day].capitalize() for day in sorted(days))


def parse_rotation(text: str) -> tuple[tuple[int, Difficulty], ...]:
    """``mon:easy,wed:medium,fri:hard`` -> ((0, easy), (2, medium), (4, hard))."""
    found: dict[int, Difficulty] = {}
    for part in re.split(r"[,\s]+", text.strip().lower()):
        if not part:
            continue
        day, sep, level = part.partition(":")
        if not sep:
            raise ScheduleError(
                f"'{part}' is not a rotation entry: write day:level, e.g. mon:easy,fri:hard"
            )
        parsed = parse_difficulty(level)
        if parsed is None:
            raise ScheduleError(f"'{part}': a rotation names easy, medium or hard for each day")
        found[_weekday(day)] = parsed
    return tuple(sorted(found.items()))


def parse_reveal(text: str | None) -> tuple[timedelta | None, time | None]:
    """``4h``, ``90m``, ``2h30m`` after posting, or a wall time ``17:00``; empty: the default."""
    if text is None or not text.strip() or text.strip().lower() == "default":
        return None, None
    cleaned = text.strip().lower().removeprefix("after ").strip()
    if _TIME.match(cleaned):
        return None, parse_time(cleaned)
    match = re.fullmatch(r"(?:(\d+)h)?\s*(?:(\d+)m)?", cleaned)
    if match is None or not any(match.groups()):
        raise ScheduleError(
            f"'{text}' is not a reveal time: use a delay like 4h or 90m, or a time like 17:00"
        )
    delay = timedelta(hours=int(match.group(1) or 0), minutes=int(match.group(2) or 0))
    if not timedelta(minutes=5) <= delay <= timedelta(days=7):
        raise ScheduleError("reveal between 5 minutes and 7 days after posting")
    return delay, None


def parse_difficulty(text: str | None) -> Difficulty | None:
    if text is None or text.strip().lower() in {"", "any"}:
        return None
    try:
        return Difficulty(text.strip().lower())
    except ValueError:
        raise ScheduleError(
            f"'{text}' is not a difficulty: use easy, medium, hard or any"
        ) from None


def make_schedule(
    channel: ChannelRef,
    post_time: str,
    timezone: str,
    days: str | None = None,
    difficulty: str | None = None,
    reveal: str | None = None,
    banks: str | None = None,
) -> Schedule:
    """A schedule from what an admin typed; every problem is a ScheduleError with a sentence.

    ``difficulty`` is any, easy, medium, hard, or a weekly rotation like mon:easy,fri:hard."""
    rotation: tuple[tuple[int, Difficulty], ...] = ()
    level: Difficulty | None = None
    if difficulty is not None and ":" in difficulty:
        rotation = parse_rotation(difficulty)
    else:
        level = parse_difficulty(difficulty)
    reveal_after, reveal_at = parse_reveal(reveal)
    return Schedule(
        channel=channel,
        post_time=parse_time(post_time),
        timezone=parse_timezone(timezone),
        days=parse_days(days),
        difficulty=level,
        rotation=rotation,
        reveal_after=reveal_after,
        reveal_at=reveal_at,
        banks=tuple(
            dict.fromkeys(b.strip().lower() for b in re.split(r"[,\s]+", banks or "") if b.strip())
        ),
    )


@dataclass(frozen=True, slots=True)
class PostClaim:
    channel: ChannelRef
    local_date: str
    due_at: datetime
    status: str
    """claimed, posted, skipped or failed."""
    round_id: int | None = None
    message_ref: str | None = None
    reveal_at: datetime | None = None
    revealed_at: datetime | None = None
    detail: str = ""

    @property
    def nonce(self) -> str:
        """The same on every try of this post, so that a platform can drop a repeat."""
        return f"{self.channel.scope}:{self.local_date}"


class ScheduleService:
    """Admins' schedule commands; the store keeps one schedule per channel."""

    def __init__(
        self, store: ScheduleStore, clock: Clock, known_banks: Callable[[], set[str]] = set
    ) -> None:
        self.store = store
        self.clock = clock
        self.known_banks = known_banks
        self.on_change: Callable[[], None] = lambda: None
        """Called after every change, so that a running scheduler wakes up."""

    async def set(self, schedule: Schedule) -> Schedule:
        """Save a schedule; its first post is the next slot from now (none is back-filled)."""
        unknown = [bank for bank in schedule.banks if bank not in self.known_banks()]
        if unknown:
            known = ", ".join(sorted(self.known_banks())) or "none loaded"
            raise ScheduleError(f"There is no bank '{unknown[0]}'. Banks: {known}.")
        saved = replace(schedule, next_post_at=schedule.next_post(self.clock.now()))
        await self.store.save_schedule(saved)
        self.on_change()
        return saved

    async def get(self, channel: ChannelRef) -> Schedule:
        found = await self.store.schedule(channel)
        if found is None:
            raise ScheduleError("This channel has no schedule: set one with schedule set.")
        return found

    async def of_workspace(self, platform: str, workspace: str) -> list[Schedule]:
        return await self.store.schedules(platform, workspace)

    async def pause(self, channel: ChannelRef, paused: bool = True) -> Schedule:
        """Pause, or resume: a resumed schedule posts from the next slot on, never the missed
        days (and a schedule disabled after a failure is enabled again)."""
        current = await self.get(channel)
        updated = replace(current, paused=paused)
        if not paused:
            now = self.clock.now()
            updated = replace(updated, next_post_at=current.next_post(now), disabled_reason=None)
        await self.store.save_schedule(updated)
        self.on_change()
        return updated

    async def problems(self, channel: ChannelRef, limit: int = 3) -> list[PostClaim]:
        """The channel's recent posts that were skipped or failed, newest first."""
        recent = await self.store.recent_posts(channel, limit)
        return [claim for claim in recent if claim.status in {"skipped", "failed"}]

    async def remove(self, channel: ChannelRef) -> Schedule:
        current = await self.get(channel)
        await self.store.remove_schedule(channel)
        self.on_change()
        return current


class ScheduleStore(Protocol):
    async def save_schedule(self, schedule: Schedule) -> None: ...
    async def schedule(self, channel: ChannelRef) -> Schedule | None: ...
    async def schedules(self, platform: str, workspace: str) -> list[Schedule]: ...
    async def remove_schedule(self, channel: ChannelRef) -> None: ...
    async def recent_posts(self, channel: ChannelRef, limit: int = 7) -> list[PostClaim]: ...
