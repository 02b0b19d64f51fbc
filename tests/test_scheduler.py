"""The daily runner on an injected clock: on time, in the right zone, exactly once."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import make_bank

from bot.core.clock import FakeClock
from bot.core.library import BankLibrary
from bot.core.outcomes import Posted, Reveal
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef
from bot.core.schedule import make_schedule
from bot.core.scheduler import ChannelUnavailable, Scheduler
from bot.store.sqlite import SqliteStore

GENERAL = ChannelRef("console", "local", "general")
RANDOM = ChannelRef("console", "local", "random")
MONDAY_8 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@dataclass
class RecordingPoster:
    """Puts rounds nowhere but remembers them; can fail on demand."""

    posts: list[tuple[str, int, str]] = field(default_factory=list)
    reveals: list[int] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    crash_once: bool = False
    reveal_failures: int = 0
    posted: asyncio.Event = field(default_factory=asyncio.Event)

    async def post(self, posted: Posted, nonce: str) -> str:
        if posted.round.channel.channel in self.gone:
            raise ChannelUnavailable("403 Missing Access")
        if self.crash_once:
            self.crash_once = False
            raise RuntimeError("the process died here")
        self.posts.append((posted.round.channel.channel, posted.round.id, nonce))
        self.posted.set()
        return f"msg-{posted.round.id}"

    async def reveal(self, reveal: Reveal) -> None:
        if reveal.round.channel.channel in self.gone:
            raise ChannelUnavailable("404 Unknown Channel")
        if self.reveal_failures:
            self.reveal_failures -= 1
            raise RuntimeError("HTTP 503 from the platform")
        self.reveals.append(reveal.round.id)


@dataclass
class Setup:
    quiz: Quiz
    store: SqliteStore
    clock: FakeClock
    poster: RecordingPoster
    scheduler: Scheduler
    db: Path

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql).fetchall()

    async def at(self, when: datetime) -> bool:
        self.clock.set(when)
        return await self.scheduler.tick()


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    db = tmp_path / "quiz.db"
    store = await SqliteStore.open(db)
    clock = FakeClock(MONDAY_8)
    quiz = Quiz(store, BankLibrary([make_bank("demo", easy=20)]), clock, rng=random.Random(3))
    await quiz.start()
    poster = RecordingPoster()
    scheduler = Scheduler(quiz, store, {"console": poster}, clock)
    yield Setup(quiz, store, clock, poster, scheduler, db)
    await store.close()


async def test_posts_on_time_and_reveals_a_minute_before_the_next(setup: Setup) -> None:
    await setup.quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "mon-fri"))
    await setup.at(MONDAY_8 + timedelta(minutes=59))
    assert setup.poster.posts == []
    await setup.at(MONDAY_8 + timedelta(hours=1))
    assert [(c, n) for c, _, n in setup.poster.posts] == [
        ("general", "console:local:general:2026-11-30")
    ]
    assert await setup.store.next_wakeup() == datetime(2026, 12, 1, 8, 59, tzinfo=UTC)
    await setup.at(datetime(2026, 12, 1, 8, 59, tzinfo=UTC))
    assert setup.poster.reveals == [setup.poster.posts[0][1]]
    await setup.at(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    assert len(setup.poster.posts) == 2
    assert setup.rows("SELECT COUNT(*) FROM rounds WHERE closed_at IS NULL") == [(1,)]


async def test_weekends_are_skipped_and_the_reveal_waits_at_most_23_hours(setup: Setup) -> None:
    await setup.quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "mon-fri"))
    friday = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    setup.clock.set(friday - timedelta(minutes=1))
    await setup.quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "mon-fri"))
    await setup.at(friday)
    (claim,) = await setup.store.recent_posts(GENERAL)
    assert claim.reveal_at == friday + timedelta(hours=23)
    schedule = await setup.quiz.schedules.get(GENERAL)
    assert schedule.next_post_at == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Monday


@pytest.mark.parametrize(
    ("zone", "day", "wall", "expected_local"),
    [
        ("Europe/Berlin", datetime(2027, 3, 28, tzinfo=UTC), "02:30", "03:00"),  # spring forward
        ("America/New_York", datetime(2027, 3, 14, tzinfo=UTC), "02:15", "03:00"),
        ("Europe/Berlin", datetime(2026, 10, 25, tzinfo=UTC), "02:30", "02:30"),  # fall back
        ("America/New_York", datetime(2026, 11, 1, tzinfo=UTC), "01:30", "01:30"),
    ],
)
async def test_dst_days_post_once_at_a_real_time(
    setup: Setup, zone: str, day: datetime, wall: str, expected_local: str
) -> None:
    setup.clock.set(day - timedelta(days=1))
    await setup.quiz.schedules.set(make_schedule(GENERAL, wall, zone, "daily"))
    for hour in range(0, 48):
        await setup.at(day - timedelta(hours=6) + timedelta(hours=hour / 2))
    claims = {c.local_date: c for c in await setup.store.recent_posts(GENERAL, limit=10)}
    local_day = (day.astimezone(ZoneInfo(zone)) + timedelta(hours=12)).date().isoformat()
    claim = claims[local_day]
    assert claim.status == "posted"
    assert claim.due_at.astimezone(ZoneInfo(zone)).strftime("%H:%M") == expected_local
    # One post per local day, never two on the day the clocks go back.
    days = [channel_day for _, _, channel_day in setup.poster.posts]
    assert len(days) == len(set(days))


async def test_pause_posts_nothing_and_resume_does_not_catch_up(setup: Setup) -> None:
    await setup.quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "daily"))
    await setup.quiz.schedules.pause(GENERAL)
    for day in range(3):
        await setup.at(MONDAY_8 + timedelta(days=day, hours=2))
    assert setup.poster.posts == []
    resumed = await setup.quiz.schedules.pause(GENERAL, paused=False)
    assert resumed.next_post_at == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    await setup.at(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    assert len(setup.poster.posts) == 1


async def test_restart_inside_the_grace_window_posts_late(setup: Setup) -> None:
    await setup.quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "daily"))
    await setup.at(MONDAY_8 + timedelta(hours=2, minutes=30))  # 1 h 30 late
    assert len(setup.poster.posts) == 1


async def test_restart_outside_the_grace_window_skips_and_says_so(setup: Setup) -> None:
    await setup.quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "daily"))
    await setup.at(MONDAY_8 + timedelta(hours=4))  # 3 h late
    assert setup.poster.posts == []
    (claim,) = await setup.store.recent_posts(GENERAL)
    assert claim.status == "skipped" and "longer than the grace window" in claim.detail
    schedule = await setup.quiz.schedules.get(GENERAL)
    assert schedule.next_post_at == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def test_a_crash_between_claim_and_post_does_not_post_twice(setup: Setup) -> None:
    await setup.quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "daily"))
    setup.poster.crash_once = True
    assert await setup.at(MONDAY_8 + timedelta(hours=1)) is True  # failed: try again
    assert setup.rows("SELECT status, round_id IS NOT NULL FROM schedule_posts") == [("claimed", 1)]
    # A new process on the same database, a minute later.
    again = Scheduler(setup.quiz, setup.store, {"console": setup.poster}, setup.clock)
    setup.clock.advance(minutes=1)
    assert await again.tick() is False
    assert len(setup.poster.posts) == 1
    assert setup.rows("SELECT COUNT(*) FROM rounds") == [(1,)]  # the claimed round, reused
    assert setup.rows("SELECT status FROM schedule_posts") == [("posted",)]


async def test_a_reveal_the_platform_refused_goes_out_on_the_next_tick_once(setup: Setup) -> None:
    await setup.quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "daily"))
    await setup.at(MONDAY_8 + timedelta(hours=1))
    round_id = setup.poster.posts[0][1]
    setup.poster.reveal_failures = 1
    reveal_time = datetime(2026, 12, 1, 8, 59, tzinfo=UTC)
    assert await setup.at(reveal_time) is True  # failed: try again soon
    assert setup.poster.reveals == []
    assert setup.rows("SELECT closed_at IS NOT NULL, revealed_at FROM rounds") == [(1, None)]
    assert await setup.at(reveal_time + timedelta(seconds=30)) is False
    assert setup.poster.reveals == [round_id]
    await setup.at(reveal_time + timedelta(seconds=31))  # nothing left to reveal
    assert setup.poster.reveals == [round_id]
    assert setup.rows("SELECT revealed_at IS NOT NULL FROM schedule_posts") == [(1,)]


async def test_a_failed_reveal_of_the_previous_round_does_not_post_a_second_round(
    setup: Setup,
) -> None:
    # The previous round is still open when the next post is due (reveal policy 17:00 of a
    # later day never comes first): posting closes it and reveals it, and that reveal fails.
    await setup.quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "daily", None, "48h"))
    await setup.at(MONDAY_8 + timedelta(hours=1))
    first = setup.poster.posts[0][1]
    setup.poster.reveal_failures = 1
    tuesday_9 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert await setup.at(tuesday_9) is True
    assert len(setup.poster.posts) == 1 and setup.poster.reveals == []  # wait for the next try
    (claimed,) = setup.rows("SELECT round_id FROM schedule_posts WHERE local_date = '2026-12-01'")
    await setup.at(tuesday_9 + timedelta(seconds=30))
    assert [r for _, r, _ in setup.poster.posts] == [first, claimed[0]]
    assert setup.poster.reveals == [first]  # late, and once
    # Only the two rounds exist: the retry reused the claimed one instead of drawing another.
    assert setup.rows("SELECT COUNT(*), SUM(closed_at IS NULL) FROM rounds") == [(2, 1)]


async def test_a_reveal_that_failed_outside_the_schedule_is_posted_by_the_next_tick(
    setup: Setup,
) -> None:
    """An admin's "reveal now" closed the round, then the platform refused the message."""
    posted = await setup.quiz.rounds.post_daily(GENERAL)
    reveal = await setup.quiz.rounds.close_open(GENERAL)
    with pytest.raises(RuntimeError):
        async with setup.quiz.rounds.announcing(reveal) as mine:
            assert mine
            raise RuntimeError("HTTP 503 from the platform")
    assert await setup.at(MONDAY_8 + timedelta(minutes=1)) is False
    assert setup.poster.reveals == [posted.round.id]
    await setup.at(MONDAY_8 + timedelta(minutes=2))
    assert setup.poster.reveals == [posted.round.id]


