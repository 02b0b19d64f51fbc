"""Stopping quizbot: Ctrl-C (SIGINT) and `docker stop` (SIGTERM) while it waits for input end the
process promptly and cleanly, through the real CLI in a subprocess."""

from __future__ import annotations

import os
import pty
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import PLATFORM_TOKENS, REPO

SEED = "fine-tuning-domains"
PROMPTLY_S = 5.0  # stopping takes well under a second; the margin is for a loaded machine


class Running:
    """`quizbot ARGS` in a subprocess whose stdin stays open (a terminal, or a pipe nobody
    writes to), with its output collected as it comes."""

    def __init__(self, tmp_path: Path, *args: str, terminal: bool, **env: str) -> None:
        environment = {
            **os.environ,
            "QUIZBOT_BANKS": str(REPO / "banks"),
            "QUIZBOT_DB": str(tmp_path / "quiz.db"),
            "QUIZBOT_LOG_LEVEL": "WARNING",
            "QUIZBOT_HEALTH_PORT": "0",
            "COLUMNS": "120",
        }
        for name in PLATFORM_TOKENS:
            environment.pop(name, None)
        environment.update(env)
        self._output: list[bytes] = []
        self._lock = threading.Lock()
        command = [sys.executable, "-m", "bot.cli", *args]
        if terminal:
            # A pseudo-terminal, as when a person runs it: stdin, stdout and stderr are the tty.
            parent, child = pty.openpty()
            self.process = subprocess.Popen(
                command, stdin=child, stdout=child, stderr=child, cwd=tmp_path, env=environment
            )
            os.close(child)
            self._source = parent
            self._write = parent
        else:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=tmp_path,
                env=environment,
            )
            assert self.process.stdin is not None and self.process.stdout is not None
            self._source = self.process.stdout.fileno()
            self._write = self.process.stdin.fileno()
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        while True:
            try:
                chunk = os.read(self._source, 65536)
            except OSError:  # the terminal's other side is gone
                return
            if not chunk:
                return
            with self._lock:
                self._output.append(chunk)

    @property
    def output(self) -> str:
        with self._lock:
            return b"".join(self._output).decode(errors="replace")

    def type(self, line: str) -> None:
        os.write(self._write, (line + "\n").encode())

    def wait_for(self, text: str, within_s: float = 30.0) -> None:
        deadline = time.monotonic() + within_s
        while text not in self.output:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"never printed {text!r}; printed:\n{self.output}")
            time.sleep(0.05)

    def stop_with(self, signum: signal.Signals) -> tuple[int, float]:
        """Send ``signum``; the exit code and how long the process took to end."""
        started = time.monotonic()
        self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout=PROMPTLY_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(
                f"still running {PROMPTLY_S} s after {signum.name}; printed:\n{self.output}"
            ) from None
        return code, time.monotonic() - started

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stdin is None:
            os.close(self._source)  # the terminal's side of the pseudo-terminal
        else:
            self.process.stdin.close()
            assert self.process.stdout is not None
            self.process.stdout.close()


Start = Callable[..., Running]


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Start]:
    started: list[Running] = []

    def start(*args: str, terminal: bool, **env: str) -> Running:
        started.append(Running(tmp_path, *args, terminal=terminal, **env))
        return started[-1]

    yield start
    for process in started:
        process.close()


def posted_and_intact(database: Path) -> int:
    """The database is whole and has the question posted before the signal."""
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return int(conn.execute("SELECT COUNT(*) FROM rounds").fetchone()[0])


def test_ctrl_c_in_the_terminal_stops_the_console_at_once(running: Start, tmp_path: Path) -> None:
    console = running("console", "--user", "Ann", terminal=True)
    console.wait_for("/help for commands")
    console.type(f"/quiz post {SEED}/why-fine-tune")
    console.wait_for("Attempts: 3")
    code, took = console.stop_with(signal.SIGINT)
    assert code == 130, console.output
    assert took < PROMPTLY_S
    assert "Traceback" not in console.output and "Event loop is closed" not in console.output
    assert posted_and_intact(tmp_path / "quiz.db") == 1


