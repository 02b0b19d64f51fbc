"""SqliteStore: the core's Store port on one SQLite file.

Writes go through the single writer thread (``writer.py``); reads go through an aiosqlite
connection of their own, which WAL lets run while the writer writes.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.models import Difficulty, Question, QuestionKey
from bot.core.ports import (
    BoardEntry,
    ChannelStreak,
    ClosedRound,
    DifficultyCounts,
    Judge,
    NewRound,
    RoundConflict,
    Team,
    TeamEntry,
    TestAnswer,
    TestRunState,
    UserHistory,
)
from bot.core.rounds import AttemptState, ChannelRef, Decision, Round, RoundKind, UserRef
from bot.store import clicks, migrations, writes
from bot.store.errors import StoreError, describe
from bot.store.writer import Writer, connect

log = logging.getLogger(__name__)

_ROUND = """
SELECT r.id, r.kind, c.platform, c.workspace, c.channel, q.bank, q.qid, r.attempts_allowed,
       r.opened_at, r.closes_at, r.closed_at, r.seq, r.owner_id, r.test_run_id, r.message_ref
FROM rounds r
JOIN channels c ON c.id = r.channel_id
JOIN questions q ON q.id = r.question_id
"""


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _round(row: Sequence[Any]) -> Round:
    opened = _when(row[8])
    assert opened is not None
    return Round(
        id=row[0],
        kind=RoundKind(row[1]),
        channel=ChannelRef(row[2], row[3], row[4]),
        question=QuestionKey(row[5], row[6]),
        attempts_allowed=row[7],
        opened_at=opened,
        closes_at=_when(row[9]),
        closed_at=_when(row[10]),
        seq=row[11],
        owner_id=row[12],
        test_run_id=row[13],
        message_ref=row[14],
    )


class SqliteStore:
    def __init__(self, path: Path, *, busy_timeout_ms: int = 5000) -> None:
        self.path = Path(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._facts = clicks.RoundFactsCache()
        # One bound method for every click, so that the writer runs queued clicks together.
        self._record = partial(clicks.record_attempts, cache=self._facts)
        self.writer = Writer(
            self.path, busy_timeout_ms=busy_timeout_ms, on_rollback=self._facts.clear
        )
        self._reader: aiosqlite.Connection | None = None

    # --- life cycle ---------------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        migrations_dir: Path | None = None,
        busy_timeout_ms: int = 5000,
    ) -> SqliteStore:
        """Open (creating if needed) and migrate the database; StoreError says what is wrong."""
        store = cls(path, busy_timeout_ms=busy_timeout_ms)
        await asyncio.to_thread(store._migrate, migrations_dir)
        try:
            store.writer.start()
            reader = await aiosqlite.connect(store.path, isolation_level=None)
            await reader.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            await reader.execute("PRAGMA query_only = ON")
            store._reader = reader
        except sqlite3.Error as exc:
            await store.close()
            raise StoreError(describe(exc, store.path)) from exc
        return store

    @classmethod
    async def upgrade(
        cls, path: Path, *, migrations_dir: Path | None = None
    ) -> migrations.UpgradeReport:
        """Apply pending migrations (backing up an existing database first) and stop."""
        return await asyncio.to_thread(cls(path)._migrate, migrations_dir)

    def _migrate(self, migrations_dir: Path | None) -> migrations.UpgradeReport:
        found = migrations.discover(migrations_dir or migrations.DEFAULT_MIGRATIONS)
        if not self.path.parent.exists():
            raise StoreError(
                f"cannot open database {self.path}: folder {self.path.parent} is missing"
            )
        try:
            conn = connect(self.path, busy_timeout_ms=self._busy_timeout_ms)
        except sqlite3.Error as exc:
            raise StoreError(describe(exc, self.path)) from exc
        try:
            return migrations.upgrade(conn, self.path, found)
        except sqlite3.Error as exc:
            raise StoreError(describe(exc, self.path)) from exc
        finally:
            conn.close()

    async def close(self) -> None:
        await self.writer.close()
        if self._reader is not None:
            await self._reader.close()
            self._reader = None

    async def backup(self, target: Path) -> Path:
        """An online copy of the live database (SQLite backup API)."""

        def copy(conn: sqlite3.Connection) -> Path:
            return migrations.backup(conn, target)

        # Run outside a transaction: the writer's connection is idle between batches.
        return await asyncio.to_thread(self._backup_now, copy)

    def _backup_now(self, copy: Any) -> Path:
        conn = connect(self.path, busy_timeout_ms=self._busy_timeout_ms)
        try:
            result: Path = copy(conn)
            return result
        finally:
            conn.close()

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        if self._reader is None:
            raise StoreError("the store is closed")
        try:
            async with self._reader.execute(sql, params) as cursor:
                return list(await cursor.fetchall())
        except sqlite3.OperationalError as exc:
            raise StoreError(describe(exc, self.path)) from exc

    async def _row(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self._rows(sql, params)
        return rows[0] if rows else None

    # --- questions, users ---------------------------------------------------------------------

    async def sync_questions(self, questions: Sequence[Question], at: datetime) -> None:
        await self.writer.run(lambda conn: writes.sync_questions(conn, questions, at))

    async def user_id(self, user: UserRef) -> int:
        return await self.writer.run(lambda conn: writes.user_id(conn, user))

    # --- rounds -------------------------------------------------------------------------------

    async def open_round(self, new: NewRound) -> Round:
        round_id = await self.writer.run(lambda conn: writes.open_round(conn, new))
        if round_id is None:
            raise RoundConflict(new.channel)
        opened = await self.get_round(round_id)
        assert opened is not None
        return opened

    async def get_round(self, round_id: int) -> Round | None:
        row = await self._row(_ROUND + " WHERE r.id = ?", (round_id,))
        return _round(row) if row else None

    async def open_daily_round(self, channel: ChannelRef) -> Round | None:
        row = await self._row(
            _ROUND + " WHERE c.platform = ? AND c.workspace = ? AND c.channel = ?"
            " AND r.kind = 'daily' AND r.closed_at IS NULL",
            (channel.platform, channel.workspace, channel.channel),
        )
        return _round(row) if row else None

    async def open_rounds_of(self, user_id: int, kind: RoundKind) -> list[Round]:
        rows = await self._rows(
            _ROUND + " WHERE r.owner_id = ? AND r.kind = ? AND r.closed_at IS NULL ORDER BY r.id",
            (user_id, kind.value),
        )
        return [_round(row) for row in rows]

    async def open_daily_questions(self, platform: str, workspace: str) -> set[QuestionKey]:
        rows = await self._rows(
            """
            SELECT q.bank, q.qid FROM rounds r
            JOIN channels c ON c.id = r.channel_id JOIN questions q ON q.id = r.question_id
            WHERE c.platform = ? AND c.workspace = ? AND r.kind = 'daily'
              AND r.closed_at IS NULL
            """,
            (platform, workspace),
        )
        return {QuestionKey(bank, qid) for bank, qid in rows}

    async def set_message_ref(self, round_id: int, ref: str) -> None:
        await self.writer.run(
            lambda conn: conn.execute(
                "UPDATE rounds SET message_ref = ? WHERE id = ?", (ref, round_id)
            )
        )

    def record_attempt(
        self,
        round_id: int,
        user_id: int,
        answer: str,
        at: datetime,
        periods: tuple[int, int, int],
        judge: Judge,
    ) -> asyncio.Future[tuple[AttemptState, Decision]]:
        request = clicks.AttemptRequest(round_id, user_id, answer, at, periods, judge)
        future: asyncio.Future[tuple[AttemptState, Decision]] = self.writer.run_bulk(
            self._record, request
        )
        return future

    async def close_round(self, round_id: int, at: datetime) -> ClosedRound | None:
        result = await self.writer.run(lambda conn: writes.close_round(conn, round_id, at))
        if result is None:
            return None
        newly, (participants, solved, first, wrong) = result
        closed = await self.get_round(round_id)
        assert closed is not None
        return ClosedRound(closed, newly, participants, solved, first, wrong)

    async def daily_cycle(
        self, channel: ChannelRef
    ) -> tuple[int, set[QuestionKey], QuestionKey | None]:
        row = await self._row(
            "SELECT id, cycle FROM channels WHERE platform = ? AND workspace = ? AND channel = ?",
            (channel.platform, channel.workspace, channel.channel),
        )
        if row is None:
            return 1, set(), None
        channel_id, cycle = row
        rows = await self._rows(
            """
            SELECT q.bank, q.qid, r.cycle FROM rounds r JOIN questions q ON q.id = r.question_id
            WHERE r.channel_id = ? AND r.kind = 'daily' AND (r.cycle = ? OR r.seq = (
                SELECT MAX(seq) FROM rounds WHERE channel_id = ? AND kind = 'daily'))
            ORDER BY r.seq
            """,
            (channel_id, cycle, channel_id),
        )
        used = {QuestionKey(bank, qid) for bank, qid, round_cycle in rows if round_cycle == cycle}
        last = QuestionKey(rows[-1][0], rows[-1][1]) if rows else None
        return int(cycle), used, last

    # --- boards and history -------------------------------------------------------------------

    async def leaderboard(self, scope: str, period: int, limit: int) -> list[BoardEntry]:
        rows = await self._rows(
            """
            SELECT CASE WHEN u.name = '' THEN u.user_ref ELSE u.name END, b.points, b.solved
            FROM board b JOIN users u ON u.id = b.user_id
            WHERE b.scope = (SELECT id FROM scopes WHERE key = ?) AND b.period = ?
            ORDER BY b.points DESC, b.user_id
            LIMIT ?
            """,
            (scope, period, limit),
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
            LEFT JOIN board b ON b.scope = (SELECT id FROM scopes WHERE key = ?)
                             AND b.period = ? AND b.user_id = m.user_id
            WHERE t.platform = ? AND t.workspace = ?
            GROUP BY t.id
            ORDER BY points DESC, t.name_key
            LIMIT ?
            """,
            (f"{platform}:{workspace}", period, platform, workspace, limit),
        )
        return [TeamEntry(*row) for row in rows]

    async def user_history(self, user_id: int) -> UserHistory:
        name_row = await self._row(
            "SELECT CASE WHEN name = '' THEN user_ref ELSE name END FROM users WHERE id = ?",
            (user_id,),
        )
        daily = await self._rows(
            """
            SELECT q.difficulty, SUM(p.solved), COUNT(*), SUM(p.points)
            FROM participations p
            JOIN rounds r ON r.id = p.round_id JOIN questions q ON q.id = r.question_id
            WHERE p.user_id = ? AND r.kind = 'daily'
            GROUP BY q.difficulty
            """,
            (user_id,),
        )
        practice = await self._row(
            """
            SELECT COALESCE(SUM(p.solved), 0), COUNT(*)
            FROM participations p JOIN rounds r ON r.id = p.round_id
            WHERE p.user_id = ? AND r.kind != 'daily'
            """,
            (user_id,),
        )
        solved_rows = await self._rows(
            """
            SELECT r.channel_id, r.seq FROM participations p JOIN rounds r ON r.id = p.round_id
            WHERE p.user_id = ? AND r.kind = 'daily' AND p.solved = 1
            """,
            (user_id,),
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
                FROM channels c WHERE c.id = ?
                """,
                (channel_id,),
            )
            streaks.append(ChannelStreak(tuple(seqs), latest, open_seq))
        return UserHistory(
            name=name_row[0] if name_row else "",
            daily=tuple(
                DifficultyCounts(Difficulty(level), solved, attempted, points)
                for level, solved, attempted, points in daily
            ),
            streaks=tuple(streaks),
            practice_solved=practice[0],
            practice_attempted=practice[1],
        )

    async def missed_questions(self, user_id: int) -> set[QuestionKey]:
        rows = await self._rows(
            """
            SELECT q.bank, q.qid FROM participations p
            JOIN rounds r ON r.id = p.round_id JOIN questions q ON q.id = r.question_id
            WHERE p.user_id = ?
            GROUP BY q.id
            HAVING MAX(p.solved) = 0 AND MAX(p.finished_at IS NOT NULL) = 1
            """,
            (user_id,),
        )
        return {QuestionKey(bank, qid) for bank, qid in rows}

    async def practised_questions(self, user_id: int) -> dict[QuestionKey, int]:
        rows = await self._rows(
            """
            SELECT q.bank, q.qid, COUNT(*) FROM rounds r JOIN questions q ON q.id = r.question_id
            WHERE r.owner_id = ? GROUP BY q.id
            """,
            (user_id,),
        )
        return {QuestionKey(bank, qid): count for bank, qid, count in rows}

    # --- test runs ----------------------------------------------------------------------------

    async def create_test_run(
        self, user_id: int, bank: str, questions: Sequence[QuestionKey], at: datetime
    ) -> int:
        return await self.writer.run(
            lambda conn: writes.create_test_run(conn, user_id, bank, questions, at)
        )

    async def test_run(self, run_id: int) -> TestRunState | None:
        row = await self._row(
            """
            SELECT user_id, bank, finished_at IS NOT NULL,
                   (SELECT COUNT(*) FROM rounds WHERE test_run_id = test_runs.id)
            FROM test_runs WHERE id = ?
            """,
            (run_id,),
        )
        if row is None:
            return None
        keys = await self._rows(
            """
            SELECT q.bank, q.qid FROM test_run_questions t JOIN questions q ON q.id = t.question_id
            WHERE t.run_id = ? ORDER BY t.position
            """,
            (run_id,),
        )
        user_id, bank, finished, opened = row
        questions = tuple(QuestionKey(b, q) for b, q in keys)
        return TestRunState(run_id, user_id, bank, questions, opened, bool(finished))

    async def test_answers(self, run_id: int) -> list[TestAnswer]:
        rows = await self._rows(
            """
            SELECT q.bank, q.qid, COALESCE(p.solved, 0), COALESCE(p.points, 0)
            FROM rounds r JOIN questions q ON q.id = r.question_id
            LEFT JOIN participations p ON p.round_id = r.id AND p.user_id = r.owner_id
            WHERE r.test_run_id = ?
            """,
            (run_id,),
        )
        return [TestAnswer(QuestionKey(b, q), bool(s), p) for b, q, s, p in rows]

    async def finish_test_run(self, run_id: int, at: datetime) -> None:
        await self.writer.run(
            lambda conn: conn.execute(
                "UPDATE test_runs SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
                (at.isoformat(), run_id),
            )
        )

    # --- teams --------------------------------------------------------------------------------

    async def _team(self, where: str, params: Sequence[Any]) -> Team | None:
        row = await self._row(f"SELECT t.id, t.name FROM teams t {where}", params)
        return Team(row[0], row[1]) if row else None

    async def find_team(self, platform: str, workspace: str, name: str) -> Team | None:
        return await self._team(
            "WHERE t.platform = ? AND t.workspace = ? AND t.name_key = ?",
            (platform, workspace, name.casefold()),
        )

    async def team_of(self, user_id: int) -> Team | None:
        return await self._team(
            "JOIN team_members m ON m.team_id = t.id WHERE m.user_id = ?", (user_id,)
        )

    async def create_team(self, platform: str, workspace: str, name: str) -> Team | None:
        def create(conn: sqlite3.Connection) -> int | None:
            row = conn.execute(
                """
                INSERT INTO teams (platform, workspace, name, name_key) VALUES (?, ?, ?, ?)
                ON CONFLICT DO NOTHING RETURNING id
                """,
                (platform, workspace, name, name.casefold()),
            ).fetchone()
            return int(row[0]) if row else None

        team_id = await self.writer.run(create)
        return Team(team_id, name) if team_id is not None else None

    async def rename_team(self, team_id: int, name: str) -> bool:
        def rename(conn: sqlite3.Connection) -> bool:
            try:
                conn.execute(
                    "UPDATE teams SET name = ?, name_key = ? WHERE id = ?",
                    (name, name.casefold(), team_id),
                )
            except sqlite3.IntegrityError:
                return False
            return True

        return await self.writer.run(rename)

    async def delete_team(self, team_id: int) -> None:
        await self.writer.run(
            lambda conn: conn.execute("DELETE FROM teams WHERE id = ?", (team_id,))
        )

    async def set_team(self, user_id: int, team_id: int | None) -> None:
        def assign(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM team_members WHERE user_id = ?", (user_id,))
            if team_id is not None:
                conn.execute("INSERT INTO team_members VALUES (?, ?)", (user_id, team_id))

        await self.writer.run(assign)

    async def teams(self, platform: str, workspace: str) -> list[Team]:
        rows = await self._rows(
            """
            SELECT t.id, t.name,
                   GROUP_CONCAT(CASE WHEN u.name = '' THEN u.user_ref ELSE u.name END, char(31))
            FROM teams t
            LEFT JOIN team_members m ON m.team_id = t.id LEFT JOIN users u ON u.id = m.user_id
            WHERE t.platform = ? AND t.workspace = ?
            GROUP BY t.id ORDER BY t.name_key
            """,
            (platform, workspace),
        )
        return [
            Team(team_id, name, tuple(sorted(members.split("\x1f"))) if members else ())
            for team_id, name, members in rows
        ]

    # --- banks per workspace ------------------------------------------------------------------

    async def disabled_banks(self, platform: str, workspace: str) -> set[str]:
        rows = await self._rows(
            "SELECT bank FROM bank_settings WHERE platform = ? AND workspace = ? AND enabled = 0",
            (platform, workspace),
        )
        return {bank for (bank,) in rows}

    async def set_bank_enabled(
        self, platform: str, workspace: str, bank: str, enabled: bool
    ) -> None:
        await self.writer.run(
            lambda conn: conn.execute(
                """
                INSERT INTO bank_settings VALUES (?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET enabled = excluded.enabled
                """,
                (platform, workspace, bank, int(enabled)),
            )
        )
