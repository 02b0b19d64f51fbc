"""`quizbot bench fanout`: one scheduler tick posting to N channels through Discord's limit.

The real scheduler, ``QuizBot`` (real discord.py) and ``DiscordPoster`` on a real SQLite store,
against the fake Discord (``bot.testing.discord``) with a guild of N text channels. Every
channel has a daily schedule due at the same minute (a ``FakeClock`` is moved to it); once the
bot is ready the fake answers 429 beyond 50 requests per second, as Discord's global limit
does, and one ``Scheduler.tick()`` is timed. Then the fake's messages are counted per channel:
a channel with more than one is a duplicate, one with none was skipped.

The fake's limit is one fixed 1-second window for all routes, started by the first request
after the previous window ended, and discord.py learns of it only from the 429 (no bucket
headers on success): it then holds every request until the window's end (``Retry-After``).
The first 50 requests go at once and the last window need not be full, so N requests can
finish in about ceil(N/50) - 1 s: up to a second under the floor N/50 s, which is not a bug.

A post that raises is logged by the scheduler and left for a retry; the bench counts those
exceptions by type instead of printing a traceback for each, and such a channel is skipped.

Then the memory part: 10,000 schedules, all due, saved into a fresh store through the schedule
service, then ``due_schedules`` and ``next_wakeup`` as the scheduler calls them; the figure is
the process's peak RSS (``ru_maxrss``), which includes the fan-out before it.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.discord.bot import QuizBot
from bot.adapters.discord.poster import DiscordPoster
from bot.bench.common import synthetic_bank
from bot.core.clock import FakeClock
from bot.core.library import BankLibrary
from bot.core.permissions import AdminPolicy
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef
from bot.core.schedule import make_schedule
from bot.core.scheduler import Scheduler
from bot.store.sqlite import SqliteStore
from bot.testing.discord import (
    GUILD_ID,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    default_guild,
    running_client,
)

RATE_LIMIT = 50
"""Requests per second the fake allows, as Discord's global limit."""
FIRST_CHANNEL_ID = 1_310_000_000_000_000_001
POST_TIME = "09:00"
# A Monday, an hour before every schedule's post time; the tick runs at the post time.
START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SAVE_BATCH = 500
"""Schedules saved side by side: the store's writer runs queued jobs together."""


@dataclass(frozen=True, slots=True)
class FanoutResult:
    channels: int
    seconds: float
    """One ``Scheduler.tick()``, start to end."""
    posted: int
    """Message POSTs the fake accepted."""
    rate_limited: int
    """429 responses the fake gave."""
    duplicates: int
    """Channels with more than one message."""
    skipped: int
    """Channels with no message."""
    failed: bool
    """Whether the tick reported a post to try again."""
    errors: tuple[tuple[str, int], ...] = ()
    """Exceptions the scheduler logged for posts it left for a retry: (type, count)."""

    @property
    def floor(self) -> float:
        return self.channels / RATE_LIMIT

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor if self.floor else 0.0


@dataclass(frozen=True, slots=True)
class MemoryResult:
    schedules: int
    due: int
    """Schedules ``due_schedules`` returned (all of them are due)."""
    save_seconds: float
    query_seconds: float
    """``due_schedules`` and ``next_wakeup`` together."""
    rss_before_mb: float
    """The process's peak RSS before the schedules were loaded (the fan-out's)."""
    peak_rss_mb: float


def channel_ids(count: int) -> list[int]:
    return [FIRST_CHANNEL_ID + number for number in range(count)]


def fanout_guild(ids: Sequence[int]) -> FakeGuild:
    """The fake's default guild (roles, members), with ``ids`` as its only text channels."""
    guild = default_guild()
    guild.channels = [
        FakeChannel(channel_id, f"quiz-{number}", position=number)
        for number, channel_id in enumerate(ids)
    ]
    return guild


def channel_ref(channel_id: int) -> ChannelRef:
    return ChannelRef("discord", str(GUILD_ID), str(channel_id))


