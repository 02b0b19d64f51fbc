"""Private practice and "test this pattern" runs."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import (
    ANN,
    BOB,
    CHANNEL,
    OTHER_CHANNEL,
    MakeQuiz,
    make_bank,
    user,
    wrong_letter,
    wrong_letters,
)

from bot.core import outcomes
from bot.core.models import Difficulty, QuestionKey
from bot.core.outcomes import Closed, Correct, Exhausted, QuizError, UnknownBank, Wrong
from bot.core.quiz import Quiz
from bot.core.scoring import points_for

# The engine and its store: run on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores


@pytest.fixture
async def quiz(make_quiz: MakeQuiz) -> Quiz:
    return await make_quiz(make_bank("demo", easy=6))


async def exhaust_daily(quiz: Quiz) -> QuestionKey:
    """Post a daily question, let Ann use up her attempts on it, close it."""
    posted = await quiz.rounds.post_daily(CHANNEL)
    for letter in wrong_letters(posted.question)[: posted.question.attempts]:
        outcome = await quiz.rounds.answer(posted.round.id, ANN, [letter])
    assert isinstance(outcome, Exhausted)
    await quiz.rounds.close(posted.round.id)
    return posted.question.key


# --- practice ---------------------------------------------------------------------------------


async def test_practice_brings_back_the_questions_you_missed_until_you_solve_them(quiz: Quiz):
    missed = {await exhaust_daily(quiz), await exhaust_daily(quiz)}

    offered = [await quiz.practice.practice(ANN, CHANNEL) for _ in range(6)]

    assert {p.question.key for p in offered} <= missed
    assert all(p.missed_before for p in offered)
    for _ in range(len(missed)):
        practice = await quiz.practice.practice(ANN, CHANNEL)
        assert practice.question.key in missed
        solved = await quiz.rounds.answer(practice.round.id, ANN, list(practice.question.answer))
        assert isinstance(solved, Correct)
    after = await quiz.practice.practice(ANN, CHANNEL)
    assert after.question.key not in missed
    assert not after.missed_before


async def test_someone_elses_misses_do_not_steer_your_practice(quiz: Quiz):
    missed = await exhaust_daily(quiz)

    offered = [await quiz.practice.practice(BOB, CHANNEL) for _ in range(6)]

    assert not any(p.missed_before for p in offered)
    # Bob's least-practised question comes next, so six practices cover the six questions.
    assert missed in {p.question.key for p in offered}
    assert len({p.question.key for p in offered}) == 6


async def test_practice_never_shows_a_question_open_as_a_daily_round_in_the_workspace(
    make_quiz: MakeQuiz,
):
    quiz = await make_quiz(make_bank("demo", easy=3))
    live = {
        (await quiz.rounds.post_daily(CHANNEL)).question.key,
        (await quiz.rounds.post_daily(OTHER_CHANNEL)).question.key,
    }
    assert len(live) == 2

    offered = [await quiz.practice.practice(ANN, CHANNEL) for _ in range(6)]
    elsewhere = [await quiz.practice.practice(user("ann", "elsewhere"), CHANNEL) for _ in range(6)]

    assert not {p.question.key for p in offered} & live
    assert live <= {p.question.key for p in elsewhere}


async def test_practice_explains_when_every_question_is_the_open_daily_one(make_quiz: MakeQuiz):
    quiz = await make_quiz(make_bank("demo", easy=1))
    await quiz.rounds.post_daily(CHANNEL)

    with pytest.raises(QuizError, match="open daily question right now"):
        await quiz.practice.practice(ANN, CHANNEL)


async def test_a_practice_question_is_private_and_closes_once_finished(quiz: Quiz):
    practice = await quiz.practice.practice(ANN, CHANNEL)
    question = practice.question

    wrong = await quiz.rounds.answer(practice.round.id, ANN, [wrong_letter(question)])
    current = await quiz.practice.current(ANN)
    right = await quiz.rounds.answer(practice.round.id, ANN, list(question.answer))

    assert isinstance(wrong, Wrong)
    assert wrong.attempts_left == question.attempts - 1
    assert current == (practice.round, question)
    assert isinstance(right, Correct)
    assert right.points == points_for(question.difficulty, 2)
    assert await quiz.practice.current(ANN) is None
    assert await quiz.rounds.answer(practice.round.id, ANN, list(question.answer)) == Closed(
        question
    )


async def test_asking_for_another_practice_question_drops_the_open_one(quiz: Quiz):
    first = await quiz.practice.practice(ANN, CHANNEL)
    second = await quiz.practice.practice(ANN, CHANNEL)

    assert await quiz.rounds.answer(first.round.id, ANN, list(first.question.answer)) == Closed(
        first.question
    )
    assert await quiz.practice.current(ANN) == (second.round, second.question)
    assert await quiz.practice.stop(ANN) == 1
    assert await quiz.practice.current(ANN) is None


async def test_practice_respects_disabled_banks(make_quiz: MakeQuiz):
    quiz = await make_quiz(make_bank("on", easy=2), make_bank("off", easy=2))
    await quiz.context.store.set_bank_enabled("console", "local", "off", False)

    offered = [await quiz.practice.practice(ANN, CHANNEL) for _ in range(6)]

    assert {p.question.bank for p in offered} == {"on"}
    with pytest.raises(QuizError, match="The bank 'off' is disabled here"):
        await quiz.practice.practice(ANN, CHANNEL, bank="off")
    with pytest.raises(QuizError, match="The bank 'off' is disabled here"):
        await quiz.practice.start_test(ANN, CHANNEL, "off")


# --- tests ------------------------------------------------------------------------------------


async def test_a_test_run_asks_ten_questions_across_difficulties_one_attempt_each(
    make_quiz: MakeQuiz,
):
    quiz = await make_quiz(make_bank("pattern", easy=4, medium=5, hard=4, title="The pattern"))

    step = await quiz.practice.start_test(ANN, CHANNEL, "pattern")
    asked: list[outcomes.TestQuestion] = []
    tally: dict[Difficulty, list[int]] = {level: [0, 0] for level in Difficulty}
    points = 0
    while isinstance(step, outcomes.TestQuestion):
        asked.append(step)
        question = step.question
        tally[question.difficulty][1] += 1
        if len(asked) % 3 == 0:
            outcome = await quiz.rounds.answer(step.round.id, ANN, [wrong_letter(question)])
            assert isinstance(outcome, Exhausted)
        else:
            outcome = await quiz.rounds.answer(step.round.id, ANN, list(question.answer))
            assert isinstance(outcome, Correct)
            tally[question.difficulty][0] += 1
            points += outcome.points
        step = outcome.test
    result = step

    assert [(q.position, q.total) for q in asked] == [(n, 10) for n in range(1, 11)]
    assert all(q.round.attempts_allowed == 1 for q in asked)
    assert len({q.question.key for q in asked}) == 10
    levels = [q.question.difficulty for q in asked]
    assert Counter(levels) == {Difficulty.EASY: 3, Difficulty.MEDIUM: 4, Difficulty.HARD: 3}
    assert levels == sorted(levels, key=lambda level: level.rank)
    assert isinstance(result, outcomes.TestResult)
    assert (result.bank_title, result.correct, result.total) == ("The pattern", 7, 10)
    assert result.percent == 70
    assert (
        result.points
        == points
        == sum(points_for(q.question.difficulty, 1) for i, q in enumerate(asked, 1) if i % 3)
    )
    assert [(d.difficulty, d.correct, d.total) for d in result.by_difficulty] == [
        (level, *tally[level]) for level in Difficulty
    ]
    assert await quiz.practice.current(ANN) is None


async def test_a_test_of_a_small_bank_asks_every_question(make_quiz: MakeQuiz):
    quiz = await make_quiz(make_bank("small", easy=1, hard=3))

    step = await quiz.practice.start_test(ANN, CHANNEL, "small")
    seen = []
    while isinstance(step, outcomes.TestQuestion):
        seen.append(step.question.key)
        outcome = await quiz.rounds.answer(step.round.id, ANN, list(step.question.answer))
        assert isinstance(outcome, Correct)
        step = outcome.test

    assert len(set(seen)) == 4
    assert isinstance(step, outcomes.TestResult)
    assert (step.correct, step.total, step.points) == (4, 4, 10 + 3 * 30)
    assert [(d.difficulty, d.correct, d.total) for d in step.by_difficulty] == [
        (Difficulty.EASY, 1, 1),
        (Difficulty.HARD, 3, 3),
    ]


async def test_a_bank_short_of_one_difficulty_fills_the_test_from_the_others(
    make_quiz: MakeQuiz,
):
    quiz = await make_quiz(make_bank("lopsided", easy=1, medium=8, hard=4))

    step = await quiz.practice.start_test(ANN, CHANNEL, "lopsided")
    levels = []
    while isinstance(step, outcomes.TestQuestion):
        levels.append(step.question.difficulty)
        outcome = await quiz.rounds.answer(step.round.id, ANN, [wrong_letter(step.question)])
        assert isinstance(outcome, Exhausted)
        step = outcome.test

    assert len(levels) == 10
    counts = Counter(levels)
    assert counts[Difficulty.EASY] == 1
    assert counts[Difficulty.MEDIUM] >= 4
    assert counts[Difficulty.HARD] >= 3
    assert levels == sorted(levels, key=lambda level: level.rank)
    assert isinstance(step, outcomes.TestResult)
    assert (step.correct, step.total, step.points, step.percent) == (0, 10, 0, 0)


async def test_starting_a_new_test_abandons_the_old_one(make_quiz: MakeQuiz):
    quiz = await make_quiz(make_bank("pattern", easy=4, medium=4, hard=4))
    old = await quiz.practice.start_test(ANN, CHANNEL, "pattern")
    answered = await quiz.rounds.answer(old.round.id, ANN, list(old.question.answer))
    assert isinstance(answered, Correct)
    old_second = answered.test
    assert isinstance(old_second, outcomes.TestQuestion)
    assert old_second.position == 2

    new = await quiz.practice.start_test(ANN, CHANNEL, "pattern")

    assert new.position == 1
    assert new.round.test_run_id != old.round.test_run_id
    stale = await quiz.rounds.answer(old_second.round.id, ANN, list(old_second.question.answer))
    assert stale == Closed(old_second.question)
    assert await quiz.practice.current(ANN) == (new.round, new.question)


async def test_tests_are_per_person(make_quiz: MakeQuiz):
    quiz = await make_quiz(make_bank("pattern", easy=4, medium=4, hard=4))
    ann_test = await quiz.practice.start_test(ANN, CHANNEL, "pattern")

    bob_test = await quiz.practice.start_test(BOB, CHANNEL, "pattern")

    assert await quiz.practice.current(ANN) == (ann_test.round, ann_test.question)
    assert await quiz.rounds.answer(ann_test.round.id, BOB, ["A"]) == outcomes.NotFound()
    assert bob_test.position == 1


async def test_a_test_of_an_unknown_bank_names_the_banks_there_are(quiz: Quiz):
    with pytest.raises(UnknownBank, match=r"There is no bank 'nope'\. Banks: demo\."):
        await quiz.practice.start_test(ANN, CHANNEL, "nope")
