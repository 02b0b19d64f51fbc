"""Scheduler leadership: of several processes on one database only the lease holder schedules;
a standby takes over within one poll of the leader's death, a leader that loses the lease stops.
On an injected clock (the poll's pause) with a fake lease, and the SQLite file lock for real."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import make_bank

from bot.core.clock import FakeClock
from bot.core.leadership import Leadership
from bot.core.library import BankLibrary
from bot.core.outcomes import Posted, Reveal
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef
from bot.core.schedule import make_schedule
from bot.core.scheduler import Scheduler
from bot.store.sqlite import SqliteStore
from bot.store.sqlite.lease import SqliteLease

POLL_S = 5.0
GENERAL = ChannelRef("console", "local", "general")
MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class LeaseBroker:
    """One lock, as the database holds it: whoever has it keeps it until they release it or
    their session dies."""

    def __init__(self) -> None:
        self.holder: str | None = None
        self.broken = False

    def lease(self, name: str) -> FakeLease:
        return FakeLease(self, name)


@dataclass
class FakeLease:
    broker: LeaseBroker
    name: str
    dead: bool = False

    async def acquire(self) -> bool:
        if self.broker.broken:
            raise ConnectionError("database unreachable")
        if self.dead:
            return False
        if self.broker.holder in (None, self.name):
            self.broker.holder = self.name
            return True
        return False

    async def release(self) -> None:
        if self.broker.holder == self.name and not self.dead:
            self.broker.holder = None

    def die(self) -> None:
        """The process is gone: its session, and the lock with it."""
        self.dead = True
        if self.broker.holder == self.name:
            self.broker.holder = None


class Timeline:
    """The injected clock of the polls: a pause ends when the test moves time past it."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.pauses: list[float] = []
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []

    async def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)
        wake = asyncio.get_running_loop().create_future()
        entry = (self.clock.now() + timedelta(seconds=seconds), wake)
        self._sleepers.append(entry)
        try:
            await wake
        finally:
            self._sleepers.remove(entry)

    async def advance(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)
        for due, wake in list(self._sleepers):
            if due <= self.clock.now() and not wake.done():
                wake.set_result(None)
        await settle()


async def settle() -> None:
    """Let every task run until it waits on something (the fake lease never touches I/O)."""
    for _ in range(50):
        await asyncio.sleep(0)


@dataclass
class Worker:
    """Stands in for the scheduler: running while it leads."""

    runs: int = 0
    running: bool = False
    fail: BaseException | None = None

    async def lead(self) -> None:
        self.runs += 1
        self.running = True
        try:
            if self.fail is not None:
                raise self.fail
            await asyncio.Event().wait()
        finally:
            self.running = False


@dataclass
class Process:
    leadership: Leadership
    worker: Worker
    lease: FakeLease
    changes: list[bool] = field(default_factory=list)
    task: asyncio.Task[None] | None = None


@asynccontextmanager
async def processes(
    broker: LeaseBroker, timeline: Timeline, *names: str
) -> AsyncIterator[list[Process]]:
    started = []
    for name in names:
        worker, lease = Worker(), broker.lease(name)
        changes: list[bool] = []
        leadership = Leadership(
            lease, worker.lead, poll_s=POLL_S, pause=timeline.pause, on_change=changes.append
        )
        process = Process(leadership, worker, lease, changes)
        process.task = asyncio.create_task(leadership.run())
        started.append(process)
        await settle()
    try:
        yield started
    finally:
        for process in started:
            assert process.task is not None
            process.task.cancel()
        await asyncio.gather(*(p.task for p in started if p.task), return_exceptions=True)


@pytest.fixture
def timeline() -> Timeline:
    return Timeline(FakeClock(MONDAY_9))


