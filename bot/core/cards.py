"""What each picture card shows: the leaderboard, a person's progress, a round's reveal.

Pure data built from the store; ``bot.cards`` draws it. A card is a frozen, hashable value: two
equal cards draw the same picture, so the renderer caches by the card itself (a board's card
changes exactly when its rows, its period or the viewer's place on it change).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core.boards import _ranks
from bot.core.context import QuizContext
from bot.core.models import Difficulty, Question, QuestionType
from bot.core.outcomes import Reveal
from bot.core.periods import Period, period_key, period_label
from bot.core.ports import CardStore, ChannelStreak
from bot.core.review_cards import day_end
from bot.core.rounds import ChannelRef, UserRef
from bot.core.scoring import streaks

TOP = 10
GRID_WEEKS = 12
GRID_DAYS = GRID_WEEKS * 7
TEAM_LOOKUP = 1000
"""Teams read to find the viewer's team when it is outside the top 10."""


# --- the cards ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardRow:
    rank: int
    name: str
    points: int
    solved: int | None = None
    """People: questions solved; teams: None."""
    streak: int | None = None
    """People: current streak; teams: None."""
    members: int | None = None
    """Teams: members (active this period / all), as ``"3/5"`` in ``detail``."""
    active: int | None = None
    viewer: bool = False


@dataclass(frozen=True, slots=True)
class BoardCard:
    title: str
    """Scope and period, e.g. ``This channel · week 2026-W48``."""
    rows: tuple[CardRow, ...]
    viewer_row: CardRow | None = None
    """The viewer's own row when outside the top 10."""
    people: int = 0
    """How many are on the board (people, or teams on a team board)."""
    teams: bool = False


@dataclass(frozen=True, slots=True)
class LevelBar:
    difficulty: Difficulty
    solved: int
    attempted: int

    @property
    def accuracy(self) -> float:
        return self.solved / self.attempted if self.attempted else 0.0


@dataclass(frozen=True, slots=True)
class ProgressCard:
    name: str
    points: int
    solved: int
    attempted: int
    current_streak: int
    best_streak: int
    first_day: date
    """The grid's first day (a Monday); it runs ``GRID_DAYS`` days."""
    days: tuple[int, ...]
    """Per day from ``first_day``: -1 not played, 0 played for no points, else points."""
    today: int
    """Index of today in ``days`` (the days after it are in the future: left blank)."""
    levels: tuple[LevelBar, ...]
    team: str | None = None
    reviews_due: int | None = None
    """Spaced-review questions due; drawn only when not None (once spaced review exists)."""


@dataclass(frozen=True, slots=True)
class OptionShare:
    letter: str
    text: str
    picks: int
    share: float
    """picks / all attempts (0..1)."""
    correct: bool


@dataclass(frozen=True, slots=True)
class RevealCard:
    title: str
    prompt: str
    options: tuple[OptionShare, ...]
    attempts: int
    participants: int
    solved: int


Card = BoardCard | ProgressCard | RevealCard


# --- building them -----------------------------------------------------------------------------


