"""Two real `quizbot run` processes on one PostgreSQL database, in Slack HTTP mode against the
fake Slack, with Slack's requests alternating between them as a load balancer would send them:
one user's concurrent clicks on both keep the attempt limit, 50 channels due at once are each
posted exactly once, and SIGKILLing the scheduler's leader hands it to the other process, which
posts the next due question. What is checked is what a player or an operator sees: the stored
attempts, the messages on (fake) Slack, each process's /metrics."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from processes import Quizbot, banks_with, fetch, one_question_bank, slack_http_env, started, until
from processes import quizbot_run as run_process

from bot.core.rounds import ChannelRef
from bot.core.schedule import Schedule
from bot.store.postgres import PostgresStore
from bot.testing.slack import (
    GENERAL,
    GENERAL_ID,
    MEMBER,
    TEAM_ID,
    FakeChannel,
    FakeSlack,
    block_actions_request,
    button_action,
    post_to_app,
)
from bot.testing.slack.world import default_channels

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX"),
]

SECRET = "processes-signing-secret"
LIMIT = 3
BANK = one_question_bank("scale", LIMIT)
MANY = [FakeChannel(f"C0MANY{n:03d}", f"many-{n}") for n in range(50)]


@asynccontextmanager
async def quizbot_run(
    tmp_path: Path, fake: FakeSlack, database_url: str, name: str
) -> AsyncIterator[Quizbot]:
    """`quizbot run` in Slack HTTP mode on ``database_url``, its log in tmp_path/NAME.log."""
    banks = banks_with(tmp_path, "scale", BANK)
    env = {"QUIZBOT_BANKS": str(banks), "QUIZBOT_DATABASE_URL": database_url}
    async with run_process(tmp_path, name, env | slack_http_env(fake.api_url, SECRET)) as bot:
        yield bot


async def leaders(session: aiohttp.ClientSession, *bots: Quizbot) -> list[float | None]:
    return [await bot.leader(session) for bot in bots]


async def save_schedules(database_url: str, channels: list[str], due: datetime) -> None:
    """Daily schedules in #CHANNELS due at ``due``, written as an admin's would be."""
    store = await PostgresStore.open(database_url)
    try:
        for channel in channels:
            await store.save_schedule(
                Schedule(
                    ChannelRef("slack", TEAM_ID, channel),
                    post_time=wall_time(due.hour, due.minute),
                    timezone="UTC",
                    next_post_at=due,
                )
            )
    finally:
        await store.close()


def posts_in(fake: FakeSlack, channel: str) -> int:
    """chat.postMessage calls that put a question into ``channel``."""
    return sum(1 for call in fake.calls("chat.postMessage") if call.args.get("channel") == channel)


def round_of(message: dict[str, Any]) -> int:
    for block in message["blocks"]:
        if block["type"] == "actions":
            return int(block["block_id"].split(":")[1])
    raise AssertionError("no answer buttons in the message")


async def test_postgres_clicks_on_two_processes_keep_the_attempt_limit(
    tmp_path: Path, postgres_url: str
) -> None:
    await save_schedules(postgres_url, [GENERAL_ID], datetime.now(UTC) - timedelta(seconds=5))
    async with (
        FakeSlack() as fake,
        aiohttp.ClientSession() as session,
        quizbot_run(tmp_path, fake, postgres_url, "first") as first,
        quizbot_run(tmp_path, fake, postgres_url, "second") as second,
    ):
        await started(session, first, second)
        await fake.wait_for(method="chat.postMessage", timeout=30)
        (message,) = fake.messages_in(GENERAL_ID)
        round_id = round_of(message)

        async def click(n: int) -> str:
            letter = "BCD"[n % 3]
            respond_to = fake.response_url(channel=GENERAL_ID)
            request = block_actions_request(
                SECRET,
                [button_action(f"quiz_answer:{letter}", f"{round_id}:{letter}",
                               block_id=f"quiz_round:{round_id}")],
                user=MEMBER, channel=GENERAL, message_ts=message["ts"],
                blocks=message["blocks"], response_url=respond_to,
            )  # fmt: skip
            # Alternating, as a load balancer in front of both processes sends them.
            status, _ = await post_to_app((first, second)[n % 2].events_url, request, timeout=20)
            assert status == 200
            answered = await fake.wait_for_response(response_url=respond_to, timeout=20)
            return str(answered.body)

        answers = await asyncio.gather(*(click(n) for n in range(20)))
        rows = await fetch(
            postgres_url,
            "SELECT a.attempt_no FROM attempts a JOIN users u ON u.id = a.user_id"
            " WHERE a.round_id = $1 AND u.user_ref LIKE $2 ORDER BY a.attempt_no",
            round_id,
            f"%{MEMBER.id}%",
        )
        ((used,),) = await fetch(
            postgres_url, "SELECT attempts_used FROM participations WHERE round_id = $1", round_id
        )
        judged = [await bot.metric(session, "quizbot_clicks_total") for bot in (first, second)]
    print(f"\nclicks recorded: {len(rows)} of 20 (limit {LIMIT}); judged per process {judged}")
    assert [no for (no,) in rows] == list(range(1, LIMIT + 1))
    assert used == LIMIT
    assert judged == [10.0, 10.0]  # both processes took their half
    # What the player was told: two misses, then out of attempts, and nothing more counted.
    assert sum("Not quite" in answer for answer in answers) == LIMIT - 1
    assert sum("Out of attempts" in answer for answer in answers) == 1
    assert all(
        "Not quite" in answer
        or "Out of attempts" in answer
        or "You already finished" in answer
        or "nothing was counted" in answer
        for answer in answers
    ), answers


