"""Spaced review cards and review reminders on PostgreSQL (migration 0009), with the same
results as ``bot/store/sqlite/review.py``.

SQLite batches card updates in its writer; here each update is one transaction of its own that
first takes ``pg_advisory_xact_lock(REVIEW_LOCK, person)``, so two processes updating the same
person's card read and write it one after the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from bot.core.models import QuestionKey
from bot.core.ports import CardUpdate
from bot.core.review_cards import CardState, Reminder, ReminderClaim, ReviewCard, ReviewSummary
from bot.core.rounds import UserRef
from bot.store.postgres.base import PgBase
from bot.store.postgres.clicks import _lock_key

# "rev" and 0: the first key of the two-key advisory lock of a person's cards.
REVIEW_LOCK = 0x72657600

_CARD_COLUMNS = (
    "q.bank, q.qid, c.state, c.step, c.stability, c.difficulty, c.due, c.last_review, "
    "c.reps, c.lapses, c.recalls"
)

_CARD = (
    f"SELECT {_CARD_COLUMNS} FROM review_cards c JOIN questions q ON q.id = c.question_id"
    " WHERE c.user_id = $1 AND q.bank = $2 AND q.qid = $3"
)

_UPSERT_CARD = """
INSERT INTO review_cards
    (user_id, question_id, state, step, stability, difficulty, due, last_review, reps, lapses,
     recalls)
SELECT $1, q.id, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM questions q
WHERE q.bank = $2 AND q.qid = $3
ON CONFLICT (user_id, question_id) DO UPDATE SET
    state = excluded.state, step = excluded.step, stability = excluded.stability,
    difficulty = excluded.difficulty, due = excluded.due, last_review = excluded.last_review,
    reps = excluded.reps, lapses = excluded.lapses, recalls = excluded.recalls
"""

_REMINDER = """
SELECT r.user_id, u.platform, u.workspace, u.user_ref, u.name, r.remind_at, r.zone, r.enabled,
       r.next_at, r.disabled_reason
