"""Question analytics for admins and bank authors: how each question actually plays.

The store counts (``AnalyticsStore``); the rates, the measured difficulty and its flags are
worked out here, so that every store and every channel reports the same numbers.

Units: an *answer* is one person's go at one round of the question (their score row, however
many attempts it took); *participants* are the distinct people who answered it. Solve rate,
first-try rate and mean attempts are per answer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, TextIO

from bot.core.models import Difficulty, QuestionKey
from bot.core.order import OptionOrder
from bot.core.outcomes import QuizError

FLAG_PARTICIPANTS = 20
"""Below this many participants a measured difficulty is too noisy to flag."""
EASY_FIRST_TRY = 0.7
"""A first-try rate at least this measures easy."""
HARD_FIRST_TRY = 0.4
"""A first-try rate below this measures hard."""
MOSTLY = 0.5


@dataclass(frozen=True, slots=True)
class StatsFilter:
    """Which rounds count: opened in [since, until), on a platform / workspace / channel, of a
    bank. None means any."""

    since: datetime | None = None
    until: datetime | None = None
    platform: str | None = None
    workspace: str | None = None
    channel: str | None = None
    bank: str | None = None


@dataclass(frozen=True, slots=True)
class QuestionCounts:
    question: QuestionKey
    difficulty: Difficulty
    """As the bank labels it."""
    times_asked: int
    """Rounds of it opened (daily, practice and test)."""
    participants: int
    answers: int
    solved: int
    first_try: int
    attempts: int
    """Attempts used, over every answer."""
    wrong_picks: tuple[tuple[str, int], ...]
    """(canonical answer, e.g. ``"B"`` or ``"A C"``, how many wrong attempts gave it)."""
    open_reports: int


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    at: datetime
    kind: str
    platform: str
    workspace: str
    channel: str
    user: str
    """The person's id on their platform."""
    question: QuestionKey
    order: str | None
    """The round's shown order (``OptionOrder.encode``); None: the bank's order."""
    answer: str
    """Canonical letters, space-separated."""
    correct: bool
    points: int


class AnalyticsStore(Protocol):
    async def question_counts(self, wanted: StatsFilter) -> list[QuestionCounts]:
        """Every question of the wanted bank still in use or asked in the period."""
        ...

    async def attempt_records(self, wanted: StatsFilter) -> list[AttemptRecord]:
        """Every attempt in the period, oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class QuestionStats:
    counts: QuestionCounts
    solve_rate: float | None
    first_try_rate: float | None
    mean_attempts: float | None
    measured: Difficulty | None
    flag: str
    """Why its label looks wrong (only from ``FLAG_PARTICIPANTS`` participants on), or ''."""

    @property
    def question(self) -> QuestionKey:
        return self.counts.question


def measured_difficulty(first_try_rate: float | None) -> Difficulty | None:
    if first_try_rate is None:
        return None
    if first_try_rate >= EASY_FIRST_TRY:
        return Difficulty.EASY
    if first_try_rate < HARD_FIRST_TRY:
        return Difficulty.HARD
    return Difficulty.MEDIUM


def question_stats(counts: QuestionCounts) -> QuestionStats:
    answers = counts.answers
    solve = counts.solved / answers if answers else None
    first = counts.first_try / answers if answers else None
    mean = counts.attempts / answers if answers else None
    flag = ""
    if counts.participants >= FLAG_PARTICIPANTS and first is not None:
        if counts.difficulty is Difficulty.HARD and first > MOSTLY:
            flag = "labelled hard, mostly solved first try"
        elif counts.difficulty is Difficulty.EASY and first < MOSTLY:
            flag = "labelled easy, mostly missed first try"
    return QuestionStats(counts, solve, first, mean, measured_difficulty(first), flag)


def question_table(counts: Iterable[QuestionCounts]) -> list[QuestionStats]:
    return [question_stats(c) for c in sorted(counts, key=lambda c: c.question)]


# --- periods ----------------------------------------------------------------------------------


def parse_day(text: str) -> datetime:
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise QuizError(f"'{text}' is not a date like 2026-12-01.") from None
    return day.replace(tzinfo=UTC)


def period_filter(
    now: datetime,
    *,
    since: str | None = None,
    until: str | None = None,
    days: int | None = None,
    bank: str | None = None,
    platform: str | None = None,
    workspace: str | None = None,
    channel: str | None = None,
) -> StatsFilter:
    """The filter for ``--since DAY`` / ``--until DAY`` (UTC days, until exclusive) or
    ``--days N`` (the last N days up to now)."""
    if days is not None and since is not None:
        raise QuizError("Give --since or --days, not both.")
    if days is not None and days < 1:
        raise QuizError("--days must be at least 1.")
    start = parse_day(since) if since else (now - timedelta(days=days) if days else None)
    end = parse_day(until) if until else None
    if start is not None and end is not None and end <= start:
        raise QuizError("--until must be after --since.")
    return StatsFilter(start, end, platform, workspace, channel, bank)


# --- rendering as text and CSV ----------------------------------------------------------------


def percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.0f}%"


def wrong_picks_text(picks: Sequence[tuple[str, int]]) -> str:
    """``B:3 C:1`` (canonical options, most picked first)."""
    return " ".join(f"{answer.replace(' ', '+')}:{count}" for answer, count in picks)


STATS_COLUMNS = (
    "question",
    "difficulty",
    "measured",
    "times_asked",
    "participants",
    "answers",
    "solve_rate",
    "first_try_rate",
    "mean_attempts",
    "wrong_picks",
    "open_reports",
    "flag",
)


def stats_row(stat: QuestionStats) -> list[str]:
    c = stat.counts
    return [
        str(c.question),
        c.difficulty.value,
        stat.measured.value if stat.measured else "",
        str(c.times_asked),
        str(c.participants),
        str(c.answers),
        "" if stat.solve_rate is None else f"{stat.solve_rate:.3f}",
        "" if stat.first_try_rate is None else f"{stat.first_try_rate:.3f}",
        "" if stat.mean_attempts is None else f"{stat.mean_attempts:.2f}",
        wrong_picks_text(c.wrong_picks),
        str(c.open_reports),
        stat.flag,
    ]


def write_stats_csv(stats: Iterable[QuestionStats], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STATS_COLUMNS)
    for stat in stats:
        writer.writerow(stats_row(stat))


def stats_csv(stats: Iterable[QuestionStats]) -> str:
    out = io.StringIO()
    write_stats_csv(stats, out)
    return out.getvalue()


ATTEMPT_COLUMNS = (
    "time",
    "platform",
    "workspace",
    "channel",
    "user_id",
    "kind",
    "question",
    "shown_answer",
    "canonical_answer",
    "correct",
    "points",
)


def shown_answer(record: AttemptRecord) -> str:
    """The answer in the letters the person clicked (their round's order)."""
    letters = record.answer.split()
    if not record.order:
        return record.answer
    return " ".join(OptionOrder(tuple(record.order)).to_shown(letters))


def write_attempts_csv(records: Iterable[AttemptRecord], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ATTEMPT_COLUMNS)
    written = 0
    for r in records:
        writer.writerow(
            [
                r.at.isoformat(),
                r.platform,
                r.workspace,
                r.channel,
                r.user,
                r.kind,
                str(r.question),
                shown_answer(r),
                r.answer,
                int(r.correct),
                r.points,
            ]
        )
        written += 1
    return written


class Analytics:
    """The question table over a period and place."""

    def __init__(self, store: AnalyticsStore) -> None:
        self.store = store

    async def questions(self, wanted: StatsFilter) -> list[QuestionStats]:
        return question_table(await self.store.question_counts(wanted))