async def test_postgres_fifty_channels_due_at_once_are_each_posted_exactly_once(
    tmp_path: Path, postgres_url: str
) -> None:
    channels = [channel.id for channel in MANY]
    await save_schedules(postgres_url, channels, datetime.now(UTC) - timedelta(seconds=5))
    async with (
        FakeSlack(channels=[*default_channels(), *MANY]) as fake,
        aiohttp.ClientSession() as session,
        quizbot_run(tmp_path, fake, postgres_url, "first") as first,
        quizbot_run(tmp_path, fake, postgres_url, "second") as second,
    ):
        await started(session, first, second)

        def logged() -> int:
            return sum(
                (tmp_path / f"{bot.name}.log").read_text().count("event=post ")
                for bot in (first, second)
            )

        async def all_posted() -> bool:
            (claims,) = await fetch(
                postgres_url, "SELECT COUNT(*) FROM schedule_posts WHERE status = 'posted'"
            )
            # Every schedule moved on to tomorrow: nothing is due any more, on either process.
            (due,) = await fetch(
                postgres_url,
                "SELECT COUNT(*) FROM schedules WHERE next_post_at <= $1",
                datetime.now(UTC).isoformat(),
            )
            return claims == (len(channels),) and due == (0,) and logged() == len(channels)

        await until(all_posted, "every channel posted, its claim recorded", within_s=45)
        roles = await leaders(session, first, second)
        posted = [await bot.metric(session, "quizbot_posts_total") for bot in (first, second)]
    counts = {channel: posts_in(fake, channel) for channel in channels}
    print(f"\nposts per channel: {sorted(set(counts.values()))} over {len(counts)} channels")
    assert counts == dict.fromkeys(channels, 1)
    assert roles in ([1.0, 0.0], [0.0, 1.0])  # one leader, one standby
    # The leader posted them all.
    assert posted == ([50.0, 0.0] if roles == [1.0, 0.0] else [0.0, 50.0])


async def test_postgres_killing_the_leader_hands_the_schedule_to_the_other_process(
    tmp_path: Path, postgres_url: str
) -> None:
    quiz_channel = default_channels()[1].id
    await save_schedules(postgres_url, [GENERAL_ID], datetime.now(UTC) - timedelta(seconds=5))
    async with (
        FakeSlack() as fake,
        aiohttp.ClientSession() as session,
        quizbot_run(tmp_path, fake, postgres_url, "first") as first,
    ):
        # The first takes the lease (and posts what is due) before the second starts.
        await until(lambda: first.leads(session, 1.0), "the first process leads")
        await fake.wait_for(method="chat.postMessage", timeout=30)
        async with quizbot_run(tmp_path, fake, postgres_url, "second") as second:
            await started(session, first, second)
            assert await leaders(session, first, second) == [1.0, 0.0]
            # The next question is due in a moment: after the leader is gone.
            soon = datetime.now(UTC) + timedelta(seconds=1.5)
            await save_schedules(postgres_url, [quiz_channel], soon)
            first.process.kill()  # SIGKILL: no clean-up, no unlock
            killed = time.monotonic()
            await first.process.wait()
            await until(lambda: second.leads(session, 1.0), "the second process takes over")
            took_over = time.monotonic() - killed
            await fake.wait_for(
                lambda call: call.args.get("channel") == quiz_channel,
                method="chat.postMessage",
                timeout=30,
            )
            posted = time.monotonic() - killed

            async def claimed_and_posted() -> bool:
                rows = await fetch(
                    postgres_url,
                    "SELECT status FROM schedule_posts WHERE channel = $1",
                    quiz_channel,
                )
                return rows == [("posted",)]

            await until(claimed_and_posted, "the second process records its post")
            counted = await second.metric(session, "quizbot_posts_total")
    print(f"\ntakeover after SIGKILL: {took_over:.2f} s; next question posted after {posted:.2f} s")
    assert posts_in(fake, GENERAL_ID) == 1 and posts_in(fake, quiz_channel) == 1
    assert counted == 1.0  # the second posted it
    second_log = (tmp_path / "second.log").read_text()
    assert second_log.count("this process is the leader now") == 1, second_log
    assert quiz_channel not in (tmp_path / "first.log").read_text()
