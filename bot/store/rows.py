"""Rows into the core's values, the same for both stores (SQLite and PostgreSQL return the same
columns in the same order: both keep times as ISO 8601 text and flags as 0/1)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time
from typing import Any

from bot.core.analytics import QuestionCounts
from bot.core.models import Difficulty, QuestionKey
from bot.core.reports import ReportKind, StoredReport
from bot.core.review_cards import CardState, Reminder, ReviewCard
from bot.core.rounds import UserRef

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
