"""Schedules: what admins type, what is stored, and the next post time across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.models import Difficulty
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef
from bot.core.schedule import (
    DEFAULT_DAYS,
    ScheduleError,
    make_schedule,
    parse_days,
    parse_time,
)

CHANNEL = ChannelRef("discord", "g1", "c1")


@pytest.mark.parametrize(
    ("text", "days"),
    [
        (None, DEFAULT_DAYS),
        ("weekdays", DEFAULT_DAYS),
        ("mon-fri", DEFAULT_DAYS),
        ("Mon,Wed,Fri", frozenset({0, 2, 4})),
        ("daily", frozenset(range(7))),
        ("weekends", frozenset({5, 6})),
        ("fri-mon", frozenset({4, 5, 6, 0})),
        ("tuesday thursday", frozenset({1, 3})),
    ],
)
def test_days_are_read_as_people_write_them(text: str | None, days: frozenset[int]) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: parse_time("25:00"), "'25:00' is not a time of day (00:00 to 23:59)"),
        (lambda: parse_time("9am"), "'9am' is not a time: use HH:MM, e.g. 09:30"),
        (lambda: parse_days("funday"), "'funday' is not a weekday"),
        (
            lambda: make_schedule(CHANNEL, "09:00", "Mars/Olympus"),
            "'Mars/Olympus' is not a time zone: use an IANA name",
        ),
        (
            lambda: make_schedule(CHANNEL, "09:00", "UTC", difficulty="brutal"),
            "'brutal' is not a difficulty: use easy, medium, hard or any",
        ),
    ],
)
def test_bad_input_names_the_problem(call: object, message: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        call()  # type: ignore[operator]
    assert message in str(caught.value)


def test_next_post_skips_days_off_and_uses_the_zone() -> None:
    schedule = make_schedule(CHANNEL, "09:30", "Europe/Berlin", "mon-fri")
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    nxt = schedule.next_post(friday_evening)
    assert nxt.astimezone(ZoneInfo("Europe/Berlin")) == datetime(
        2026, 11, 30, 9, 30, tzinfo=ZoneInfo("Europe/Berlin")
    )


def test_spring_forward_moves_to_the_first_valid_minute() -> None:
    # 2027-03-14 02:30 does not exist in New York (clocks jump from 02:00 to 03:00).
    schedule = make_schedule(CHANNEL, "02:30", "America/New_York", "daily")
    nxt = schedule.next_post(datetime(2027, 3, 14, 0, 0, tzinfo=UTC))
    local = nxt.astimezone(ZoneInfo("America/New_York"))
    assert (local.date().isoformat(), local.time()) == ("2027-03-14", time(3, 0))


def test_fall_back_posts_once() -> None:
    # 2026-10-25 02:30 happens twice in Berlin; the schedule posts at the first one only.
    schedule = make_schedule(CHANNEL, "02:30", "Europe/Berlin", "daily")
    first = schedule.next_post(datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    second = schedule.next_post(first)
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert second.date().isoformat() == "2026-10-26"


async def test_schedules_are_stored_shown_paused_and_removed(quiz: Quiz) -> None:
    service = quiz.schedules
    saved = await service.set(make_schedule(CHANNEL, "9:05", "Europe/Berlin", "mon,wed", "hard"))
    shown = await service.get(CHANNEL)
    assert shown == saved
    assert shown.post_time == time(9, 5) and shown.difficulty is Difficulty.HARD
    assert shown.describe_days() == "Mon, Wed"
    assert (await service.pause(CHANNEL)).paused
    assert (await service.get(CHANNEL)).paused
    assert not (await service.pause(CHANNEL, paused=False)).paused
    assert [s.channel for s in await service.of_workspace("discord", "g1")] == [CHANNEL]
    await service.remove(CHANNEL)
    with pytest.raises(ScheduleError, match="no schedule"):
        await service.get(CHANNEL)


def test_a_weekly_rotation_sets_each_days_difficulty() -> None:
    schedule = make_schedule(CHANNEL, "09:00", "UTC", "mon,wed,fri", "mon:easy,wed:medium,fri:hard")
    monday = datetime(2026, 11, 30, tzinfo=UTC).date()
    assert [schedule.difficulty_on(monday + timedelta(days=n)) for n in (0, 2, 4)] == [
        Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD,
    ]  # fmt: skip
    assert schedule.describe_difficulty() == "Mon easy, Wed medium, Fri hard"
    with pytest.raises(ScheduleError, match="write day:level"):
        make_schedule(CHANNEL, "09:00", "UTC", None, "mon:easy,fri")


@pytest.mark.parametrize(
    ("text", "after", "at"),
    [("4h", timedelta(hours=4), None), ("90m", timedelta(minutes=90), None),
     ("2h30m", timedelta(hours=2, minutes=30), None), ("17:00", None, time(17, 0)),
     (None, None, None)],
)  # fmt: skip
def test_reveal_policies_are_read(
    text: str | None, after: timedelta | None, at: time | None
) -> None:
    schedule = make_schedule(CHANNEL, "09:00", "UTC", reveal=text)
    assert (schedule.reveal_after, schedule.reveal_at) == (after, at)


def test_a_bad_reveal_says_what_to_write() -> None:
    with pytest.raises(ScheduleError, match="a delay like 4h or 90m, or a time like 17:00"):
        make_schedule(CHANNEL, "09:00", "UTC", reveal="soon")
    with pytest.raises(ScheduleError, match="between 5 minutes and 7 days"):
        make_schedule(CHANNEL, "09:00", "UTC", reveal="200h")


async def test_policies_survive_the_database(quiz: Quiz) -> None:
    saved = await quiz.schedules.set(
        make_schedule(CHANNEL, "09:00", "UTC", "mon-fri", "mon:easy,fri:hard", "4h")
    )
    assert await quiz.schedules.get(CHANNEL) == saved


async def test_a_schedule_may_keep_to_chosen_banks(quiz: Quiz) -> None:
    bank = quiz.library.banks[0].id
    saved = await quiz.schedules.set(make_schedule(CHANNEL, "09:00", "UTC", banks=f" {bank} "))
    assert saved.banks == (bank,) and saved.describe_banks() == f"banks {bank}"
    assert (await quiz.schedules.get(CHANNEL)).banks == (bank,)
    with pytest.raises(ScheduleError, match="There is no bank 'nope'"):
        await quiz.schedules.set(make_schedule(CHANNEL, "09:00", "UTC", banks="nope"))
