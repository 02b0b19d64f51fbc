"""Spaced review with FSRS: every finished question updates the person's card for it, and
``/quiz review`` brings back their due questions, most overdue first, one private round at a
time. Never on the daily board: review rounds are practice rounds."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import fsrs

from bot.core.context import QuizContext
from bot.core.engine import QuizEngine
from bot.core.models import Question, QuestionKey
from bot.core.outcomes import QuizError
from bot.core.ports import CardUpdate, NewRound
from bot.core.reminders import Reminders
from bot.core.review_cards import CardState, ReviewCard, ReviewSummary, day_end
from bot.core.rounds import AttemptState, ChannelRef, Decision, Round, RoundKind, UserRef

log = logging.getLogger(__name__)

# A quiz question comes up at most once a day, so FSRS's steps are days, not minutes: a miss
# is due again the next day rather than a minute later, while the person is still in the chat.
# Fuzzing is off so that a card's due day follows from its answers alone (and tests can say it).
SCHEDULER = fsrs.Scheduler(
    learning_steps=(timedelta(days=1),),
    relearning_steps=(timedelta(days=1),),
    enable_fuzzing=False,
)
DUE_LOOKUP = 50
"""Due cards read per ``/quiz review``: enough to skip ones that cannot be shown right now."""


def rating_for(correct: bool, attempt_no: int) -> fsrs.Rating:
    """Out of attempts → Again; solved after a wrong attempt → Hard; solved first try → Good."""
    if not correct:
        return fsrs.Rating.Again
    return fsrs.Rating.Good if attempt_no == 1 else fsrs.Rating.Hard


def next_card(
    before: ReviewCard | None, question: QuestionKey, rating: fsrs.Rating, at: datetime
) -> ReviewCard:
    """The card after one answer at ``at`` (UTC) rated ``rating``."""
    at = at.astimezone(UTC)
    if before is None:
        # card_id given: fsrs.Card() otherwise sleeps a millisecond to make one up.
        card = fsrs.Card(card_id=0, due=at)
    else:
        card = fsrs.Card(
            card_id=0,
            state=fsrs.State(int(before.state)),
            step=before.step,
            stability=before.stability,
            difficulty=before.difficulty,
            due=before.due.astimezone(UTC),
            last_review=before.last_review.astimezone(UTC) if before.last_review else None,
        )
    after, _ = SCHEDULER.review_card(card, rating, at)
    seen = before is not None
    return ReviewCard(
        question=question,
        state=CardState(int(after.state)),
        step=after.step,
        stability=after.stability,
        difficulty=after.difficulty,
        due=after.due,
        last_review=after.last_review,
        reps=(before.reps if before else 0) + 1,
        lapses=(before.lapses if before else 0) + (seen and rating is fsrs.Rating.Again),
        recalls=(before.recalls if before else 0) + (seen and rating is not fsrs.Rating.Again),
    )


@dataclass(frozen=True, slots=True)
class ReviewQuestion:
    """A due question, opened as the person's private review round."""

    round: Round
    question: Question
    due: int
    """Cards due now, this one included."""
    due_since: datetime


@dataclass(frozen=True, slots=True)
class NothingDue:
    next_due: datetime | None
    """When the next review is due; None with no cards at all."""


class ReviewService:
    def __init__(self, context: QuizContext, engine: QuizEngine) -> None:
        self.context = context
        self.engine = engine
        self.reminders = Reminders(context)
        engine.on_finished(self.step)

    def step(self, state: AttemptState, decision: Decision, at: datetime) -> CardUpdate | None:
        """A person finished a question (any round kind): how their card moves on, applied by
        the store in the transaction that records the click (so the answer and the card are
        written together, or neither)."""
        question = state.question
        if question is None or not decision.finished:
            return None
        rating = rating_for(decision.correct, decision.attempt_no)
        return lambda before: next_card(before, question, rating, at)

    async def start(self, user: UserRef, channel: ChannelRef) -> ReviewQuestion | NothingDue:
        """The person's most overdue question, as a private round of its own."""
        ctx = self.context
        user_id = await ctx.user_id(user)
        now = ctx.clock.now()
        due = await ctx.store.due_cards(user_id, now, DUE_LOOKUP)
        disabled = await ctx.store.disabled_banks(user.platform, user.workspace)
        live = await ctx.store.open_daily_questions(user.platform, user.workspace)
        for card in due:
            question = ctx.library.question(card.question)
            if question is None or question.bank in disabled or card.question in live:
                continue
            await self._abandon(user_id)
            opened = await ctx.store.open_round(
                NewRound(
                    kind=RoundKind.PRACTICE,
                    channel=channel,
                    question=question.key,
                    attempts_allowed=question.attempts,
                    opened_at=now,
                    owner_id=user_id,
                    order=self.engine.draw_order(question),
                )
            )
            summary = await self.summary_of(user_id)
            return ReviewQuestion(
                opened, self.engine.shown(opened, question), max(summary.due_now, 1), card.due
            )
        if due:
            raise QuizError(
                "Your due reviews are open as the daily question or in a disabled bank right "
                "now; try again later."
            )
        summary = await self.summary_of(user_id)
        return NothingDue(summary.next_due)

    async def summary(self, user: UserRef) -> ReviewSummary:
        """(due now, due today, learned, retention, next due) for the stats and the progress
        card. Reads only: someone never recorded has nothing to review."""
        user_id = self.context.known_user_id(user)
        if user_id is None:
            user_id, _ = await self.context.find_user(user)
        if user_id is None:
            return ReviewSummary(0, 0, 0, 0, None, None)
        return await self.summary_of(user_id)

    async def summary_of(self, user_id: int) -> ReviewSummary:
        ctx = self.context
        now = ctx.clock.now()
        return await ctx.store.review_summary(user_id, now, day_end(now, ctx.tz))

    async def _abandon(self, user_id: int) -> None:
        store = self.context.store
        now = self.context.clock.now()
        for stale in await store.open_rounds_of(user_id, RoundKind.PRACTICE):
            await store.close_round(stale.id, now)
