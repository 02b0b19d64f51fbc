"""SqliteStore: the core's Store port on one SQLite file.

Writes go through the single writer thread (``writer.py``); reads go through an aiosqlite
connection of their own, which WAL lets run while the writer writes.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Collection, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.models import Question, QuestionKey
from bot.core.ports import (
    ClosedRound,
    Judge,
    NewRound,
    ReviewStep,
    RoundConflict,
)
from bot.core.rounds import AttemptState, ChannelRef, Decision, Round, RoundKind, UserRef
from bot.store.errors import StoreError, describe
from bot.store.rows import ROUND, round_of
from bot.store.sqlite import checks, clicks, migrations, writes
from bot.store.sqlite.analytics import AnalyticsQueries
from bot.store.sqlite.base import StoreBase
from bot.store.sqlite.cards import CardQueries
from bot.store.sqlite.history import HistoryQueries
from bot.store.sqlite.installs import InstallationQueries
from bot.store.sqlite.lease import SqliteLease
from bot.store.sqlite.reports import ReportQueries
from bot.store.sqlite.review import ReviewQueries
from bot.store.sqlite.schedules import ScheduleQueries, SchedulerQueries
from bot.store.sqlite.teams import TeamQueries
from bot.store.sqlite.writer import Writer, connect

log = logging.getLogger(__name__)

_new_request = tuple.__new__

# Late reveals the scheduler posts per tick at most (the rest on the next ones).
UNREVEALED_BATCH = 200


class SqliteStore(
    ReportQueries,
    AnalyticsQueries,
    HistoryQueries,
    TeamQueries,
    ScheduleQueries,
    SchedulerQueries,
    InstallationQueries,
    ReviewQueries,
    CardQueries,
    StoreBase,
):
    def __init__(
        self, path: Path, *, busy_timeout_ms: int = 5000, backup_dir: Path | None = None
    ) -> None:
        self.path = Path(path)
        # Where the restore advice looks for the newest backup (QUIZBOT_BACKUP_DIR).
        self.backup_dir = backup_dir if backup_dir is not None else self.path.parent / "backups"
        self._busy_timeout_ms = busy_timeout_ms
        self._clicks = clicks.ClickCache()
        # One bound method for every click, so that the writer runs queued clicks together.
        self._record = partial(clicks.record_attempts, cache=self._clicks)
        self.writer = Writer(
            self.path, busy_timeout_ms=busy_timeout_ms, on_rollback=self._clicks.clear
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
        backup_dir: Path | None = None,
    ) -> SqliteStore:
        """Open (creating if needed) and migrate the database; StoreError says what is wrong.
        A file that is not a healthy quizbot database is refused before anything is written."""
        store = cls(path, busy_timeout_ms=busy_timeout_ms, backup_dir=backup_dir)
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
        cls, path: Path, *, migrations_dir: Path | None = None, backup_dir: Path | None = None
    ) -> migrations.UpgradeReport:
        """Apply pending migrations (backing up an existing database first) and stop."""
        store = cls(path, backup_dir=backup_dir)
        return await asyncio.to_thread(store._migrate, migrations_dir)

    def scheduler_lease(self) -> SqliteLease:
        """Who may run the scheduler (``bot.core.ports.SchedulerLease``): a file lock beside the
        database, so a second process on the same file stands by."""
        return SqliteLease(self.path)

    def _migrate(self, migrations_dir: Path | None) -> migrations.UpgradeReport:
        found = migrations.discover(migrations_dir or migrations.DEFAULT_MIGRATIONS)
        latest = found[-1].version if found else 0
        checks.check_database(
            self.path, latest, self.backup_dir, busy_timeout_ms=self._busy_timeout_ms
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

    # --- questions, users ---------------------------------------------------------------------

    async def sync_questions(self, questions: Sequence[Question], at: datetime) -> None:
        await self.writer.run(lambda conn: writes.sync_questions(conn, questions, at))

    async def user_id(self, user: UserRef) -> int:
        return await self.writer.run(lambda conn: writes.user_id(conn, user))

    async def find_user(self, user: UserRef) -> tuple[int, str] | None:
        sql = "SELECT id, name FROM users WHERE platform = ? AND workspace = ? AND user_ref = ?"
        params = (user.platform, user.workspace, user.user)
        # On every click of someone not yet known: at once on the loop when it can be.
        rows = self.writer.read_now(sql, params)
        row = (rows[0] if rows else None) if rows is not None else await self._row(sql, params)
        return (int(row[0]), str(row[1])) if row else None

    # --- rounds -------------------------------------------------------------------------------

    async def open_round(self, new: NewRound) -> Round:
        def work(conn: sqlite3.Connection) -> int | None:
            before = conn.total_changes
            opened = writes.open_round(conn, new)
            if opened is not None:
                # Nobody has answered a new round: its first clicks need not read their state.
                self._clicks.opened(conn, opened, before)
            return opened

        round_id = await self.writer.run(work)
        if round_id is None:
            raise RoundConflict(new.channel)
        opened = await self.get_round(round_id)
        assert opened is not None
        return opened

    async def get_round(self, round_id: int) -> Round | None:
        row = await self._row(ROUND + " WHERE r.id = ?", (round_id,))
        return round_of(row) if row else None

    async def open_daily_round(self, channel: ChannelRef) -> Round | None:
        row = await self._row(
            ROUND + " WHERE c.platform = ? AND c.workspace = ? AND c.channel = ?"
            " AND r.kind = 'daily' AND r.closed_at IS NULL",
            (channel.platform, channel.workspace, channel.channel),
        )
        return round_of(row) if row else None

    async def unrevealed_round(self, channel: ChannelRef) -> Round | None:
        row = await self._row(
            ROUND + " WHERE c.platform = ? AND c.workspace = ? AND c.channel = ?"
            " AND r.kind = 'daily' AND r.closed_at IS NOT NULL AND r.revealed_at IS NULL"
            " ORDER BY r.id DESC LIMIT 1",
            (channel.platform, channel.workspace, channel.channel),
        )
        return round_of(row) if row else None

    async def unrevealed_rounds(
        self, platforms: Collection[str], closed_before: datetime
    ) -> list[tuple[int, ChannelRef]]:
        if not platforms:
            return []
        marks = ", ".join("?" * len(platforms))
        rows = await self._rows(
            "SELECT r.id, c.platform, c.workspace, c.channel FROM rounds r"
            " JOIN channels c ON c.id = r.channel_id"
            " WHERE r.kind = 'daily' AND r.closed_at IS NOT NULL AND r.revealed_at IS NULL"
            f" AND r.closed_at < ? AND c.platform IN ({marks})"
            f" ORDER BY r.id LIMIT {UNREVEALED_BATCH}",
            (closed_before.isoformat(), *platforms),
        )
        return [(int(row[0]), ChannelRef(row[1], row[2], row[3])) for row in rows]

    async def open_rounds_of(self, user_id: int, kind: RoundKind) -> list[Round]:
        rows = await self._rows(
            ROUND + " WHERE r.owner_id = ? AND r.kind = ? AND r.closed_at IS NULL ORDER BY r.id",
            (user_id, kind.value),
        )
        return [round_of(row) for row in rows]

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
        user_id: int | None,
        answer: str,
        at: datetime,
        periods: tuple[int, int, int],
        judge: Judge,
        register: UserRef | None = None,
        review: ReviewStep | None = None,
    ) -> asyncio.Future[tuple[AttemptState, Decision]]:
        # Built straight from a tuple: one is made per click.
        request = _new_request(
            clicks.AttemptRequest,
            (round_id, user_id, answer, at, periods, judge, register, review),
        )
        future: asyncio.Future[tuple[AttemptState, Decision]] = self.writer.run_bulk(
            self._record, request
        )
        return future

    async def close_round(self, round_id: int, at: datetime) -> ClosedRound | None:
        def work(conn: sqlite3.Connection) -> Any:
            before = conn.total_changes
            closed = writes.close_round(conn, round_id, at)
            self._clicks.closed(conn, round_id, before)
            return closed

        result = await self.writer.run(work)
        if result is None:
            return None
        newly, announced, (participants, solved, first, wrong) = result
        closed = await self.get_round(round_id)
        assert closed is not None
        return ClosedRound(closed, newly, participants, solved, first, wrong, announced)

    async def mark_revealed(self, round_id: int, at: datetime) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE rounds SET revealed_at = ? WHERE id = ? AND revealed_at IS NULL",
                (at.isoformat(), round_id),
            )

        await self.writer.run(work)

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
