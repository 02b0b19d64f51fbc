"""Review reminders: opt-in, once per due day, through the durable scheduler."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from conftest import make_bank, wrong_letters
from pg_fixtures import OpenStore, table_rows

from bot.core.clock import FakeClock
from bot.core.library import BankLibrary
from bot.core.outcomes import Exhausted, Posted, QuizError, Reveal
from bot.core.quiz import Quiz
from bot.core.reminders import DirectRefused
from bot.core.rounds import ChannelRef, UserRef
from bot.core.scheduler import Scheduler

pytestmark = pytest.mark.both_stores

CHANNEL = ChannelRef("console", "local", "general")
ANN = UserRef("console", "local", "ann", "Ann")
MONDAY_8 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@dataclass
class DmPoster:
    """A poster that also sends private messages; remembers them, can refuse or crash."""

    sent: list[tuple[str, int, str]] = field(default_factory=list)
    refuse: bool = False
    crash_after_send: bool = False

    async def post(self, posted: Posted, nonce: str) -> str:  # pragma: no cover - no schedule
        return "msg"

    async def reveal(self, reveal: Reveal) -> None:  # pragma: no cover - no schedule
        return None

    async def send_reminder(self, user: UserRef, due: int, nonce: str) -> None:
        if self.refuse:
            raise DirectRefused("50007 Cannot send messages to this user")
        self.sent.append((user.user, due, nonce))
        if self.crash_after_send:
            self.crash_after_send = False
            raise RuntimeError("the process died before recording it")


class World:
    def __init__(self, open_store: OpenStore, db: Path) -> None:
        self.open_store = open_store
        self.db = db
        self.clock = FakeClock(MONDAY_8)
        self.poster = DmPoster()

    async def start(self) -> None:
        self.store = await self.open_store()
        self.quiz = Quiz(
            self.store, BankLibrary([make_bank("demo", easy=5)]), self.clock, rng=random.Random(2)
        )
        await self.quiz.start()
        self.scheduler = Scheduler(self.quiz, self.store, {"console": self.poster}, self.clock)

    async def restart(self) -> None:
        await self.store.close()
        await self.start()

    async def at(self, when: datetime) -> bool:
        self.clock.set(when)
        return await self.scheduler.tick()

    async def miss_one(self) -> None:
        posted = await self.quiz.rounds.post_daily(CHANNEL)
        for letter in wrong_letters(posted.question)[: posted.question.attempts]:
            result = await self.quiz.rounds.answer(posted.round.id, ANN, [letter])
        assert isinstance(result, Exhausted)
        await self.quiz.rounds.close_open(CHANNEL)

    async def rows(self, sql: str) -> list[tuple[object, ...]]:
        return await table_rows(self.store, self.db, sql)


@pytest.fixture
async def world(open_store: OpenStore, db_path: Path):
    made = World(open_store, db_path)
    await made.start()
    yield made
    await made.store.close()


async def test_reminds_once_per_due_day_across_a_restart(world: World):
    await world.miss_one()  # due Tuesday 08:00 UTC
    reminder = await world.quiz.review.reminders.set_from_args(ANN, ["on", "09:30", "UTC"])
    assert reminder is not None and reminder.remind_at == time(9, 30)

    await world.at(datetime(2026, 11, 30, 9, 30, tzinfo=UTC))  # Monday: nothing due yet
    assert world.poster.sent == []
    await world.at(datetime(2026, 12, 1, 9, 29, tzinfo=UTC))
    assert world.poster.sent == []
    world.poster.crash_after_send = True
    assert (
        await world.at(datetime(2026, 12, 1, 9, 30, tzinfo=UTC)) is True
    )  # failed: tried again on the next tick
    assert len(world.poster.sent) == 1

    await world.restart()
    await world.at(datetime(2026, 12, 1, 9, 31, tzinfo=UTC))
    await world.at(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    # Retried with the day's nonce (the platform drops the repeat), then never again that day.
    assert [nonce for _, _, nonce in world.poster.sent] == ["remind-1-2026-12-01"] * 2
    claims = "SELECT local_date, status FROM review_reminder_claims ORDER BY local_date"
    assert await world.rows(claims) == [
        ("2026-11-30", "nothing"),
        ("2026-12-01", "sent"),
    ]

    await world.at(datetime(2026, 12, 2, 9, 30, tzinfo=UTC))  # still due Wednesday
    assert len(world.poster.sent) == 3
    assert world.poster.sent[-1] == ("ann", 1, "remind-1-2026-12-02")


async def test_a_blocked_dm_switches_the_reminder_off(world: World, caplog):
    await world.miss_one()
    await world.quiz.review.reminders.set_from_args(ANN, ["on", "10:00"])
    world.poster.refuse = True

    with caplog.at_level(logging.WARNING, logger="bot.core.reminders"):
        await world.at(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    assert [r.message for r in caplog.records if "remind-off" in r.message] != []
    assert len([r for r in caplog.records if "remind-off" in r.message]) == 1

    world.poster.refuse = False
    await world.at(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    assert world.poster.sent == []
    found = await world.quiz.review.reminders.get(ANN)
    assert found is not None and not found.enabled
    assert "refused" in (found.disabled_reason or "")


async def test_remind_off_and_bad_input(world: World):
    reminders = world.quiz.review.reminders
    with pytest.raises(QuizError, match="not a time"):
        await reminders.set_from_args(ANN, ["on", "25:00"])
    with pytest.raises(QuizError, match="not a time zone"):
        await reminders.set_from_args(ANN, ["on", "09:00", "Mars/Olympus"])
    with pytest.raises(QuizError, match="Usage"):
        await reminders.set_from_args(ANN, ["sometimes"])
    assert await reminders.get(ANN) is None
    await world.miss_one()
    await reminders.set_from_args(ANN, ["on", "08:00", "Europe/Berlin"])
    assert await reminders.set_from_args(ANN, ["off"]) is None
    await world.at(datetime(2026, 12, 1, 7, 0, tzinfo=UTC))
    assert world.poster.sent == []


async def test_a_zone_sets_the_local_time(world: World):
    await world.miss_one()
    await world.quiz.review.reminders.set_from_args(ANN, ["on", "08:00", "Europe/Berlin"])
    assert await world.quiz.review.reminders.next_wakeup({"console": world.poster}) == datetime(
        2026, 12, 1, 7, 0, tzinfo=UTC
    )  # 08:00 in Berlin had passed when it was set (09:00 there)
    await world.at(datetime(2026, 12, 1, 6, 59, tzinfo=UTC))
    assert world.poster.sent == []
    await world.at(datetime(2026, 12, 1, 7, 0, tzinfo=UTC) + timedelta(seconds=1))
    assert len(world.poster.sent) == 1
