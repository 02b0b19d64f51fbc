"""`quizbot db copy`: a SQLite database's whole history into an empty PostgreSQL database.

Every table of the SQLite file is copied (COPY, in one transaction, keeping the ids), the
identity sequences are moved past the copied ids, and then the copy is checked: the row count
of every table and every leaderboard (each scope and period, and each workspace's team board)
read through both stores must be equal. A target that already holds data is refused, and the
SQLite file is only read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg

from bot.store.errors import StoreError
from bot.store.postgres import migrations
from bot.store.postgres.errors import DATABASE_ERRORS, as_store_error, where
from bot.store.postgres.store import PostgresStore, connect
from bot.store.sqlite import checks
from bot.store.sqlite import migrations as sqlite_migrations
from bot.store.sqlite.history import HistoryQueries

CHUNK = 20_000


def _read_only(path: Path) -> str:
    return f"{path.absolute().as_uri()}?mode=ro"


class _SqliteBoards(HistoryQueries):
    """The SQLite store's board queries on a read-only connection: the source is never
    migrated or written (opening a SqliteStore would)."""

    @classmethod
    async def open(cls, path: Path) -> _SqliteBoards:
        boards = cls()
        boards.path = path
        boards._reader = await aiosqlite.connect(_read_only(path), uri=True)
        return boards

    async def close(self) -> None:
        if self._reader is not None:
            await self._reader.close()
            self._reader = None


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    sqlite: int
    postgres: int

    @property
    def equal(self) -> bool:
        return self.sqlite == self.postgres


@dataclass(frozen=True, slots=True)
class CopyReport:
    source: Path
    target: str
    """host:port/database, without the password."""
    tables: tuple[TableCount, ...]
    boards: int
    """Leaderboards compared."""
    unequal_boards: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return all(count.equal for count in self.tables) and not self.unequal_boards


def _open_source(source: Path) -> sqlite3.Connection:
    checks.check_readable(source)
    try:
        return sqlite3.connect(_read_only(source), uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read {source}: {exc}") from exc


def _tables_in_order(conn: sqlite3.Connection) -> list[str]:
    """The SQLite tables, each after the tables its foreign keys point at."""
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    needs = {
        name: {row[2] for row in conn.execute(f'PRAGMA foreign_key_list("{name}")')} - {name}
        for name in names
    }
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and needs[n] <= set(ordered)]
        if not ready:
            raise StoreError("the SQLite tables' foreign keys form a cycle: cannot order the copy")
        ordered += ready
    return ordered


def _converter(data_type: str) -> Callable[[Any], Any]:
    if data_type in ("integer", "bigint", "smallint"):
        return lambda value: None if value is None else int(value)
    if data_type in ("double precision", "real", "numeric"):
        return lambda value: None if value is None else float(value)
    return lambda value: None if value is None else str(value)


def _rows(conn: sqlite3.Connection, table: str, columns: list[str]) -> Iterator[list[Any]]:
    cursor = conn.execute(f'SELECT {", ".join(columns)} FROM "{table}"')
    while True:
        chunk = cursor.fetchmany(CHUNK)
        if not chunk:
            return
        yield chunk


async def _check_versions(source: sqlite3.Connection, source_path: Path, target: str) -> None:
    latest = migrations.discover(migrations.DEFAULT_MIGRATIONS)[-1].version
    version = sqlite_migrations.current_version(source)
    if version < latest:
        raise StoreError(
            f"{source_path} is at schema version {version}: run `quizbot db upgrade --db"
            f" {source_path}` first (this quizbot's schema is v{latest})"
        )
    if version > latest:
        raise StoreError(
            f"{source_path} is at schema version {version}, newer than this quizbot knows"
            f" ({latest}); upgrade quizbot instead"
        )


async def _target_columns(conn: asyncpg.Connection, table: str) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = $1",
        table,
    )
    return {row[0]: row[1] for row in rows}


async def copy_sqlite_to_postgres(source: Path, url: str) -> CopyReport:
    """Copy, then verify; StoreError in one line when it cannot be done."""
    target = where(url)
    with closing(_open_source(source)) as lite:
        await _check_versions(lite, source, target)
        await PostgresStore.upgrade(url)
        tables = _tables_in_order(lite)
        conn = await connect(url)
        try:
            for table in tables:
                if not await _target_columns(conn, table):
                    raise StoreError(
                        f"PostgreSQL {target} has no table {table}: this quizbot's PostgreSQL"
                        " schema lacks it, so nothing is copied"
                    )
                if await conn.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{table}")'):
                    raise StoreError(
                        f"PostgreSQL {target} is not empty (table {table} has rows): db copy"
                        " fills an empty database only; create a new one (createdb)"
                    )
            try:
                async with conn.transaction():
                    for table in tables:
                        await _copy_table(lite, conn, table)
            except asyncpg.PostgresError as exc:
                raise StoreError(
                    f"copy into PostgreSQL {target} failed, nothing kept: {exc}"
                ) from exc
        except DATABASE_ERRORS as exc:
            raise as_store_error(exc, url) from exc
        finally:
            await conn.close()
    return await verify(source, url, tables)


async def _copy_table(lite: sqlite3.Connection, conn: asyncpg.Connection, table: str) -> None:
    types = await _target_columns(conn, table)
    columns = [row[1] for row in lite.execute(f'PRAGMA table_info("{table}")')]
    missing = [column for column in columns if column not in types]
    if missing:
        raise StoreError(
            f"PostgreSQL table {table} lacks column(s) {', '.join(missing)}: nothing is copied"
        )
    convert = [_converter(types[column]) for column in columns]
    for chunk in _rows(lite, table, columns):
        records = [
            tuple(fn(value) for fn, value in zip(convert, row, strict=True)) for row in chunk
        ]
        await conn.copy_records_to_table(table, records=records, columns=columns)
    identity = await conn.fetchval(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = $1 AND is_identity = 'YES'",
        table,
    )
    if identity is not None:
        # New rows continue after the copied ids.
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{identity}'),"
            f" COALESCE((SELECT MAX({identity}) FROM {table}), 0) + 1, false)"
        )


async def verify(source: Path, url: str, tables: list[str] | None = None) -> CopyReport:
    """Row counts per table and every leaderboard, through both stores."""
    with closing(_open_source(source)) as lite:
        names = tables or _tables_in_order(lite)
        lite_counts = {
            t: int(lite.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]) for t in names
        }
        boards = lite.execute(
            "SELECT DISTINCT s.key, b.period FROM board b JOIN scopes s ON s.id = b.scope"
            " ORDER BY s.key, b.period"
        ).fetchall()
        workspaces = lite.execute(
            "SELECT DISTINCT platform, workspace FROM teams ORDER BY platform, workspace"
        ).fetchall()
        periods = [row[0] for row in lite.execute("SELECT DISTINCT period FROM board")]
        everyone = int(lite.execute("SELECT COUNT(*) FROM users").fetchone()[0]) + 1
    conn = await connect(url)
    try:
        pg_counts = {t: int(await conn.fetchval(f'SELECT COUNT(*) FROM "{t}"')) for t in names}
    finally:
        await conn.close()
    counts = tuple(TableCount(t, lite_counts[t], pg_counts[t]) for t in names)
    unequal: list[str] = []
    compared = 0
    # Read through both stores' own queries: the boards people see, in their order.
    lite_store = await _SqliteBoards.open(source)
    try:
        pg_store = await PostgresStore.open(url, pool_size=2)
        try:
            for scope, period in boards:
                compared += 1
                mine = await lite_store.leaderboard(scope, period, everyone)
                if mine != await pg_store.leaderboard(scope, period, everyone):
                    unequal.append(f"{scope} period {period}")
            for platform, workspace in workspaces:
                for period in periods:
                    compared += 1
                    teams = await lite_store.team_board(platform, workspace, period, everyone)
                    if teams != await pg_store.team_board(platform, workspace, period, everyone):
                        unequal.append(f"teams of {platform}:{workspace} period {period}")
        finally:
            await pg_store.close()
    finally:
        await lite_store.close()
    return CopyReport(source, where(url), counts, compared, tuple(unequal))