async def test_an_admin_post_the_platform_refused_is_posted_on_schedule_not_revealed(
    setup: Setup,
) -> None:
    await setup.quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "daily"))
    refused = await setup.quiz.rounds.post_daily(GENERAL)  # "post now": no message recorded
    await setup.at(MONDAY_8 + timedelta(hours=1))
    assert [r for _, r, _ in setup.poster.posts] == [refused.round.id]
    assert setup.poster.reveals == []  # nobody saw it: nothing to reveal
    assert setup.rows("SELECT id, closed_at, message_ref FROM rounds") == [
        (refused.round.id, None, f"msg-{refused.round.id}")
    ]
    # From then on the schedule goes on as usual: the next post reveals it.
    await setup.at(MONDAY_8 + timedelta(days=1, hours=1))
    assert setup.poster.reveals == [refused.round.id]
    assert len(setup.poster.posts) == 2


async def test_a_gone_channel_is_disabled_while_the_others_post(setup: Setup) -> None:
    await setup.quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "daily"))
    await setup.quiz.schedules.set(make_schedule(RANDOM, "09:00", "UTC", "daily"))
    setup.poster.gone.add("general")
    await setup.at(MONDAY_8 + timedelta(hours=1))
    assert [c for c, _, _ in setup.poster.posts] == ["random"]
    general = await setup.quiz.schedules.get(GENERAL)
    assert general.disabled_reason and "403 Missing Access" in general.disabled_reason
    await setup.at(MONDAY_8 + timedelta(days=1, hours=1))
    assert [c for c, _, _ in setup.poster.posts] == ["random", "random"]
    resumed = await setup.quiz.schedules.pause(GENERAL, paused=False)
    assert resumed.disabled_reason is None  # resuming enables it again


