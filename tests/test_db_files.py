"""Database files quizbot must not open: each is refused in one line before anything is
written, and the file is left exactly as it was (issue 12)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from conftest import run_quizbot

from bot.store.sqlite import migrations

LATEST = migrations.discover()[-1].version


def one_line_refusal(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


def quizbot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Wide enough that rich does not wrap the refusal: one line is one line.
    return run_quizbot(tmp_path, *args, stdin="/quiz post\n", COLUMNS="1000", **env)


def leftovers(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name + "-"))


def made_database(tmp_path: Path) -> Path:
    """A quizbot database with a posted question, as the console leaves it."""
    done = quizbot(tmp_path, "console")
    assert done.returncode == 0, done.stderr
    return tmp_path / "quiz.db"


def test_a_newer_schema_is_refused_without_touching_the_file(tmp_path: Path) -> None:
    db = made_database(tmp_path)
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute(f"PRAGMA user_version = {LATEST + 5}")
    before = db.read_bytes()
    for args in (("console",), ("db", "upgrade")):
        said = one_line_refusal(quizbot(tmp_path, *args))
        assert f"schema version {LATEST + 5}" in said and "upgrade quizbot" in said
        assert db.read_bytes() == before  # not switched to WAL, change counter as it was
        assert leftovers(db) == []


def corrupt_pages(db: Path) -> None:
    """Garbage over the last few pages: the header and schema still read, the data does not."""
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    assert pages > 8
    with db.open("r+b") as file:
        file.seek((pages - 4) * page_size)
        file.write(b"\xa5\x5a" * (2 * page_size))


def test_a_damaged_database_is_refused_at_start_with_the_restore_command(tmp_path: Path) -> None:
    db = made_database(tmp_path)
    backups = tmp_path / "backups"
    backups.mkdir()
    newest = backups / "quizbot-20261126-100000.db"
    shutil.copy(db, backups / "quizbot-20261125-100000.db")
    shutil.copy(db, newest)
    corrupt_pages(db)
    before = db.read_bytes()
    done = quizbot(tmp_path, "console")
    said = one_line_refusal(done)
    assert f"database {db} is damaged" in said
    assert f"cp {newest} {db} && rm -f {db}-wal {db}-shm" in said
    assert db.read_bytes() == before


def test_a_zero_byte_file_is_refused_not_made_a_new_database(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    db.write_bytes(b"")
    said = one_line_refusal(quizbot(tmp_path, "console"))
    assert f"database {db} is an empty file (0 bytes)" in said and "restore" in said
    assert db.read_bytes() == b""
    assert leftovers(db) == []


def test_another_programs_sqlite_file_is_refused_not_extended(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        conn.execute("INSERT INTO invoices (total) VALUES (9.5)")
        conn.commit()
    before = db.read_bytes()
    for args in (("console",), ("db", "upgrade")):
        said = one_line_refusal(quizbot(tmp_path, *args))
        assert f"{db} is an SQLite database but not quizbot's (tables: invoices" in said
        assert db.read_bytes() == before
        assert leftovers(db) == []


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    """A file nobody may write, root included (chmod does not stop root; chattr +i does)."""
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"this file system cannot make a file immutable: {made.stderr!r}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.mark.skipif(shutil.which("chattr") is None, reason="needs chattr")
def test_a_read_only_database_is_refused_and_leaves_nothing_behind(tmp_path: Path) -> None:
    db = made_database(tmp_path)
    before = db.read_bytes()
    with immutable(db):
        done = quizbot(tmp_path, "console", QUIZBOT_LOG_LEVEL="INFO")
        said = one_line_refusal(done)
        assert f"database {db} is read-only" in said
        assert "checkpoint failed" not in done.stderr
        assert leftovers(db) == []
    assert db.read_bytes() == before
