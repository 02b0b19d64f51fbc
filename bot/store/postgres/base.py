"""What every part of the PostgreSQL store shares: the pool and the query helpers.

Every request runs on a connection of the pool; a request that writes more than one statement
runs them in one transaction (``_transaction``). Failures of the database itself become one
StoreError line (``errors.describe``); a bug keeps its own exception.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.store.errors import StoreError
from bot.store.postgres.errors import DATABASE_ERRORS, as_store_error

# A connection of the pool or one of its own: the store's functions take either.
Connection = asyncpg.Connection | PoolConnectionProxy


class PgBase:
    url: str
    _pool: asyncpg.Pool | None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StoreError("the store is closed")
        return self._pool

    async def _rows(self, sql: str, *args: Any) -> list[Any]:
        try:
            return list(await self.pool.fetch(sql, *args))
        except DATABASE_ERRORS as exc:
            raise as_store_error(exc, self.url) from exc

    async def _row(self, sql: str, *args: Any) -> Any:
        try:
            return await self.pool.fetchrow(sql, *args)
        except DATABASE_ERRORS as exc:
            raise as_store_error(exc, self.url) from exc

    async def _execute(self, sql: str, *args: Any) -> str:
        try:
            result: str = await self.pool.execute(sql, *args)
            return result
        except DATABASE_ERRORS as exc:
            raise as_store_error(exc, self.url) from exc

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Connection]:
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                yield conn
        except DATABASE_ERRORS as exc:
            raise as_store_error(exc, self.url) from exc
