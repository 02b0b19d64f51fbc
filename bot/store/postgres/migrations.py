"""PostgreSQL migrations: migrations/postgres/NNNN_*.sql, the same numbers and meaning as the
SQLite ones, applied in order, each in its own transaction together with the new version.

The applied version lives inside the database (table ``quizbot_schema``). Processes starting at
once on one database take turns: the upgrade holds an advisory lock for its whole run.
Backups of a PostgreSQL database are the server's business (pg_dump), so nothing is copied here.
"""

from __future__ import annotations

import logging
from pathlib import Path

import asyncpg

from bot.store.errors import StoreError
from bot.store.postgres.base import Connection
from bot.store.sqlite.migrations import Migration, UpgradeReport, discover

log = logging.getLogger(__name__)

DEFAULT_MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations" / "postgres"

# pg_advisory_lock key of the upgrade ("quizbot" as a number, out of the way of other apps).
UPGRADE_LOCK = 0x71756962_6F740001

__all__ = [
    "DEFAULT_MIGRATIONS",
    "Migration",
    "UpgradeReport",
    "current_version",
    "discover",
    "upgrade",
]


async def current_version(conn: Connection) -> int:
    exists = await conn.fetchval("SELECT to_regclass('quizbot_schema') IS NOT NULL")
    if not exists:
        return 0
    version = await conn.fetchval("SELECT version FROM quizbot_schema")
    return int(version or 0)


async def upgrade(
    conn: Connection,
    where: str,
    migrations: list[Migration] | None = None,
    *,
    target: int | None = None,
) -> UpgradeReport:
    """Apply every migration above the database's version (up to ``target``)."""
    found = migrations if migrations is not None else discover(DEFAULT_MIGRATIONS)
    latest = found[-1].version if found else 0
    goal = latest if target is None else target
    await conn.execute("SELECT pg_advisory_lock($1)", UPGRADE_LOCK)
    try:
        before = await current_version(conn)
        if before > latest:
            raise StoreError(
                f"PostgreSQL database {where} is at schema version {before}, newer than this"
                f" quizbot knows ({latest}); upgrade quizbot instead"
            )
        pending = [m for m in found if before < m.version <= goal]
        for migration in pending:
            script = migration.path.read_text(encoding="utf-8")
            try:
                async with conn.transaction():
                    await conn.execute(
                        "CREATE TABLE IF NOT EXISTS quizbot_schema (version INTEGER NOT NULL)"
                    )
                    await conn.execute(script)
                    await conn.execute("DELETE FROM quizbot_schema")
                    await conn.execute(
                        "INSERT INTO quizbot_schema (version) VALUES ($1)", migration.version
                    )
            except asyncpg.PostgresError as exc:
                raise StoreError(f"migration {migration.name} failed: {exc}") from exc
            log.info("applied migration %s to %s", migration.name, where)
        after = await current_version(conn)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", UPGRADE_LOCK)
    return UpgradeReport(before, after, tuple(m.name for m in pending), None)
