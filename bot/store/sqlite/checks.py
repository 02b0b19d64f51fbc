"""Whether a file is a healthy quizbot database, found out before anything is written to it.

Opening a database normally changes it (WAL mode, migrations, a bumped change counter) and a
file SQLite has never seen becomes an empty database. So a file is looked at first: its header
read as bytes (empty, not SQLite, a newer schema), whether it can be written at all, then, on a
plain connection that sets nothing, whose tables it has and ``PRAGMA quick_check``. Each refusal
is one line that names the file and what to do, with the restore command when a backup is what
would fix it.
"""

from __future__ import annotations

import os
import re
import sqlite3
from contextlib import closing
from pathlib import Path

from bot.store.errors import StoreError, describe

HEADER = b"SQLite format 3\x00"
_USER_VERSION = slice(60, 64)  # the header's big-endian "user version" (PRAGMA user_version)

# Rotated backups' names (bot/backups.py), here so the restore advice can point at the newest.
BACKUP_NAME = re.compile(r"^quizbot-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?\.db$")

# What every quizbot schema has had since 0001: a file without them is someone else's.
QUIZBOT_TABLES = frozenset({"questions", "users", "rounds", "attempts"})


def backup_order(path: Path) -> tuple[str, int]:
    """Sort key for a backup's name: its stamp, then the number of a second one that second."""
    match = BACKUP_NAME.match(path.name)
    if match is None:
        return ("", 0)
    return (match["stamp"], int(match["n"] or 1))


def newest_backup(directory: Path | None) -> Path | None:
    if directory is None or not directory.is_dir():
        return None
    try:
        found = [p for p in directory.iterdir() if BACKUP_NAME.match(p.name) and p.is_file()]
    except OSError:
        return None
    return max(found, key=backup_order, default=None)


def restore_hint(database: Path, backup_dir: Path | None) -> str:
    """The command that puts a backup in place of ``database`` (with quizbot stopped)."""
    newest = newest_backup(backup_dir)
    source = str(newest) if newest is not None else "BACKUP.db"
    command = f"cp {source} {database} && rm -f {database}-wal {database}-shm"
    if newest is None:
        where = f" (none found in {backup_dir})" if backup_dir is not None else ""
        return f"stop quizbot and restore a backup{where}: {command}"
    return f"stop quizbot and restore the newest backup: {command}"


def check_database(
    database: Path, latest: int, backup_dir: Path | None = None, *, busy_timeout_ms: int = 5000
) -> None:
    """Refuse (StoreError) a file that quizbot must not open; a missing file is a new database."""
    if not database.exists():
        if not database.parent.is_dir():
            raise StoreError(
                f"cannot open database {database}: folder {database.parent} is missing"
            )
        return
    if database.is_dir():
        raise StoreError(f"database {database} is a folder, not a file: point QUIZBOT_DB at a file")
    header = _header(database)
    if not header:
        _refuse_in_use(database)  # another quizbot creating it this very moment
        raise StoreError(
            f"database {database} is an empty file (0 bytes), not a quizbot database: "
            f"{restore_hint(database, backup_dir)}; or delete it to start an empty one"
        )
    if not header.startswith(HEADER):
        raise StoreError(
            f"{database} is not a usable SQLite database (no SQLite header): "
            f"{restore_hint(database, backup_dir)}; "
            "or point QUIZBOT_DB at another file"
        )
    _refuse_newer(database, int.from_bytes(header[_USER_VERSION], "big"), latest)
    _refuse_read_only(database)
    timeout_s = busy_timeout_ms / 1000
    with closing(sqlite3.connect(database, isolation_level=None, timeout=timeout_s)) as conn:
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            _refuse_newer(database, version, latest)  # a newer version still in the -wal
            tables = {
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%'"
                )
            }
            verdict = str(conn.execute("PRAGMA quick_check(1)").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise StoreError(_unreadable(database, exc, backup_dir)) from exc
    if verdict != "ok":
        raise StoreError(damaged(database, verdict, backup_dir))
    if (version == 0 and tables) or (version > 0 and not QUIZBOT_TABLES.issubset(tables)):
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise StoreError(
            f"{database} is an SQLite database but not quizbot's (tables: {shown}; "
            f"schema version {version}): point QUIZBOT_DB at quizbot's file or a new one"
        )


def check_readable(database: Path) -> None:
    """What a backup needs of its source: an SQLite file that is there (nothing is created)."""
    if not database.exists():
        raise StoreError(
            f"no database at {database}: nothing to back up (check --db or QUIZBOT_DB)"
        )
    if database.is_dir():
        raise StoreError(f"database {database} is a folder, not a file: nothing to back up")
    header = _header(database)
    if not header:
        raise StoreError(f"database {database} is an empty file (0 bytes): nothing to back up")
    if not header.startswith(HEADER):
        raise StoreError(f"{database} is not an SQLite database: nothing to back up")


def damaged(database: Path, problem: str, backup_dir: Path | None = None) -> str:
    first = problem.splitlines()[0] if problem else "unknown damage"
    return f"database {database} is damaged ({first}): {restore_hint(database, backup_dir)}"


def _unreadable(database: Path, exc: sqlite3.DatabaseError, backup_dir: Path | None) -> str:
    text = str(exc)
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return damaged(database, text, backup_dir)
    return describe(exc, database)  # locked by another writer, out of memory, ...


def _refuse_in_use(database: Path) -> None:
    """Take the write lock and let go at once (an empty file stays empty)."""
    try:
        with closing(sqlite3.connect(database, isolation_level=None, timeout=0)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        raise StoreError(describe(exc, database)) from exc


def _header(database: Path) -> bytes:
    try:
        with database.open("rb") as file:
            return file.read(100)
    except OSError as exc:
        raise StoreError(f"cannot read database {database}: {exc.strerror or exc}") from exc


def _refuse_newer(database: Path, version: int, latest: int) -> None:
    if version > latest:
        raise StoreError(
            f"{database} is at schema version {version}, newer than this quizbot knows "
            f"({latest}); upgrade quizbot instead"
        )


def _refuse_read_only(database: Path) -> None:
    """Opened anyway, a read-only file fails on the first write and leaves -wal and -shm behind.
    Opening it for writing (and closing it at once) asks the system, which is what counts: a
    file mode says nothing to root, a read-only mount or an immutable file does."""
    try:
        os.close(os.open(database, os.O_RDWR))
    except OSError as exc:
        raise StoreError(
            f"database {database} is read-only ({exc.strerror or exc}): quizbot needs to write "
            "to it; check the file's permissions and the disk it is on"
        ) from exc
