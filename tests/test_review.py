"""Spaced review: cards move through FSRS on every finished question; /quiz review brings the
due ones back, privately, most overdue first."""

from __future__ import annotations

from datetime import timedelta

import fsrs
import pytest
from conftest import ANN, BOB, CHANNEL, T0, MakeQuiz, make_bank, wrong_letters

from bot.core.clock import FakeClock
from bot.core.models import QuestionKey
from bot.core.outcomes import Correct, Exhausted, Wrong
from bot.core.periods import Period
from bot.core.quiz import Quiz
from bot.core.review import SCHEDULER, NothingDue, ReviewQuestion, next_card
from bot.core.review_cards import CardState
from bot.store.sqlite import SqliteStore

pytestmark = pytest.mark.both_stores


@pytest.fixture
async def quiz(make_quiz: MakeQuiz) -> Quiz:
    return await make_quiz(make_bank("demo", easy=4))


async def ann_id(quiz: Quiz) -> int:
    return await quiz.context.user_id(ANN)


async def finish_daily(quiz: Quiz, how: str) -> QuestionKey:
    """Post a daily question; Ann solves it first try ('good'), after a miss ('hard'), or runs
    out of attempts ('again')."""
    posted = await quiz.rounds.post_daily(CHANNEL)
    question = posted.question
    wrong = wrong_letters(question)
    if how == "again":
        for letter in wrong[: question.attempts]:
            result = await quiz.rounds.answer(posted.round.id, ANN, [letter])
        assert isinstance(result, Exhausted)
    else:
        if how == "hard":
            assert isinstance(await quiz.rounds.answer(posted.round.id, ANN, [wrong[0]]), Wrong)
        result = await quiz.rounds.answer(posted.round.id, ANN, list(question.answer))
        assert isinstance(result, Correct)
    return question.key


def fsrs_says(ratings: list[fsrs.Rating], start: FakeClock) -> fsrs.Card:
    card = fsrs.Card(card_id=0, due=start.now())
    for rating in ratings:
        card, _ = SCHEDULER.review_card(card, rating, start.now())
    return card


async def test_outcomes_rate_cards_again_hard_good(quiz: Quiz, store: SqliteStore, clock):
    again, hard, good = [await finish_daily(quiz, how) for how in ("again", "hard", "good")]
    user_id = await ann_id(quiz)

    cards = {key: await store.review_card(user_id, key) for key in (again, hard, good)}

    for key, rating in ((again, fsrs.Rating.Again), (hard, fsrs.Rating.Hard),
                        (good, fsrs.Rating.Good)):  # fmt: skip
        expected = fsrs_says([rating], clock)
        card = cards[key]
        assert card is not None
        assert card.state == CardState(int(expected.state))
        assert card.due == expected.due
        assert card.reps == 1
    assert cards[again].state is CardState.LEARNING
    assert cards[again].due == T0 + timedelta(days=1)
    assert cards[good].state is CardState.REVIEW
    assert cards[good].due > cards[hard].due > cards[again].due


async def test_a_wrong_answer_with_attempts_left_changes_no_card(quiz: Quiz, store: SqliteStore):
    posted = await quiz.rounds.post_daily(CHANNEL)
    await quiz.rounds.answer(posted.round.id, ANN, [wrong_letters(posted.question)[0]])

    assert await store.review_card(await ann_id(quiz), posted.question.key) is None


async def test_a_missed_question_is_due_on_the_day_fsrs_says_and_not_before(
    quiz: Quiz, clock: FakeClock
):
    missed = await finish_daily(quiz, "again")
    await quiz.rounds.close_open(CHANNEL)
    due_at = fsrs_says([fsrs.Rating.Again], clock).due

    clock.set(due_at - timedelta(minutes=1))
    early = await quiz.review.start(ANN, CHANNEL)
    assert isinstance(early, NothingDue)
    assert early.next_due == due_at

    clock.set(due_at)
    review = await quiz.review.start(ANN, CHANNEL)
    assert isinstance(review, ReviewQuestion)
    assert review.question.key == missed
    assert review.round.owner_id == await ann_id(quiz)


