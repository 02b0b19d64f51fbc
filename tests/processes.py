"""Real `quizbot run` processes for the multi-process tests: started with an environment of
their own (no platform token of the machine's), logging to tmp_path/NAME.log, stopped with
SIGTERM (SIGKILL after 20 s), and read as an operator would, from /health and /metrics."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from conftest import PLATFORM_TOKENS
from prometheus_client.parser import text_string_to_metric_families


def one_question_bank(bank_id: str, attempts: int = 3) -> str:
    """A bank file of one choice question whose answer is A, its options in bank order (the
    first button is the answer, B, C and D are wrong on every process)."""
    return f"""\
bank: {bank_id}
title: {bank_id.title()}
category: Model Fine-tuning
attempts: {attempts}
questions:
  - id: q1
    type: choice
    difficulty: easy
    prompt: Which letter is the answer?
    options:
      A: Alpha
      B: Bravo
      C: Charlie
      D: Delta
    answer: A
    shuffle: false
    hint: The first one.
    mistakes:
      - Picking bravo.
    explanations:
      B: Bravo is not it.
    tags: [test]
"""


def banks_with(tmp_path: Path, bank_id: str, text: str) -> Path:
    """tmp_path/banks holding ``text`` as BANK_ID.yaml (the folder for QUIZBOT_BANKS)."""
    banks = tmp_path / "banks"
    banks.mkdir(exist_ok=True)
    (banks / f"{bank_id}.yaml").write_text(text)
    return banks


async def fetch(database_url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` on the PostgreSQL database the processes share."""
    conn = await asyncpg.connect(database_url)
    try:
        return [tuple(row) for row in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Quizbot:
    name: str
    process: asyncio.subprocess.Process
    health_port: int
    log: Path
    env: dict[str, str]

    def died(self) -> str | None:
        """Why it is no longer running (its log's end), or None while it runs."""
        if self.process.returncode is None:
            return None
        tail = "\n".join(self.log.read_text().splitlines()[-15:])
        return f"{self.name} exited with {self.process.returncode}:\n{tail}"

    @property
    def events_url(self) -> str:
        """Slack HTTP mode's request URL (a process started with SLACK_PORT)."""
        return f"http://127.0.0.1:{self.env['SLACK_PORT']}/slack/events"

    async def healthy(self, session: aiohttp.ClientSession) -> bool:
        """/health says ok: the database answers and every platform is connected."""
        with suppress(aiohttp.ClientError):
            async with session.get(f"http://127.0.0.1:{self.health_port}/health") as response:
                return response.status == 200
        return False

    async def metric(self, session: aiohttp.ClientSession, name: str) -> float | None:
        """The sum of sample ``name`` on its /metrics, or None while it does not answer."""
        try:
            async with session.get(f"http://127.0.0.1:{self.health_port}/metrics") as response:
                text = await response.text()
        except aiohttp.ClientError:
            return None
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name
        )

    async def leader(self, session: aiohttp.ClientSession) -> float | None:
        """Its quizbot_scheduler_leader: 1 leading, 0 standing by."""
        return await self.metric(session, "quizbot_scheduler_leader")

    async def leads(self, session: aiohttp.ClientSession, expected: float) -> bool:
        """Whether its quizbot_scheduler_leader is ``expected``; fails at once if it died."""
        if (why := self.died()) is not None:
            raise AssertionError(why)
        return await self.leader(session) == expected


def slack_http_env(api_url: str, secret: str) -> dict[str, str]:
    """Slack HTTP mode on a free loopback port, its Web API on the fake Slack at ``api_url``."""
    return {
        "SLACK_BOT_TOKEN": "xoxb-fake",
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_HOST": "127.0.0.1",
        "SLACK_PORT": str(free_port()),
        "SLACK_API_URL": api_url,
    }


@asynccontextmanager
async def quizbot_run(tmp_path: Path, name: str, env: dict[str, str]) -> AsyncIterator[Quizbot]:
    """`quizbot run --no-console` in tmp_path with ``env`` over the test's own environment."""
    health_port = free_port()
    full = {key: value for key, value in os.environ.items() if key not in PLATFORM_TOKENS}
    full.update(
        QUIZBOT_LOG_LEVEL="INFO",
        QUIZBOT_HEALTH_PORT=str(health_port),
        QUIZBOT_LEADER_POLL_SECONDS="0.2",
    )
    full.update(env)
    log_path = tmp_path / f"{name}.log"
    log = log_path.open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--no-console",
        cwd=tmp_path, env=full, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
    )  # fmt: skip
    try:
        yield Quizbot(name, process, health_port, log_path, full)
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


async def started(session: aiohttp.ClientSession, *bots: Quizbot, within_s: float = 60.0) -> None:
    """Until every one of ``bots`` says it is healthy; fails at once if one died."""
    for bot in bots:

        async def up(bot: Quizbot = bot) -> bool:
            if (why := bot.died()) is not None:
                raise AssertionError(why)
            return await bot.healthy(session)

        await until(up, f"{bot.name} is up", within_s)
