"""Two real `quizbot run` processes on one SQLite file (Slack HTTP mode against the fake Slack):
one leads the scheduler, the other stands by, and SIGKILLing the leader hands it over. Read
from each process's own /metrics, as an operator would."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import aiohttp
import pytest
from conftest import PLATFORM_TOKENS, REPO
from prometheus_client.parser import text_string_to_metric_families

from bot.testing.slack import FakeSlack

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and flock are POSIX")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Quizbot:
    def __init__(self, process: asyncio.subprocess.Process, health_port: int) -> None:
        self.process = process
        self.metrics_url = f"http://127.0.0.1:{health_port}/metrics"

    async def leader(self, session: aiohttp.ClientSession) -> float | None:
        """Its quizbot_scheduler_leader, or None while it does not answer yet."""
        try:
            async with session.get(self.metrics_url) as response:
                text = await response.text()
        except aiohttp.ClientError:
            return None
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "quizbot_scheduler_leader":
                    return sample.value
        return None


@asynccontextmanager
async def quizbot_run(tmp_path: Path, fake: FakeSlack, name: str) -> AsyncIterator[Quizbot]:
    health_port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in PLATFORM_TOKENS}
    env.update(
        QUIZBOT_BANKS=str(REPO / "banks"),
        QUIZBOT_DB=str(tmp_path / "quiz.db"),
        QUIZBOT_LOG_LEVEL="INFO",
        QUIZBOT_HEALTH_PORT=str(health_port),
        QUIZBOT_LEADER_POLL_SECONDS="0.2",
        SLACK_BOT_TOKEN="xoxb-fake",
        SLACK_SIGNING_SECRET="secret",
        SLACK_HOST="127.0.0.1",
        SLACK_PORT=str(free_port()),
        SLACK_API_URL=fake.api_url,
    )
    log = (tmp_path / f"{name}.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--no-console",
        cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
    )  # fmt: skip
    try:
        yield Quizbot(process, health_port)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
        log.close()


async def until(
    condition: Callable[[], Awaitable[bool]], what: str, within_s: float = 60.0
) -> None:
    """Poll another process (nothing here can wake on its change), with a deadline."""

    async def poll() -> None:
        while True:
            if await condition():
                return
            await asyncio.sleep(0.1)

    try:
        await asyncio.wait_for(poll(), within_s)
    except TimeoutError:
        raise AssertionError(f"not within {within_s:g} s: {what}") from None


async def test_the_standby_takes_the_scheduler_when_the_leader_is_killed(tmp_path: Path) -> None:
    async with (
        FakeSlack() as fake,
        aiohttp.ClientSession() as session,
        quizbot_run(tmp_path, fake, "first") as first,
    ):
        # The first takes the lease before the second starts: who leads is then known.
        await until(lambda: _is(first, session, 1.0), "the first process leads")
        async with quizbot_run(tmp_path, fake, "second") as second:
            await until(lambda: _is(second, session, 0.0), "the second process stands by")
            assert await first.leader(session) == 1.0
            first.process.kill()  # SIGKILL: no clean-up, no release
            await first.process.wait()
            await until(lambda: _is(second, session, 1.0), "the second process takes over")
        log = (tmp_path / "second.log").read_text()
        assert log.count("this process is the leader now") == 1, log
        assert (tmp_path / "first.log").read_text().count("leader now") == 1


async def _is(bot: Quizbot, session: aiohttp.ClientSession, expected: float) -> bool:
    with suppress(aiohttp.ClientError):
        return await bot.leader(session) == expected
    return False
