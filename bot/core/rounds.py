"""Rounds and attempts: who may answer what, how many times, and what an answer earns.

``decide`` is the rule applied to every click. The store runs it inside the click's write
transaction, on the state it has just read, so a user's concurrent clicks are judged one after the
other and can never exceed the limit or score twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from bot.core.models import Question, QuestionKey, QuestionType
from bot.core.scoring import points_for


class RoundKind(StrEnum):
    DAILY = "daily"
    PRACTICE = "practice"
    TEST = "test"


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """Where a round is posted: (platform, workspace or guild id, channel id)."""

    platform: str
    workspace: str
    channel: str

    @property
    def scope(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.channel}"

    @property
    def workspace_scope(self) -> str:
        return f"{self.platform}:{self.workspace}"


@dataclass(frozen=True, slots=True)
class UserRef:
    """A person on one platform and workspace; ``name`` is for display only."""

    platform: str
    workspace: str
    user: str
    name: str = ""

    @property
    def display(self) -> str:
        return self.name or self.user


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    kind: RoundKind
    channel: ChannelRef
    question: QuestionKey
    attempts_allowed: int
    opened_at: datetime
    closes_at: datetime | None = None
    closed_at: datetime | None = None
    seq: int | None = None
    """Position among the channel's daily rounds (1, 2, ...), for streaks."""
    owner_id: int | None = None
    """The user a practice or test round belongs to."""
    test_run_id: int | None = None
    message_ref: str | None = None
    order: str | None = None
    """The canonical letters in the order the round shows them (``OptionOrder.encode``); None
    for a round opened before orders existed: it shows the bank's order."""

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Verdict(StrEnum):
    RECORDED = "recorded"
    NOT_FOUND = "not_found"
    CLOSED = "closed"
    FINISHED = "finished"
    INVALID = "invalid"
    GONE = "gone"
    REPEATED = "repeated"


# AttemptState and Decision are NamedTuples rather than frozen dataclasses: every click makes
# one of each, and a tuple is built several times faster; both stay immutable.
class AttemptState(NamedTuple):
    """What the store read for (round, user) inside the click's transaction."""

    found: bool
    round_id: int = 0
    kind: RoundKind = RoundKind.DAILY
    platform: str = ""
    workspace: str = ""
    owner_id: int | None = None
    question: QuestionKey | None = None
    attempts_allowed: int = 0
    closed: bool = False
    closes_at: datetime | None = None
    attempts_used: int = 0
    solved: bool = False
    points: int = 0
    test_run_id: int | None = None
    tried: tuple[str, ...] = ()
    """The user's wrong answers in this round so far, as stored (canonical letters, "A C")."""


class Decision(NamedTuple):
    verdict: Verdict
    correct: bool = False
    points: int = 0
    attempt_no: int = 0
    finished: bool = False
    counts_for_board: bool = False
    message: str = ""
    """Why an INVALID answer was refused."""

    @property
    def first_attempt(self) -> bool:
        return self.attempt_no == 1


def parse_letters(text: str) -> tuple[str, ...]:
    """``"a c"``, ``"A,C"`` or ``"AC"`` -> ``("A", "C")``."""
    cleaned = text.replace(",", " ").upper().split()
    if len(cleaned) == 1 and len(cleaned[0]) > 1 and cleaned[0].isalpha():
        return tuple(cleaned[0])
    return tuple(cleaned)


def _span(question: Question) -> str:
    letters = question.letters
    return f"{letters[0]}-{letters[-1]}"


def check_letters(question: Question, letters: Sequence[str]) -> str | None:
    """Why ``letters`` is not a complete answer to ``question``; None when it is."""
    valid = question.options
    for letter in letters:
        if letter not in valid:
            return f"'{letter}' is not one of the options {_span(question)}"
    if question.type is QuestionType.CHOICE:
        if len(letters) != 1:
            return f"pick exactly one option ({_span(question)})"
        return None
    if len(letters) != question.blanks:
        blanks = question.blanks
        noun = "blank" if blanks == 1 else "blanks"
        return f"this question has {blanks} {noun}: give one letter per blank, in order"
    return None


# Refusals carry nothing but their verdict; being tuples, one of each serves every click.
_NOT_FOUND = Decision(Verdict.NOT_FOUND)
_GONE = Decision(Verdict.GONE)
_CLOSED = Decision(Verdict.CLOSED)
_FINISHED = Decision(Verdict.FINISHED)
_REPEATED = Decision(Verdict.REPEATED)
_RECORDED = Verdict.RECORDED
_CHOICE = QuestionType.CHOICE
_DAILY = RoundKind.DAILY


def shown_to(round_: Round, user: UserRef, user_id: int | None) -> bool:
    """Whether ``user`` (``user_id`` None: never recorded) may see ``round_`` at all: a round of
    their platform and workspace, and their own if it is someone's practice or test. The same
    rule as the first check of ``decide``, for what is shown before any answer (a picker)."""
    return (
        round_.channel.platform == user.platform
        and round_.channel.workspace == user.workspace
        and (round_.owner_id is None or round_.owner_id == user_id)
    )


def decide(
    state: AttemptState,
    *,
    question: Question | None,
    letters: Sequence[str],
    platform: str,
    workspace: str,
    user_id: int,
    now: datetime,
) -> Decision:
    """The attempt rule: judge one submission against the state read in its transaction."""
    if (
        not state.found
        or state.platform != platform
        or state.workspace != workspace
        or (state.owner_id is not None and state.owner_id != user_id)
    ):
        # Another guild's round, a forged id or someone else's practice: all look the same.
        return _NOT_FOUND
    if question is None:
        return _GONE
    if state.closed or (state.closes_at is not None and now >= state.closes_at):
        return _CLOSED
    used = state.attempts_used
    allowed = state.attempts_allowed
    if state.solved or used >= allowed:
        return _FINISHED
    # The common case, one valid option of a choice question, skips the full check.
    if not (question.type is _CHOICE and len(letters) == 1 and letters[0] in question.options):
        problem = check_letters(question, letters)
        if problem is not None:
            return Decision(Verdict.INVALID, message=problem)
    # The same wrong answer again teaches nothing and must not cost an attempt.
    if state.tried and " ".join(letters) in state.tried:
        return _REPEATED
    attempt_no = used + 1
    correct = tuple(letters) == question.answer
    # Positional, in field order: this runs for every click.
    return Decision(
        _RECORDED,
        correct,
        points_for(question.difficulty, attempt_no) if correct else 0,
        attempt_no,
        correct or attempt_no >= allowed,
        state.kind is _DAILY,
    )
