"""Reading the words people type after a text command (console, Slack's /quiz)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import Difficulty
from bot.core.outcomes import QuizError
from bot.core.rounds import ChannelRef
from bot.core.schedule import Schedule, ScheduleError, make_schedule, parse_timezone

SCHEDULE_USAGE = (
    "Usage: /quiz schedule set HH:MM [ZONE] [DAYS] [difficulty=LEVEL] [reveal=WHEN] "
    "[banks=ID,ID], e.g. /quiz schedule set 09:30 Europe/Berlin mon-fri reveal=4h"
)
_SCHEDULE_OPTIONS = ("difficulty", "reveal", "banks")


def bank_and_difficulty(args: Sequence[str], usage: str) -> tuple[str | None, Difficulty | None]:
    """``[BANK] [easy|medium|hard]`` in any order; anything more is ``usage``."""
    bank: str | None = None
    difficulty: Difficulty | None = None
    for arg in args:
        try:
            difficulty = Difficulty(arg.lower())
        except ValueError:
            if bank is not None:
                raise QuizError(usage) from None
            bank = arg
    return bank, difficulty


def schedule_from(channel: ChannelRef, args: Sequence[str], default_zone: str) -> Schedule:
    """``HH:MM [ZONE] [DAYS] [difficulty=..] [reveal=..] [banks=..]``, read by the same
    ``make_schedule`` the platforms' admin commands use; every problem is one sentence."""
    options: dict[str, str] = {}
    words: list[str] = []
    for arg in args:
        name, sep, value = arg.partition("=")
        if not sep:
            words.append(arg)
        elif name.lower() in _SCHEDULE_OPTIONS:
            options[name.lower()] = value
        else:
            raise ScheduleError(f"'{name}' is not a schedule option. {SCHEDULE_USAGE}")
    if not 1 <= len(words) <= 3:
        raise ScheduleError(SCHEDULE_USAGE)
    post_time, *rest = words
    zone, days = default_zone, None
    if len(rest) == 2:
        zone, days = rest
    elif rest:
        # One word after the time is a zone (Europe/Berlin, UTC) or days (mon-fri, daily).
        try:
            zone = parse_timezone(rest[0])
        except ScheduleError:
            if "/" in rest[0]:
                raise
            days = rest[0]
    return make_schedule(
        channel,
        post_time,
        zone,
        days,
        options.get("difficulty"),
        options.get("reveal"),
        options.get("banks"),
    )