FROM review_reminders r JOIN users u ON u.id = r.user_id
"""


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _card(row: Sequence[Any]) -> ReviewCard:
    due = _when(row[6])
    assert due is not None
    return ReviewCard(
        question=QuestionKey(row[0], row[1]),
        state=CardState(row[2]),
        step=row[3],
        stability=row[4],
        difficulty=row[5],
        due=due,
        last_review=_when(row[7]),
        reps=row[8],
        lapses=row[9],
        recalls=row[10],
    )


def _reminder(row: Sequence[Any]) -> Reminder:
    hour, minute = (int(part) for part in row[5].split(":"))
    return Reminder(
        user=UserRef(row[1], row[2], row[3], row[4]),
        user_id=row[0],
        remind_at=time(hour, minute),
        zone=row[6],
        enabled=bool(row[7]),
        next_at=_when(row[8]),
        disabled_reason=row[9],
    )


class ReviewQueries(PgBase):
    async def update_card(
        self, user_id: int, question: QuestionKey, update: CardUpdate
    ) -> ReviewCard:
        async with self._transaction() as conn:
            await conn.execute(
                "SELECT pg_advisory_xact_lock($1, $2)", REVIEW_LOCK, _lock_key(user_id)
            )
            row: Any = await conn.fetchrow(_CARD, user_id, question.bank, question.id)
            card = update(_card(row) if row else None)
            await conn.execute(
                _UPSERT_CARD,
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
        return card

    async def review_card(self, user_id: int, question: QuestionKey) -> ReviewCard | None:
        row = await self._row(_CARD, user_id, question.bank, question.id)
        return _card(row) if row else None

    async def due_cards(self, user_id: int, before: datetime, limit: int) -> list[ReviewCard]:
        rows = await self._rows(
            f"SELECT {_CARD_COLUMNS} FROM review_cards c JOIN questions q ON q.id = c.question_id"
            " WHERE c.user_id = $1 AND c.due <= $2 AND q.active = 1"
            ' ORDER BY c.due, q.bank COLLATE "C", q.qid COLLATE "C" LIMIT $3',
            user_id,
            before.isoformat(),
            limit,
        )
        return [_card(row) for row in rows]

    async def review_summary(
        self, user_id: int, now: datetime, day_ends: datetime
    ) -> ReviewSummary:
        row = await self._row(
            """
            SELECT COUNT(*),
                   COUNT(*) FILTER (WHERE c.due <= $1),
                   COUNT(*) FILTER (WHERE c.due <= $2),
                   COUNT(*) FILTER (WHERE c.state = 2),
                   COALESCE(SUM(c.recalls), 0),
                   COALESCE(SUM(c.lapses), 0),
                   MIN(CASE WHEN c.due > $1 THEN c.due END)
            FROM review_cards c JOIN questions q ON q.id = c.question_id
            WHERE c.user_id = $3 AND q.active = 1
            """,
            now.isoformat(),
            day_ends.isoformat(),
            user_id,
        )
        cards, due_now, due_today, learned, recalls, lapses, next_due = row
        repeats = recalls + lapses
        return ReviewSummary(
            due_now=int(due_now),
            due_today=int(due_today),
            learned=int(learned),
            cards=int(cards),
            retention=recalls / repeats if repeats else None,
            next_due=_when(next_due),
        )

    # --- reminders ----------------------------------------------------------------------------

    async def save_reminder(
        self, user_id: int, remind_at: time, zone: str, next_at: datetime
    ) -> None:
        await self._execute(
            "INSERT INTO review_reminders (user_id, remind_at, zone, enabled, next_at)"
            " VALUES ($1, $2, $3, 1, $4) ON CONFLICT (user_id) DO UPDATE SET"
            " remind_at = excluded.remind_at, zone = excluded.zone, enabled = 1,"
            " next_at = excluded.next_at, disabled_reason = NULL",
            user_id,
            remind_at.strftime("%H:%M"),
            zone,
            next_at.isoformat(),
        )

    async def disable_reminder(self, user_id: int, reason: str | None) -> None:
        await self._execute(
            "UPDATE review_reminders SET enabled = 0, next_at = NULL, disabled_reason = $1"
            " WHERE user_id = $2",
            reason,
            user_id,
        )

    async def reminder(self, user_id: int) -> Reminder | None:
        row = await self._row(_REMINDER + " WHERE r.user_id = $1", user_id)
        return _reminder(row) if row else None

    async def due_reminders(self, before: datetime, platforms: Sequence[str]) -> list[Reminder]:
        if not platforms:
            return []
        rows = await self._rows(
            _REMINDER + " WHERE r.enabled = 1 AND r.next_at <= $1"
            " AND u.platform = ANY($2::text[]) ORDER BY r.next_at, r.user_id",
            before.isoformat(),
            list(platforms),
        )
        return [_reminder(row) for row in rows]

    async def next_reminder_at(self, platforms: Sequence[str]) -> datetime | None:
        if not platforms:
            return None
        row = await self._row(
            "SELECT MIN(r.next_at) FROM review_reminders r JOIN users u ON u.id = r.user_id"
            " WHERE r.enabled = 1 AND u.platform = ANY($1::text[])",
            list(platforms),
        )
        return _when(row[0]) if row else None

    async def advance_reminder(self, user_id: int, next_at: datetime) -> None:
        await self._execute(
            "UPDATE review_reminders SET next_at = $1 WHERE user_id = $2 AND enabled = 1",
            next_at.isoformat(),
            user_id,
        )

    async def claim_reminder(
        self, user_id: int, local_date: str, nonce: str, at: datetime
    ) -> ReminderClaim:
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO review_reminder_claims"
                " (user_id, local_date, status, nonce, claimed_at)"
                " VALUES ($1, $2, 'claimed', $3, $4) ON CONFLICT DO NOTHING",
                user_id,
                local_date,
                nonce,
                at.isoformat(),
            )
            row = await conn.fetchrow(
                "SELECT status, nonce FROM review_reminder_claims"
                " WHERE user_id = $1 AND local_date = $2",
                user_id,
                local_date,
            )
        assert row is not None
        return ReminderClaim(user_id, local_date, str(row[0]), str(row[1]))

    async def settle_reminder(self, user_id: int, local_date: str, status: str) -> None:
        await self._execute(
            "UPDATE review_reminder_claims SET status = $1 WHERE user_id = $2 AND local_date = $3",
            status,
            user_id,
            local_date,
        )
