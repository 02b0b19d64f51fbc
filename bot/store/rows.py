"""Rows into the core's values and values into rows, the same for both stores: SQLite and
PostgreSQL return the same columns in the same order (both keep times as ISO 8601 text and
flags as 0/1), so only the SQL around them differs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from bot.core.analytics import AttemptRecord, QuestionCounts
from bot.core.models import Difficulty, QuestionKey
from bot.core.ports import ChannelStreak
from bot.core.reports import ReportKind, StoredReport
from bot.core.review_cards import CardState, Reminder, ReviewCard
from bot.core.rounds import ChannelRef, Round, RoundKind, UserRef
from bot.core.schedule import PostClaim, Schedule

# A report with its question and reporter; both stores' report queries start with this.
REPORT = """
SELECT r.id, q.bank, q.qid, r.kind, r.text,
       CASE WHEN u.name = '' THEN u.user_ref ELSE u.name END, u.platform, u.workspace,
       r.shown_order, r.created_at, r.resolved_at, r.resolved_by
FROM question_reports r
JOIN questions q ON q.id = r.question_id
JOIN users u ON u.id = r.user_id
"""

# A review reminder with its person; both stores' reminder queries start with this.
REMINDER = """
SELECT r.user_id, u.platform, u.workspace, u.user_ref, u.name, r.remind_at, r.zone, r.enabled,
       r.next_at, r.disabled_reason
FROM review_reminders r JOIN users u ON u.id = r.user_id
"""

CARD_COLUMNS = (
    "q.bank, q.qid, c.state, c.step, c.stability, c.difficulty, c.due, c.last_review, "
    "c.reps, c.lapses, c.recalls"
)


def when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def report(row: Sequence[Any]) -> StoredReport:
    """A row of ``REPORT``."""
    return StoredReport(
        id=row[0],
        question=QuestionKey(row[1], row[2]),
        kind=ReportKind(row[3]),
        text=row[4],
        reporter=row[5],
        platform=row[6],
        workspace=row[7],
        shown_order=row[8],
        created_at=datetime.fromisoformat(row[9]),
        resolved_at=when(row[10]),
        resolved_by=row[11],
    )


def reminder(row: Sequence[Any]) -> Reminder:
    """A row of ``REMINDER``."""
    hour, minute = (int(part) for part in row[5].split(":"))
    return Reminder(
        user=UserRef(row[1], row[2], row[3], row[4]),
        user_id=row[0],
        remind_at=time(hour, minute),
        zone=row[6],
        enabled=bool(row[7]),
        next_at=when(row[8]),
        disabled_reason=row[9],
    )


def card(row: Sequence[Any]) -> ReviewCard:
    """A row starting with ``CARD_COLUMNS``."""
    due = when(row[6])
    assert due is not None
    return ReviewCard(
        question=QuestionKey(row[0], row[1]),
        state=CardState(row[2]),
        step=row[3],
        stability=row[4],
        difficulty=row[5],
        due=due,
        last_review=when(row[7]),
        reps=row[8],
        lapses=row[9],
        recalls=row[10],
    )


def card_values(user_id: int, card: ReviewCard) -> tuple[Any, ...]:
    """(user_id, bank, qid, state, step, stability, difficulty, due, last_review, reps, lapses,
    recalls): what both stores' card upserts write."""
    return (
        user_id,
        card.question.bank,
        card.question.id,
        int(card.state),
        card.step,
        card.stability,
        card.difficulty,
        card.due.isoformat(),
        card.last_review.isoformat() if card.last_review else None,
        card.reps,
        card.lapses,
        card.recalls,
    )


def question_counts(
    questions: Iterable[Sequence[Any]],
    per_question: Iterable[Sequence[Any]],
    wrong: Iterable[Sequence[Any]],
    reports: Iterable[Sequence[Any]],
) -> list[QuestionCounts]:
    """Per question of ``questions`` (id, bank, qid, difficulty, active): its counts in
    ``per_question`` (id, asked, participants, answers, solved, first try, attempts), its wrong
    picks in ``wrong`` (id, answer, count; most picked first) and its open ``reports`` (id,
    count). A question gone from its bank and not asked in the period is left out."""
    counted = {row[0]: tuple(int(n) for n in row[1:]) for row in per_question}
    picks: dict[int, list[tuple[str, int]]] = {}
    for question_id, answer, count in wrong:
        picks.setdefault(question_id, []).append((answer, int(count)))
    open_reports = {row[0]: int(row[1]) for row in reports}
    found: list[QuestionCounts] = []
    for question_id, bank, qid, difficulty, active in questions:
        numbers = counted.get(question_id)
        if numbers is None and not active:
            continue
        asked, people, answers, solved, first, attempts = numbers or (0, 0, 0, 0, 0, 0)
        found.append(
            QuestionCounts(
                question=QuestionKey(bank, qid),
                difficulty=Difficulty(difficulty),
                times_asked=asked,
                participants=people,
                answers=answers,
                solved=solved,
                first_try=first,
                attempts=attempts,
                wrong_picks=tuple(picks.get(question_id, ())),
                open_reports=open_reports.get(question_id, 0),
            )
        )
    return found


