"""Every points rule of quizbot, in one place."""

from __future__ import annotations

from bot.core.models import Difficulty

BASE_POINTS: dict[Difficulty, int] = {
    Difficulty.EASY: 10,
    Difficulty.MEDIUM: 20,
    Difficulty.HARD: 30,
}

# Percent of the base points for a correct answer on the 1st, 2nd and 3rd attempt. Banks may
# allow up to 10 attempts; every attempt after the 3rd keeps the 3rd's factor so that a late
# right answer still beats giving up.
ATTEMPT_FACTORS_PERCENT: tuple[int, ...] = (100, 60, 30)


def attempt_factor_percent(attempt_no: int) -> int:
    if attempt_no < 1:
        raise ValueError(f"attempt numbers start at 1, got {attempt_no}")
    index = min(attempt_no, len(ATTEMPT_FACTORS_PERCENT)) - 1
    return ATTEMPT_FACTORS_PERCENT[index]


def points_for(difficulty: Difficulty, attempt_no: int) -> int:
    """Points for a correct answer on attempt ``attempt_no`` (rounded half up)."""
    scaled = BASE_POINTS[difficulty] * attempt_factor_percent(attempt_no)
    return (scaled + 50) // 100


def ordinal(number: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``11th`` ... for "Correct! +20 points (2nd attempt)"."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def streaks(solved_seqs: list[int], latest_seq: int, open_seq: int | None) -> tuple[int, int]:
    """(current, best) streak from the sequence numbers of a channel's daily rounds a user solved.

    A streak is a run of consecutive daily rounds of one channel answered correctly. The current
    streak survives while the round after its last one is still open (the user may yet answer
    it) and breaks once a later round has closed without a correct answer from them.
    """
    best = 0
    run = 0
    previous: int | None = None
    for seq in sorted(set(solved_seqs)):
        run = run + 1 if previous is not None and seq == previous + 1 else 1
        best = max(best, run)
        previous = seq
    if previous is None:
        return 0, 0
    last_closed = latest_seq - 1 if open_seq == latest_seq else latest_seq
    current = run if previous >= last_closed else 0
    return current, best
