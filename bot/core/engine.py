"""Rounds: posting a daily question, judging answers, closing and revealing."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

from bot.core.context import QuizContext
from bot.core.models import Difficulty, Question, QuestionKey, QuestionType
from bot.core.order import OptionOrder, RoundOrder, RoundOrders, draw_order
from bot.core.outcomes import (
    AlreadyFinished,
    AlreadyTried,
    Closed,
    Correct,
    Exhausted,
    Gone,
    Invalid,
    NoOpenRound,
    NotCounted,
    NotFound,
    Outcome,
    Posted,
    QuizError,
    Reveal,
    RoundStats,
    TestStep,
    Unavailable,
    Wrong,
    WrongPick,
)
from bot.core.ports import CardUpdate, ClosedRound, NewRound, ReviewStep, RoundConflict
from bot.core.rounds import (
    AttemptState,
    ChannelRef,
    Decision,
    Round,
    RoundKind,
    UserRef,
    Verdict,
    decide,
    shown_to,
)
from bot.core.selection import DailyPick, pick_daily

log = logging.getLogger(__name__)

TestAdvance = Callable[[AttemptState], Awaitable[TestStep | None]]
# (person, their id if known, state, decision, when): a question they have just finished.
# The review card update of a finished question, given the click's state, decision and time.
ReviewHook = Callable[[AttemptState, Decision, datetime], CardUpdate | None]

_RECORDED = Verdict.RECORDED
_DAILY = RoundKind.DAILY


class QuizEngine:
    def __init__(self, context: QuizContext) -> None:
        self.context = context
        self._advance_test: TestAdvance | None = None
        self._review: ReviewHook | None = None
        self._announcing: set[int] = set()
        self.orders = RoundOrders()
        """Each round's option order, built once per round (every click maps through it)."""

    def on_test_answered(self, advance: TestAdvance) -> None:
        """Let the practice service move a test run on after each of its answers."""
        self._advance_test = advance

    def on_finished(self, hook: ReviewHook) -> None:
        """Let the review service update a person's card whenever they finish a question, in
        the transaction that records the finishing click."""
        self._review = hook

    # --- posting ------------------------------------------------------------------------------

    async def post_daily(
        self,
        channel: ChannelRef,
        *,
        difficulty: Difficulty | None = None,
        banks: Sequence[str] | None = None,
        closes_at: datetime | None = None,
        question_key: QuestionKey | None = None,
        reuse_unposted: bool = False,
    ) -> Posted:
        """Post the channel's next daily question, closing and revealing the open one first
        (or, with none open, the last closed one whose reveal never went out).

        ``question_key`` posts that question instead of drawing one (an admin's or a bank
        author's choice); it still counts as used in the channel's cycle.

        ``reuse_unposted``: for platforms that record each round's message. An open round
        without one never reached the channel (the platform refused the message): it is
        returned to post again, rather than closed and revealed unseen."""
        ctx = self.context
        if reuse_unposted and question_key is None:
            unposted = await ctx.store.open_daily_round(channel)
            if unposted is not None and unposted.message_ref is None:
                question = ctx.library.question(unposted.question)
                if question is not None:
                    return Posted(unposted, self.orders.of(unposted, question).shown)
        disabled = await ctx.store.disabled_banks(channel.platform, channel.workspace)
        eligible = ctx.library.eligible(banks=banks, disabled=disabled, difficulty=difficulty)
        chosen = None
        if question_key is not None:
            chosen = ctx.library.question(question_key)
            if chosen is None:
                raise QuizError(f"There is no question '{question_key}'.")
        previous_round = await ctx.store.open_daily_round(channel)
        if previous_round is None:
            # Closed but never revealed: a refused reveal, or a post racing this one that
            # closed the round and then lost. Its reveal goes out with this post.
            previous_round = await ctx.store.unrevealed_round(channel)
        previous = await self.close(previous_round.id) if previous_round else None
        cycle, used, last = await ctx.store.daily_cycle(channel)
        pick = DailyPick(chosen, False) if chosen else pick_daily(eligible, used, ctx.rng, last)
        question = pick.question
        try:
            new_round = await ctx.store.open_round(
                NewRound(
                    kind=RoundKind.DAILY,
                    channel=channel,
                    question=question.key,
                    attempts_allowed=question.attempts,
                    opened_at=ctx.clock.now(),
                    closes_at=closes_at,
                    cycle=cycle + 1 if pick.new_cycle else cycle,
                    order=self.draw_order(question),
                )
            )
        except RoundConflict:
            raise QuizError("A question was posted in this channel a moment ago.") from None
        shown = self.orders.of(new_round, question).shown
        return Posted(new_round, shown, previous, pick.new_cycle)

    def draw_order(self, question: Question) -> str:
        """The option order for a new round of ``question``, as ``NewRound.order`` keeps it."""
        return OptionOrder(draw_order(question, self.context.rng)).encode()

    def shown(self, round_: Round, question: Question) -> Question:
        """``question`` as ``round_`` shows it: its options in the round's order."""
        return self.orders.of(round_, question).shown

    async def open_round(self, channel: ChannelRef) -> tuple[Round, Question | None]:
        """The channel's open round and its question as the round shows it."""
        found = await self.context.store.open_daily_round(channel)
        if found is None:
            raise NoOpenRound("There is no open question in this channel.")
        return found, self._shown_or_none(found)

    async def round(self, round_id: int) -> tuple[Round, Question | None] | None:
        """A round and its question as the round shows it (None when no longer in a bank)."""
        found = await self.context.store.get_round(round_id)
        if found is None:
            return None
        return found, self._shown_or_none(found)

    def _shown_or_none(self, round_: Round) -> Question | None:
        question = self.context.library.question(round_.question)
        return None if question is None else self.orders.of(round_, question).shown

    async def _load_order(self, round_id: int) -> RoundOrder | None:
        """The round's order, read from the store (once per round: clicks then find it cached);
        None for a round or question that does not exist, which the judge refuses."""
        found = await self.context.store.get_round(round_id)
        if found is None:
            return None
        question = self.context.library.question(found.question)
        return None if question is None else self.orders.of(found, question)

    # --- answering ----------------------------------------------------------------------------

    async def viewable(
        self, round_id: int, user: UserRef
    ) -> tuple[Round, Question] | NotFound | Gone | Closed:
        """The round and its question as the round shows it, if ``user`` may be shown them
        before answering (a picker), or why not. Another guild's round, someone else's practice
        and a forged id all look the same, as when answering."""
        ctx = self.context
        found = await ctx.store.get_round(round_id)
        user_id = ctx.known_user_id(user)
        if found is not None and user_id is None and found.owner_id is not None:
            user_id, _ = await ctx.find_user(user)
        if found is None or not shown_to(found, user, user_id):
            return NotFound()
        question = self._shown_or_none(found)  # in the round's own order of options
        if question is None:
            return Gone()
        closes_at = found.closes_at
        if not found.is_open or (closes_at is not None and ctx.clock.now() >= closes_at):
            return Closed(question)
        return found, question

    async def answer(self, round_id: int, user: UserRef, letters: Sequence[str]) -> Outcome:
        """Judge one submission, given in the letters the round shows; the whole
        check-and-record is one store transaction, on the canonical letters. Someone never seen
        before is recorded with their first counted answer, not before: a click that counts
        nothing writes nothing. NotCounted if the database cannot take it."""
        ctx = self.context
        # Known people skip a coroutine: this runs for every click.
        user_id = ctx.known_user_id(user)
        register: UserRef | None = None
        if user_id is None:
            try:
                user_id, stale = await ctx.find_user(user)
            except Unavailable as exc:
                raise _not_counted(exc) from exc
            if stale:
                register = user
        # No id owns no round: 0 is no user's id.
        judged_as = 0 if user_id is None else user_id
        order = self.orders.known(round_id)
        if order is None or ctx.library.question(order.question.key) is not order.question:
            # Not known yet, or its bank was reloaded since.
            order = await self._load_order(round_id)
        now = ctx.clock.now()
        picked = tuple(letters) if order is None else order.order.to_canonical(letters)
        question_of = ctx.library.question
        platform, workspace = user.platform, user.workspace
        # Set by the judge, so that the outcome need not look the question up again.
        question: Question | None = None

        def judge(state: AttemptState) -> Decision:
            nonlocal question
            question = question_of(state.question) if state.question else None
            return decide(
                state,
                question=question,
                letters=picked,
                platform=platform,
                workspace=workspace,
                user_id=judged_as,
                now=now,
            )

        review: ReviewStep | None = None
        if self._review is not None:
            card_of = self._review

            def card_step(state: AttemptState, decision: Decision) -> CardUpdate | None:
                return card_of(state, decision, now)

            review = card_step

        try:
            state, decision = await ctx.store.record_attempt(
                round_id,
                user_id,
                " ".join(picked),
                now,
                ctx.period_keys(now),
                judge,
                register,
                review,
            )
        except Unavailable as exc:
            raise _not_counted(exc) from exc
        if question is None and state.question:
            question = question_of(state.question)
        # What the person reads is in the round's letters; picked and judged ones are canonical.
        shown = None
        if question is not None:
            shown = order.shown if order is not None and order.question is question else question
        if decision.verdict is Verdict.REPEATED and shown is not None:
            # Named in the letters the person sees, as they gave them.
            left = state.attempts_allowed - state.attempts_used
            return AlreadyTried(shown, " ".join(letters), left)
        if decision.finished and state.kind is not _DAILY:
            test_step = await self._after_finish(state)
            return self._outcome(state, decision, picked, test_step, question, shown)
        return self._outcome(state, decision, picked, None, question, shown)

    def _outcome(
        self,
        state: AttemptState,
        decision: Decision,
        picked: tuple[str, ...],
        test_step: TestStep | None,
        question: Question | None,
        shown: Question | None,
    ) -> Outcome:
        verdict = decision.verdict
        # Recorded answers first, positionally: this runs for every click.
        if verdict is _RECORDED and question is not None and shown is not None:
            if decision.correct:
                return Correct(
                    shown,
                    decision.points,
                    decision.attempt_no,
                    shown.solution,
                    test_step,
                    decision.counts_for_board,
                )
            explanation = explanation_for(question, picked) if question.explanations else None
            if decision.finished:
                return Exhausted(shown, decision.attempt_no, explanation, shown.solution, test_step)
            return Wrong(
                shown,
                state.attempts_allowed - decision.attempt_no,
                decision.attempt_no,
                question.hint,
                explanation,
            )
        if verdict is Verdict.NOT_FOUND:
            return NotFound()
        if verdict is Verdict.GONE or shown is None:
            return Gone()
        if verdict is Verdict.CLOSED:
            return Closed(shown)
        if verdict is Verdict.INVALID:
            return Invalid(decision.message)
        return AlreadyFinished(shown, state.solved, state.points, state.attempts_used)

    async def _after_finish(self, state: AttemptState) -> TestStep | None:
        if state.kind is RoundKind.TEST and self._advance_test is not None:
            return await self._advance_test(state)
        if state.kind is RoundKind.PRACTICE:
            # A finished practice question has nothing left to wait for.
            await self.context.store.close_round(state.round_id, self.context.clock.now())
        return None

    # --- closing ------------------------------------------------------------------------------

    async def close(self, round_id: int) -> Reveal:
        """Close a round (idempotent) and build its reveal."""
        closed = await self.context.store.close_round(round_id, self.context.clock.now())
        if closed is None:
            raise QuizError("That question does not exist.")
        question = self.context.library.question(closed.round.question)
        if question is None:
            stats = round_stats(None, closed, None)
            return Reveal(closed.round, None, stats, closed.newly_closed, closed.announced)
        order = self.orders.of(closed.round, question)
        stats = round_stats(question, closed, order.order)
        return Reveal(closed.round, order.shown, stats, closed.newly_closed, closed.announced)

    @asynccontextmanager
    async def announcing(self, reveal: Reveal) -> AsyncIterator[bool]:
        """Whether this caller is to post ``reveal`` now: not if it was posted already or is
        being posted by another caller at this moment. Leaving the block without an error
        records it as posted; an error leaves it to post on the next try (the scheduler's
        next tick, or an admin's post or reveal).

            async with quiz.rounds.announcing(reveal) as mine:
                if mine:
                    await post_the_reveal(reveal)
        """
        round_id = reveal.round.id
        if reveal.announced or round_id in self._announcing:
            yield False
            return
        self._announcing.add(round_id)
        try:
            yield True
            await self.context.store.mark_revealed(round_id, self.context.clock.now())
        finally:
            self._announcing.discard(round_id)

    async def reveal_dropped(self, round_id: int) -> None:
        """Settle a reveal that can never be posted (its channel is gone): nobody tries again."""
        await self.context.store.mark_revealed(round_id, self.context.clock.now())

    async def close_open(self, channel: ChannelRef) -> Reveal:
        """Close the channel's open question; with none open, the last one whose reveal never
        went out (so that an admin's "reveal now" after a failed reveal posts it)."""
        found = await self.context.store.open_daily_round(channel)
        if found is None:
            found = await self.context.store.unrevealed_round(channel)
        if found is None:
            raise NoOpenRound("There is no open question in this channel.")
        return await self.close(found.id)