async def test_one_leads_and_a_standby_takes_over_within_one_poll_of_its_death(
    timeline: Timeline, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.core.leadership")
    broker = LeaseBroker()
    async with processes(broker, timeline, "a", "b") as (first, second):
        assert first.worker.running and not second.worker.running
        assert (first.changes, second.changes) == ([True], [])
        await timeline.advance(POLL_S * 3)  # polls go on; nothing changes hands
        assert first.worker.runs == 1 and second.worker.runs == 0

        first.lease.die()
        assert first.task is not None
        first.task.cancel()  # SIGKILL: nothing of it runs any more
        await settle()
        await timeline.advance(POLL_S - 0.1)
        assert not second.worker.running  # bounded, not instant: the standby's next poll
        await timeline.advance(0.1)
        assert second.worker.running and second.changes == [True]
        assert broker.holder == "b"
    assert set(timeline.pauses) == {POLL_S}
    gained = [r.getMessage() for r in caplog.records if "leader now" in r.getMessage()]
    assert len(gained) == 2  # one line per process that gained it


async def test_a_leader_that_loses_the_lease_stops_scheduling_at_its_next_poll(
    timeline: Timeline, caplog: pytest.LogCaptureFixture
) -> None:
    broker = LeaseBroker()
    async with processes(broker, timeline, "a") as (only,):
        assert only.worker.running
        broker.holder = "someone else"  # e.g. its database session was cut and re-won elsewhere
        await timeline.advance(POLL_S)
        assert not only.worker.running and only.changes == [True, False]
        assert only.leadership.leading is False
        assert any("lost the lease" in r.getMessage() for r in caplog.records)
        broker.holder = None
        await timeline.advance(POLL_S)
        assert only.worker.running and only.worker.runs == 2


async def test_an_unreachable_lease_stops_scheduling_and_says_so_once(
    timeline: Timeline, caplog: pytest.LogCaptureFixture
) -> None:
    broker = LeaseBroker()
    async with processes(broker, timeline, "a") as (only,):
        broker.broken = True
        for _ in range(4):
            await timeline.advance(POLL_S)
        assert not only.worker.running
        warnings = [r for r in caplog.records if "cannot check the lease" in r.getMessage()]
        assert len(warnings) == 1
        broker.broken = False
        await timeline.advance(POLL_S)
        assert only.worker.running


async def test_a_scheduler_that_fails_ends_the_leadership_with_its_error(
    timeline: Timeline,
) -> None:
    broker = LeaseBroker()
    worker = Worker(fail=RuntimeError("scheduler bug"))
    leadership = Leadership(broker.lease("a"), worker.lead, poll_s=POLL_S, pause=timeline.pause)
    with pytest.raises(RuntimeError, match="scheduler bug"):
        await asyncio.wait_for(leadership.run(), 5)
    assert broker.holder is None  # released on the way out


async def test_stopping_releases_the_lease_for_the_standby(timeline: Timeline) -> None:
    broker = LeaseBroker()
    async with processes(broker, timeline, "a") as (only,):
        assert broker.holder == "a"
        assert only.task is not None
        only.task.cancel()
        await settle()
        assert broker.holder is None and not only.worker.running


# --- with the real scheduler and store --------------------------------------------------------


@dataclass
class RecordingPoster:
    posts: list[int] = field(default_factory=list)
    posted: asyncio.Event = field(default_factory=asyncio.Event)

    async def post(self, posted: Posted, nonce: str) -> str:
        self.posts.append(posted.round.id)
        self.posted.set()
        return f"msg-{posted.round.id}"

    async def reveal(self, reveal: Reveal) -> None:
        return None


@asynccontextmanager
async def scheduler_process(
    db: Path, clock: FakeClock
) -> AsyncIterator[tuple[Callable[[], Scheduler], RecordingPoster]]:
    store = await SqliteStore.open(db)
    try:
        quiz = Quiz(store, BankLibrary([make_bank("demo", easy=5)]), clock, rng=random.Random(2))
        await quiz.start()
        poster = RecordingPoster()
        scheduler = Scheduler(quiz, store, {"console": poster}, clock)
        yield (lambda: scheduler), poster
    finally:
        await store.close()


async def test_the_standby_posts_the_due_question_once_the_leader_is_gone(
    tmp_path: Path, timeline: Timeline
) -> None:
    db = tmp_path / "quiz.db"
    broker = LeaseBroker()
    async with (
        scheduler_process(db, timeline.clock) as (first, first_poster),
        scheduler_process(db, timeline.clock) as (second, second_poster),
    ):
        dead = broker.lease("a")
        dead.die()  # the leader died before the post was due
        standby = Leadership(broker.lease("b"), second().run, poll_s=POLL_S, pause=timeline.pause)
        schedules = first().quiz.schedules
        timeline.clock.set(MONDAY_9 - timedelta(minutes=1))
        await schedules.set(make_schedule(GENERAL, "09:00", "UTC", "mon-fri"))
        timeline.clock.set(MONDAY_9)
        task = asyncio.create_task(standby.run())
        try:
            await asyncio.wait_for(second_poster.posted.wait(), 10)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        assert len(second_poster.posts) == 1 and first_poster.posts == []


# --- the SQLite lease: a file lock beside the database ----------------------------------------


async def test_the_sqlite_lease_is_held_by_one_store_on_a_file_at_a_time(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    first, second = SqliteLease(db), SqliteLease(db)
    assert await first.acquire() is True
    assert await first.acquire() is True  # staying leader
    assert await second.acquire() is False
    await first.release()
    assert await second.acquire() is True
    assert await first.acquire() is False
    await second.release()
    assert (tmp_path / "quiz.db.scheduler-lock").exists()


async def test_the_sqlite_lease_is_free_once_its_holder_process_dies(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    script = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from bot.store.sqlite.lease import SqliteLease\n"
        "lease = SqliteLease(Path(sys.argv[1]))\n"
        "assert asyncio.run(lease.acquire())\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n"
    )
    holder = await asyncio.create_subprocess_exec(
        __import__("sys").executable, "-c", script, str(db),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"held\n"
        mine = SqliteLease(db)
        assert await mine.acquire() is False
        holder.kill()
        await holder.wait()
        assert await mine.acquire() is True
        await mine.release()
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()
