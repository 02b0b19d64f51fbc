"""PostgresStore: the core's Store port on a PostgreSQL database (asyncpg, a connection pool).

Several quizbot processes can share one database: every write is one transaction of its own,
the click path serializes a person's clicks with an advisory lock (``clicks.py``), the daily
round of a channel and the scheduler's (channel, day) claims rely on the same unique keys as in
SQLite. Selected by ``QUIZBOT_DATABASE_URL=postgresql://...`` (see ``bot.store.factory``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from bot.core.models import Question, QuestionKey
from bot.core.ports import ClosedRound, Judge, NewRound, ReviewStep, RoundConflict
from bot.core.rounds import AttemptState, ChannelRef, Decision, Round, RoundKind, UserRef
from bot.store.errors import StoreError
from bot.store.postgres import clicks, migrations, writes
from bot.store.postgres.analytics import AnalyticsQueries
from bot.store.postgres.base import Connection, PgBase
from bot.store.postgres.batching import Batcher
from bot.store.postgres.cards import CardQueries
from bot.store.postgres.errors import DATABASE_ERRORS, as_store_error, where
from bot.store.postgres.history import HistoryQueries
from bot.store.postgres.installs import InstallationQueries
from bot.store.postgres.lease import PostgresLease
from bot.store.postgres.reports import ReportQueries
from bot.store.postgres.review import ReviewQueries
from bot.store.postgres.schedules import ScheduleQueries, SchedulerQueries
from bot.store.postgres.teams import TeamQueries
from bot.store.rows import ROUND, round_of

log = logging.getLogger(__name__)

# Late reveals the scheduler posts per tick at most (the rest on the next ones).
UNREVEALED_BATCH = 200
POOL_SIZE = 10
CONNECT_TIMEOUT_S = 10.0


async def _keep_session(conn: Connection) -> None:
    """A released connection is reused as it is: the store sets no session state, and the
    default reset (RESET ALL, unlock all, ...) would cost every click one more round trip."""


async def connect(url: str, *, within_s: float = CONNECT_TIMEOUT_S) -> asyncpg.Connection:
    """One connection; StoreError in one line when the server cannot be used."""
    try:
        return await asyncpg.connect(url, timeout=within_s)
    except DATABASE_ERRORS as exc:
        raise as_store_error(exc, url) from exc
    except asyncpg.PostgresError as exc:
        raise as_store_error(exc, url) from exc


class PostgresStore(
    HistoryQueries,
    TeamQueries,
    ScheduleQueries,
    SchedulerQueries,
    ReviewQueries,
    ReportQueries,
    AnalyticsQueries,
    InstallationQueries,
    CardQueries,
    PgBase,
):
    def __init__(self, url: str, *, pool_size: int = POOL_SIZE) -> None:
        self.url = url
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._facts = clicks.FactsCache()
        # Stored people's clicks arriving together share a transaction (group commit), on up
        # to three quarters of the pool; the rest stays free for boards, posts and newcomers.
        self._clicks: Batcher[clicks.Click, tuple[AttemptState, Decision]] = Batcher(
            lambda: self.pool,
            self._click_batch,
            self._click_alone,
            parallel=max(1, pool_size * 3 // 4),
        )

    @property
    def where(self) -> str:
        return where(self.url)

    # --- life cycle ---------------------------------------------------------------------------

    @classmethod
    async def open(
        cls, url: str, *, migrations_dir: Any = None, pool_size: int = POOL_SIZE
    ) -> PostgresStore:
        """Connect, migrate and open the pool; StoreError in one line says what is wrong."""
        await cls.upgrade(url, migrations_dir=migrations_dir)
        store = cls(url, pool_size=pool_size)
        try:
            store._pool = await asyncpg.create_pool(
                url,
                # Every connection opened and warmed now: not by the first burst of clicks.
                min_size=pool_size,
                max_size=pool_size,
                timeout=CONNECT_TIMEOUT_S,
                reset=_keep_session,
                init=clicks.warm,
            )
        except (*DATABASE_ERRORS, asyncpg.PostgresError) as exc:
            raise as_store_error(exc, url) from exc
        return store

    @classmethod
    async def upgrade(cls, url: str, *, migrations_dir: Any = None) -> migrations.UpgradeReport:
        """Apply pending migrations and stop."""
        found = migrations.discover(migrations_dir or migrations.DEFAULT_MIGRATIONS)
        conn = await connect(url)
        try:
            return await migrations.upgrade(conn, where(url), found)
        except DATABASE_ERRORS as exc:
            raise as_store_error(exc, url) from exc
        finally:
            await conn.close()

    def scheduler_lease(self) -> PostgresLease:
        """Who may run the scheduler (``bot.core.ports.SchedulerLease``): an advisory lock on
        the database, so a second process on the same database stands by."""
        return PostgresLease(self.url)

    async def ping(self, within_s: float) -> str | None:
        """None when the database takes writes now; otherwise why not, in one line."""
        try:
            async with asyncio.timeout(within_s):
                standby = await self._row("SELECT pg_is_in_recovery()")
        except TimeoutError:
            return f"PostgreSQL {self.where}: no answer within {within_s:g} s"
        except StoreError as exc:
            return str(exc)
        if standby[0]:
            return f"PostgreSQL {self.where} is a read-only standby: point quizbot at the primary"
        return None

    async def close(self) -> None:
        if self._pool is not None:
            await self._clicks.drain()
            pool, self._pool = self._pool, None
            await pool.close()

    # --- questions, users ---------------------------------------------------------------------

    async def sync_questions(self, questions: Sequence[Question], at: datetime) -> None:
        async with self._transaction() as conn:
            await writes.sync_questions(conn, questions, at)

    async def user_id(self, user: UserRef) -> int:
        async with self._transaction() as conn:
            return await writes.user_id(conn, user)

    async def find_user(self, user: UserRef) -> tuple[int, str] | None:
        row = await self._row(
            "SELECT id, name FROM users WHERE platform = $1 AND workspace = $2 AND user_ref = $3",
            user.platform,
            user.workspace,
            user.user,
        )
        return (int(row[0]), str(row[1])) if row else None

    # --- rounds -------------------------------------------------------------------------------

    async def open_round(self, new: NewRound) -> Round:
        try:
            async with self._transaction() as conn:
                round_id = await writes.open_round(conn, new)
        except asyncpg.UniqueViolationError as exc:
            # Another process opened the channel's daily round at the same moment.
            raise RoundConflict(new.channel) from exc
        if round_id is None:
            raise RoundConflict(new.channel)
        opened = await self.get_round(round_id)
        assert opened is not None
        return opened

    async def get_round(self, round_id: int) -> Round | None:
        row = await self._row(ROUND + " WHERE r.id = $1", round_id)
        return round_of(row) if row else None

    async def open_daily_round(self, channel: ChannelRef) -> Round | None:
        row = await self._row(
            ROUND + " WHERE c.platform = $1 AND c.workspace = $2 AND c.channel = $3"
            " AND r.kind = 'daily' AND r.closed_at IS NULL",
            channel.platform,
            channel.workspace,
            channel.channel,
        )
        return round_of(row) if row else None

    async def unrevealed_round(self, channel: ChannelRef) -> Round | None:
        row = await self._row(
            ROUND + " WHERE c.platform = $1 AND c.workspace = $2 AND c.channel = $3"
            " AND r.kind = 'daily' AND r.closed_at IS NOT NULL AND r.revealed_at IS NULL"
            " ORDER BY r.id DESC LIMIT 1",
            channel.platform,
            channel.workspace,
            channel.channel,
        )
        return round_of(row) if row else None

    async def unrevealed_rounds(
        self, platforms: Collection[str], closed_before: datetime
    ) -> list[tuple[int, ChannelRef]]:
        if not platforms:
            return []
        rows = await self._rows(
            "SELECT r.id, c.platform, c.workspace, c.channel FROM rounds r"
            " JOIN channels c ON c.id = r.channel_id"
            " WHERE r.kind = 'daily' AND r.closed_at IS NOT NULL AND r.revealed_at IS NULL"
            " AND r.closed_at < $1 AND c.platform = ANY($2::text[])"
            f" ORDER BY r.id LIMIT {UNREVEALED_BATCH}",
            closed_before.isoformat(),
            list(platforms),
        )
        return [(int(row[0]), ChannelRef(row[1], row[2], row[3])) for row in rows]

    async def open_rounds_of(self, user_id: int, kind: RoundKind) -> list[Round]:
        rows = await self._rows(
            ROUND + " WHERE r.owner_id = $1 AND r.kind = $2 AND r.closed_at IS NULL ORDER BY r.id",
            user_id,
            kind.value,
        )
        return [round_of(row) for row in rows]

    async def open_daily_questions(self, platform: str, workspace: str) -> set[QuestionKey]:
        rows = await self._rows(
            """
            SELECT q.bank, q.qid FROM rounds r
            JOIN channels c ON c.id = r.channel_id JOIN questions q ON q.id = r.question_id
            WHERE c.platform = $1 AND c.workspace = $2 AND r.kind = 'daily'
              AND r.closed_at IS NULL
            """,
            platform,
            workspace,
        )
        return {QuestionKey(bank, qid) for bank, qid in rows}

    async def set_message_ref(self, round_id: int, ref: str) -> None:
        await self._execute("UPDATE rounds SET message_ref = $1 WHERE id = $2", ref, round_id)

    async def record_attempt(
        self,
        round_id: int,
        user_id: int | None,
        answer: str,
        at: datetime,
        periods: tuple[int, int, int],
        judge: Judge,
        register: UserRef | None = None,
        review: ReviewStep | None = None,
    ) -> tuple[AttemptState, Decision]:
        try:
            if user_id is not None and register is None:
                return await self._clicks.submit(
                    clicks.Click(round_id, user_id, answer, at, periods, judge, review)
                )
            async with self.pool.acquire() as conn:
                return await clicks.record_attempt(
                    conn,
                    self._facts,
                    round_id,
                    user_id,
                    answer,
                    at,
                    periods,
                    judge,
                    register,
                    review,
                )
        except DATABASE_ERRORS as exc:
            raise as_store_error(exc, self.url) from exc

    async def _click_batch(
        self, conn: Connection, batch: list[clicks.Click]
    ) -> list[tuple[AttemptState, Decision]]:
        return await clicks.record_attempts(conn, self._facts, batch)

    async def _click_alone(
        self, conn: Connection, click: clicks.Click
    ) -> tuple[AttemptState, Decision]:
        return await clicks.record_attempt(
            conn,
            self._facts,
            click.round_id,
            click.user_id,
            click.answer,
            click.at,
            click.periods,
            click.judge,
            None,
            click.review,
        )

    async def close_round(self, round_id: int, at: datetime) -> ClosedRound | None:
        async with self._transaction() as conn:
            result = await writes.close_round(conn, round_id, at)
        if result is None:
            return None
        newly, announced, (participants, solved, first, wrong) = result
        closed = await self.get_round(round_id)
        assert closed is not None
        return ClosedRound(closed, newly, participants, solved, first, wrong, announced)

    async def mark_revealed(self, round_id: int, at: datetime) -> None:
        await self._execute(
            "UPDATE rounds SET revealed_at = $1 WHERE id = $2 AND revealed_at IS NULL",
            at.isoformat(),
            round_id,
        )

    async def daily_cycle(
        self, channel: ChannelRef
    ) -> tuple[int, set[QuestionKey], QuestionKey | None]:
        row = await self._row(
            "SELECT id, cycle FROM channels"
            " WHERE platform = $1 AND workspace = $2 AND channel = $3",
            channel.platform,
            channel.workspace,
            channel.channel,
        )
        if row is None:
            return 1, set(), None
        channel_id, cycle = row
        rows = await self._rows(
            """
            SELECT q.bank, q.qid, r.cycle FROM rounds r JOIN questions q ON q.id = r.question_id
            WHERE r.channel_id = $1 AND r.kind = 'daily' AND (r.cycle = $2 OR r.seq = (
                SELECT MAX(seq) FROM rounds WHERE channel_id = $1 AND kind = 'daily'))
            ORDER BY r.seq
            """,
            channel_id,
            cycle,
        )
        used = {QuestionKey(bank, qid) for bank, qid, round_cycle in rows if round_cycle == cycle}
        last = QuestionKey(rows[-1][0], rows[-1][1]) if rows else None
        return int(cycle), used, last


__all__ = ["PostgresStore", "StoreError"]
