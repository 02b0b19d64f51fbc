"""Helpers shared by the benchmarks: synthetic banks and percentiles."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from bot.core.models import Bank, Difficulty, Question, QuestionType

LEVELS = (Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD)


def synthetic_bank(questions: int = 60, bank_id: str = "bench") -> Bank:
    """A bank of plain A-D choice questions whose answer is always ``B``."""
    return Bank(
        id=bank_id,
        title="Benchmark bank",
        questions=tuple(
            Question(
                bank=bank_id,
                id=f"q{number}",
                type=QuestionType.CHOICE,
                difficulty=LEVELS[number % 3],
                prompt=f"Benchmark question {number}?",
                options={"A": "one", "B": "two", "C": "three", "D": "four"},
                answer=("B",),
                hint="Not A.",
                attempts=3,
            )
            for number in range(questions)
        ),
    )


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    cuts = statistics.quantiles(values, n=1000, method="inclusive")
    return cuts[min(len(cuts) - 1, max(0, round(fraction * 1000) - 1))]
