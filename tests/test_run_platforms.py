"""`quizbot run` on Discord and Slack at once (real discord.py and bolt against the fakes): how it
stops, and what it says when a platform cannot be reached."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from conftest import REPO, platform_banks
from discord.gateway import DiscordWebSocket
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.adapters.discord.bot import QuizBot
from bot.adapters.network import OneLineNetworkErrors
from bot.adapters.slack.run import _http_mode
from bot.app import StartupError
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.library import BankLibrary
from bot.core.quiz import Quiz
from bot.health import PLATFORMS
from bot.running import run_platforms
from bot.store.sqlite import SqliteStore
from bot.testing.discord import ADMIN, GENERAL_ID, GUILD_ID, MEMBER, FakeDiscord, running_client
from bot.testing.slack import FakeSlack


def settings_for(tmp_path: Path, **values: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        quizbot_banks=str(REPO / "banks"),
        quizbot_db=tmp_path / "quiz.db",
        quizbot_health_port=0,
        quizbot_log_level="WARNING",
        **values,
    )


@pytest.fixture
async def fakes(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[FakeDiscord, FakeSlack]]:
    async with FakeDiscord() as fake_discord, FakeSlack() as fake_slack:
        monkeypatch.setattr(discord.http.Route, "BASE", fake_discord.api_base)
        monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", fake_discord.gateway_url)
        yield fake_discord, fake_slack


async def until_connected(names: set[str], within_s: float = 10.0) -> None:
    async def poll() -> None:
        while True:
            status = await PLATFORMS.status()
            if names <= {name for name, up in status.items() if up}:
                return
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), within_s)


async def test_stopping_closes_every_platform_before_the_store(
    tmp_path: Path, fakes: tuple[FakeDiscord, FakeSlack], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signal cancels the run: each platform finishes closing its connections, and only then
    does the store close (before, the platforms were cancelled twice and not waited for)."""
    _, fake_slack = fakes
    events: list[str] = []

    def spy(owner: type, name: str, event: str) -> None:
        original = getattr(owner, name)

        async def spied(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = await original(self, *args, **kwargs)
            events.append(event)
            return result

        monkeypatch.setattr(owner, name, spied)

    spy(QuizBot, "close", "discord closed")
    spy(AsyncSocketModeHandler, "close_async", "slack socket closed")
    spy(aiohttp.ClientSession, "close", "a session closed")
    spy(SqliteStore, "close", "store closed")
    settings = settings_for(
        tmp_path,
        discord_token="MTIz.fake.token",
        slack_bot_token="xoxb-fake",
        slack_app_token="xapp-fake",
        slack_api_url=fake_slack.api_url,
    )
    running = asyncio.create_task(run_platforms(settings, ["discord", "slack"], db=None))
    await until_connected({"discord", "slack"})
    running.cancel()  # what SIGINT / SIGTERM do (bot.running.until_stopped)
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(running, 15)
    assert events[-1] == "store closed", events
    assert events.count("store closed") == 1
    assert "discord closed" in events and "slack socket closed" in events
    # The store is closed last: every session (Discord's, the Slack Web API's and its
    # socket's) was closed before it.
    assert events.index("store closed") > max(
        i for i, event in enumerate(events) if event == "a session closed"
    )


async def test_a_platform_that_fails_stops_the_others_then_says_why(
    tmp_path: Path, fakes: tuple[FakeDiscord, FakeSlack], monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    closes = {QuizBot: "discord closed", SqliteStore: "store closed"}
    for owner, event in closes.items():
        original = owner.close

        async def close(self: Any, original: Any = original, event: str = event) -> None:
            await original(self)
            if event == "discord closed":
                await asyncio.sleep(0.2)  # a platform that takes a moment to close
            events.append(event)

        monkeypatch.setattr(owner, "close", close)
    # Slack cannot start (no app token and no signing secret) while Discord starts.
    settings = settings_for(tmp_path, discord_token="MTIz.fake.token", slack_bot_token="xoxb-x")
    with pytest.raises(StartupError, match="SLACK_APP_TOKEN"):
        await asyncio.wait_for(run_platforms(settings, ["discord", "slack"], db=None), 15)
    assert events == ["discord closed", "store closed"]


async def test_a_taken_slack_port_is_one_clear_line() -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        bolt = AsyncApp(signing_secret="secret", token="xoxb-unused")
        with pytest.raises(StartupError, match=f"cannot listen on port {port}.*SLACK_PORT"):
            await asyncio.wait_for(_http_mode(bolt, port), 5)


async def test_library_reconnect_lines_lose_the_network_traceback() -> None:
    """discord.py logs every gateway reconnect with `_log.exception`: the reason is enough."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    async with aiohttp.ClientSession() as session:
        try:
            await session.get(f"http://127.0.0.1:{port}/")
        except aiohttp.ClientConnectorError as exc:
            error = exc
    formatter = logging.Formatter("%(name)s: %(message)s")

    def shown(name: str) -> str:
        record = logging.LogRecord(
            name, logging.ERROR, __file__, 1, "Attempting a reconnect in %.2fs", (1.5,),
            (type(error), error, error.__traceback__),
        )  # fmt: skip
        OneLineNetworkErrors().filter(record)
        return formatter.format(record)

    assert shown("discord.client") == (
        "discord.client: Attempting a reconnect in 1.50s (Connection refused)"
    )
    # quizbot's own errors keep their traceback.
    assert "Traceback" in shown("bot.adapters.discord.bot")


class Seen(logging.Handler):
    """Sets ``event`` once a record says ``text``."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.event.set()


async def test_health_says_slack_is_not_connected_while_it_cannot_be_reached(
    tmp_path: Path,
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings = settings_for(
        tmp_path,
        slack_bot_token="xoxb-fake",
        slack_app_token="xapp-fake",
        slack_api_url=f"http://127.0.0.1:{port}/api/",
    )
    failed = Seen("cannot reach")
    network_log = logging.getLogger("bot.adapters.network")
    network_log.addHandler(failed)
    running = asyncio.create_task(run_platforms(settings, ["slack"], db=None))
    try:
        await asyncio.wait_for(failed.event.wait(), 10)  # the retry comes 1 s later
        assert not running.done()
        assert (await PLATFORMS.status())["slack"] is False
    finally:
        network_log.removeHandler(failed)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running


async def test_a_click_in_flight_when_discord_stops_is_answered_and_kept(tmp_path: Path) -> None:
    """Stopping closes the client while a click is being handled: the click finishes (its answer
    reaches Discord and its attempt is in the database) before the HTTP session closes."""
    store = await SqliteStore.open(tmp_path / "quiz.db")
    try:
        quiz = Quiz(store, BankLibrary(platform_banks()[:1]), SystemClock())
        await quiz.start()
        entered = asyncio.Event()
        answer = quiz.rounds.answer

        async def slow_answer(*args: Any, **kwargs: Any) -> Any:
            entered.set()
            await asyncio.sleep(0.3)  # a click that takes a moment, so that the stop lands in it
            return await answer(*args, **kwargs)

        quiz.rounds.answer = slow_answer  # type: ignore[method-assign]
        async with (
            FakeDiscord() as fake,
            running_client(
                fake, lambda: QuizBot(quiz, guild_ids=[GUILD_ID], guild_ready_timeout=0.05)
            ) as bot,
        ):
            sent = await fake.slash("quiz-admin", "post-now", user=ADMIN, channel_id=GENERAL_ID)
            await fake.wait_for_followup(sent)
            message = fake.messages_in(GENERAL_ID, include_ephemeral=False)[-1]
            button = message["components"][0]["components"][0]["custom_id"]
            click = await fake.click(button, user=MEMBER)
            await asyncio.wait_for(entered.wait(), 5)
            await bot.close()  # what stopping does (run_discord's finally)
            assert fake.callbacks_for(click), "the click was cut off by the stop"
        attempts = await store.writer.run(
            lambda conn: conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
        )
        assert attempts == 1
    finally:
        await store.close()
