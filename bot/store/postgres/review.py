"""Spaced review cards and review reminders on PostgreSQL (migration 0009), with the same
results as ``bot/store/sqlite/review.py``.

A finished question's card is written in the transaction of the click that finished it, under
``pg_advisory_xact_lock(REVIEW_LOCK, person)``, so two processes updating the same person's
card read and write it one after the other: ``apply_card`` for a click alone; a batch of clicks
(``clicks.record_attempts``) takes every such lock with its others, reads the cards with the
clicks' states and writes them with the clicks' other rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from bot.core.models import QuestionKey
from bot.core.ports import CardUpdate
from bot.core.review_cards import Reminder, ReminderClaim, ReviewCard, ReviewSummary
from bot.store.postgres.base import Connection, PgBase
from bot.store.postgres.errors import DATABASE_ERRORS, as_store_error
from bot.store.postgres.locks import REVIEW_LOCK
from bot.store.postgres.locks import lock_key as _lock_key
from bot.store.rows import CARD_COLUMNS as _CARD_COLUMNS
from bot.store.rows import REMINDER as _REMINDER
from bot.store.rows import card as _card
from bot.store.rows import card_values
from bot.store.rows import reminder as _reminder
from bot.store.rows import when as _when

_CARD = (
    f"SELECT {_CARD_COLUMNS} FROM review_cards c JOIN questions q ON q.id = c.question_id"
    " WHERE c.user_id = $1 AND q.bank = $2 AND q.qid = $3"
)

# A card upsert's head and tail, shared by this one-card statement and a batch of clicks' write
# (``clicks._WRITE_MANY``): the columns, in ``rows.card_values`` order, and what it does to a card
# already there.
CARD_INSERT = """INSERT INTO review_cards
    (user_id, question_id, state, step, stability, difficulty, due, last_review, reps, lapses,
     recalls)"""
CARD_CONFLICT = """ON CONFLICT (user_id, question_id) DO UPDATE SET
    state = excluded.state, step = excluded.step, stability = excluded.stability,
    difficulty = excluded.difficulty, due = excluded.due, last_review = excluded.last_review,
    reps = excluded.reps, lapses = excluded.lapses, recalls = excluded.recalls"""

_UPSERT_CARD = f"""
{CARD_INSERT}
SELECT $1, q.id, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM questions q
WHERE q.bank = $2 AND q.qid = $3
{CARD_CONFLICT}
"""


@dataclass(frozen=True, slots=True)
class CardJob:
    user_id: int
    question: QuestionKey
    update: CardUpdate


async def apply_card(conn: Connection, job: CardJob) -> ReviewCard:
    """One card update inside the caller's transaction (the person's review lock first)."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", REVIEW_LOCK, _lock_key(job.user_id))
    row: Any = await conn.fetchrow(_CARD, job.user_id, job.question.bank, job.question.id)
    card = job.update(_card(row) if row else None)
    await conn.execute(
        _UPSERT_CARD,
        *card_values(job.user_id, card),
    )
    return card


async def update_card_alone(conn: Connection, job: CardJob) -> ReviewCard:
    """One card update in a transaction of its own."""
    async with conn.transaction():
        return await apply_card(conn, job)


class ReviewQueries(PgBase):
    async def update_card(
        self, user_id: int, question: QuestionKey, update: CardUpdate
    ) -> ReviewCard:
        try:
            async with self.pool.acquire() as conn:
                return await update_card_alone(conn, CardJob(user_id, question, update))
        except DATABASE_ERRORS as exc:
            raise as_store_error(exc, self.url) from exc

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
