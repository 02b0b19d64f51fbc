"""Spaced review data: a person's FSRS card for one question, their review summary, and their
reminder settings. Plain values: the store keeps them, ``bot.core.review`` applies the rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from enum import IntEnum

from bot.core.models import QuestionKey
from bot.core.rounds import UserRef


class CardState(IntEnum):
    """FSRS's card states (``fsrs.State`` values, as the store keeps them)."""

    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


@dataclass(frozen=True, slots=True)
class ReviewCard:
    question: QuestionKey
    state: CardState
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int = 0
    """Times the person finished the question."""
    lapses: int = 0
    """Times they failed it after having seen it before."""
    recalls: int = 0
    """Times they solved it after having seen it before."""


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    """A person's review standing: what the stats and the progress card show."""

    due_now: int
    due_today: int
    learned: int
    """Cards in FSRS's Review state: past their learning steps."""
    cards: int
    retention: float | None
    """Share of repeat answers solved (recalls / (recalls + lapses)); None before any repeat."""
    next_due: datetime | None
    """The earliest due moment of a card not due now."""


@dataclass(frozen=True, slots=True)
class Reminder:
    user: UserRef
    user_id: int
    remind_at: time
    zone: str
    enabled: bool = True
    next_at: datetime | None = None
    disabled_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ReminderClaim:
    user_id: int
    local_date: str
    status: str
    """claimed (about to be sent), sent, nothing (no review due), refused (DMs blocked)."""
    nonce: str


def day_end(at: datetime, zone: tzinfo) -> datetime:
    """The end of ``at``'s day in ``zone``, in UTC."""
    local = at.astimezone(zone)
    following = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=local.tzinfo)
    return following.astimezone(UTC)
