"""What the core answers with. Adapters render these values; they decide nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.models import Difficulty, Question, Solution
from bot.core.review_cards import ReviewSummary
from bot.core.rounds import Round


class QuizError(Exception):
    """A request the quiz refuses; the message is written for the person who asked."""


class NoOpenRound(QuizError):
    pass


class UnknownBank(QuizError):
    pass


class NoQuestions(QuizError):
    pass


class TeamError(QuizError):
    pass


class Unavailable(QuizError):
    """The quiz cannot reach its data right now (the database is locked, full or unreadable).

    The message is for the operator (it names the database file): adapters log it and tell the
    person who asked ``BUSY`` (or, for an answer, ``NotCounted``'s message) instead."""


BUSY = "quizbot is busy — please try again in a moment."


class NotCounted(QuizError):
    """An answer the database could not take (``Unavailable``): nothing of it was recorded."""

    def __init__(self) -> None:
        super().__init__("quizbot is busy — your answer was not counted, please try again")


# --- answering --------------------------------------------------------------------------------
# An outcome's ``question`` (as a Posted's, a Reveal's, a PracticeQuestion's and a TestQuestion's)
# is the question as its round shows it (``OptionOrder.show``): options, answer and explanations
# in the round's letters. Banks, the store and judging use the canonical letters.


@dataclass(frozen=True, slots=True)
class Correct:
    question: Question
    points: int
    attempt_no: int
    solution: Solution | None
    test: TestStep | None = None
    counted: bool = True
    """False in practice and tests: the points are what it would earn, and go on no board."""


@dataclass(frozen=True, slots=True)
class Wrong:
    question: Question
    attempts_left: int
    attempt_no: int
    hint: str
    explanation: str | None
    """Why the picked option is wrong, when the bank says."""


@dataclass(frozen=True, slots=True)
class Exhausted:
    question: Question
    attempt_no: int
    explanation: str | None
    solution: Solution | None
    test: TestStep | None = None

    @property
    def only_attempt(self) -> bool:
        """The question allowed one attempt (a test's): nothing ran out, it was just wrong."""
        return self.attempt_no == 1


@dataclass(frozen=True, slots=True)
class AlreadyTried:
    """The same wrong answer again: refused, no attempt counted."""

    question: Question
    answer: str
    """As the person gave it (the letters they saw)."""
    attempts_left: int


@dataclass(frozen=True, slots=True)
class AlreadyFinished:
    question: Question
    solved: bool
    points: int
    attempts_used: int


@dataclass(frozen=True, slots=True)
class Closed:
    question: Question | None


@dataclass(frozen=True, slots=True)
class NotFound:
    """An unknown, forged or foreign round id."""


@dataclass(frozen=True, slots=True)
class Invalid:
    message: str


@dataclass(frozen=True, slots=True)
class Gone:
    """The round's question was removed from its bank."""


Outcome = (
    Correct
    | Wrong
    | Exhausted
    | AlreadyTried
    | AlreadyFinished
    | Closed
    | NotFound
    | Invalid
    | Gone
)


# --- rounds and reveal ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WrongPick:
    label: str
    """``C`` for a choice, ``[2] C`` for a blank."""
    count: int
    note: str | None
    """The option's explanation, or else the bank's first common mistake."""


@dataclass(frozen=True, slots=True)
class RoundStats:
    participants: int
    solved: int
    first_solver: str | None
    most_picked_wrong: WrongPick | None

    @property
    def percent_solved(self) -> int:
        if not self.participants:
            return 0
        return round(100 * self.solved / self.participants)


@dataclass(frozen=True, slots=True)
class Reveal:
    round: Round
    question: Question | None
    stats: RoundStats
    newly_closed: bool
    """False when the round had been closed already."""
    announced: bool = False
    """Its reveal was posted already. Post one through ``QuizEngine.announcing``, which says
    whether it is still to post and records it once posted: a reveal that failed to post is
    posted on the next try, never twice."""


@dataclass(frozen=True, slots=True)
class Posted:
    round: Round
    question: Question
    previous: Reveal | None = None
    """The channel's previous open round, closed to make room for this one."""
    new_cycle: bool = False


# --- practice and tests -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PracticeQuestion:
    round: Round
    question: Question
    missed_before: bool


@dataclass(frozen=True, slots=True)
class DifficultyScore:
    difficulty: Difficulty
    correct: int
    total: int


@dataclass(frozen=True, slots=True)
class TestResult:
    bank_title: str
    correct: int
    total: int
    points: int
    by_difficulty: tuple[DifficultyScore, ...]

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0


@dataclass(frozen=True, slots=True)
class TestQuestion:
    round: Round
    question: Question
    position: int
    total: int


TestStep = TestQuestion | TestResult


# --- boards and stats -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoardRow:
    rank: int
    name: str
    points: int
    solved: int


@dataclass(frozen=True, slots=True)
class TeamRow:
    rank: int
    name: str
    points: int
    members: int
    active_members: int

    @property
    def points_per_active_member(self) -> float:
        return self.points / self.active_members if self.active_members else 0.0


@dataclass(frozen=True, slots=True)
class Board:
    title: str
    period: str
    rows: tuple[BoardRow, ...] = ()
    team_rows: tuple[TeamRow, ...] = ()


@dataclass(frozen=True, slots=True)
class DifficultyStats:
    difficulty: Difficulty
    solved: int
    attempted: int
    points: int


@dataclass(frozen=True, slots=True)
class UserStats:
    name: str
    points: int
    solved: int
    attempted: int
    current_streak: int
    best_streak: int
    by_difficulty: tuple[DifficultyStats, ...] = field(default=())
    team: str | None = None
    practice_solved: int = 0
    practice_attempted: int = 0
    review: ReviewSummary | None = None

    @property
    def accuracy(self) -> int:
        return round(100 * self.solved / self.attempted) if self.attempted else 0
