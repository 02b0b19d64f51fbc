"""The store as the core sees it: a small Protocol, implemented by ``bot.store``.

Every method is one request to the database; the core never sees SQL.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.models import Difficulty, Question, QuestionKey
from bot.core.rounds import AttemptState, ChannelRef, Decision, Round, RoundKind, UserRef
from bot.core.schedule import ScheduleStore


@dataclass(frozen=True, slots=True)
class NewRound:
    kind: RoundKind
    channel: ChannelRef
    question: QuestionKey
    attempts_allowed: int
    opened_at: datetime
    closes_at: datetime | None = None
    owner_id: int | None = None
    test_run_id: int | None = None
    cycle: int | None = None
    """For daily rounds: the selection cycle the question was drawn in."""
    order: str | None = None
    """The option order drawn for the round (``OptionOrder.encode``)."""


class RoundConflict(Exception):
    """The channel already has an open daily round."""


@dataclass(frozen=True, slots=True)
class ClosedRound:
    round: Round
    newly_closed: bool
    participants: int
    solved: int
    first_solver: str | None
    wrong_answers: tuple[tuple[str, int], ...]
    """(answer as stored, e.g. ``"B"`` or ``"A C"``, how many wrong attempts gave it)."""
    announced: bool = False
    """Its reveal has been posted (``mark_revealed``)."""


@dataclass(frozen=True, slots=True)
class BoardEntry:
    name: str
    points: int
    solved: int


@dataclass(frozen=True, slots=True)
class TeamEntry:
    name: str
    points: int
    members: int
    active_members: int


@dataclass(frozen=True, slots=True)
class DifficultyCounts:
    difficulty: Difficulty
    solved: int
    attempted: int
    points: int


@dataclass(frozen=True, slots=True)
class ChannelStreak:
    solved_seqs: tuple[int, ...]
    latest_seq: int
    open_seq: int | None


@dataclass(frozen=True, slots=True)
class UserHistory:
    name: str
    daily: tuple[DifficultyCounts, ...]
    streaks: tuple[ChannelStreak, ...]
    practice_solved: int
    practice_attempted: int


@dataclass(frozen=True, slots=True)
class TestRunState:
    id: int
    user_id: int
    bank: str
    questions: tuple[QuestionKey, ...]
    rounds_opened: int
    finished: bool


@dataclass(frozen=True, slots=True)
class TestAnswer:
    question: QuestionKey
    solved: bool
    points: int


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    name: str
    members: tuple[str, ...] = ()


Judge = Callable[[AttemptState], Decision]


class Store(ScheduleStore, Protocol):
    # questions and users
    async def sync_questions(self, questions: Sequence[Question], at: datetime) -> None: ...
    async def user_id(self, user: UserRef) -> int: ...
    async def find_user(self, user: UserRef) -> tuple[int, str] | None:
        """(id, stored name) of a known person; None for someone never recorded. Reads only."""
        ...

    # rounds
    async def open_round(self, new: NewRound) -> Round: ...
    async def get_round(self, round_id: int) -> Round | None: ...
    async def open_daily_round(self, channel: ChannelRef) -> Round | None: ...
    async def unrevealed_round(self, channel: ChannelRef) -> Round | None:
        """The channel's latest closed daily round whose reveal was never posted."""
        ...

    async def open_rounds_of(self, user_id: int, kind: RoundKind) -> list[Round]: ...
    async def open_daily_questions(self, platform: str, workspace: str) -> set[QuestionKey]: ...
    async def set_message_ref(self, round_id: int, ref: str) -> None: ...
    def record_attempt(
        self,
        round_id: int,
        user_id: int | None,
        answer: str,
        at: datetime,
        periods: tuple[int, int, int],
        judge: Judge,
        register: UserRef | None = None,
    ) -> Awaitable[tuple[AttemptState, Decision]]:
        """Judge and record one click atomically (a plain awaitable: it is on every click).

        ``register``: the person is stored (or renamed) with the attempt, in its transaction, and
        only if the judge records it; ``user_id`` None says they were not known, so a click that
        records nothing (a forged or stale one) writes nothing at all."""
        ...

    async def close_round(self, round_id: int, at: datetime) -> ClosedRound | None: ...
    async def mark_revealed(self, round_id: int, at: datetime) -> None:
        """Note that the round's reveal was posted (once: a later call changes nothing)."""
        ...

    async def daily_cycle(
        self, channel: ChannelRef
    ) -> tuple[int, set[QuestionKey], QuestionKey | None]:
        """(current cycle, questions used in it, the channel's latest daily question)."""
        ...

    # boards and history
    async def leaderboard(self, scope: str, period: int, limit: int) -> list[BoardEntry]: ...
    async def team_board(
        self, platform: str, workspace: str, period: int, limit: int
    ) -> list[TeamEntry]: ...
    async def user_history(self, user_id: int) -> UserHistory: ...
    async def missed_questions(self, user_id: int) -> set[QuestionKey]: ...
    async def practised_questions(self, user_id: int) -> dict[QuestionKey, int]: ...

    # test runs
    async def create_test_run(
        self, user_id: int, bank: str, questions: Sequence[QuestionKey], at: datetime
    ) -> int: ...
    async def test_run(self, run_id: int) -> TestRunState | None: ...
    async def test_answers(self, run_id: int) -> list[TestAnswer]: ...
    async def finish_test_run(self, run_id: int, at: datetime) -> None: ...

    # teams
    async def find_team(self, platform: str, workspace: str, name: str) -> Team | None: ...
    async def team_of(self, user_id: int) -> Team | None: ...
    async def create_team(self, platform: str, workspace: str, name: str) -> Team | None: ...
    async def rename_team(self, team_id: int, name: str) -> bool: ...
    async def delete_team(self, team_id: int) -> None: ...
    async def set_team(self, user_id: int, team_id: int | None) -> None: ...
    async def teams(self, platform: str, workspace: str) -> list[Team]: ...

    # banks per workspace
    async def disabled_banks(self, platform: str, workspace: str) -> set[str]: ...
    async def set_bank_enabled(
        self, platform: str, workspace: str, bank: str, enabled: bool
    ) -> None: ...


class SchedulerLease(Protocol):
    async def acquire(self) -> bool:
        """Try to become (or stay) the scheduler leader without blocking; True while held."""

    async def release(self) -> None: ...
