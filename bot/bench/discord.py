"""`quizbot bench discord`: a burst of button clicks through real discord.py, against a bare bot.

Both sides are real discord.py clients on the fake Discord (``bot.testing.discord``): quizbot's
``QuizBot`` on a real SQLite store, and a bare ``Client`` whose DynamicItem button only answers an
ephemeral "ok" (a message, like quizbot's answer, so that the fake does the same work for both
and the ratio compares the bots). Each posts one message with A-D buttons; then every user clicks
A, C, D, B: wrong three times, which uses up the round's 3 attempts, then once more ("already
finished"). The clicks go out interleaved across users, as a crowd clicks, and none waits for an
earlier one's answer. An ack's latency runs from the moment its INTERACTION_CREATE was written to
the gateway socket to the moment the fake recorded the interaction's callback POST; a click with
no successful callback is lost (Discord refuses a callback after 3 s).

The fake, discord.py and quizbot share one event loop, so the fake's own work (about a third of
the bare side's time) is in both sides' figures, and the fake yields one loop turn after each
frame it sends: sending all frames in one go would hold the loop for the whole burst, and every
click would then wait on the sending rather than on the bot.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import discord

from bot.adapters.discord.bot import QuizBot
from bot.bench.common import Burst, PairedReport, interleaved, percentile, synthetic_bank
from bot.core.clock import SystemClock
from bot.core.library import BankLibrary
from bot.core.permissions import AdminPolicy
from bot.core.quiz import Quiz
from bot.store.audit import attempts_over_limit
from bot.store.sqlite import SqliteStore
from bot.testing.discord import (
    ADMIN,
    GENERAL_ID,
    GUILD_ID,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    FakeUser,
    Recorded,
    default_guild,
    running_client,
)

# Wrong, wrong, wrong (the round allows 3 attempts), then a click after the person is done.
LETTERS = ("A", "C", "D", "B")
FIRST_USER_ID = 1_600_000_000_000_000_001
# Discord refuses a callback 3 s after the interaction; past this after the last click, stop.
LOST_AFTER_S = 5.0


@dataclass(frozen=True, slots=True)
class BurstResult(Burst):
    """``acked``: clicks answered in time (a callback Discord accepted); ``seconds``: from the
    first click sent to the last callback recorded."""

    connections: int = 0
    """HTTP connections the bot opened to the fake: one per request it had in flight at once."""


def bench_users(count: int) -> list[FakeUser]:
    return [FakeUser(FIRST_USER_ID + number, f"clicker{number}") for number in range(count)]


def bench_guild(users: Sequence[FakeUser]) -> FakeGuild:
    """The fake's default guild (its admin posts the round) plus the clickers."""
    guild = default_guild()
    guild.members.extend(FakeMember(user) for user in users)
    return guild


def click_order(users: Sequence[FakeUser], clicks: int) -> list[tuple[FakeUser, str]]:
    """``clicks`` clicks: everyone's first letter, then everyone's second, ... (a crowd)."""
    order = [(user, letter) for letter in LETTERS for user in users]
    return order[:clicks]


async def burst(
    fake: FakeDiscord,
    message_id: int,
    custom_ids: dict[str, str],
    order: Sequence[tuple[FakeUser, str]],
) -> BurstResult:
    """Send every click without waiting, then collect the callbacks the fake records."""
    mark = len(fake.requests)
    peers_before = len(fake.http_peers)
    sent_at: dict[str, float] = {}
    for user, letter in order:
        sent = await fake.click(custom_ids[letter], message_id=message_id, user=user)
        sent_at[sent.callback_path] = time.monotonic()
        await asyncio.sleep(0)  # one loop turn, so the bot reads frames as they arrive
    first_sent = min(sent_at.values())
    deadline = time.monotonic() + LOST_AFTER_S
    answered: dict[str, Recorded] = {}
    seen = mark
    while len(answered) < len(sent_at) and time.monotonic() < deadline:
        # Polling only decides when to stop: the figures come from the recorded times.
        await asyncio.sleep(0.01)
        for request in fake.requests[seen:]:
            if request.path in sent_at and request.path not in answered:
                answered[request.path] = request
        seen = len(fake.requests)
    acked = {path: r for path, r in answered.items() if r.method == "POST" and r.status < 300}
    latencies = [acked[path].time - sent_at[path] for path in acked]
    last = max((r.time for r in acked.values()), default=first_sent)
    return BurstResult(
        acked=len(acked),
        seconds=last - first_sent,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        lost=len(sent_at) - len(acked),
        over_limit=0,
        connections=len(fake.http_peers) - peers_before,
    )


def answer_ids(message: dict[str, Any]) -> dict[str, str]:
    """Letter -> custom_id of the answer buttons on a posted message."""
    found = {}
    for row in message.get("components", []):
        for component in row.get("components", []):
            if match := re.fullmatch(r"quiz:a:\d+:([A-E])", component.get("custom_id", "")):
                found[match[1]] = component["custom_id"]
    return found


async def run_quizbot(folder: Path, *, users: Sequence[FakeUser], clicks: int) -> BurstResult:
    db = folder / "discord.db"
    store = await SqliteStore.open(db)
    try:
        quiz = Quiz(store, BankLibrary([synthetic_bank()]), SystemClock())
        await quiz.start()

        def make_bot() -> QuizBot:
            return QuizBot(
                quiz, guild_ids=[GUILD_ID], admins=AdminPolicy(), guild_ready_timeout=0.05
            )

        async with (
            FakeDiscord(guilds=[bench_guild(users)]) as fake,
            running_client(fake, make_bot),
        ):
            post = await fake.slash("quiz-admin", "post-now", user=ADMIN, channel_id=GENERAL_ID)
            await fake.wait_for_followup(post)
            message = fake.messages_in(GENERAL_ID, include_ephemeral=False)[-1]
            custom_ids = answer_ids(message)
            result = await burst(fake, int(message["id"]), custom_ids, click_order(users, clicks))
    finally:
        await store.close()
    return replace(result, over_limit=await asyncio.to_thread(attempts_over_limit, db))


class AckButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"bare:a:(?P<round>[0-9]{1,18}):(?P<choice>[A-E])",
):
    """The bare bot's button: a persistent DynamicItem like quizbot's, that only acknowledges."""

    def __init__(self, round_id: int, choice: str) -> None:
        super().__init__(discord.ui.Button(label=choice, custom_id=f"bare:a:{round_id}:{choice}"))

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AckButton:
        return cls(int(match["round"]), match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok", ephemeral=True)


class BareBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.05)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(AckButton)


async def run_bare(*, users: Sequence[FakeUser], clicks: int) -> BurstResult:
    async with (
        FakeDiscord(guilds=[bench_guild(users)]) as fake,
        running_client(fake, BareBot) as client,
    ):
        channel = client.get_channel(GENERAL_ID)
        assert isinstance(channel, discord.TextChannel)
        view = discord.ui.View(timeout=None)
        for letter in "ABCD":
            view.add_item(AckButton(1, letter))
        message = await channel.send("Bare round", view=view)
        custom_ids = {letter: f"bare:a:1:{letter}" for letter in "ABCD"}
        return await burst(fake, message.id, custom_ids, click_order(users, clicks))


DiscordReport = PairedReport[BurstResult]


async def bench_discord(*, clicks: int, users: int, rounds: int = 3) -> DiscordReport:
    clickers = bench_users(users)
    return await interleaved(
        rounds,
        "quizbot-bench-discord-",
        lambda folder: run_quizbot(folder, users=clickers, clicks=clicks),
        lambda: run_bare(users=clickers, clicks=clicks),
    )
