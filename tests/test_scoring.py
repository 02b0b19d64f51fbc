"""Points per attempt, streaks and ordinals: the numbers people see after every answer."""

from __future__ import annotations

import pytest
from conftest import T0, make_question
from hypothesis import given
from hypothesis import strategies as st

from bot.core.models import Difficulty
from bot.core.rounds import AttemptState, RoundKind, Verdict, decide
from bot.core.scoring import attempt_factor_percent, ordinal, points_for, streaks

EASY, MEDIUM, HARD = Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD


@pytest.mark.parametrize(
    ("difficulty", "attempt_no", "points"),
    [
        (EASY, 1, 10),
        (EASY, 2, 6),
        (EASY, 3, 3),
        (MEDIUM, 1, 20),
        (MEDIUM, 2, 12),
        (MEDIUM, 3, 6),
        (HARD, 1, 30),
        (HARD, 2, 18),
        (HARD, 3, 9),
    ],
)
def test_points_by_difficulty_and_attempt(difficulty: Difficulty, attempt_no: int, points: int):
    assert points_for(difficulty, attempt_no) == points


@pytest.mark.parametrize("attempt_no", [4, 5, 7, 10])
@pytest.mark.parametrize("difficulty", list(Difficulty))
def test_attempts_after_the_third_keep_the_third_factor(difficulty: Difficulty, attempt_no: int):
    assert points_for(difficulty, attempt_no) == points_for(difficulty, 3)
    assert points_for(difficulty, attempt_no) > 0


def test_attempt_numbers_start_at_one():
    with pytest.raises(ValueError, match="start at 1"):
        attempt_factor_percent(0)


def _state(attempts_used: int, allowed: int = 3) -> AttemptState:
    return AttemptState(
        found=True,
        round_id=1,
        kind=RoundKind.DAILY,
        platform="console",
        workspace="local",
        question=make_question("q").key,
        attempts_allowed=allowed,
        attempts_used=attempts_used,
    )


def _decide(state: AttemptState, letter: str):
    return decide(
        state,
        question=make_question("q", difficulty=HARD),
        letters=[letter],
        platform="console",
        workspace="local",
        user_id=1,
        now=T0,
    )


def test_a_wrong_last_attempt_earns_nothing_and_finishes():
    decision = _decide(_state(attempts_used=2), "B")
    assert decision.verdict is Verdict.RECORDED
    assert (decision.correct, decision.points, decision.finished) == (False, 0, True)


def test_an_exhausted_user_cannot_score_with_the_right_answer():
    decision = _decide(_state(attempts_used=3), "A")
    assert decision.verdict is Verdict.FINISHED
    assert decision.points == 0


def test_the_right_answer_on_a_late_attempt_scores_that_attempt():
    decision = _decide(_state(attempts_used=1), "A")
    assert (decision.correct, decision.attempt_no, decision.points) == (True, 2, 18)
    assert decision.counts_for_board


@given(
    difficulty=st.sampled_from(list(Difficulty)),
    earlier=st.integers(min_value=1, max_value=10),
    later=st.integers(min_value=1, max_value=10),
)
def test_points_never_increase_with_later_attempts(
    difficulty: Difficulty, earlier: int, later: int
):
    earlier, later = sorted((earlier, later))
    assert 0 <= points_for(difficulty, later) <= points_for(difficulty, earlier) <= 30


@given(attempt_no=st.integers(min_value=1, max_value=10))
def test_harder_questions_never_pay_less(attempt_no: int):
    assert (
        points_for(EASY, attempt_no)
        <= points_for(MEDIUM, attempt_no)
        <= points_for(HARD, attempt_no)
    )


@pytest.mark.parametrize(
    ("solved", "latest", "open_seq", "expected"),
    [
        ([], 0, None, (0, 0)),
        ([], 5, 5, (0, 0)),
        ([1, 2, 3], 3, None, (3, 3)),
        # solve, solve, miss, solve
        ([1, 2, 4], 4, None, (1, 2)),
        # the next round is still open: the streak is not broken yet
        ([1, 2], 3, 3, (2, 2)),
        # ... and broken once it closed without a solve
        ([1, 2], 3, None, (0, 2)),
        ([1, 2], 4, 4, (0, 2)),
        # solving the open round counts at once
        ([1, 2, 3], 3, 3, (3, 3)),
        # order and duplicates do not matter
        ([3, 1, 2, 2], 3, None, (3, 3)),
        ([1, 2, 3, 7, 8], 9, 9, (2, 3)),
    ],
)
def test_streaks(solved: list[int], latest: int, open_seq: int | None, expected: tuple[int, int]):
    assert streaks(solved, latest, open_seq) == expected


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (10, "10th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (101, "101st"),
        (111, "111th"),
        (112, "112th"),
    ],
)
def test_ordinal(number: int, text: str):
    assert ordinal(number) == text
