"""Numbered SQL migrations, applied in order, each in its own transaction.

The applied version lives inside the database (``PRAGMA user_version``), so a database file
carries its own state. Before an existing database is migrated it is copied with SQLite's online
backup API next to itself.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.store.errors import StoreError, describe

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

DEFAULT_MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations" / "sqlite"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    path: Path

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True, slots=True)
class UpgradeReport:
    before: int
    after: int
    applied: tuple[str, ...]
    backup: Path | None


def discover(directory: Path = DEFAULT_MIGRATIONS) -> list[Migration]:
    if not directory.is_dir():
        raise StoreError(f"migrations folder {directory} is missing")
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise StoreError(f"{path}: migration files are named NNNN_name.sql")
        found.append(Migration(int(match.group(1)), path))
    versions = [migration.version for migration in found]
    if versions != list(range(1, len(found) + 1)):
        raise StoreError(f"migrations in {directory} must be numbered 0001, 0002, ... without gaps")
    return found


def current_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def backup(conn: sqlite3.Connection, target: Path) -> Path:
    """Copy the live database to ``target`` with the online backup API."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(target) as copy:
        conn.backup(copy)
    copy.close()
    return target


def backup_path(database: Path, version: int, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    return database.with_name(f"{database.name}.v{version}-{stamp}.bak")


def upgrade(
    conn: sqlite3.Connection,
    database: Path,
    migrations: list[Migration],
    *,
    target: int | None = None,
) -> UpgradeReport:
    """Apply every migration above the database's version (up to ``target``)."""
    try:
        before = current_version(conn)
    except sqlite3.DatabaseError as exc:
        raise StoreError(describe(exc, database)) from exc
    latest = migrations[-1].version if migrations else 0
    goal = latest if target is None else target
    if before > latest:
        raise StoreError(
            f"{database} is at schema version {before}, newer than this quizbot knows ({latest}); "
            "upgrade quizbot instead"
        )
    pending = [m for m in migrations if before < m.version <= goal]
    saved: Path | None = None
    if pending and before > 0:
        saved = backup(conn, backup_path(database, before))
        log.info("backed up %s (schema v%d) to %s", database, before, saved)
    for migration in pending:
        script = migration.path.read_text(encoding="utf-8")
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {migration.version};\nCOMMIT;"
            )
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreError(f"migration {migration.name} failed: {exc}") from exc
        log.info("applied migration %s to %s", migration.name, database)
    return UpgradeReport(before, current_version(conn), tuple(m.name for m in pending), saved)
