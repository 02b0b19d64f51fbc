"""SQL that benchmarks and backups need outside the running store: the bare-sqlite3 baseline,
an over-the-limit audit, and a checked backup copy. Kept here so that all SQL lives in
bot/store."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from bot.store.errors import StoreError, describe
from bot.store.sqlite import checks

BASELINE_LETTERS = ("A", "C", "B")  # wrong, wrong, right


def bare_sqlite_clicks(path: Path, pairs: int) -> list[float]:
    """The reference: one stdlib sqlite3 transaction per click, the way most bots do it
    (BEGIN IMMEDIATE; count attempts; insert attempt; upsert score; COMMIT; WAL, NORMAL).
    Returns each click's latency in seconds."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.executescript(
            """
            CREATE TABLE attempts (round_id INTEGER, user_id INTEGER, attempt_no INTEGER,
                                   answer TEXT, correct INTEGER, at TEXT,
                                   PRIMARY KEY (round_id, user_id, attempt_no)) WITHOUT ROWID;
            CREATE TABLE scores (round_id INTEGER, user_id INTEGER, points INTEGER,
                                 PRIMARY KEY (round_id, user_id)) WITHOUT ROWID;
            """
        )
        latencies: list[float] = []
        for pair in range(pairs):
            for letter in BASELINE_LETTERS:
                began = time.perf_counter()
                conn.execute("BEGIN IMMEDIATE")
                (used,) = conn.execute(
                    "SELECT COUNT(*) FROM attempts WHERE round_id = ? AND user_id = ?", (1, pair)
                ).fetchone()
                correct = int(letter == "B")
                conn.execute(
                    "INSERT INTO attempts VALUES (?, ?, ?, ?, ?, ?)",
                    (1, pair, used + 1, letter, correct, datetime.now(UTC).isoformat()),
                )
                conn.execute(
                    """INSERT INTO scores VALUES (?, ?, ?) ON CONFLICT (round_id, user_id)
                       DO UPDATE SET points = points + excluded.points""",
                    (1, pair, 10 * correct),
                )
                conn.execute("COMMIT")
                latencies.append(time.perf_counter() - began)
        return latencies
    finally:
        conn.close()


def attempts_over_limit(db: Path) -> int:
    """Attempt rows stored beyond each person's allowance: the limit held if this is 0."""
    with closing(sqlite3.connect(db)) as conn:
        (over,) = conn.execute(
            """SELECT COALESCE(SUM(used - allowed), 0) FROM (
                   SELECT COUNT(*) AS used, r.attempts_allowed AS allowed
                   FROM attempts a JOIN rounds r ON r.id = a.round_id
                   GROUP BY a.round_id, a.user_id)
               WHERE used > allowed"""
        ).fetchone()
    return int(over)


def copy_database(
    source: Path, target: Path, *, backup_dir: Path | None = None, busy_timeout_ms: int = 5000
) -> None:
    """An online copy of ``source`` at ``target`` (SQLite backup API), made one self-contained
    file and checked (``PRAGMA integrity_check``); StoreError in one line if it cannot be made
    or is not sound. ``source`` is only read: nothing is set or migrated, and a missing source is
    not created (``mode=rw``)."""
    checks.check_readable(source)
    try:
        live = sqlite3.connect(
            f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=busy_timeout_ms / 1000
        )
    except sqlite3.Error as exc:
        raise StoreError(describe(exc, source)) from exc
    try:
        try:
            copy = sqlite3.connect(target)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the backup {target}: {exc}") from exc
        try:
            live.backup(copy)
            # One file (rollback journal, not WAL): nothing to carry along when restoring it.
            copy.execute("PRAGMA journal_mode = DELETE")
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check(5)")]
        except sqlite3.DatabaseError as exc:
            text = str(exc)
            if "malformed" in text or "not a database" in text or "corrupt" in text:
                raise StoreError(_unsound(source, text, backup_dir)) from exc
            if "locked" in text or "busy" in text:
                raise StoreError(describe(exc, source)) from exc
            raise StoreError(f"cannot write the backup {target}: {text}") from exc
        finally:
            copy.close()
    finally:
        live.close()
    if problems != ["ok"]:
        raise StoreError(_unsound(source, "; ".join(problems), backup_dir))


def _unsound(source: Path, problem: str, backup_dir: Path | None) -> str:
    return "no backup made: " + checks.damaged(source, problem, backup_dir)
