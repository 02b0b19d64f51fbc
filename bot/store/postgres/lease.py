"""Leader election for the scheduler: a PostgreSQL advisory lock held by one session.

The lease keeps a connection of its own (not from the pool: the lock belongs to the session and
must outlive any query). Whoever holds ``pg_try_advisory_lock(SCHEDULER_LOCK)`` is the leader;
when its process dies or its connection breaks, the server ends the session and the lock is
free for the next ``acquire()`` of another process.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from bot.store.postgres.errors import DATABASE_ERRORS, where

log = logging.getLogger(__name__)

# "quizbot" as a number, then 2: the scheduler (1 is the migrations' lock).
SCHEDULER_LOCK = 0x71756962_6F740002
CHECK_TIMEOUT_S = 5.0


class PostgresLease:
    """The SchedulerLease port (bot/core/ports.py) on one PostgreSQL database."""

    def __init__(self, url: str, *, key: int = SCHEDULER_LOCK) -> None:
        self._url = url
        self._key = key
        self._conn: asyncpg.Connection | None = None
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    async def acquire(self) -> bool:
        """Try to become (or stay) the scheduler leader without blocking; True while held."""
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                if self._held:
                    return await self._still_held()
                if self._conn is None or self._conn.is_closed():
                    self._conn = await asyncpg.connect(self._url)
                self._held = bool(
                    await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self._key)
                )
                return self._held
        except (*DATABASE_ERRORS, TimeoutError):
            log.warning("scheduler lease on %s lost or unreachable", where(self._url))
            await self._drop()
            return False

    async def _still_held(self) -> bool:
        """The lock lives as long as the session: a connection that answers still holds it."""
        assert self._conn is not None
        if self._conn.is_closed():
            await self._drop()
            return False
        await self._conn.fetchval("SELECT 1")
        return True

    async def release(self) -> None:
        if self._conn is not None and not self._conn.is_closed() and self._held:
            try:
                await self._conn.execute("SELECT pg_advisory_unlock($1)", self._key)
            except DATABASE_ERRORS:
                log.warning("scheduler lease: the unlock failed; closing the session frees it")
        await self._drop()

    async def _drop(self) -> None:
        self._held = False
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()