def test_sigterm_stops_a_console_reading_a_pipe_cleanly(running: Start, tmp_path: Path) -> None:
    console = running("console", terminal=False)
    console.type(f"/quiz post {SEED}/why-fine-tune")
    console.wait_for("Attempts: 3")
    code, _ = console.stop_with(signal.SIGTERM)
    assert code == 0, console.output  # was -15: killed, the store never closed
    assert "Traceback" not in console.output
    assert posted_and_intact(tmp_path / "quiz.db") == 1
    assert not (tmp_path / "quiz.db-wal").exists() or (tmp_path / "quiz.db-wal").stat().st_size == 0


def test_sigterm_stops_run_with_its_services(running: Start, tmp_path: Path) -> None:
    """`quizbot run` without tokens: the console, the health endpoint and the daily backups."""
    bot = running("run", terminal=False, QUIZBOT_LOG_LEVEL="INFO")
    bot.wait_for("health endpoint on")
    bot.type(f"/quiz post {SEED}/why-fine-tune")
    bot.wait_for("Attempts: 3")
    code, _ = bot.stop_with(signal.SIGTERM)
    assert code == 0, bot.output
    assert "SIGTERM: stopping" in bot.output and "Traceback" not in bot.output
    assert posted_and_intact(tmp_path / "quiz.db") == 1


def test_a_second_ctrl_c_while_stopping_is_not_an_error(running: Start, tmp_path: Path) -> None:
    console = running("console", terminal=True)
    console.wait_for("/help for commands")
    console.process.send_signal(signal.SIGINT)
    code, _ = console.stop_with(signal.SIGINT)
    assert code == 130, console.output
    assert "Traceback" not in console.output and "Event loop is closed" not in console.output


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("platform", "env"),
    [
        ("discord", {"DISCORD_TOKEN": "MTIz.fake.token", "DISCORD_API_URL": "http://127.0.0.1:{port}/api/v10"}),
        ("slack", {"SLACK_BOT_TOKEN": "xoxb-fake", "SLACK_APP_TOKEN": "xapp-fake", "SLACK_API_URL": "http://127.0.0.1:{port}/api/"}),
    ],
)  # fmt: skip
def test_an_unreachable_platform_is_one_line_retried_until_stopped(
    running: Start, platform: str, env: dict[str, str]
) -> None:
    port = closed_port()
    bot = running(
        "run",
        "--no-console",
        terminal=False,
        **{name: value.format(port=port) for name, value in env.items()},
    )
    bot.wait_for("quizbot will retry in 2 s")  # the first try, then a second after 1 s
    code, _ = bot.stop_with(signal.SIGTERM)
    assert code == 0, bot.output
    lines = [line for line in bot.output.splitlines() if "cannot reach" in line]
    assert lines[0].endswith(
        f"cannot reach 127.0.0.1:{port}: Connection refused; quizbot will retry in 1 s"
    )
    assert "Traceback" not in bot.output and "aiohttp" not in bot.output
    # Warnings that would send an operator after something quizbot does not use.
    assert "voice will NOT be supported" not in bot.output
    assert "`token` will be unused" not in bot.output
    assert len(bot.output.splitlines()) <= 5, bot.output


def test_a_closed_stdin_is_no_input_not_a_crash(tmp_path: Path) -> None:
    """`quizbot run <&-` (a daemonizer or cron that closes stdin): the console reads nothing and
    quizbot exits cleanly; before, a socket took descriptor 0 and uvloop aborted on closing it."""
    environment = {
        **os.environ,
        "QUIZBOT_BANKS": str(REPO / "banks"),
        "QUIZBOT_DB": str(tmp_path / "quiz.db"),
        "QUIZBOT_LOG_LEVEL": "WARNING",
        "QUIZBOT_HEALTH_PORT": "0",
    }
    for name in PLATFORM_TOKENS:
        environment.pop(name, None)
    done = subprocess.run(
        ["sh", "-c", 'exec "$@" <&-', "sh", sys.executable, "-m", "bot.cli", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Assertion" not in done.stderr and "Traceback" not in done.stderr
    assert "offline console" in done.stderr
