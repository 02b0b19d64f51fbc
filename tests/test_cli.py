"""The `quizbot` command: exit codes and messages a person running it sees."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from conftest import REPO, run_quizbot

from bot.store import migrations


def quizbot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_quizbot(tmp_path, *args, **env)


def test_banks_check_passes_on_the_shipped_banks(tmp_path: Path) -> None:
    done = quizbot(tmp_path, "banks", "check", str(REPO / "banks"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fine-tuning-domains" in done.stdout and "total:" in done.stdout


def test_banks_check_lists_every_problem_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "bank: bad\ntitle: Bad\nquestions:\n"
        "  - id: one\n    type: choice\n    difficulty: easy\n    prompt: P?\n"
        "    options: {A: x, B: y}\n    answer: E\n    hint: h\n"
        "  - id: two\n    type: choice\n    difficulty: extreme\n    prompt: P?\n"
        "    options: {A: x, B: y}\n    answer: A\n    hint: h\n",
        encoding="utf-8",
    )
    done = quizbot(tmp_path, "banks", "check", str(bad))
    assert done.returncode == 1
    assert f"{bad}:" in done.stdout
    assert "question 'one'" in done.stdout and "'E'" in done.stdout
    assert "question 'two'" in done.stdout and "extreme" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_db_upgrade_then_backup(tmp_path: Path) -> None:
    first = quizbot(tmp_path, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    latest = len(migrations.discover())
    assert f"schema v0 -> v{latest}" in first.stdout
    again = quizbot(tmp_path, "db", "upgrade")
    assert f"up to date (schema v{latest})" in again.stdout
    copy = tmp_path / "backups" / "copy.db"
    saved = quizbot(tmp_path, "db", "backup", str(copy))
    assert saved.returncode == 0, saved.stderr
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == latest


def test_corrupt_database_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "quiz.db").write_bytes(b"this is not sqlite" * 100)
    done = quizbot(tmp_path, "db", "upgrade")
    assert done.returncode == 2
    assert "quiz.db is not a usable SQLite database" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_database_folder_is_named(tmp_path: Path) -> None:
    done = quizbot(tmp_path, "console", QUIZBOT_DB=str(tmp_path / "nowhere" / "q.db"))
    assert done.returncode == 2
    assert "nowhere" in done.stderr and "missing" in done.stderr


def test_bad_time_zone_names_the_variable(tmp_path: Path) -> None:
    done = quizbot(tmp_path, "console", QUIZBOT_TIMEZONE="Mars/Olympus")
    assert done.returncode == 2
    assert "QUIZBOT_TIMEZONE" in done.stderr and "Mars/Olympus" in done.stderr
    assert "Traceback" not in done.stderr


def test_no_valid_bank_refuses_to_start(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    done = quizbot(tmp_path, "console", QUIZBOT_BANKS=str(empty))
    assert done.returncode == 2
    assert "no valid question bank" in done.stderr


def test_unknown_command_shows_usage(tmp_path: Path) -> None:
    done = quizbot(tmp_path, "frobnicate")
    assert done.returncode == 2
    assert "invalid choice: 'frobnicate'" in done.stderr
