"""Daily rounds through the Quiz facade on a real SQLite store: answering, closing, revealing and
choosing the next question."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import ANN, BOB, CAT, CHANNEL, OTHER_CHANNEL, MakeQuiz, make_bank, make_question, user

from bot.core.clock import FakeClock
from bot.core.library import BankLibrary
from bot.core.models import Difficulty
from bot.core.outcomes import (
    AlreadyFinished,
    AlreadyTried,
    Closed,
    Correct,
    Exhausted,
    Invalid,
    NoOpenRound,
    NoQuestions,
    NotFound,
    Posted,
    QuizError,
    Wrong,
    WrongPick,
)
from bot.core.periods import Period
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef, UserRef, parse_letters
from bot.store.sqlite import SqliteStore

# The engine and its store: run on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

# Each bank holds one question, so a test posts exactly the question it wants.
PICK = make_question(
    "pick",
    bank="pick",
    answer=["B"],
    hint="Think of the second letter.",
    explanations={"A": "A is the classic trap.", "C": "C only looks right."},
    mistakes=["Reading the question too fast."],
)
# Five options, so that five attempts can all be different answers.
HARD = make_question(
    "hard",
    bank="hard",
    difficulty=Difficulty.HARD,
    answer=["C"],
    attempts=5,
    options={"A": "alpha", "B": "bravo", "C": "charlie", "D": "delta", "E": "echo"},
)
BLANKS = make_question(
    "blanks",
    bank="blanks",
    difficulty=Difficulty.MEDIUM,
    blanks=True,
    answer=["A", "C"],
    explanations={"B": "B does not load anything.", "D": "D is for the other blank."},
    mistakes=["Swapping the two blanks."],
)
BANKS = (make_bank("pick", [PICK]), make_bank("hard", [HARD]), make_bank("blanks", [BLANKS]))


@pytest.fixture
async def quiz(make_quiz: MakeQuiz) -> Quiz:
    return await make_quiz(*BANKS)


async def post(quiz: Quiz, bank: str, channel: ChannelRef = CHANNEL, **kwargs) -> Posted:
    return await quiz.rounds.post_daily(channel, banks=[bank], **kwargs)


# --- answering --------------------------------------------------------------------------------


async def test_correct_on_the_first_try_scores_full_points_and_shows_the_solution(quiz: Quiz):
    posted = await post(quiz, "pick")

    outcome = await quiz.rounds.answer(posted.round.id, ANN, ["B"])

    assert isinstance(outcome, Correct)
    assert (outcome.points, outcome.attempt_no) == (10, 1)
    assert outcome.solution is not None
    assert outcome.solution == PICK.solution
    assert (await quiz.boards.stats(ANN)).points == 10


async def test_a_wrong_answer_gives_attempts_left_the_hint_and_why_that_option_is_wrong(
    quiz: Quiz,
):
    posted = await post(quiz, "pick")

    first = await quiz.rounds.answer(posted.round.id, ANN, ["A"])
    second = await quiz.rounds.answer(posted.round.id, ANN, ["C"])
    third = await quiz.rounds.answer(posted.round.id, ANN, ["B"])

    assert isinstance(first, Wrong)
    assert (first.attempt_no, first.attempts_left) == (1, 2)
    assert first.hint == "Think of the second letter."
    assert first.explanation == "A is the classic trap."
    assert isinstance(second, Wrong)
    assert (second.attempt_no, second.attempts_left) == (2, 1)
    assert second.explanation == "C only looks right."
    assert isinstance(third, Correct)
    assert (third.attempt_no, third.points) == (3, 3)


async def test_a_wrong_option_without_an_explanation_has_none(quiz: Quiz):
    posted = await post(quiz, "pick")

    outcome = await quiz.rounds.answer(posted.round.id, ANN, ["D"])

    assert isinstance(outcome, Wrong)
    assert outcome.explanation is None


async def test_running_out_of_attempts_reveals_the_solution_then_the_round_is_finished(
    quiz: Quiz,
):
    posted = await post(quiz, "pick")
    round_id = posted.round.id

    outcomes = [await quiz.rounds.answer(round_id, ANN, [letter]) for letter in "ACD"]
    late = await quiz.rounds.answer(round_id, ANN, ["B"])

    assert [type(outcome) for outcome in outcomes] == [Wrong, Wrong, Exhausted]
    exhausted = outcomes[-1]
    assert isinstance(exhausted, Exhausted)
    assert exhausted.attempt_no == 3
    assert exhausted.solution == PICK.solution
    assert late == AlreadyFinished(PICK, solved=False, points=0, attempts_used=3)
    assert (await quiz.boards.channel(CHANNEL, Period.ALL)).rows == ()


async def test_answering_again_after_solving_is_already_finished_and_scores_once(quiz: Quiz):
    posted = await post(quiz, "pick")
    await quiz.rounds.answer(posted.round.id, ANN, ["A"])
    await quiz.rounds.answer(posted.round.id, ANN, ["B"])

    again = await quiz.rounds.answer(posted.round.id, ANN, ["B"])

    assert again == AlreadyFinished(PICK, solved=True, points=6, attempts_used=2)
    assert (await quiz.boards.stats(ANN)).points == 6


async def test_a_per_question_attempt_limit_overrides_the_banks(quiz: Quiz):
    posted = await post(quiz, "hard")
    assert posted.round.attempts_allowed == 5

    wrongs = [await quiz.rounds.answer(posted.round.id, ANN, [letter]) for letter in "ABDE"]
    last = await quiz.rounds.answer(posted.round.id, ANN, ["C"])
    bob_outcomes = [await quiz.rounds.answer(posted.round.id, BOB, [x]) for x in "ABDEA"]

    assert [w.attempts_left for w in wrongs if isinstance(w, Wrong)] == [4, 3, 2, 1]
    assert isinstance(last, Correct)
    assert (last.attempt_no, last.points) == (5, 9)
    assert [type(outcome) for outcome in bob_outcomes] == [Wrong] * 4 + [AlreadyTried]
    assert bob_outcomes[-1] == AlreadyTried(HARD, "A", attempts_left=1)


async def test_the_same_wrong_answer_again_is_refused_and_costs_no_attempt(quiz: Quiz):
    posted = await post(quiz, "pick")

    first = await quiz.rounds.answer(posted.round.id, ANN, ["A"])
    again = await quiz.rounds.answer(posted.round.id, ANN, ["A"])
    other = await quiz.rounds.answer(posted.round.id, ANN, ["C"])
    bob = await quiz.rounds.answer(posted.round.id, BOB, ["A"])

    assert isinstance(first, Wrong) and first.attempts_left == 2
    assert again == AlreadyTried(PICK, "A", attempts_left=2)
    assert isinstance(other, Wrong) and other.attempts_left == 1  # A again cost nothing
    assert isinstance(bob, Wrong) and bob.attempts_left == 2  # Ann's tries are hers


async def test_a_fill_blank_answer_is_the_same_only_with_every_blank_the_same(quiz: Quiz):
    posted = await post(quiz, "blanks")

    await quiz.rounds.answer(posted.round.id, ANN, ["A", "D"])
    swapped = await quiz.rounds.answer(posted.round.id, ANN, ["D", "A"])
    again = await quiz.rounds.answer(posted.round.id, ANN, ["A", "D"])

    assert isinstance(swapped, Wrong) and swapped.attempts_left == 1
    assert again == AlreadyTried(BLANKS, "A D", attempts_left=1)


async def test_tried_answers_are_remembered_after_a_restart(db_path: Path, clock: FakeClock):
    async def started() -> tuple[SqliteStore, Quiz]:
        store = await SqliteStore.open(db_path)
        quiz = Quiz(store, BankLibrary(BANKS), clock)
        await quiz.start()
        return store, quiz

    store, quiz = await started()
    posted = await post(quiz, "pick")
    await quiz.rounds.answer(posted.round.id, ANN, ["C"])
    await store.close()

    store, quiz = await started()
    try:
        again = await quiz.rounds.answer(posted.round.id, ANN, ["C"])
        right = await quiz.rounds.answer(posted.round.id, ANN, ["B"])
    finally:
        await store.close()

    assert again == AlreadyTried(PICK, "C", attempts_left=2)
    assert isinstance(right, Correct) and right.attempt_no == 2


async def test_a_closed_round_refuses_answers(quiz: Quiz):
    posted = await post(quiz, "pick")
    await quiz.rounds.close(posted.round.id)

    outcome = await quiz.rounds.answer(posted.round.id, ANN, ["B"])

    assert outcome == Closed(PICK)
    assert (await quiz.boards.stats(ANN)).attempted == 0


async def test_a_round_past_its_closing_time_refuses_answers(quiz: Quiz, clock: FakeClock):
    posted = await post(quiz, "pick", closes_at=clock.now() + timedelta(hours=1))
    early = await quiz.rounds.answer(posted.round.id, ANN, ["B"])

    clock.advance(hours=1)
    late = await quiz.rounds.answer(posted.round.id, BOB, ["B"])

    assert isinstance(early, Correct)
    assert late == Closed(PICK)


async def test_a_round_posted_with_a_closing_time_in_the_past_is_closed(
    quiz: Quiz, clock: FakeClock
):
    posted = await post(quiz, "pick", closes_at=clock.now() - timedelta(minutes=1))

    assert await quiz.rounds.answer(posted.round.id, ANN, ["B"]) == Closed(PICK)


async def test_a_forged_round_id_is_not_found(quiz: Quiz):
    posted = await post(quiz, "pick")

    assert await quiz.rounds.answer(posted.round.id + 1000, ANN, ["B"]) == NotFound()
    assert await quiz.rounds.answer(-1, ANN, ["B"]) == NotFound()


@pytest.mark.parametrize(
    "stranger",
    [UserRef("console", "elsewhere", "ann", "Ann"), UserRef("slack", "local", "ann", "Ann")],
    ids=["other-workspace", "other-platform"],
)
async def test_another_workspaces_round_is_not_found(quiz: Quiz, stranger: UserRef):
    posted = await post(quiz, "pick")

    outcome = await quiz.rounds.answer(posted.round.id, stranger, ["B"])

    assert outcome == NotFound()
    closed = await quiz.rounds.close(posted.round.id)
    assert closed.stats.participants == 0


async def test_another_users_practice_round_is_not_found(quiz: Quiz):
    practice = await quiz.practice.practice(ANN, CHANNEL, bank="pick")

    assert await quiz.rounds.answer(practice.round.id, BOB, ["B"]) == NotFound()
    assert isinstance(await quiz.rounds.answer(practice.round.id, ANN, ["B"]), Correct)


@pytest.mark.parametrize(
    ("bank", "letters", "message"),
    [
        ("pick", ["Z"], "'Z' is not one of the options A-D"),
        ("pick", ["A", "B"], "pick exactly one option (A-D)"),
        ("pick", [], "pick exactly one option (A-D)"),
        ("blanks", ["A"], "this question has 2 blanks"),
        ("blanks", ["A", "C", "D"], "this question has 2 blanks"),
        ("blanks", ["A", "E"], "'E' is not one of the options A-D"),
    ],
)
async def test_an_invalid_answer_is_refused_and_costs_no_attempt(
    quiz: Quiz, bank: str, letters: list[str], message: str
):
    posted = await post(quiz, bank)

    refused = await quiz.rounds.answer(posted.round.id, ANN, letters)
    wrong = await quiz.rounds.answer(posted.round.id, ANN, ["D"] * len(posted.question.answer))

    assert isinstance(refused, Invalid)
    assert message in refused.message
    assert isinstance(wrong, Wrong)
    assert (wrong.attempt_no, wrong.attempts_left) == (1, 2)


def test_typed_letters_are_read_in_any_common_form():
    assert parse_letters("a c") == ("A", "C")
    assert parse_letters("A,C") == ("A", "C")
    assert parse_letters("ac") == ("A", "C")
    assert parse_letters(" b ") == ("B",)


async def test_a_fill_blank_answer_needs_every_blank_right(quiz: Quiz):
    posted = await post(quiz, "blanks")

    partly = await quiz.rounds.answer(posted.round.id, ANN, ["A", "D"])
    swapped = await quiz.rounds.answer(posted.round.id, ANN, ["B", "C"])
    right = await quiz.rounds.answer(posted.round.id, ANN, ["A", "C"])
    first_try = await quiz.rounds.answer(posted.round.id, BOB, ["A", "C"])

    assert isinstance(partly, Wrong)
    assert partly.explanation == "D is for the other blank."
    assert isinstance(swapped, Wrong)
    assert swapped.explanation == "B does not load anything."
    assert isinstance(right, Correct)
    assert (right.attempt_no, right.points) == (3, 6)
    assert isinstance(first_try, Correct)
    assert first_try.points == 20


# --- closing and revealing --------------------------------------------------------------------


async def test_the_reveal_counts_participants_solvers_and_the_most_picked_wrong_option(
    quiz: Quiz, clock: FakeClock
):
    posted = await post(quiz, "pick")
    round_id = posted.round.id
    # Bob is known to the store before Ann, so only the time of solving can make Ann first.
    await quiz.rounds.answer(round_id, BOB, ["A"])
    clock.advance(minutes=1)
    await quiz.rounds.answer(round_id, ANN, ["B"])
    clock.advance(minutes=1)
    await quiz.rounds.answer(round_id, BOB, ["B"])
    for letter in "AC":
        await quiz.rounds.answer(round_id, CAT, [letter])
    await quiz.rounds.answer(round_id, user("dan"), ["A"])

    reveal = await quiz.rounds.close(round_id)

    assert reveal.newly_closed
    assert reveal.question == PICK
    assert reveal.stats.participants == 4
    assert reveal.stats.solved == 2
    assert reveal.stats.percent_solved == 50
    assert reveal.stats.first_solver == "Ann"
    assert reveal.stats.most_picked_wrong == WrongPick("A", 3, "A is the classic trap.")


async def test_the_reveal_of_a_fill_blank_names_the_blank_of_the_wrong_pick(quiz: Quiz):
    posted = await post(quiz, "blanks")
    await quiz.rounds.answer(posted.round.id, ANN, ["A", "D"])
    await quiz.rounds.answer(posted.round.id, BOB, ["A", "D"])
    await quiz.rounds.answer(posted.round.id, CAT, ["B", "C"])

    reveal = await quiz.rounds.close(posted.round.id)

    assert reveal.stats.most_picked_wrong == WrongPick("[2] D", 2, "D is for the other blank.")
    assert reveal.stats.percent_solved == 0
    assert reveal.stats.first_solver is None


async def test_a_wrong_pick_without_an_explanation_falls_back_to_the_common_mistake(quiz: Quiz):
    posted = await post(quiz, "pick")
    await quiz.rounds.answer(posted.round.id, ANN, ["D"])

    reveal = await quiz.rounds.close(posted.round.id)

    assert reveal.stats.most_picked_wrong == WrongPick("D", 1, "Reading the question too fast.")


async def test_a_round_nobody_answered_reveals_empty_stats(quiz: Quiz):
    posted = await post(quiz, "pick")

    reveal = await quiz.rounds.close(posted.round.id)

    assert (reveal.stats.participants, reveal.stats.percent_solved) == (0, 0)
    assert reveal.stats.first_solver is None
    assert reveal.stats.most_picked_wrong is None


async def test_closing_twice_reveals_once_with_the_same_stats(quiz: Quiz, clock: FakeClock):
    posted = await post(quiz, "pick")
    await quiz.rounds.answer(posted.round.id, ANN, ["A"])
    await quiz.rounds.answer(posted.round.id, BOB, ["B"])

    first = await quiz.rounds.close(posted.round.id)
    clock.advance(hours=1)
    second = await quiz.rounds.close(posted.round.id)

    assert first.newly_closed
    assert not second.newly_closed
    assert second.stats == first.stats
    assert second.round.closed_at == first.round.closed_at


async def test_posting_the_next_question_closes_and_reveals_the_open_one(quiz: Quiz):
    first = await post(quiz, "pick")
    await quiz.rounds.answer(first.round.id, ANN, ["B"])

    second = await post(quiz, "hard")

    assert first.previous is None
    assert second.previous is not None
    assert second.previous.newly_closed
    assert second.previous.round.id == first.round.id
    assert (second.previous.stats.participants, second.previous.stats.solved) == (1, 1)
    assert await quiz.rounds.answer(first.round.id, BOB, ["B"]) == Closed(PICK)
    current, question = await quiz.rounds.open_round(CHANNEL)
    assert (current.id, question) == (second.round.id, HARD)


async def test_a_round_that_never_reached_the_channel_is_posted_again(quiz: Quiz):
    unposted = await quiz.rounds.post_daily(CHANNEL)  # the platform refused the message

    again = await quiz.rounds.post_daily(CHANNEL, reuse_unposted=True)
    assert (again.round.id, again.question, again.previous) == (
        unposted.round.id, unposted.question, None,
    )  # fmt: skip

    await quiz.context.store.set_message_ref(again.round.id, "m1")  # this time it went out
    following = await quiz.rounds.post_daily(CHANNEL, reuse_unposted=True)
    assert following.round.id != unposted.round.id
    assert following.previous is not None and following.previous.round.id == unposted.round.id


async def test_closing_the_open_round_of_a_channel_without_one_is_refused(quiz: Quiz):
    posted = await post(quiz, "pick")
    reveal = await quiz.rounds.close_open(CHANNEL)
    async with quiz.rounds.announcing(reveal) as mine:
        assert mine

    with pytest.raises(NoOpenRound):
        await quiz.rounds.close_open(CHANNEL)
    assert posted.round.id != (await post(quiz, "pick")).round.id


async def test_a_reveal_is_posted_once_and_a_failed_one_again(quiz: Quiz, clock: FakeClock):
    posted = await post(quiz, "pick")
    first = await quiz.rounds.close_open(CHANNEL)
    assert not first.announced

    # The platform refused the reveal: nothing is recorded, and "reveal now" offers it again.
    with pytest.raises(ConnectionError):
        async with quiz.rounds.announcing(first) as mine:
            assert mine
            raise ConnectionError("Slack said 503")
    again = await quiz.rounds.close_open(CHANNEL)
    assert again.round.id == posted.round.id and not again.newly_closed
    assert not again.announced

    # While one caller posts it, another is told not to; once posted, nobody posts it again.
    async with quiz.rounds.announcing(again) as mine:
        assert mine
        async with quiz.rounds.announcing(again) as other:
            assert not other
    clock.advance(hours=1)
    closed = await quiz.rounds.close(posted.round.id)
    assert closed.announced
    async with quiz.rounds.announcing(closed) as mine:
        assert not mine
    with pytest.raises(NoOpenRound):
        await quiz.rounds.close_open(CHANNEL)


async def test_the_next_post_carries_a_reveal_that_never_went_out(quiz: Quiz):
    posted = await post(quiz, "pick")
    await quiz.rounds.answer(posted.round.id, ANN, ["B"])
    refused = await quiz.rounds.close_open(CHANNEL)  # closed; the platform refused the reveal

    following = await post(quiz, "hard")
    carried = following.previous
    assert carried is not None
    assert (carried.round.id, carried.newly_closed, carried.announced) == (
        posted.round.id, False, False,
    )  # fmt: skip
    assert carried.stats == refused.stats
    async with quiz.rounds.announcing(carried) as mine:
        assert mine

    # Once posted it is not carried again.
    async with quiz.rounds.announcing(await quiz.rounds.close_open(CHANNEL)) as mine:
        assert mine
    assert (await post(quiz, "pick")).previous is None


# --- choosing the question --------------------------------------------------------------------


async def test_no_question_repeats_in_a_channel_until_the_bank_is_used_up(make_quiz: MakeQuiz):
    quiz = await make_quiz(make_bank("five", easy=2, medium=2, hard=1))

    first_cycle = [await quiz.rounds.post_daily(CHANNEL) for _ in range(5)]
    second_cycle = [await quiz.rounds.post_daily(CHANNEL) for _ in range(5)]

    assert len({posted.question.key for posted in first_cycle}) == 5
    assert [posted.new_cycle for posted in first_cycle] == [False] * 5
    assert len({posted.question.key for posted in second_cycle}) == 5
    assert [posted.new_cycle for posted in second_cycle] == [True] + [False] * 4


async def test_a_new_cycle_does_not_start_with_the_question_just_asked(make_quiz: MakeQuiz):
    quiz = await make_quiz(make_bank("two", easy=2))

    asked = [(await quiz.rounds.post_daily(CHANNEL)).question.id for _ in range(20)]

    assert [n for n in range(1, 20) if asked[n] == asked[n - 1]] == [], asked


async def test_posting_twice_at_once_in_a_channel_opens_one_round(quiz: Quiz):
    first = await post(quiz, "pick")
    await quiz.rounds.answer(first.round.id, ANN, ["B"])

    results = await asyncio.gather(post(quiz, "hard"), post(quiz, "hard"), return_exceptions=True)

    posted = [result for result in results if isinstance(result, Posted)]
    refused = [result for result in results if isinstance(result, QuizError)]
    assert posted and len(posted) + len(refused) == 2, results
    for error in refused:
        assert str(error) == "A question was posted in this channel a moment ago."
    # Never two open rounds: the one left open is a post's, and a post whose round is not open
    # any more was closed by the other post (on a loaded machine the two can run one after the
    # other, and then both succeed), whose reveal travels with it.
    current, _ = await quiz.rounds.open_round(CHANNEL)
    assert current.id in {result.round.id for result in posted}
    for result in posted:
        if result.round.id != current.id:
            assert [p.previous.round.id for p in posted if p.previous].count(result.round.id) == 1
    # The reveal of the first round goes out with exactly one post, whichever of the two closed
    # it (the loser may have closed it before its own insert was refused).
    reveals = [p.previous for p in posted if p.previous and p.previous.round.id == first.round.id]
    assert len(reveals) == 1
    assert reveals[0].announced is False and reveals[0].stats.solved == 1


async def test_each_channel_has_its_own_cycle(make_quiz: MakeQuiz):
    quiz = await make_quiz(make_bank("three", easy=3))

    here = [await quiz.rounds.post_daily(CHANNEL) for _ in range(3)]
    there = [await quiz.rounds.post_daily(OTHER_CHANNEL) for _ in range(3)]

    assert len({posted.question.key for posted in here}) == 3
    assert len({posted.question.key for posted in there}) == 3
    assert not any(posted.new_cycle for posted in here + there)


async def test_a_difficulty_filter_posts_only_that_difficulty(make_quiz: MakeQuiz):
    quiz = await make_quiz(make_bank("mixed", easy=3, medium=3, hard=3))

    posted = [await quiz.rounds.post_daily(CHANNEL, difficulty=Difficulty.HARD) for _ in range(6)]

    assert {p.question.difficulty for p in posted} == {Difficulty.HARD}


async def test_disabled_banks_are_not_picked_in_that_workspace(make_quiz: MakeQuiz):
    quiz = await make_quiz(make_bank("on", easy=2), make_bank("off", easy=2))
    await quiz.context.store.set_bank_enabled("console", "local", "off", False)
    elsewhere = ChannelRef("console", "elsewhere", "general")

    here = [await quiz.rounds.post_daily(CHANNEL) for _ in range(6)]
    there = [await quiz.rounds.post_daily(elsewhere) for _ in range(4)]

    assert {p.question.bank for p in here} == {"on"}
    assert {p.question.bank for p in there} == {"on", "off"}


async def test_a_workspace_with_every_bank_disabled_gets_a_clear_refusal(make_quiz: MakeQuiz):
    quiz = await make_quiz(make_bank("only", easy=2))
    await quiz.context.store.set_bank_enabled("console", "local", "only", False)

    with pytest.raises(NoQuestions, match="No enabled bank has questions"):
        await quiz.rounds.post_daily(CHANNEL)

    await quiz.context.store.set_bank_enabled("console", "local", "only", True)
    assert (await quiz.rounds.post_daily(CHANNEL)).question.bank == "only"
