"""Two real `quizbot run` processes on one PostgreSQL database, each running one of two Discord
shards (DISCORD_SHARD_COUNT=2, DISCORD_SHARD_IDS=0 and 1) against the fake Discord, whose
gateway sends a server's events only on its shard as Discord does. What an operator sees: each
process identifies with its shard and serves only its own server's commands and clicks (its
/metrics and log say so), every click lands in the one database, and the scheduler's leader
posts in both servers whichever shard it runs."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path

import aiohttp
import pytest
from processes import Quizbot, banks_with, fetch, one_question_bank, started, until
from processes import quizbot_run as run_process
from shard_world import GUILD_ON_0, GUILD_ON_1, guild

from bot.core.rounds import ChannelRef
from bot.core.schedule import Schedule
from bot.store.postgres import PostgresStore
from bot.testing.discord import ADMIN, MEMBER, FakeDiscord

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX"),
]

BANK = one_question_bank("shards", 3)


@asynccontextmanager
async def quizbot_on_shard(
    tmp_path: Path, fake: FakeDiscord, database_url: str, shard: int
) -> AsyncIterator[Quizbot]:
    """`quizbot run` on Discord shard ``shard`` of 2, REST and gateway on the fake."""
    banks = banks_with(tmp_path, "shards", BANK)
    env = {
        "QUIZBOT_BANKS": str(banks),
        "QUIZBOT_DATABASE_URL": database_url,
        "DISCORD_TOKEN": "MTIz.fake.token",
        "DISCORD_API_URL": fake.api_base,
        "DISCORD_GATEWAY_URL": str(fake.gateway_url),
        "DISCORD_GUILD_IDS": f"{GUILD_ON_0},{GUILD_ON_1}",
        "DISCORD_SHARD_COUNT": "2",
        "DISCORD_SHARD_IDS": str(shard),
    }
    async with run_process(tmp_path, f"shard{shard}", env) as bot:
        yield bot


async def answer_buttons(fake: FakeDiscord, channel_id: int) -> list[str]:
    message = fake.messages_in(channel_id, include_ephemeral=False)[-1]
    return [button["custom_id"] for button in message["components"][0]["components"]]


async def click(fake: FakeDiscord, custom_id: str) -> str:
    sent = await fake.click(custom_id, user=MEMBER)
    callback = await fake.wait_for_callback(sent, timeout=20)
    return str(callback.json["data"].get("content") or callback.json["data"])


async def test_each_shard_process_serves_only_its_servers_and_shares_the_database(
    tmp_path: Path, postgres_url: str
) -> None:
    guilds = [guild(GUILD_ON_0, "Zero"), guild(GUILD_ON_1, "One")]
    async with (
        FakeDiscord(guilds=guilds, recommended_shards=2) as fake,
        aiohttp.ClientSession() as session,
        quizbot_on_shard(tmp_path, fake, postgres_url, 0) as zero,
        quizbot_on_shard(tmp_path, fake, postgres_url, 1) as one,
    ):
        await started(session, zero, one)  # /health: the database and Discord are ready
        identified = [p["d"]["shard"] for p in fake.gateway_received if p.get("op") == 2]
        assert sorted(identified) == [[0, 2], [1, 2]]

        # An admin posts in each server; the member misses once in Zero, then answers in both.
        for guild_id in (GUILD_ON_0, GUILD_ON_1):
            sent = await fake.slash("quiz-admin", "post-now", user=ADMIN, guild_id=guild_id,
                                    channel_id=guild_id + 10)  # fmt: skip
            await fake.wait_for_followup(sent, timeout=20)
        zero_buttons = await answer_buttons(fake, GUILD_ON_0 + 10)
        one_buttons = await answer_buttons(fake, GUILD_ON_1 + 10)
        assert "Not quite" in await click(fake, zero_buttons[1])
        assert "Correct!" in await click(fake, zero_buttons[0])
        assert "Correct!" in await click(fake, one_buttons[0])

        clicks = [await bot.metric(session, "quizbot_clicks_total") for bot in (zero, one)]
        # Each process judged only the clicks of its own shard's server.
        assert clicks == [2.0, 1.0]

        # The leader posts in both servers, whichever shard it runs: posting is REST.
        store = await PostgresStore.open(postgres_url)
        try:
            due = datetime.now(UTC) - timedelta(seconds=5)
            for guild_id in (GUILD_ON_0, GUILD_ON_1):
                channel = ChannelRef("discord", str(guild_id), str(guild_id + 10))
                await store.save_schedule(
                    Schedule(channel, wall_time(due.hour, due.minute), "UTC", next_post_at=due)
                )
        finally:
            await store.close()

        async def both_posted() -> bool:
            rows = await fetch(
                postgres_url, "SELECT COUNT(*) FROM schedule_posts WHERE status = 'posted'"
            )
            return rows == [(2,)]

        await until(both_posted, "the leader posts the scheduled question in both servers")
        posted = [await bot.metric(session, "quizbot_posts_total") for bot in (zero, one)]
        leaders = [await bot.leader(session) for bot in (zero, one)]

    # Every click is in the one database: two people's rows (one per server), 3 attempts.
    rows = await fetch(
        postgres_url,
        "SELECT c.workspace, p.attempts_used, p.points FROM participations p"
        " JOIN rounds r ON r.id = p.round_id JOIN channels c ON c.id = r.channel_id"
        " WHERE r.kind = 'daily' AND p.attempts_used > 0 ORDER BY c.workspace",
    )
    # Zero: solved on the 2nd attempt (60% of 10 points); One: first try.
    assert sorted(rows) == sorted([(str(GUILD_ON_0), 2, 6), (str(GUILD_ON_1), 1, 10)])
    assert sorted(leaders) == [0.0, 1.0]
    assert posted == ([2.0, 0.0] if leaders == [1.0, 0.0] else [0.0, 2.0])
    logs = {n: (tmp_path / f"shard{n}.log").read_text() for n in (0, 1)}
    assert "in 1 servers on shards 0 of 2" in logs[0], logs[0]
    assert "in 1 servers on shards 1 of 2" in logs[1], logs[1]
    # Connected, each process kept its start-up heap out of the collector's full walks.
    assert all("heap settled" in log for log in logs.values())
