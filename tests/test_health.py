"""The health endpoint on a real SQLite store, and `quizbot health` as Docker runs it."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from conftest import PLATFORM_TOKENS, REPO, run_quizbot

from bot.health import HealthServer, PlatformRegistry
from bot.store.sqlite import SqliteStore


class Running:
    def __init__(self, server: HealthServer, platforms: PlatformRegistry, store: SqliteStore):
        self.platforms = platforms
        self.store = store
        self.url = f"http://127.0.0.1:{server.port}/health"

    async def get(self) -> tuple[int, dict[str, Any]]:
        async with aiohttp.ClientSession() as session, session.get(self.url) as response:
            return response.status, await response.json()

    async def quizbot_health(self, tmp_path: Path) -> subprocess.CompletedProcess[str]:
        # In a thread: this event loop has to keep serving the endpoint meanwhile.
        return await asyncio.to_thread(run_quizbot, tmp_path, "health", "--url", self.url)


@pytest.fixture
async def health(tmp_path: Path) -> AsyncIterator[Running]:
    # A short busy timeout: a locked database is reported in 0.2 s, not 5.
    store = await SqliteStore.open(tmp_path / "live.db", busy_timeout_ms=200)
    platforms = PlatformRegistry()
    server = HealthServer(store, platforms, host="127.0.0.1", port=0)
    await server.start()
    try:
        yield Running(server, platforms, store)
    finally:
        await server.stop()
        await store.close()


async def test_ok_when_the_database_is_writable_and_every_platform_connected(
    health: Running, tmp_path: Path
) -> None:
    health.platforms.register("discord", lambda: True)

    async def slack_connected() -> bool:  # slack_sdk's is_connected() is a coroutine
        return True

    health.platforms.register("slack", slack_connected)
    status, body = await health.get()
    assert status == 200
    assert body["status"] == "ok"
    assert body["database"]["writable"] is True and body["database"]["error"] is None
    assert body["platforms"] == {"discord": True, "slack": True}
    done = await health.quizbot_health(tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"status": "ok"' in done.stdout


async def test_a_disconnected_platform_fails_the_check(health: Running, tmp_path: Path) -> None:
    connected = {"discord": True}
    health.platforms.register("discord", lambda: connected["discord"])
    health.platforms.register("slack", lambda: True)
    assert (await health.get())[0] == 200
    connected["discord"] = False
    status, body = await health.get()
    assert status == 503
    assert body["status"] == "failing"
    assert body["platforms"] == {"discord": False, "slack": True}
    assert body["reasons"] == ["discord not connected"]
    done = await health.quizbot_health(tmp_path)
    assert done.returncode == 1
    assert "discord not connected" in done.stderr


async def test_a_check_that_raises_counts_as_disconnected(health: Running) -> None:
    def broken() -> bool:
        raise RuntimeError("client gone")

    health.platforms.register("discord", broken)
    status, body = await health.get()
    assert status == 503 and body["platforms"] == {"discord": False}


async def test_a_locked_database_fails_with_the_reason(health: Running, tmp_path: Path) -> None:
    other = sqlite3.connect(health.store.path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        status, body = await health.get()
        assert status == 503
        assert body["status"] == "failing"
        assert body["database"]["writable"] is False
        assert "locked by another process" in body["database"]["error"]
        assert body["reasons"] == ["database not writable"]
        done = await health.quizbot_health(tmp_path)
        assert done.returncode == 1
        assert "locked" in done.stderr
        other.execute("ROLLBACK")
    finally:
        other.close()
    status, body = await health.get()
    assert status == 200 and body["database"]["writable"] is True


def test_quizbot_health_with_nothing_listening_exits_1_never_2(tmp_path: Path) -> None:
    # Docker reserves exit code 2 of a healthcheck.
    done = run_quizbot(tmp_path, "health", "--url", f"http://127.0.0.1:{free_port()}/health")
    assert done.returncode == 1
    assert "cannot reach" in done.stderr and "Traceback" not in done.stderr
    bad = run_quizbot(tmp_path, "health", QUIZBOT_TIMEZONE="Mars/Olympus")
    assert bad.returncode == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_quizbot_run_serves_health_on_the_configured_port(tmp_path: Path) -> None:
    """`quizbot run` (here the console, no token) starts the endpoint; `quizbot health`
    without --url finds it through QUIZBOT_HEALTH_PORT, as the compose healthcheck does."""
    port = str(free_port())
    env = {name: value for name, value in os.environ.items() if name not in PLATFORM_TOKENS}
    env |= {
        "QUIZBOT_BANKS": str(REPO / "banks"),
        "QUIZBOT_DB": str(tmp_path / "quiz.db"),
        "QUIZBOT_HEALTH_PORT": port,
        "QUIZBOT_LOG_LEVEL": "INFO",
    }
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
                    assert r.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                assert bot.poll() is None, bot.stderr.read() if bot.stderr else ""
                assert time.monotonic() < deadline, "the health endpoint never came up"
                time.sleep(0.2)
        done = run_quizbot(tmp_path, "health", QUIZBOT_HEALTH_PORT=port)
        assert done.returncode == 0, done.stderr
        assert '"platforms": {}' in done.stdout
    finally:
        assert bot.stdin is not None
        bot.stdin.close()  # end of input: the console, and so the bot, stops
        bot.wait(timeout=30)
    assert bot.returncode == 0
    assert f"health endpoint on http://127.0.0.1:{port}/health" in (
        bot.stderr.read() if bot.stderr else ""
    )
