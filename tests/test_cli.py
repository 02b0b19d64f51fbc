"""The `quizbot` command: exit codes and messages a person running it sees."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from conftest import REPO, run_quizbot

from bot.store.sqlite import migrations


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


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The one line a bad setting prints (a pipe, as `docker logs` reads it: never wrapped)."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_a_bad_log_level_names_the_variable_and_the_levels(tmp_path: Path) -> None:
    line = one_error_line(quizbot(tmp_path, "console", QUIZBOT_LOG_LEVEL="LOUD"))
    assert line.startswith("quizbot: bad setting: QUIZBOT_LOG_LEVEL: 'LOUD' is not a log level")
    assert "DEBUG" in line and "Value error" not in line


def test_slack_tokens_are_checked_by_their_shape(tmp_path: Path) -> None:
    swapped = one_error_line(
        quizbot(tmp_path, "run", SLACK_BOT_TOKEN="xapp-1-A1-123-abc", SLACK_APP_TOKEN="xoxb-1-2-x")
    )
    assert "SLACK_BOT_TOKEN: must start with xoxb-" in swapped
    assert "SLACK_APP_TOKEN: must start with xapp-" in swapped
    assert "xapp-1-A1-123-abc" not in swapped  # a secret is never printed back
    assert "Value error" not in swapped


def test_slack_app_token_alone_says_the_bot_token_is_missing(tmp_path: Path) -> None:
    line = one_error_line(quizbot(tmp_path, "run", SLACK_APP_TOKEN="xapp-1-A1-123-abc"))
    assert "SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is missing" in line
    assert not (tmp_path / "quiz.db").exists()  # not the console, silently


def test_ports_are_range_checked(tmp_path: Path) -> None:
    line = one_error_line(quizbot(tmp_path, "run", SLACK_PORT="70000"))
    assert "SLACK_PORT" in line and "65535" in line
    line = one_error_line(quizbot(tmp_path, "run", QUIZBOT_HEALTH_PORT="-1"))
    assert "QUIZBOT_HEALTH_PORT" in line


def test_a_discord_token_of_the_wrong_shape_is_refused_before_connecting(tmp_path: Path) -> None:
    line = one_error_line(quizbot(tmp_path, "run", DISCORD_TOKEN="my token"))
    assert "DISCORD_TOKEN: this is not a bot token" in line and "my token" not in line
    line = one_error_line(quizbot(tmp_path, "run", DISCORD_TOKEN="Bot MTIz.abc.def"))
    assert "leave out the 'Bot ' prefix" in line


def test_empty_tokens_as_in_env_example_mean_no_platform(tmp_path: Path) -> None:
    done = quizbot(tmp_path, "run", "--no-console", DISCORD_TOKEN="", SLACK_APP_TOKEN=" ")
    assert done.returncode == 2
    assert "no platform token is configured" in done.stderr


def test_a_long_error_is_one_line_in_a_pipe(tmp_path: Path) -> None:
    """rich wraps at 80 columns when stderr is not a terminal (COLUMNS unset, as in Docker)."""
    long_name = "x" * 150
    done = quizbot(tmp_path, "console", "--bank", long_name, COLUMNS="80")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and long_name in done.stderr, done.stderr


def test_version_comes_from_the_package(tmp_path: Path) -> None:
    from importlib.metadata import version

    done = quizbot(tmp_path, "--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"quizbot {version('quizbot')}"