ROUND = """
SELECT r.id, r.kind, c.platform, c.workspace, c.channel, q.bank, q.qid, r.attempts_allowed,
       r.opened_at, r.closes_at, r.closed_at, r.seq, r.owner_id, r.test_run_id, r.message_ref,
       r.option_order
FROM rounds r
JOIN channels c ON c.id = r.channel_id
JOIN questions q ON q.id = r.question_id
"""


def round_of(row: Sequence[Any]) -> Round:
    """A row of ``ROUND``."""
    opened = when(row[8])
    assert opened is not None
    return Round(
        id=row[0],
        kind=RoundKind(row[1]),
        channel=ChannelRef(row[2], row[3], row[4]),
        question=QuestionKey(row[5], row[6]),
        attempts_allowed=row[7],
        opened_at=opened,
        closes_at=when(row[9]),
        closed_at=when(row[10]),
        seq=row[11],
        owner_id=row[12],
        test_run_id=row[13],
        message_ref=row[14],
        order=row[15],
    )


SCHEDULE_COLUMNS = (
    "platform, workspace, channel, post_time, timezone, days, difficulty, paused, "
    "next_post_at, disabled_reason, rotation, reveal_after_minutes, reveal_at, banks"
)


def schedule(row: Any) -> Schedule:
    """A row of ``SCHEDULE_COLUMNS``."""
    (platform, workspace, channel, post_time, timezone, days, difficulty, paused, next_post_at,
     disabled_reason, rotation, reveal_after, reveal_at, banks) = row  # fmt: skip
    hour, minute = (int(part) for part in post_time.split(":"))
    return Schedule(
        channel=ChannelRef(platform, workspace, channel),
        post_time=time(hour, minute),
        timezone=timezone,
        days=frozenset(int(day) for day in days.split(",") if day),
        difficulty=Difficulty(difficulty) if difficulty else None,
        paused=bool(paused),
        next_post_at=when(next_post_at),
        disabled_reason=disabled_reason,
        rotation=tuple(
            (int(day), Difficulty(level))
            for day, _, level in (part.partition(":") for part in (rotation or "").split(","))
            if level
        ),
        reveal_after=timedelta(minutes=reveal_after) if reveal_after is not None else None,
        reveal_at=time.fromisoformat(reveal_at) if reveal_at else None,
        banks=tuple(bank for bank in (banks or "").split(",") if bank),
    )


def schedule_values(schedule: Schedule) -> tuple[Any, ...]:
    """What both stores write for ``schedule``, in the order of ``SCHEDULE_COLUMNS``."""
    channel = schedule.channel
    return (
        channel.platform,
        channel.workspace,
        channel.channel,
        schedule.post_time.strftime("%H:%M"),
        schedule.timezone,
        ",".join(str(day) for day in sorted(schedule.days)),
        schedule.difficulty.value if schedule.difficulty else None,
        int(schedule.paused),
        schedule.next_post_at.isoformat() if schedule.next_post_at else None,
        schedule.disabled_reason,
        ",".join(f"{day}:{level.value}" for day, level in schedule.rotation) or None,
        int(schedule.reveal_after.total_seconds() // 60) if schedule.reveal_after else None,
        schedule.reveal_at.strftime("%H:%M") if schedule.reveal_at else None,
        ",".join(schedule.banks) or None,
    )


CLAIM_COLUMNS = (
    "platform, workspace, channel, local_date, due_at, status, round_id, message_ref, "
    "reveal_at, revealed_at, detail"
)


def claim(row: Any) -> PostClaim:
    """A row of ``CLAIM_COLUMNS``."""
    (platform, workspace, channel, local_date, due_at, status, round_id, message_ref, reveal_at,
     revealed_at, detail) = row  # fmt: skip
    due = when(due_at)
    assert due is not None
    return PostClaim(
        channel=ChannelRef(platform, workspace, channel),
        local_date=local_date,
        due_at=due,
        status=status,
        round_id=round_id,
        message_ref=message_ref,
        reveal_at=when(reveal_at),
        revealed_at=when(revealed_at),
        detail=detail,
    )


def attempt_record(row: Sequence[Any]) -> AttemptRecord:
    """A row of the attempts export (at, kind, platform, workspace, channel, user, bank, qid,
    shown order, answer, correct, points)."""
    return AttemptRecord(
        at=datetime.fromisoformat(row[0]),
        kind=row[1],
        platform=row[2],
        workspace=row[3],
        channel=row[4],
        user=row[5],
        question=QuestionKey(row[6], row[7]),
        order=row[8],
        answer=row[9],
        correct=bool(row[10]),
        points=row[11],
    )


def channel_streaks(
    seqs: dict[tuple[int, int], list[int]], latest: dict[int, tuple[int, int | None]]
) -> dict[int, tuple[ChannelStreak, ...]]:
    """Per person, a streak per channel: the daily sequence numbers they solved there
    (``seqs`` by (person, channel)), with the channel's latest and open daily numbers."""
    found: dict[int, list[ChannelStreak]] = {}
    for (user_id, channel_id), solved_seqs in seqs.items():
        daily_seq, open_seq = latest[channel_id]
        found.setdefault(user_id, []).append(ChannelStreak(tuple(solved_seqs), daily_seq, open_seq))
    return {user_id: tuple(streaks) for user_id, streaks in found.items()}
