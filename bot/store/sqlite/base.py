"""What every part of the SQLite store shares: the writer, the reading connection, row helpers."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.errors import StoreError, describe
from bot.store.sqlite.writer import Writer


class StoreBase:
    path: Path
    writer: Writer
    _reader: aiosqlite.Connection | None
    _reading: asyncio.Lock | None = None

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        if self._reader is None:
            raise StoreError("the store is closed")
        if self._reading is None:
            self._reading = asyncio.Lock()
        # One query at a time on the reading connection: while one cursor is open, SQLite keeps
        # the connection's read snapshot, and a query interleaved with it would not see what the
        # writer has just committed (32 posts side by side lost 13% of their new rounds).
        async with self._reading:
            try:
                async with self._reader.execute(sql, params) as cursor:
                    return list(await cursor.fetchall())
            except sqlite3.OperationalError as exc:
                raise StoreError(describe(exc, self.path)) from exc

    async def _row(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self._rows(sql, params)
        return rows[0] if rows else None