class Cards:
    def __init__(self, context: QuizContext) -> None:
        self.context = context
        self.store: CardStore = context.store

    def _period(self, period: Period) -> int:
        return period_key(period, self.context.clock.now(), self.context.tz)

    async def channel_board(
        self, channel: ChannelRef, viewer: UserRef | None, period: Period = Period.WEEK
    ) -> BoardCard:
        return await self._people(channel.scope, "This channel", viewer, period)

    async def workspace_board(
        self, platform: str, workspace: str, viewer: UserRef | None, period: Period = Period.WEEK
    ) -> BoardCard:
        return await self._people(f"{platform}:{workspace}", "Everyone here", viewer, period)

    async def _people(
        self, scope: str, where: str, viewer: UserRef | None, period: Period
    ) -> BoardCard:
        key = self._period(period)
        top = await self.store.board_top(scope, key, TOP)
        viewer_id = await self._known(viewer)
        found = await self.store.streaks_of([entry.user_id for entry in top], scope)
        rows = tuple(
            CardRow(
                rank,
                entry.name,
                entry.points,
                entry.solved,
                streak=_current_streak(found.get(entry.user_id, ())),
                viewer=entry.user_id == viewer_id,
            )
            for rank, entry in _ranks(top, lambda entry: entry.points)
        )
        viewer_row = None
        if viewer_id is not None and not any(row.viewer for row in rows):
            position = await self.store.board_position(scope, key, viewer_id)
            if position is not None:
                own = await self.store.streaks_of([viewer_id], scope)
                viewer_row = CardRow(
                    position.rank,
                    position.name,
                    position.points,
                    position.solved,
                    streak=_current_streak(own.get(viewer_id, ())),
                    viewer=True,
                )
        people = await self.store.board_size(scope, key)
        return BoardCard(_title(where, period, key), rows, viewer_row, people)

    async def team_board(
        self, platform: str, workspace: str, viewer: UserRef | None, period: Period = Period.WEEK
    ) -> BoardCard:
        key = self._period(period)
        entries = await self.context.store.team_board(platform, workspace, key, TEAM_LOOKUP)
        viewer_id = await self._known(viewer)
        mine = await self.context.store.team_of(viewer_id) if viewer_id is not None else None
        ranked = [
            CardRow(
                rank,
                entry.name,
                entry.points,
                members=entry.members,
                active=entry.active_members,
                viewer=mine is not None and entry.name == mine.name,
            )
            for rank, entry in _ranks(entries, lambda entry: entry.points)
        ]
        rows = tuple(ranked[:TOP])
        outside = next((row for row in ranked[TOP:] if row.viewer), None)
        return BoardCard(
            _title("Teams", period, key), rows, outside, people=len(ranked), teams=True
        )

    async def progress(self, user: UserRef) -> ProgressCard:
        ctx = self.context
        user_id = await ctx.user_id(user)
        history = await ctx.store.user_history(user_id)
        team = await ctx.store.team_of(user_id)
        current = best = 0
        for channel in history.streaks:
            now, top = streaks(list(channel.solved_seqs), channel.latest_seq, channel.open_seq)
            current, best = max(current, now), max(best, top)
        today = ctx.clock.now().astimezone(ctx.tz).date()
        # Weeks start on Monday, as the boards' weeks do; the last column holds today.
        first_day = today - timedelta(days=today.weekday() + 7 * (GRID_WEEKS - 1))
        since = datetime.combine(first_day, datetime.min.time(), ctx.tz)
        days = [-1] * GRID_DAYS
        for item in await self.store.activity_since(user_id, since):
            index = (item.at.astimezone(ctx.tz).date() - first_day).days
            if 0 <= index < GRID_DAYS:
                days[index] = max(days[index], 0) + item.points
        by_level = {counts.difficulty: counts for counts in history.daily}
        at = ctx.clock.now()
        review = await ctx.store.review_summary(user_id, at, day_end(at, ctx.tz))
        return ProgressCard(
            name=history.name or user.display,
            points=sum(counts.points for counts in history.daily),
            solved=sum(counts.solved for counts in history.daily),
            attempted=sum(counts.attempted for counts in history.daily),
            current_streak=current,
            best_streak=best,
            first_day=first_day,
            days=tuple(days),
            today=(today - first_day).days,
            levels=tuple(
                LevelBar(level, found.solved, found.attempted) if found else LevelBar(level, 0, 0)
                for level in Difficulty
                for found in [by_level.get(level)]
            ),
            team=team.name if team else None,
            reviews_due=review.due_today,
        )

    async def reveal(self, reveal: Reveal) -> RevealCard | None:
        """The reveal's picture; None when its question is no longer in a bank."""
        question = reveal.question
        if question is None:
            return None
        picks = await self.store.round_picks(reveal.round.id)
        banked = self.context.library.question(reveal.round.question)
        canonical = banked.letters if banked is not None else question.letters
        return reveal_card(question, picks, reveal, _shown_of(question, canonical, reveal))

    async def _known(self, viewer: UserRef | None) -> int | None:
        if viewer is None:
            return None
        found = self.context.known_user_id(viewer)
        if found is not None:
            return found
        user_id, _ = await self.context.find_user(viewer)
        return user_id


def _shown_of(question: Question, canonical: Sequence[str], reveal: Reveal) -> dict[str, str]:
    """Canonical letter -> the letter the round showed it as (``Round.order`` holds the
    canonical letters in shown order)."""
    stored = reveal.round.order
    if stored and sorted(stored) == sorted(canonical):
        return {letter: question.letters[index] for index, letter in enumerate(stored)}
    return {letter: letter for letter in canonical}


def reveal_card(
    question: Question,
    picks: Sequence[tuple[str, int]],
    reveal: Reveal,
    shown_of: dict[str, str],
) -> RevealCard:
    """``question`` as the round showed it; ``picks`` in canonical letters. Each attempt counts
    once for every shown option it named (in any blank)."""
    counts: dict[str, int] = {}
    attempts = 0
    for answer, count in picks:
        attempts += count
        for letter in set(answer.split()):
            shown = shown_of.get(letter, letter)
            counts[shown] = counts.get(shown, 0) + count
    correct = set(question.answer)
    options = tuple(
        OptionShare(
            letter,
            text,
            counts.get(letter, 0),
            counts.get(letter, 0) / attempts if attempts else 0.0,
            letter in correct,
        )
        for letter, text in question.options.items()
    )
    kind = "fill in the blanks" if question.type is QuestionType.FILL_BLANK else "choice"
    return RevealCard(
        title=f"Reveal · {question.difficulty.value} · {kind}",
        prompt=question.prompt,
        options=options,
        attempts=attempts,
        participants=reveal.stats.participants,
        solved=reveal.stats.solved,
    )


def _title(where: str, period: Period, key: int) -> str:
    if period is Period.ALL:
        return f"{where} · all time"
    return f"{where} · {period.value} {period_label(key)}"


def _current_streak(found: Sequence[ChannelStreak]) -> int:
    best = 0
    for channel in found:
        now, _ = streaks(list(channel.solved_seqs), channel.latest_seq, channel.open_seq)
        best = max(best, now)
    return best