async def test_a_reveal_into_a_gone_channel_is_dropped_once_not_retried_forever(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    await setup.quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "daily"))
    await setup.at(MONDAY_8 + timedelta(hours=1))
    setup.poster.gone.add("general")  # the channel was deleted after the post
    reveal_time = datetime(2026, 12, 1, 8, 59, tzinfo=UTC)
    assert await setup.at(reveal_time) is False  # nothing left to try again
    assert setup.poster.reveals == []
    assert setup.rows("SELECT closed_at IS NOT NULL, revealed_at IS NOT NULL FROM rounds") == [
        (1, 1)
    ]
    dropped = [r.getMessage() for r in caplog.records if "event=drop" in r.getMessage()]
    assert len(dropped) == 1 and "404 Unknown Channel" in dropped[0]
    await setup.at(reveal_time + timedelta(seconds=30))
    assert len([r for r in caplog.records if "event=drop" in r.getMessage()]) == 1


async def test_rotation_and_reveal_policies_are_followed(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "quiz.db")
    clock = FakeClock(MONDAY_8)
    bank = make_bank("demo", easy=5, medium=5, hard=5)
    quiz = Quiz(store, BankLibrary([bank]), clock, rng=random.Random(3))
    await quiz.start()
    poster = RecordingPoster()
    scheduler = Scheduler(quiz, store, {"console": poster}, clock)
    try:
        await quiz.schedules.set(
            make_schedule(GENERAL, "09:00", "UTC", "mon,wed", "mon:hard,wed:easy", "4h")
        )
        clock.set(MONDAY_8 + timedelta(hours=1))
        await scheduler.tick()
        (claim,) = await store.recent_posts(GENERAL)
        assert claim.reveal_at == MONDAY_8 + timedelta(hours=5)  # 4 h after the post
        found = await quiz.rounds.round(poster.posts[0][1])
        assert found is not None and found[1] is not None
        assert found[1].difficulty.value == "hard"  # Monday's level
        await quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "daily", None, "17:00"))
        clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
        await scheduler.tick()
        latest = (await store.recent_posts(GENERAL))[0]
        assert latest.reveal_at == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    finally:
        await store.close()