async def test_review_answers_move_the_card_through_relearning(
    quiz: Quiz, store: SqliteStore, clock: FakeClock
):
    key = await finish_daily(quiz, "good")  # Review state after one good answer
    await quiz.rounds.close_open(CHANNEL)
    user_id = await ann_id(quiz)
    states = []
    for solve in (False, True):
        card = await store.review_card(user_id, key)
        assert card is not None
        clock.set(card.due)
        review = await quiz.review.start(ANN, CHANNEL)
        assert isinstance(review, ReviewQuestion) and review.question.key == key
        if solve:
            await quiz.rounds.answer(review.round.id, ANN, list(review.question.answer))
        else:
            for letter in wrong_letters(review.question)[: review.question.attempts]:
                await quiz.rounds.answer(review.round.id, ANN, [letter])
        after = await store.review_card(user_id, key)
        assert after is not None
        states.append(after.state)
    assert states == [CardState.RELEARNING, CardState.REVIEW]
    final = await store.review_card(user_id, key)
    assert final is not None and (final.reps, final.lapses, final.recalls) == (3, 1, 1)
    summary = await quiz.review.summary(ANN)
    assert summary.retention == 0.5
    assert summary.learned == 1


async def test_most_overdue_first_and_never_on_the_daily_board(quiz: Quiz, clock: FakeClock):
    first = await finish_daily(quiz, "again")
    clock.advance(hours=2)
    second = await finish_daily(quiz, "again")
    clock.advance(hours=2)
    await finish_daily(quiz, "good")  # on the board, and not due for days
    await quiz.rounds.close_open(CHANNEL)
    clock.advance(days=1, hours=12)
    board_before = await quiz.boards.channel(CHANNEL, Period.ALL)
    assert board_before.rows

    review = await quiz.review.start(ANN, CHANNEL)
    assert isinstance(review, ReviewQuestion) and review.question.key == first
    assert review.due == 2
    solved = await quiz.rounds.answer(review.round.id, ANN, list(review.question.answer))
    assert isinstance(solved, Correct) and not solved.counted
    following = await quiz.review.start(ANN, CHANNEL)
    assert isinstance(following, ReviewQuestion) and following.question.key == second

    assert await quiz.boards.channel(CHANNEL, Period.ALL) == board_before
    assert await quiz.context.store.open_daily_round(CHANNEL) is None


async def test_nothing_due_for_a_newcomer_says_so_without_a_date(quiz: Quiz):
    result = await quiz.review.start(BOB, CHANNEL)
    assert isinstance(result, NothingDue) and result.next_due is None


def test_next_card_counts_repeat_answers_only():
    key = QuestionKey("demo", "e1")
    first = next_card(None, key, fsrs.Rating.Again, T0)
    assert (first.reps, first.lapses, first.recalls) == (1, 0, 0)
    second = next_card(first, key, fsrs.Rating.Good, T0 + timedelta(days=1))
    assert (second.reps, second.lapses, second.recalls) == (2, 0, 1)


async def test_a_finishing_answer_and_its_card_are_written_together(quiz: Quiz, store) -> None:
    """The card moves on in the transaction that records the finishing click: if the card
    cannot be written, the answer is not recorded either (the person may answer again), and
    never an answer counted with its card left behind."""
    posted = await quiz.rounds.post_daily(CHANNEL)
    question = posted.question
    user_id = await ann_id(quiz)
    engine = quiz.rounds
    healthy = quiz.review.step

    def broken_card(state, decision, at):  # type: ignore[no-untyped-def]
        update = healthy(state, decision, at)
        if update is None:
            return None

        def fails(before):  # type: ignore[no-untyped-def]
            raise RuntimeError("the card cannot be computed")

        return fails

    engine.on_finished(broken_card)
    with pytest.raises(RuntimeError, match="the card cannot be computed"):
        await engine.answer(posted.round.id, ANN, list(question.answer))
    assert await store.review_card(user_id, question.key) is None
    engine.on_finished(healthy)
    assert isinstance(await engine.answer(posted.round.id, ANN, list(question.answer)), Correct)
    card = await store.review_card(user_id, question.key)
    assert card is not None and card.reps == 1
