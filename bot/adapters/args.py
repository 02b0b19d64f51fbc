"""Reading the words people type after a text command (console, Slack's /quiz)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import Difficulty
from bot.core.outcomes import QuizError


def bank_and_difficulty(args: Sequence[str], usage: str) -> tuple[str | None, Difficulty | None]:
    """``[BANK] [easy|medium|hard]`` in any order; anything more is ``usage``."""
    bank: str | None = None
    difficulty: Difficulty | None = None
    for arg in args:
        try:
            difficulty = Difficulty(arg.lower())
        except ValueError:
            if bank is not None:
                raise QuizError(usage) from None
            bank = arg
    return bank, difficulty