def _not_counted(exc: Unavailable) -> NotCounted:
    # The operator's text names the database file: it goes to the log, never to the player.
    log.warning("an answer was not counted: %s", exc)
    return NotCounted()


def explanation_for(question: Question, picked: Sequence[str]) -> str | None:
    """The bank's word on the first wrong letter picked that has one."""
    for index, letter in enumerate(picked):
        expected = question.answer[index] if index < len(question.answer) else None
        if letter != expected and letter in question.explanations:
            return question.explanations[letter]
    return None


def round_stats(
    question: Question | None, closed: ClosedRound, order: OptionOrder | None
) -> RoundStats:
    return RoundStats(
        participants=closed.participants,
        solved=closed.solved,
        first_solver=closed.first_solver,
        most_picked_wrong=most_picked_wrong(question, closed.wrong_answers, order),
    )


def most_picked_wrong(
    question: Question | None,
    wrong_answers: Sequence[tuple[str, int]],
    order: OptionOrder | None = None,
) -> WrongPick | None:
    """The wrong option people picked most: a letter, or a letter in one blank. Answers are
    stored canonical; the label is in the letters the round showed (``order``)."""
    if question is None or not wrong_answers:
        return None
    picks: Counter[tuple[int, str]] = Counter()
    for answer, count in wrong_answers:
        for index, letter in enumerate(answer.split()):
            if index < len(question.answer) and letter != question.answer[index]:
                picks[(index, letter)] += count
    if not picks:
        return None
    # Ties go to the earlier blank, then the earlier letter, so the reveal is stable.
    (index, letter), count = min(picks.items(), key=lambda item: (-item[1], item[0]))
    shown = order.to_shown((letter,))[0] if order is not None else letter
    label = shown if question.type is QuestionType.CHOICE else f"[{index + 1}] {shown}"
    note = question.explanations.get(letter) or (
        question.mistakes[0] if question.mistakes else None
    )
    return WrongPick(label=label, count=count, note=note)
