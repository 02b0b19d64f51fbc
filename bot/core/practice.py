"""Private practice: single questions and "test this pattern" runs. Never on the daily board."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.context import QuizContext
from bot.core.engine import QuizEngine
from bot.core.models import Difficulty, Question
from bot.core.outcomes import (
    DifficultyScore,
    PracticeQuestion,
    QuizError,
    TestQuestion,
    TestResult,
    TestStep,
)
from bot.core.ports import NewRound, TestRunState
from bot.core.rounds import AttemptState, ChannelRef, Round, RoundKind, UserRef
from bot.core.selection import pick_practice, plan_test

TEST_ATTEMPTS = 1


class PracticeService:
    def __init__(self, context: QuizContext, engine: QuizEngine) -> None:
        self.context = context
        self.engine = engine
        engine.on_test_answered(self._advance)

    async def practice(
        self,
        user: UserRef,
        channel: ChannelRef,
        *,
        bank: str | None = None,
        difficulty: Difficulty | None = None,
    ) -> PracticeQuestion:
        """A private question, preferring ones this user missed before."""
        ctx = self.context
        user_id = await ctx.user_id(user)
        eligible = await self._without_open_daily(
            user,
            ctx.library.eligible(
                banks=[bank] if bank else None,
                disabled=await self._disabled(user, explicit=bank),
                difficulty=difficulty,
            ),
        )
        await self._abandon(user_id, RoundKind.PRACTICE)
        missed = await ctx.store.missed_questions(user_id)
        practised = await ctx.store.practised_questions(user_id)
        question, missed_before = pick_practice(eligible, missed, practised, ctx.rng)
        opened = await ctx.store.open_round(
            NewRound(
                kind=RoundKind.PRACTICE,
                channel=channel,
                question=question.key,
                attempts_allowed=question.attempts,
                opened_at=ctx.clock.now(),
                owner_id=user_id,
                order=self.engine.draw_order(question),
            )
        )
        return PracticeQuestion(opened, self.engine.shown(opened, question), missed_before)

    async def start_test(self, user: UserRef, channel: ChannelRef, bank: str) -> TestQuestion:
        """Start "test this pattern": up to 10 questions of one bank, one attempt each."""
        ctx = self.context
        chosen = ctx.library.bank(bank)
        await self._disabled(user, explicit=chosen.id)
        user_id = await ctx.user_id(user)
        await self._abandon(user_id, RoundKind.TEST)
        plan = plan_test(await self._without_open_daily(user, chosen.questions), ctx.rng)
        run_id = await ctx.store.create_test_run(
            user_id, chosen.id, [question.key for question in plan], ctx.clock.now()
        )
        run = await ctx.store.test_run(run_id)
        if run is None:  # pragma: no cover - the store has just written it
            raise QuizError("The test could not be started.")
        step = await self._next(run, channel)
        if not isinstance(step, TestQuestion):  # pragma: no cover - plans are never empty
            raise QuizError("That bank has no questions.")
        return step

    async def current(self, user: UserRef) -> tuple[Round, Question] | None:
        """The user's open practice or test question, if any (test first), as the round
        shows it. Reads only: someone never recorded has none (asking must not record them)."""
        user_id = self.context.known_user_id(user)
        if user_id is None:
            user_id, _ = await self.context.find_user(user)
        if user_id is None:
            return None
        for kind in (RoundKind.TEST, RoundKind.PRACTICE):
            for found in await self.context.store.open_rounds_of(user_id, kind):
                question = self.context.library.question(found.question)
                if question is not None:
                    return found, self.engine.shown(found, question)
        return None

    async def stop(self, user: UserRef) -> int:
        """Abandon the user's open practice and test questions; how many were open."""
        user_id = await self.context.user_id(user)
        stopped = await self._abandon(user_id, RoundKind.TEST)
        return stopped + await self._abandon(user_id, RoundKind.PRACTICE)

    # --- internals ----------------------------------------------------------------------------

    async def _disabled(self, user: UserRef, *, explicit: str | None) -> set[str]:
        disabled = await self.context.store.disabled_banks(user.platform, user.workspace)
        if explicit and explicit.strip().lower() in disabled:
            raise QuizError(f"The bank '{explicit}' is disabled here.")
        return disabled

    async def _without_open_daily(
        self, user: UserRef, questions: Sequence[Question]
    ) -> list[Question]:
        """Practice must not show (or solve) a question that is open in a channel right now."""
        live = await self.context.store.open_daily_questions(user.platform, user.workspace)
        kept = [question for question in questions if question.key not in live]
        if not kept:
            raise QuizError(
                "Every question that fits is the open daily question right now; try another bank "
                "or difficulty."
            )
        return kept

    async def _abandon(self, user_id: int, kind: RoundKind) -> int:
        store = self.context.store
        now = self.context.clock.now()
        open_rounds = await store.open_rounds_of(user_id, kind)
        for stale in open_rounds:
            await store.close_round(stale.id, now)
            if stale.test_run_id is not None:
                await store.finish_test_run(stale.test_run_id, now)
        return len(open_rounds)

    async def _advance(self, state: AttemptState) -> TestStep | None:
        store = self.context.store
        await store.close_round(state.round_id, self.context.clock.now())
        if state.test_run_id is None:
            return None
        run = await store.test_run(state.test_run_id)
        if run is None:
            return None
        opened = await store.get_round(state.round_id)
        channel = opened.channel if opened else ChannelRef(state.platform, state.workspace, "")
        return await self._next(run, channel)

    async def _next(self, run: TestRunState, channel: ChannelRef) -> TestStep:
        ctx = self.context
        total = len(run.questions)
        while run.rounds_opened < total:
            key = run.questions[run.rounds_opened]
            question = ctx.library.question(key)
            if question is None:
                # Removed from its bank since the run started: skip it rather than stall.
                run = TestRunState(
                    run.id, run.user_id, run.bank, run.questions, run.rounds_opened + 1, False
                )
                continue
            opened = await ctx.store.open_round(
                NewRound(
                    kind=RoundKind.TEST,
                    channel=channel,
                    question=key,
                    attempts_allowed=TEST_ATTEMPTS,
                    opened_at=ctx.clock.now(),
                    owner_id=run.user_id,
                    test_run_id=run.id,
                    order=self.engine.draw_order(question),
                )
            )
            shown = self.engine.shown(opened, question)
            return TestQuestion(opened, shown, run.rounds_opened + 1, total)
        await ctx.store.finish_test_run(run.id, ctx.clock.now())
        return await self.result(run.id)

    async def result(self, run_id: int) -> TestResult:
        ctx = self.context
        run = await ctx.store.test_run(run_id)
        if run is None:
            raise QuizError("There is no such test.")
        answers = {answer.question: answer for answer in await ctx.store.test_answers(run_id)}
        tally: dict[Difficulty, list[int]] = {level: [0, 0] for level in Difficulty}
        points = 0
        questions = [q for q in map(ctx.library.question, run.questions) if q is not None]
        for question in questions:
            answer = answers.get(question.key)
            solved = bool(answer and answer.solved)
            tally[question.difficulty][1] += 1
            if solved:
                tally[question.difficulty][0] += 1
                points += answer.points if answer else 0
        bank = ctx.library.bank(run.bank)
        return TestResult(
            bank_title=bank.title,
            correct=sum(correct for correct, _ in tally.values()),
            total=len(questions),
            points=points,
            by_difficulty=tuple(
                DifficultyScore(level, correct, total)
                for level, (correct, total) in tally.items()
                if total
            ),
        )
