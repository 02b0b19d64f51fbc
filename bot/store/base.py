"""What every part of the SQLite store shares: the writer, the reading connection, row helpers."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.errors import StoreError, describe
from bot.store.writer import Writer


class StoreBase:
    path: Path
    writer: Writer
    _reader: aiosqlite.Connection | None

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
