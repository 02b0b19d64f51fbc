"""The store as the core sees it: a small Protocol, implemented by ``bot.store``.

Every method is one request to the database; the core never sees SQL.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, Protocol

from bot.core.analytics import AnalyticsStore
from bot.core.models import Difficulty, Question, QuestionKey
from bot.core.reports import ReportStore
from bot.core.review_cards import Reminder, ReminderClaim, ReviewCard, ReviewSummary
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


# --- what the store gives the cards ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RankedEntry:
    user_id: int
    name: str
    points: int
    solved: int


@dataclass(frozen=True, slots=True)
class BoardPosition:
    """Where one person stands on a board: competition rank (equal points share one)."""

    rank: int
    name: str
    points: int
    solved: int


@dataclass(frozen=True, slots=True)
class DayActivity:
    at: datetime
    points: int


class CardStore(Protocol):
    """The store's reads for the picture cards (``bot.core.cards``)."""

    async def board_top(self, scope: str, period: int, limit: int) -> list[RankedEntry]: ...
    async def board_position(
        self, scope: str, period: int, user_id: int
    ) -> BoardPosition | None: ...
    async def board_size(self, scope: str, period: int) -> int: ...
    async def streaks_of(
        self, user_ids: Sequence[int], scope: str
    ) -> dict[int, tuple[ChannelStreak, ...]]:
        """Each person's daily-round streak data in the channels under ``scope``."""
        ...

    async def activity_since(self, user_id: int, since: datetime) -> list[DayActivity]: ...
    async def round_picks(self, round_id: int) -> list[tuple[str, int]]:
        """(answer as stored, how many attempts gave it) over every attempt of the round."""
        ...


Judge = Callable[[AttemptState], Decision]

CardUpdate = Callable[[ReviewCard | None], ReviewCard]
"""The next card given the stored one (None: the person's first answer to the question)."""

ReviewStep = Callable[[AttemptState, Decision], CardUpdate | None]
"""What a judged click does to the person's review card of the round's question: None for a
click that finishes nothing."""


@dataclass(frozen=True, slots=True)
class InstallationKey:
    """Which installation of a distributed chat app (Slack OAuth): the app (its OAuth client
    id), the organisation (``enterprise``, empty outside Enterprise Grid) and the workspace
    (``team``, empty for an organisation-wide install). In a lookup an empty ``enterprise``
    matches any: team ids are unique across organisations."""

    app: str
    enterprise: str
    team: str


class InstallationStore(Protocol):
    """The workspaces that installed the app, with their bot tokens, and the OAuth states in
    flight. Installations and bots are plain JSON-able objects the adapter makes and reads
    back; the store keeps them whole and never shows them to anyone."""

    async def save_installation(
        self,
        key: InstallationKey,
        user: str,
        installation: dict[str, Any],
        bot: dict[str, Any] | None,
        at: datetime,
    ) -> None:
        """Keep ``user``'s installation (replacing their previous one) and, when given, the
        workspace's bot (replacing the previous bot), in one transaction."""
        ...

    async def save_bot(self, key: InstallationKey, bot: dict[str, Any], at: datetime) -> None: ...
    async def find_installation(
        self, key: InstallationKey, user: str | None = None
    ) -> dict[str, Any] | None:
        """``user``'s installation, or without ``user`` the workspace's latest one."""
        ...

    async def find_bot(self, key: InstallationKey) -> dict[str, Any] | None: ...
    async def delete_bot(self, key: InstallationKey) -> None: ...
    async def delete_installations(self, key: InstallationKey, user: str | None = None) -> None:
        """``user``'s installation, or without ``user`` every installation of the workspace."""
        ...

    async def issue_oauth_state(self, state: str, expires_at: datetime, now: datetime) -> None:
        """Remember a new OAuth state until ``expires_at`` (forgetting those expired ``now``)."""
        ...

    async def consume_oauth_state(self, state: str, now: datetime) -> bool:
        """True once for a state issued and not expired at ``now``: it is gone afterwards."""
        ...


class ReviewStore(Protocol):
    """Spaced review: one FSRS card per (person, question), and opt-in reminders."""

    def update_card(
        self, user_id: int, question: QuestionKey, update: CardUpdate
    ) -> Awaitable[ReviewCard]:
        """Read the card, apply ``update`` and write the result, in one write transaction (a
        finishing click carries its card update itself: ``record_attempt``'s ``review``)."""
        ...

    async def review_card(self, user_id: int, question: QuestionKey) -> ReviewCard | None: ...
    async def due_cards(self, user_id: int, before: datetime, limit: int) -> list[ReviewCard]:
        """Cards due before ``before``, most overdue first."""
        ...

    async def review_summary(
        self, user_id: int, now: datetime, day_ends: datetime
    ) -> ReviewSummary: ...

    # reminders
    async def save_reminder(
        self, user_id: int, remind_at: time, zone: str, next_at: datetime
    ) -> None: ...
    async def disable_reminder(self, user_id: int, reason: str | None) -> None: ...
    async def reminder(self, user_id: int) -> Reminder | None: ...
    async def due_reminders(self, before: datetime, platforms: Sequence[str]) -> list[Reminder]: ...
    async def next_reminder_at(self, platforms: Sequence[str]) -> datetime | None: ...
    async def advance_reminder(self, user_id: int, next_at: datetime) -> None: ...
    async def claim_reminder(
        self, user_id: int, local_date: str, nonce: str, at: datetime
    ) -> ReminderClaim:
        """The (person, day)'s claim: made now, or the one made before (a restart)."""
        ...

    async def settle_reminder(self, user_id: int, local_date: str, status: str) -> None: ...


class Store(
    ScheduleStore,
    InstallationStore,
    ReviewStore,
    CardStore,
    ReportStore,
    AnalyticsStore,
    Protocol,
):
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
        review: ReviewStep | None = None,
    ) -> Awaitable[tuple[AttemptState, Decision]]:
        """Judge and record one click atomically (a plain awaitable: it is on every click).

        ``register``: the person is stored (or renamed) with the attempt, in its transaction, and
        only if the judge records it; ``user_id`` None says they were not known, so a click that
        records nothing (a forged or stale one) writes nothing at all. ``review``: given the
        state and the decision, the update of the person's card of the question (read and
        written as ``update_card`` does), in the same transaction; None from it, no card."""
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
        ...

    async def release(self) -> None: ...
