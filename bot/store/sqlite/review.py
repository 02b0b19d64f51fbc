"""Spaced review cards and review reminders (migration 0009)."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Sequence
from datetime import datetime, time
from typing import NamedTuple

from bot.core.models import QuestionKey
from bot.core.ports import CardUpdate
from bot.core.review_cards import Reminder, ReminderClaim, ReviewCard, ReviewSummary
from bot.store.rows import CARD_COLUMNS as _CARD_COLUMNS
from bot.store.rows import REMINDER as _REMINDER
from bot.store.rows import card as _card
from bot.store.rows import card_values
from bot.store.rows import reminder as _reminder
from bot.store.rows import when as _when
from bot.store.sqlite.base import StoreBase

_UPSERT_CARD = """
INSERT INTO review_cards
    (user_id, question_id, state, step, stability, difficulty, due, last_review, reps, lapses,
     recalls)
VALUES (?, (SELECT id FROM questions WHERE bank = ? AND qid = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (user_id, question_id) DO UPDATE SET
    state = excluded.state, step = excluded.step, stability = excluded.stability,
    difficulty = excluded.difficulty, due = excluded.due, last_review = excluded.last_review,
    reps = excluded.reps, lapses = excluded.lapses, recalls = excluded.recalls
"""


class CardRequest(NamedTuple):
    user_id: int
    question: QuestionKey
    update: CardUpdate


def update_cards(conn: sqlite3.Connection, requests: list[CardRequest]) -> list[ReviewCard]:
    """A run of card updates (they follow clicks, so they come in runs): each reads its card,
    takes the core's update and is written back; one ``executemany`` for the run."""
    results: list[ReviewCard] = []
    latest: dict[tuple[int, QuestionKey], ReviewCard] = {}
    for user_id, question, update in requests:
        key = (user_id, question)
        before = latest.get(key)
        if before is None:
            row = conn.execute(
                f"SELECT {_CARD_COLUMNS} FROM review_cards c"
                " JOIN questions q ON q.id = c.question_id"
                " WHERE c.user_id = ? AND q.bank = ? AND q.qid = ?",
                (user_id, question.bank, question.id),
            ).fetchone()
            before = _card(row) if row else None
        after = update(before)
        latest[key] = after
        results.append(after)
    conn.executemany(
        _UPSERT_CARD,
        [card_values(user_id, card) for (user_id, _), card in latest.items()],
    )
    return results


class ReviewQueries(StoreBase):
    def update_card(
        self, user_id: int, question: QuestionKey, update: CardUpdate
    ) -> Awaitable[ReviewCard]:
        result: Awaitable[ReviewCard] = self.writer.run_bulk(
            update_cards, CardRequest(user_id, question, update)
        )
        return result

    async def review_card(self, user_id: int, question: QuestionKey) -> ReviewCard | None:
        row = await self._row(
            f"SELECT {_CARD_COLUMNS} FROM review_cards c JOIN questions q ON q.id = c.question_id"
            " WHERE c.user_id = ? AND q.bank = ? AND q.qid = ?",
            (user_id, question.bank, question.id),
        )
        return _card(row) if row else None

    async def due_cards(self, user_id: int, before: datetime, limit: int) -> list[ReviewCard]:
        rows = await self._rows(
            f"SELECT {_CARD_COLUMNS} FROM review_cards c JOIN questions q ON q.id = c.question_id"
            " WHERE c.user_id = ? AND c.due <= ? AND q.active = 1"
            " ORDER BY c.due, q.bank, q.qid LIMIT ?",
            (user_id, before.isoformat(), limit),
        )
        return [_card(row) for row in rows]

    async def review_summary(
        self, user_id: int, now: datetime, day_ends: datetime
    ) -> ReviewSummary:
        row = await self._row(
            """
            SELECT COUNT(*),
                   COALESCE(SUM(c.due <= ?), 0),
                   COALESCE(SUM(c.due <= ?), 0),
                   COALESCE(SUM(c.state = 2), 0),
                   COALESCE(SUM(c.recalls), 0),
                   COALESCE(SUM(c.lapses), 0),
                   MIN(CASE WHEN c.due > ? THEN c.due END)
            FROM review_cards c JOIN questions q ON q.id = c.question_id
            WHERE c.user_id = ? AND q.active = 1
            """,
            (now.isoformat(), day_ends.isoformat(), now.isoformat(), user_id),
        )
        cards, due_now, due_today, learned, recalls, lapses, next_due = row
        repeats = recalls + lapses
        return ReviewSummary(
            due_now=due_now,
            due_today=due_today,
            learned=learned,
            cards=cards,
            retention=recalls / repeats if repeats else None,
            next_due=_when(next_due),
        )

    # --- reminders ----------------------------------------------------------------------------

    async def save_reminder(
        self, user_id: int, remind_at: time, zone: str, next_at: datetime
    ) -> None:
        values = (user_id, remind_at.strftime("%H:%M"), zone, next_at.isoformat())
        await self.writer.run(
            lambda conn: conn.execute(
                "INSERT INTO review_reminders (user_id, remind_at, zone, enabled, next_at)"
                " VALUES (?, ?, ?, 1, ?) ON CONFLICT (user_id) DO UPDATE SET"
                " remind_at = excluded.remind_at, zone = excluded.zone, enabled = 1,"
                " next_at = excluded.next_at, disabled_reason = NULL",
                values,
            )
        )

    async def disable_reminder(self, user_id: int, reason: str | None) -> None:
        await self.writer.run(
            lambda conn: conn.execute(
                "UPDATE review_reminders SET enabled = 0, next_at = NULL, disabled_reason = ?"
                " WHERE user_id = ?",
                (reason, user_id),
            )
        )

    async def reminder(self, user_id: int) -> Reminder | None:
        row = await self._row(_REMINDER + " WHERE r.user_id = ?", (user_id,))
        return _reminder(row) if row else None

    async def due_reminders(self, before: datetime, platforms: Sequence[str]) -> list[Reminder]:
        if not platforms:
            return []
        marks = ", ".join("?" * len(platforms))
        rows = await self._rows(
            _REMINDER + " WHERE r.enabled = 1 AND r.next_at <= ?"
            f" AND u.platform IN ({marks}) ORDER BY r.next_at, r.user_id",
            (before.isoformat(), *platforms),
        )
        return [_reminder(row) for row in rows]

    async def next_reminder_at(self, platforms: Sequence[str]) -> datetime | None:
        if not platforms:
            return None
        marks = ", ".join("?" * len(platforms))
        row = await self._row(
            "SELECT MIN(r.next_at) FROM review_reminders r JOIN users u ON u.id = r.user_id"
            f" WHERE r.enabled = 1 AND u.platform IN ({marks})",
            tuple(platforms),
        )
        return _when(row[0]) if row else None

    async def advance_reminder(self, user_id: int, next_at: datetime) -> None:
        await self.writer.run(
            lambda conn: conn.execute(
                "UPDATE review_reminders SET next_at = ? WHERE user_id = ? AND enabled = 1",
                (next_at.isoformat(), user_id),
            )
        )

    async def claim_reminder(
        self, user_id: int, local_date: str, nonce: str, at: datetime
    ) -> ReminderClaim:
        def work(conn: sqlite3.Connection) -> tuple[str, str]:
            conn.execute(
                "INSERT OR IGNORE INTO review_reminder_claims"
                " (user_id, local_date, status, nonce, claimed_at) VALUES (?, ?, 'claimed', ?, ?)",
                (user_id, local_date, nonce, at.isoformat()),
            )
            row = conn.execute(
                "SELECT status, nonce FROM review_reminder_claims"
                " WHERE user_id = ? AND local_date = ?",
                (user_id, local_date),
            ).fetchone()
            return str(row[0]), str(row[1])

        status, kept_nonce = await self.writer.run(work)
        return ReminderClaim(user_id, local_date, status, kept_nonce)

    async def settle_reminder(self, user_id: int, local_date: str, status: str) -> None:
        await self.writer.run(
            lambda conn: conn.execute(
                "UPDATE review_reminder_claims SET status = ? WHERE user_id = ? AND local_date = ?",
                (status, user_id, local_date),
            )
        )
