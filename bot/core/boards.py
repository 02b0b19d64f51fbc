"""Leaderboards (channel, workspace, teams) and a person's stats."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from bot.core.context import QuizContext
from bot.core.models import Difficulty
from bot.core.outcomes import Board, BoardRow, DifficultyStats, TeamRow, UserStats
from bot.core.periods import Period, period_key
from bot.core.ports import BoardEntry
from bot.core.review_cards import day_end
from bot.core.rounds import ChannelRef, UserRef
from bot.core.scoring import streaks

T = TypeVar("T")

DEFAULT_LIMIT = 10
MAX_LIMIT = 50


class Boards:
    def __init__(self, context: QuizContext) -> None:
        self.context = context

    def _period(self, period: Period) -> int:
        return period_key(period, self.context.clock.now(), self.context.tz)

    async def channel(
        self, channel: ChannelRef, period: Period = Period.WEEK, limit: int = DEFAULT_LIMIT
    ) -> Board:
        return await self._board(channel.scope, "This channel", period, limit)

    async def workspace(
        self,
        platform: str,
        workspace: str,
        period: Period = Period.WEEK,
        limit: int = DEFAULT_LIMIT,
    ) -> Board:
        return await self._board(f"{platform}:{workspace}", "Everyone here", period, limit)

    async def _board(self, scope: str, title: str, period: Period, limit: int) -> Board:
        rows = await self.context.store.leaderboard(scope, self._period(period), _clamp(limit))
        return Board(title, period.value, _ranked_rows(rows))

    async def teams(
        self,
        platform: str,
        workspace: str,
        period: Period = Period.WEEK,
        limit: int = DEFAULT_LIMIT,
    ) -> Board:
        entries = await self.context.store.team_board(
            platform, workspace, self._period(period), _clamp(limit)
        )
        rows = tuple(
            TeamRow(rank, entry.name, entry.points, entry.members, entry.active_members)
            for rank, entry in _ranks(entries, lambda entry: entry.points)
        )
        return Board("Teams", period.value, team_rows=rows)

    async def stats(self, user: UserRef) -> UserStats:
        ctx = self.context
        user_id = await ctx.user_id(user)
        history = await ctx.store.user_history(user_id)
        today = ctx.clock.now()
        team = await ctx.store.team_of(user_id)
        current = best = 0
        for channel in history.streaks:
            now, top = streaks(list(channel.solved_seqs), channel.latest_seq, channel.open_seq)
            current = max(current, now)
            best = max(best, top)
        by_level = {counts.difficulty: counts for counts in history.daily}
        return UserStats(
            name=history.name or user.display,
            points=sum(counts.points for counts in history.daily),
            solved=sum(counts.solved for counts in history.daily),
            attempted=sum(counts.attempted for counts in history.daily),
            current_streak=current,
            best_streak=best,
            by_difficulty=tuple(
                DifficultyStats(level, found.solved, found.attempted, found.points)
                for level in Difficulty
                if (found := by_level.get(level)) is not None
            ),
            team=team.name if team else None,
            practice_solved=history.practice_solved,
            practice_attempted=history.practice_attempted,
            review=await ctx.store.review_summary(user_id, today, day_end(today, ctx.tz)),
        )


def _clamp(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT))


def _ranks(entries: Sequence[T], points: Callable[[T], int]) -> list[tuple[int, T]]:
    """Competition ranking (1, 2, 2, 4): equal points share a rank."""
    ranked: list[tuple[int, T]] = []
    previous: int | None = None
    rank = 0
    for position, entry in enumerate(entries, start=1):
        value = points(entry)
        if value != previous:
            rank = position
        previous = value
        ranked.append((rank, entry))
    return ranked


def _ranked_rows(entries: Sequence[BoardEntry]) -> tuple[BoardRow, ...]:
    return tuple(
        BoardRow(rank, entry.name, entry.points, entry.solved)
        for rank, entry in _ranks(entries, lambda entry: entry.points)
    )
