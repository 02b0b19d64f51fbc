"""Rotated backups: the online copy, the rotation, the daily task and `quizbot db backup`."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import run_quizbot
from test_db_files import corrupt_pages, made_database, one_line_refusal

from bot.backups import backup_into, backups_in, daily_backups, rotate
from bot.store.sqlite import SqliteStore, migrations

DAY0 = datetime(2026, 11, 1, 3, 0, 0, tzinfo=UTC)


def make_backups(directory: Path, days: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    made = []
    for day in range(days):
        path = directory / f"quizbot-{DAY0 + timedelta(days=day):%Y%m%d-%H%M%S}.db"
        path.write_bytes(b"old backup")
        made.append(path)
    return made


OTHERS = (
    "notes.txt",
    "quizbot.db",
    "quizbot-latest.db",
    "quizbot-20200101-000000.db.gz",
    "quiz.db.v3-20200101T000000.bak",
    "my-quizbot-20200101-000000.db",
)


def test_rotation_keeps_exactly_the_newest_and_leaves_other_files_alone(tmp_path: Path) -> None:
    made = make_backups(tmp_path, 10)
    for name in OTHERS:
        (tmp_path / name).write_text("mine")
    (tmp_path / "quizbot-20200101-000000.d").mkdir()
    deleted = rotate(tmp_path, 7)
    assert deleted == made[:3]
    assert backups_in(tmp_path) == made[3:]
    for name in OTHERS:
        assert (tmp_path / name).read_text() == "mine"
    assert rotate(tmp_path, 7) == []
    with pytest.raises(ValueError):
        rotate(tmp_path, 0)


async def test_a_backup_is_a_checked_sqlite_file_at_the_same_schema_version(
    store: SqliteStore, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    old = make_backups(folder, 7)
    target, deleted = await backup_into(store.path, folder, 7)
    assert deleted == [old[0]]
    assert backups_in(folder) == [*old[1:], target]
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        path.name for path in backups_in(folder)
    )  # no partial file left behind
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations.discover())
        # One self-contained file: no -wal to carry along when copying it back.
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        live = sqlite3.connect(store.path)
        tables = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        assert conn.execute(tables).fetchall() == live.execute(tables).fetchall()
        live.close()


async def test_daily_backups_log_each_and_survive_a_failure(
    store: SqliteStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backups folder should be")
    caplog.set_level(logging.INFO, logger="bot.backups")
    task = asyncio.create_task(
        daily_backups(store, blocker / "backups", 7, first_after=0, every=0.05)
    )
    try:
        for _ in range(500):
            if len([r for r in caplog.records if r.exc_info]) >= 2:
                break
            await asyncio.sleep(0.01)
        assert not task.done()  # failures do not stop it
        failed = [record for record in caplog.records if record.exc_info]
        assert len(failed) >= 2 and "backup of" in failed[0].getMessage()
        blocker.unlink()  # the folder can be made now: the next run succeeds

        def succeeded() -> bool:
            # the file appears (os.replace) a moment before the log line: wait for the line
            return any("backed up" in record.getMessage() for record in caplog.records)

        for _ in range(500):
            if succeeded():
                break
            await asyncio.sleep(0.01)
        assert succeeded()
        assert backups_in(blocker / "backups")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def test_cli_backup_into_a_folder_rotates(tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    old = make_backups(folder, 3)
    (folder / "keep-me.txt").write_text("mine")
    assert run_quizbot(tmp_path, "db", "upgrade").returncode == 0  # a backup needs a database
    done = run_quizbot(tmp_path, "db", "backup", "--dir", str(folder), "--keep", "2")
    assert done.returncode == 0, done.stderr
    kept = backups_in(folder)
    assert len(kept) == 2 and kept[0] == old[-1]
    assert f"backed up {tmp_path / 'quiz.db'} to {kept[1]}" in done.stdout
    assert done.stdout.count("removed old backup") == 2
    assert (folder / "keep-me.txt").read_text() == "mine"
    with sqlite3.connect(kept[1]) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations.discover())


def test_cli_backup_defaults_to_the_configured_folder(tmp_path: Path) -> None:
    assert run_quizbot(tmp_path, "db", "upgrade").returncode == 0
    done = run_quizbot(tmp_path, "db", "backup")
    assert done.returncode == 0, done.stderr
    assert len(backups_in(tmp_path / "backups")) == 1
    elsewhere = tmp_path / "elsewhere"
    done = run_quizbot(tmp_path, "db", "backup", QUIZBOT_BACKUP_DIR=str(elsewhere))
    assert done.returncode == 0, done.stderr
    assert len(backups_in(elsewhere)) == 1


def test_cli_backup_rejects_a_bad_keep_and_two_targets(tmp_path: Path) -> None:
    zero = run_quizbot(tmp_path, "db", "backup", "--dir", str(tmp_path), "--keep", "0")
    assert zero.returncode == 2 and "at least 1" in zero.stderr
    both = run_quizbot(tmp_path, "db", "backup", "copy.db", "--dir", str(tmp_path))
    assert both.returncode == 2 and "not allowed with" in both.stderr


# --- what a backup must never do (issue 12) ---------------------------------------------------


def backup(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_quizbot(tmp_path, "db", "backup", *args, COLUMNS="1000")


def test_a_mistyped_database_is_an_error_and_nothing_is_created(tmp_path: Path) -> None:
    typo = tmp_path / "qiuz.db"
    out = tmp_path / "copy.db"
    for args in ((str(out),), ("--dir", str(tmp_path / "saved"))):
        said = one_line_refusal(backup(tmp_path, *args, "--db", str(typo)))
        assert f"no database at {typo}" in said
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_backup_only_reads_an_older_database(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        migrations.upgrade(conn, db, migrations.discover(), target=1)
    before = db.read_bytes()
    out = tmp_path / "copy.db"
    done = backup(tmp_path, str(out))
    assert done.returncode == 0, done.stderr
    assert db.read_bytes() == before  # not migrated, not switched to WAL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.db", "quiz.db"]
    with closing(sqlite3.connect(out)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1


def test_a_damaged_database_gives_no_backup_and_one_line(tmp_path: Path) -> None:
    db = made_database(tmp_path)
    corrupt_pages(db)
    out = tmp_path / "copy.db"
    said = one_line_refusal(backup(tmp_path, str(out)))
    assert f"no backup made: database {db} is damaged" in said
    folder = tmp_path / "saved"
    said = one_line_refusal(backup(tmp_path, "--dir", str(folder)))
    assert f"no backup made: database {db} is damaged" in said
    assert not out.exists()
    assert list(folder.iterdir()) == []  # no partial copy either


def test_a_backup_never_replaces_a_file_without_force(tmp_path: Path) -> None:
    made_database(tmp_path)
    out = tmp_path / "copy.db"
    out.write_text("my notes")
    said = one_line_refusal(backup(tmp_path, str(out)))
    assert f"{out} exists" in said and "--force" in said
    assert out.read_text() == "my notes"
    done = backup(tmp_path, str(out), "--force")
    assert done.returncode == 0, done.stderr
    with closing(sqlite3.connect(out)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_a_folder_or_an_unwritable_place_is_one_line(tmp_path: Path) -> None:
    made_database(tmp_path)
    folder = tmp_path / "here"
    folder.mkdir()
    said = one_line_refusal(backup(tmp_path, str(folder)))
    assert f"{folder} is a folder" in said and "--dir" in said
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for out in (blocker / "copy.db", Path("/proc/quizbot-copy.db")):
        said = one_line_refusal(backup(tmp_path, str(out)))
        assert "cannot write" in said and str(out.parent) in said
    said = one_line_refusal(backup(tmp_path, "--dir", str(blocker / "saved")))
    assert f"cannot write backups into {blocker / 'saved'}" in said
    assert blocker.read_text() == "not a folder"


async def test_two_backups_in_one_second_are_both_kept(store: SqliteStore, tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    first, _ = await backup_into(store.path, folder, 7, now=DAY0)
    second, _ = await backup_into(store.path, folder, 7, now=DAY0)
    third, deleted = await backup_into(store.path, folder, 2, now=DAY0)
    assert len({first, second, third}) == 3
    assert deleted == [first]  # the oldest of the three goes, not a later one of that second
    assert backups_in(folder) == [second, third]
    for path in (second, third):
        with closing(sqlite3.connect(path)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
