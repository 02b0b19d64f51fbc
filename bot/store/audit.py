"""SQL that benchmarks and backups need outside the running store: the bare-sqlite3 baseline,
an over-the-limit audit, and sealing a backup copy. Kept here so that all SQL lives in
bot/store."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

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


def seal_backup(path: Path) -> None:
    """Make a backup copy one self-contained file (rollback journal, not WAL) and check it."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        conn.close()
    if verdict != "ok":
        raise sqlite3.DatabaseError(f"backup {path} failed its check: {verdict}")
