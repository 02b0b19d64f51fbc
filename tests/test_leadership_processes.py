"""Two real `quizbot run` processes on one SQLite file (Slack HTTP mode against the fake Slack):
one leads the scheduler, the other stands by, and SIGKILLing the leader hands it over. Read
from each process's own /metrics, as an operator would."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from conftest import REPO
from processes import Quizbot, slack_http_env, until
from processes import quizbot_run as run_process

from bot.testing.slack import FakeSlack

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and flock are POSIX")


@asynccontextmanager
async def quizbot_run(tmp_path: Path, fake: FakeSlack, name: str) -> AsyncIterator[Quizbot]:
    """`quizbot run` in Slack HTTP mode on tmp_path/quiz.db."""
    env = {"QUIZBOT_BANKS": str(REPO / "banks"), "QUIZBOT_DB": str(tmp_path / "quiz.db")}
    async with run_process(tmp_path, name, env | slack_http_env(fake.api_url, "secret")) as bot:
        yield bot


async def test_the_standby_takes_the_scheduler_when_the_leader_is_killed(tmp_path: Path) -> None:
    async with (
        FakeSlack() as fake,
        aiohttp.ClientSession() as session,
        quizbot_run(tmp_path, fake, "first") as first,
    ):
        # The first takes the lease before the second starts: who leads is then known.
        await until(lambda: first.leads(session, 1.0), "the first process leads")
        async with quizbot_run(tmp_path, fake, "second") as second:
            await until(lambda: second.leads(session, 0.0), "the second process stands by")
            assert await first.leader(session) == 1.0
            first.process.kill()  # SIGKILL: no clean-up, no release
            await first.process.wait()
            await until(lambda: second.leads(session, 1.0), "the second process takes over")
        log = (tmp_path / "second.log").read_text()
        assert log.count("this process is the leader now") == 1, log
        assert (tmp_path / "first.log").read_text().count("leader now") == 1
