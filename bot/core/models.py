"""The quiz's domain values: questions and banks as the rest of the bot sees them.

These are plain frozen dataclasses, built once by the bank loader (``bot.core.banks``) after
validation; nothing downstream re-checks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple


class QuestionType(StrEnum):
    FILL_BLANK = "fill_blank"
    CHOICE = "choice"


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"

    @property
    def rank(self) -> int:
        return _DIFFICULTY_RANK[self]


_DIFFICULTY_RANK = {Difficulty.EASY: 0, Difficulty.MEDIUM: 1, Difficulty.HARD: 2}


class QuestionKey(NamedTuple):
    """The stable identity of a question: editing its text keeps its history. (A NamedTuple:
    it is hashed on every click.)"""

    bank: str
    id: str

    def __str__(self) -> str:
        return f"{self.bank}/{self.id}"


@dataclass(frozen=True, slots=True)
class Step:
    text: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Solution:
    steps: tuple[Step, ...] = ()
    final: str | None = None
    check: str | None = None


@dataclass(frozen=True, slots=True)
class Question:
    bank: str
    id: str
    type: QuestionType
    difficulty: Difficulty
    prompt: str
    options: dict[str, str]
    """Letter -> option text, in letter order (A, B, ...)."""
    answer: tuple[str, ...]
    """One letter for ``choice``; one letter per blank, in blank order, for ``fill_blank``."""
    hint: str
    attempts: int
    """Attempts allowed, after the bank default and the per-question override."""
    code: str | None = None
    language: str | None = None
    mistakes: tuple[str, ...] = ()
    explanations: dict[str, str] = field(default_factory=dict)
    solution: Solution | None = None
    tags: tuple[str, ...] = ()
    shuffle: bool = True
    """Whether rounds show the options in an order of their own (``shuffle: false`` opts out)."""
    line: int = 0
    """Line of the question in its bank file, for messages."""

    @property
    def key(self) -> QuestionKey:
        return QuestionKey(self.bank, self.id)

    @property
    def blanks(self) -> int:
        return len(self.answer) if self.type is QuestionType.FILL_BLANK else 0

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(self.options)

    def answer_text(self) -> str:
        """The answer as people read it: ``D`` or ``[1] A, [2] B``."""
        if self.type is QuestionType.CHOICE:
            return self.answer[0]
        return ", ".join(f"[{i}] {letter}" for i, letter in enumerate(self.answer, start=1))


@dataclass(frozen=True, slots=True)
class Bank:
    id: str
    title: str
    questions: tuple[Question, ...]
    attempts: int = 3
    category: str | None = None
    path: str = ""

    def question(self, question_id: str) -> Question | None:
        for question in self.questions:
            if question.id == question_id:
                return question
        return None
