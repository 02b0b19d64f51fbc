"""Which question comes next: daily (no repeat within a cycle), practice, and test runs."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.models import Difficulty, Question, QuestionKey

TEST_LENGTH = 10
# How a 10-question test spreads over difficulty when the bank has enough of each.
TEST_QUOTA: dict[Difficulty, int] = {Difficulty.EASY: 3, Difficulty.MEDIUM: 4, Difficulty.HARD: 3}


@dataclass(frozen=True, slots=True)
class DailyPick:
    question: Question
    new_cycle: bool


def pick_daily(
    eligible: Sequence[Question],
    used: set[QuestionKey],
    rng: random.Random,
    last: QuestionKey | None = None,
) -> DailyPick:
    """A question not used in the channel's current cycle; a new cycle once all have been. A new
    cycle does not open with the question just asked (unless it is the only one)."""
    fresh = [question for question in eligible if question.key not in used]
    if fresh:
        return DailyPick(rng.choice(fresh), new_cycle=False)
    again = [question for question in eligible if question.key != last] or list(eligible)
    return DailyPick(rng.choice(again), new_cycle=True)


def pick_practice(
    eligible: Sequence[Question],
    missed: set[QuestionKey],
    practised: Mapping[QuestionKey, int],
    rng: random.Random,
) -> tuple[Question, bool]:
    """Prefer what the user missed before; otherwise what they have practised least."""
    missed_now = [question for question in eligible if question.key in missed]
    if missed_now:
        return rng.choice(missed_now), True
    fewest = min(practised.get(question.key, 0) for question in eligible)
    least = [question for question in eligible if practised.get(question.key, 0) == fewest]
    return rng.choice(least), False


def plan_test(questions: Sequence[Question], rng: random.Random) -> list[Question]:
    """Up to 10 questions across easy, medium and hard, easiest first."""
    pools = {level: [q for q in questions if q.difficulty is level] for level in Difficulty}
    for pool in pools.values():
        rng.shuffle(pool)
    chosen: list[Question] = []
    for level, quota in TEST_QUOTA.items():
        chosen.extend(pools[level][:quota])
        del pools[level][:quota]
    # A bank short of one level fills the test from the others, medium first.
    fill_order = (Difficulty.MEDIUM, Difficulty.EASY, Difficulty.HARD)
    while len(chosen) < TEST_LENGTH and any(pools.values()):
        for level in fill_order:
            if pools[level] and len(chosen) < TEST_LENGTH:
                chosen.append(pools[level].pop())
    return sorted(chosen, key=lambda question: question.difficulty.rank)
