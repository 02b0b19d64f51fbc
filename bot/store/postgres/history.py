"""Leaderboards, a person's history and test runs on PostgreSQL (as bot/store/sqlite/history.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.models import Difficulty, QuestionKey
from bot.core.ports import (
    BoardEntry,
    ChannelStreak,
    DifficultyCounts,
    TeamEntry,
    TestAnswer,
    TestRunState,
    UserHistory,
)
from bot.store.postgres import writes
from bot.store.postgres.base import PgBase


class HistoryQueries(PgBase):
    async def leaderboard(self, scope: str, period: int, limit: int) -> list[BoardEntry]:
        rows = await self._rows(
            """
            SELECT CASE WHEN u.name = '' THEN u.user_ref ELSE u.name END, b.points, b.solved
            FROM board b JOIN users u ON u.id = b.user_id
            WHERE b.scope = (SELECT id FROM scopes WHERE key = $1) AND b.period = $2
            ORDER BY b.points DESC, b.user_id
            LIMIT $3
            """,
            scope,
            period,
            limit,
        )
        return [BoardEntry(*row) for row in rows]

    async def team_board(
        self, platform: str, workspace: str, period: int, limit: int
    ) -> list[TeamEntry]:
        rows = await self._rows(
            """
            SELECT t.name, COALESCE(SUM(b.points), 0) AS points, COUNT(m.user_id),
                   COUNT(b.user_id)
            FROM teams t
            LEFT JOIN team_members m ON m.team_id = t.id
            LEFT JOIN board b ON b.scope = (SELECT id FROM scopes WHERE key = $1)
                             AND b.period = $2 AND b.user_id = m.user_id
            WHERE t.platform = $3 AND t.workspace = $4
            GROUP BY t.id
            ORDER BY points DESC, t.name_key
            LIMIT $5
            """,
            f"{platform}:{workspace}",
            period,
            platform,
            workspace,
            limit,
        )
        return [TeamEntry(*row) for row in rows]

    async def user_history(self, user_id: int) -> UserHistory:
        name_row = await self._row(
            "SELECT CASE WHEN name = '' THEN user_ref ELSE name END FROM users WHERE id = $1",
            user_id,
        )
        daily = await self._rows(
            """
            SELECT q.difficulty, SUM(p.solved), COUNT(*), SUM(p.points)
            FROM participations p
            JOIN rounds r ON r.id = p.round_id JOIN questions q ON q.id = r.question_id
            WHERE p.user_id = $1 AND r.kind = 'daily'
            GROUP BY q.difficulty
            ORDER BY q.difficulty
            """,
            user_id,
        )
        practice = await self._row(
            """
            SELECT COALESCE(SUM(p.solved), 0), COUNT(*)
            FROM participations p JOIN rounds r ON r.id = p.round_id
            WHERE p.user_id = $1 AND r.kind != 'daily'
            """,
            user_id,
        )
        solved_rows = await self._rows(
            """
            SELECT r.channel_id, r.seq FROM participations p JOIN rounds r ON r.id = p.round_id
            WHERE p.user_id = $1 AND r.kind = 'daily' AND p.solved = 1
            ORDER BY r.channel_id, r.seq
            """,
            user_id,
        )
        by_channel: dict[int, list[int]] = {}
        for channel_id, seq in solved_rows:
            by_channel.setdefault(channel_id, []).append(seq)
        streaks: list[ChannelStreak] = []
        for channel_id, seqs in by_channel.items():
            latest, open_seq = await self._row(
                """
                SELECT c.daily_seq, (SELECT r.seq FROM rounds r WHERE r.channel_id = c.id
                                     AND r.kind = 'daily' AND r.closed_at IS NULL)
                FROM channels c WHERE c.id = $1
                """,
                channel_id,
            )
            streaks.append(ChannelStreak(tuple(seqs), latest, open_seq))
        return UserHistory(
            name=name_row[0] if name_row else "",
            daily=tuple(
                DifficultyCounts(Difficulty(level), int(solved), int(attempted), int(points))
                for level, solved, attempted, points in daily
            ),
            streaks=tuple(streaks),
            practice_solved=int(practice[0]),
            practice_attempted=int(practice[1]),
        )

    async def missed_questions(self, user_id: int) -> set[QuestionKey]:
        rows = await self._rows(
            """
            SELECT q.bank, q.qid FROM participations p
            JOIN rounds r ON r.id = p.round_id JOIN questions q ON q.id = r.question_id
            WHERE p.user_id = $1
            GROUP BY q.id
            HAVING MAX(p.solved) = 0 AND bool_or(p.finished_at IS NOT NULL)
            """,
            user_id,
        )
        return {QuestionKey(bank, qid) for bank, qid in rows}

    async def practised_questions(self, user_id: int) -> dict[QuestionKey, int]:
        rows = await self._rows(
            """
            SELECT q.bank, q.qid, COUNT(*) FROM rounds r JOIN questions q ON q.id = r.question_id
            WHERE r.owner_id = $1 GROUP BY q.id
            """,
            user_id,
        )
        return {QuestionKey(bank, qid): int(count) for bank, qid, count in rows}

    # --- test runs ----------------------------------------------------------------------------

    async def create_test_run(
        self, user_id: int, bank: str, questions: Sequence[QuestionKey], at: datetime
    ) -> int:
        async with self._transaction() as conn:
            return await writes.create_test_run(conn, user_id, bank, questions, at)

    async def test_run(self, run_id: int) -> TestRunState | None:
        row = await self._row(
            """
            SELECT user_id, bank, finished_at IS NOT NULL,
                   (SELECT COUNT(*) FROM rounds WHERE test_run_id = test_runs.id)
            FROM test_runs WHERE id = $1
            """,
            run_id,
        )
        if row is None:
            return None
        keys = await self._rows(
            """
            SELECT q.bank, q.qid FROM test_run_questions t JOIN questions q ON q.id = t.question_id
            WHERE t.run_id = $1 ORDER BY t.position
            """,
            run_id,
        )
        user_id, bank, finished, opened = row
        questions = tuple(QuestionKey(b, q) for b, q in keys)
        return TestRunState(run_id, user_id, bank, questions, int(opened), bool(finished))

    async def test_answers(self, run_id: int) -> list[TestAnswer]:
        rows = await self._rows(
            """
            SELECT q.bank, q.qid, COALESCE(p.solved, 0), COALESCE(p.points, 0)
            FROM rounds r JOIN questions q ON q.id = r.question_id
            LEFT JOIN participations p ON p.round_id = r.id AND p.user_id = r.owner_id
            WHERE r.test_run_id = $1
            ORDER BY r.id
            """,
            run_id,
        )
        return [TestAnswer(QuestionKey(b, q), bool(s), p) for b, q, s, p in rows]

    async def finish_test_run(self, run_id: int, at: datetime) -> None:
        await self._execute(
            "UPDATE test_runs SET finished_at = $1 WHERE id = $2 AND finished_at IS NULL",
            at.isoformat(),
            run_id,
        )
