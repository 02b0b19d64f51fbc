"""GET /metrics on the health server: clicks by outcome, ack latency, store latency, posts,
reveals and errors per platform, scheduler leadership, scraped as Prometheus does."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from conftest import T0, make_bank, platform_banks
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from bot.adapters.discord.bot import QuizBot
from bot.core.clock import FakeClock
from bot.core.leadership import Leadership
from bot.core.library import BankLibrary
from bot.core.outcomes import Posted, Reveal
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef
from bot.core.schedule import make_schedule
from bot.core.scheduler import ChannelUnavailable, Scheduler
from bot.health import HealthServer, PlatformRegistry
from bot.metrics import MeteredPosters, Metrics, instrument, outcome_name
from bot.store.sqlite import SqliteStore
from bot.store.sqlite.lease import SqliteLease
from bot.testing.discord import ADMIN, GENERAL_ID, GUILD_ID, MEMBER, FakeDiscord, running_client

CHOICE_BANK, _, _ = platform_banks()
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(url: str) -> tuple[str, Samples]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        text = await response.text()
        kind = response.headers["Content-Type"]
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return kind, samples


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


@asynccontextmanager
async def quiz_on(db: Path) -> AsyncIterator[Quiz]:
    store = await SqliteStore.open(db)
    try:
        quiz = Quiz(store, BankLibrary([CHOICE_BANK]), FakeClock(T0), rng=random.Random(1))
        await quiz.start()
        yield quiz
    finally:
        await store.close()


async def test_clicks_move_the_counters_and_histograms_on_metrics(tmp_path: Path) -> None:
    async with (
        FakeDiscord() as fake,
        quiz_on(tmp_path / "quiz.db") as quiz,
        running_client(fake, lambda: QuizBot(quiz, guild_ids=[GUILD_ID], guild_ready_timeout=0.05)),
    ):
        instrument(quiz)
        store = quiz.context.store
        assert isinstance(store, SqliteStore)
        server = HealthServer(store, PlatformRegistry(), host="127.0.0.1", port=0)
        await server.start()
        try:
            url = f"http://127.0.0.1:{server.port}/metrics"
            kind, before = await scrape(url)
            assert kind == CONTENT_TYPE_LATEST  # Prometheus's text format
            sent = await fake.slash("quiz-admin", "post-now", user=ADMIN, channel_id=GENERAL_ID)
            await fake.wait_for_followup(sent)
            message = fake.messages_in(GENERAL_ID, include_ephemeral=False)[-1]
            ids = {
                c["custom_id"].rsplit(":", 1)[1]: c["custom_id"]
                for row in message["components"]
                for c in row["components"]
            }
            for letter, who in [("B", MEMBER), ("C", MEMBER), ("A", MEMBER), ("A", ADMIN)]:
                await fake.wait_for_callback(await fake.click(ids[letter], user=who))
            # Once finished, a click counts as already finished.
            await fake.wait_for_callback(await fake.click(ids["D"], user=MEMBER))
            _, after = await scrape(url)
        finally:
            await server.stop()
    clicks = "quizbot_clicks_total"
    assert moved(before, after, clicks, platform="discord", outcome="wrong") == 2
    assert moved(before, after, clicks, platform="discord", outcome="correct") == 2
    assert moved(before, after, clicks, platform="discord", outcome="already_finished") == 1
    assert moved(before, after, "quizbot_ack_seconds_count", platform="discord") == 5
    assert moved(before, after, "quizbot_ack_seconds_bucket", platform="discord", le="3.0") == 5
    assert moved(before, after, "quizbot_store_seconds_count", operation="click") == 5
    assert ("quizbot_scheduler_leader", ()) in after


@dataclass
class Poster:
    gone: set[str] = field(default_factory=set)
    reveals: list[int] = field(default_factory=list)

    async def post(self, posted: Posted, nonce: str) -> str:
        if posted.round.channel.channel in self.gone:
            raise ChannelUnavailable("403 Missing Access")
        return f"msg-{posted.round.id}"

    async def reveal(self, reveal: Reveal) -> None:
        self.reveals.append(reveal.round.id)


def value(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


async def test_posts_reveals_and_errors_are_counted_per_platform(tmp_path: Path) -> None:
    metrics = Metrics()
    monday = datetime(2026, 11, 30, 8, 59, tzinfo=UTC)
    clock = FakeClock(monday)
    store = await SqliteStore.open(tmp_path / "quiz.db")
    try:
        quiz = Quiz(store, BankLibrary([make_bank("demo", easy=5)]), clock, rng=random.Random(1))
        await quiz.start()
        posters = MeteredPosters(metrics)
        posters["console"] = Poster(gone={"gone"})
        scheduler = Scheduler(quiz, store, posters, clock)
        for channel in ("general", "gone"):
            schedule = make_schedule(
                ChannelRef("console", "local", channel), "09:00", "UTC", "daily"
            )
            await quiz.schedules.set(schedule)
        clock.set(monday + timedelta(minutes=1))
        await scheduler.tick()
        assert value(metrics, "quizbot_posts_total", platform="console") == 1
        assert value(metrics, "quizbot_errors_total", platform="console", where="post") == 1
        clock.set(monday + timedelta(days=1))  # a minute before the next post: the reveal
        await scheduler.tick()
        assert value(metrics, "quizbot_reveals_total", platform="console") == 1
    finally:
        await store.close()


async def test_the_leadership_gauge_follows_the_lease(tmp_path: Path) -> None:
    metrics = Metrics()
    leadership = Leadership(
        SqliteLease(tmp_path / "quiz.db"),
        asyncio.Event().wait,
        poll_s=60,
        on_change=metrics.leader.set,
    )
    task = asyncio.create_task(leadership.run())
    try:
        for _ in range(500):  # the file lock is taken in a thread
            if value(metrics, "quizbot_scheduler_leader") == 1:
                break
            await asyncio.sleep(0.01)
        assert value(metrics, "quizbot_scheduler_leader") == 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert value(metrics, "quizbot_scheduler_leader") == 0


def test_outcome_names_are_snake_case() -> None:
    from bot.core.outcomes import NotCounted

    assert outcome_name(NotCounted()) == "not_counted"