async def test_every_post_reveal_and_skip_is_one_log_line(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="bot.core.scheduler")
    await setup.quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "daily"))
    await setup.at(MONDAY_8 + timedelta(hours=1))
    await setup.at(datetime(2026, 12, 1, 8, 59, tzinfo=UTC))
    await setup.at(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # 5 h late: skipped
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.core.scheduler"]
    round_id = setup.poster.posts[0][1]
    channel = "channel=console:local:general"
    assert lines[0].startswith(f"event=post {channel} day=2026-11-30 round={round_id} ")
    assert lines[1] == f"event=reveal {channel} round={round_id}"
    assert lines[2].startswith(f"event=skip {channel} day=2026-12-01 reason=")


async def test_a_schedule_posts_only_from_its_banks(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "quiz.db")
    clock = FakeClock(MONDAY_8)
    banks = [make_bank("alpha", easy=5), make_bank("beta", easy=5)]
    quiz = Quiz(store, BankLibrary(banks), clock, rng=random.Random(3))
    await quiz.start()
    poster = RecordingPoster()
    scheduler = Scheduler(quiz, store, {"console": poster}, clock)
    try:
        await quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "daily", banks="beta"))
        for day in range(4):
            clock.set(MONDAY_8 + timedelta(days=day, hours=1))
            await scheduler.tick()
        picked = [await quiz.rounds.round(round_id) for _, round_id, _ in poster.posts]
        assert len(picked) == 4
        assert {found[0].question.bank for found in picked if found} == {"beta"}
    finally:
        await store.close()


async def test_a_schedule_set_while_the_runner_works_is_not_slept_through(setup: Setup) -> None:
    """A change that lands while the runner is between its tick and its sleep (here: while it
    reads its next wake-up) wakes it, rather than being cleared with the old state."""
    store_next_wakeup = setup.store.next_wakeup
    changed_once = False

    async def next_wakeup_with_a_change_landing() -> datetime | None:
        nonlocal changed_once
        wake = await store_next_wakeup()  # read before the change: nothing scheduled
        if not changed_once:
            changed_once = True
            await setup.quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "mon-fri"))
            setup.clock.set(MONDAY_8 + timedelta(hours=1))  # and it is due
        return wake

    setup.store.next_wakeup = next_wakeup_with_a_change_landing  # type: ignore[method-assign]
    runner = asyncio.create_task(setup.scheduler.run())
    try:
        await asyncio.wait_for(setup.poster.posted.wait(), 5)
    finally:
        runner.cancel()
    assert [channel for channel, _, _ in setup.poster.posts] == ["general"]


async def test_a_schedule_written_by_another_process_is_picked_up(
    setup: Setup, tmp_path: Path
) -> None:
    """Another quizbot process on the same database (an admin's command it served) saves a
    schedule: this process's runner, asleep with nothing due, posts it once it is due."""
    runner = asyncio.create_task(setup.scheduler.run())
    try:
        await asyncio.sleep(0.05)  # asleep: nothing is scheduled
        other = await SqliteStore.open(setup.db)
        try:
            other_quiz = Quiz(other, BankLibrary([make_bank("demo", easy=20)]), setup.clock)
            await other_quiz.start()
            await other_quiz.schedules.set(make_schedule(GENERAL, "09:00", "UTC", "mon-fri"))
            setup.clock.set(MONDAY_8 + timedelta(hours=1))  # and it is due
        finally:
            await other.close()
        await asyncio.wait_for(setup.poster.posted.wait(), 30)
    finally:
        runner.cancel()
    assert [channel for channel, _, _ in setup.poster.posts] == ["general"]
