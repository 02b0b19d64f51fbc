"""Sharded Discord: DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS, each process (here: each client,
with its own store on one database file) running a range of shards of the fake Discord."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import discord
import pytest
from conftest import T0, platform_banks, run_quizbot
from shard_world import GUILD_ON_0, GUILD_ON_1, guild, post_and_click

from bot.adapters.discord.run import make_client
from bot.adapters.discord.sharded import ShardedQuizBot
from bot.app import App
from bot.config import SettingsError, load_settings
from bot.core.clock import FakeClock
from bot.core.library import BankLibrary
from bot.core.quiz import Quiz
from bot.shards import shard_of
from bot.store.sqlite import SqliteStore
from bot.testing.discord import FakeDiscord, running_client

CHOICE_BANK, _, _ = platform_banks()


class ShardUnderTest(ShardedQuizBot):
    """Records which guilds' interactions reached it; identifies without discord.py's 5 s pause
    between shards (Discord's identify rate, which the fake does not enforce)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.interaction_guilds: list[int | None] = []

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        self.interaction_guilds.append(interaction.guild_id)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


@asynccontextmanager
async def process_on(db: Path) -> AsyncIterator[Quiz]:
    """What one quizbot process has: its own store on the shared database, its own quiz."""
    store = await SqliteStore.open(db)
    try:
        quiz = Quiz(store, BankLibrary([CHOICE_BANK]), FakeClock(T0), rng=random.Random(1))
        await quiz.start()
        yield quiz
    finally:
        await store.close()


def shard_bot(quiz: Quiz, count: int | None, ids: list[int] | None) -> ShardUnderTest:
    return ShardUnderTest(
        quiz,
        guild_ids=[GUILD_ON_0, GUILD_ON_1],
        guild_ready_timeout=0.05,
        shard_count=count,
        shard_ids=ids,
    )


def test_the_test_guilds_sit_on_different_shards() -> None:
    assert (shard_of(GUILD_ON_0, 2), shard_of(GUILD_ON_1, 2)) == (0, 1)


async def test_each_shard_gets_only_its_guilds_and_clicks_reach_the_shared_store(
    tmp_path: Path,
) -> None:
    db = tmp_path / "quiz.db"
    guilds = [guild(GUILD_ON_0, "Zero"), guild(GUILD_ON_1, "One")]
    async with (
        FakeDiscord(guilds=guilds, recommended_shards=2) as fake,
        process_on(db) as quiz_a,
        process_on(db) as quiz_b,
        running_client(fake, lambda: shard_bot(quiz_a, 2, [0])) as first,
        running_client(fake, lambda: shard_bot(quiz_b, 2, [1])) as second,
    ):
        assert [guild.id for guild in first.guilds] == [GUILD_ON_0]
        assert [guild.id for guild in second.guilds] == [GUILD_ON_1]
        identified = [p["d"]["shard"] for p in fake.gateway_received if p.get("op") == 2]
        assert sorted(identified) == [[0, 2], [1, 2]]

        assert "Correct!" in await post_and_click(fake, GUILD_ON_0)
        assert "Correct!" in await post_and_click(fake, GUILD_ON_1)
        # The command and the click of each guild reached only its shard's process.
        assert first.interaction_guilds == [GUILD_ON_0, GUILD_ON_0]
        assert second.interaction_guilds == [GUILD_ON_1, GUILD_ON_1]
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT c.workspace, p.points FROM participations p JOIN rounds r ON r.id = p.round_id"
            " JOIN channels c ON c.id = r.channel_id ORDER BY c.workspace"
        ).fetchall()
    assert rows == sorted([(str(GUILD_ON_0), 10), (str(GUILD_ON_1), 10)])


async def test_auto_runs_every_shard_discord_recommends(tmp_path: Path) -> None:
    guilds = [guild(GUILD_ON_0, "Zero"), guild(GUILD_ON_1, "One")]
    async with (
        FakeDiscord(guilds=guilds, recommended_shards=2) as fake,
        process_on(tmp_path / "quiz.db") as quiz,
        running_client(fake, lambda: shard_bot(quiz, None, None)) as bot,
    ):
        assert bot.shard_count == 2
        assert sorted(guild.id for guild in bot.guilds) == sorted([GUILD_ON_0, GUILD_ON_1])
        assert "Correct!" in await post_and_click(fake, GUILD_ON_1)


@pytest.mark.parametrize(
    ("count", "ids", "expected"),
    [
        ("", "", None),
        ("4", "", (4, None)),
        ("4", "0-1", (4, [0, 1])),
        ("4", "0,2", (4, [0, 2])),
        ("8", "6-7, 0", (8, [0, 6, 7])),
        ("auto", "", (None, None)),
    ],
)
def test_shard_settings(count: str, ids: str, expected: object) -> None:
    settings = load_settings(_env_file=None, discord_shard_count=count, discord_shard_ids=ids)
    assert settings.discord_shards == expected


@pytest.mark.parametrize(
    ("count", "ids", "says"),
    [
        ("", "0-1", "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"),
        ("four", "", "DISCORD_SHARD_COUNT: 'four' is not a number of shards"),
        ("0", "", "DISCORD_SHARD_COUNT: '0' is not a number of shards"),
        ("4", "4", "shard 4 does not exist with DISCORD_SHARD_COUNT=4"),
        ("4", "3-1", "the range '3-1' runs backwards"),
        ("4", "0;1", "DISCORD_SHARD_IDS: '0;1' is not a shard id or a range"),
    ],
)
def test_bad_shard_settings_are_one_line(count: str, ids: str, says: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, discord_shard_count=count, discord_shard_ids=ids)
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_quizbot_run_refuses_bad_shards_in_one_line_at_start(tmp_path: Path) -> None:
    done = run_quizbot(tmp_path, "run", DISCORD_SHARD_COUNT="2", DISCORD_SHARD_IDS="0-2")
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "DISCORD_SHARD_IDS: shard 2 does not exist with DISCORD_SHARD_COUNT=2" in lines[0]


async def test_settings_choose_the_client(tmp_path: Path) -> None:
    async with process_on(tmp_path / "quiz.db") as quiz:
        app = App(quiz, quiz.context.store, [])  # type: ignore[arg-type]
        plain = make_client(app, load_settings(_env_file=None))
        sharded = make_client(
            app, load_settings(_env_file=None, discord_shard_count="4", discord_shard_ids="2-3")
        )
        assert not isinstance(plain, discord.AutoShardedClient)
        assert isinstance(sharded, ShardedQuizBot)
        assert (sharded.shard_count, sharded.shard_ids) == (4, [2, 3])
        await plain.close()
        await sharded.http.close()  # never logged in: discord.py's close() needs a login


def test_a_gateway_url_that_is_not_a_websocket_is_one_line() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, discord_gateway_url="https://gateway.example")
    message = str(caught.value)
    assert "DISCORD_GATEWAY_URL" in message and "is not a ws:// or wss:// URL" in message
    assert "\n" not in message