async def save_schedules(quiz: Quiz, ids: Sequence[int]) -> None:
    """A daily 09:00 UTC schedule in each channel, through the admins' schedule service."""
    for start in range(0, len(ids), SAVE_BATCH):
        await asyncio.gather(
            *(
                quiz.schedules.set(make_schedule(channel_ref(cid), POST_TIME, "UTC", "daily"))
                for cid in ids[start : start + SAVE_BATCH]
            )
        )


@contextmanager
def scheduler_errors() -> Iterator[Counter[str]]:
    """Count the exceptions the scheduler logs (a post left for a retry) instead of printing
    a traceback for each."""
    counts: Counter[str] = Counter()

    class Count(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info and record.exc_info[0] is not None:
                counts[record.exc_info[0].__name__] += 1

    logger = logging.getLogger("bot.core.scheduler")
    handler, propagate, level = Count(logging.ERROR), logger.propagate, logger.level
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.ERROR)
    try:
        yield counts
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        logger.setLevel(level)


async def run_fanout(folder: Path, channels: int) -> FanoutResult:
    ids = channel_ids(channels)
    clock = FakeClock(START)
    store = await SqliteStore.open(folder / "fanout.db")
    try:
        quiz = Quiz(store, BankLibrary([synthetic_bank()]), clock)
        await quiz.start()
        await save_schedules(quiz, ids)

        def make_bot() -> QuizBot:
            return QuizBot(
                quiz, guild_ids=[GUILD_ID], admins=AdminPolicy(), guild_ready_timeout=0.05
            )

        async with (
            FakeDiscord(guilds=[fanout_guild(ids)]) as fake,
            running_client(fake, make_bot) as bot,
        ):
            scheduler = Scheduler(quiz, store, {"discord": DiscordPoster(bot)}, clock)
            clock.set(DUE)
            fake.rate_limit(RATE_LIMIT, per=1.0)
            mark = len(fake.requests)
            with scheduler_errors() as errors:
                started = time.perf_counter()
                failed = await scheduler.tick()
                seconds = time.perf_counter() - started
            fake.rate_limit(None)
            requests = fake.requests[mark:]
            counts = [len(fake.messages_in(cid, include_ephemeral=False)) for cid in ids]
    finally:
        await store.close()
    return FanoutResult(
        channels=channels,
        seconds=seconds,
        posted=sum(
            1
            for r in requests
            if r.method == "POST" and r.path.endswith("/messages") and r.status < 300
        ),
        rate_limited=sum(1 for r in requests if r.status == 429),
        duplicates=sum(1 for count in counts if count > 1),
        skipped=sum(1 for count in counts if count == 0),
        failed=failed,
        errors=tuple(errors.most_common()),
    )


def peak_rss_mb() -> float:
    """The process's peak resident set so far, in MB (ru_maxrss is KiB on Linux, bytes on
    macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


async def run_memory(folder: Path, schedules: int) -> MemoryResult:
    before = peak_rss_mb()
    clock = FakeClock(START)
    store = await SqliteStore.open(folder / "schedules.db")
    try:
        quiz = Quiz(store, BankLibrary([synthetic_bank()]), clock)
        await quiz.start()
        started = time.perf_counter()
        await save_schedules(quiz, channel_ids(schedules))
        saved = time.perf_counter()
        due = await store.due_schedules(DUE)
        await store.next_wakeup()
        queried = time.perf_counter()
        peak = peak_rss_mb()
        count = len(due)
        del due
    finally:
        await store.close()
    return MemoryResult(
        schedules=schedules,
        due=count,
        save_seconds=saved - started,
        query_seconds=queried - saved,
        rss_before_mb=before,
        peak_rss_mb=peak,
    )


async def bench_fanout(
    *, channels: int, schedules: int = 10_000
) -> tuple[FanoutResult, MemoryResult]:
    with tempfile.TemporaryDirectory(prefix="quizbot-bench-fanout-") as folder:
        fanout = await run_fanout(Path(folder), channels)
        memory = await run_memory(Path(folder), schedules)
    return fanout, memory
