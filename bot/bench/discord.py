"""`quizbot bench discord`: a burst of button clicks through real discord.py, against a bare bot.

The fake Discord (REST + gateway) and the load generator run in another process
(``bot.bench.harness``); this process holds only discord.py, the bot and the store, as in
production. Both sides are real discord.py clients on the harness's fake: quizbot's ``QuizBot``
on a real SQLite store, and the **reference**, a bare ``Client`` whose DynamicItem button answers
each click with one fixed ephemeral message (on Discord the ack carries the answer, so this is
the least any answering bot does). Each side gets one message with A-D buttons; then every user
clicks A, C, D, B, none waiting for an answer. An ack's latency runs from the moment the harness
wrote the click's INTERACTION_CREATE to the gateway socket to the moment its fake recorded the
interaction's callback POST; a click with no successful callback is lost. The CPU time of this
process is taken around the burst.

Latency is taken from a second, paced phase per round: both bots, each on a fresh store and
fake, offered the same clicks at one fixed rate (``--paced-rate``, by default half the bare
bot's burst throughput that round), a load both can sustain; the burst gives the throughput and
CPU per click.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import discord
import yarl

from bot.adapters.discord.bot import QuizBot
from bot.bench.common import PairedReport, burst_then_paced, settled_heap, synthetic_bank
from bot.bench.load import DISCORD_LOST_AFTER_S, LETTERS, DiscordBurst, answer_ids
from bot.bench.remote import Harness, cpu_seconds, harness
from bot.core.clock import SystemClock
from bot.core.library import BankLibrary
from bot.core.permissions import AdminPolicy
from bot.core.quiz import Quiz
from bot.store.sqlite import SqliteStore
from bot.store.sqlite.audit import attempts_over_limit
from bot.testing.discord import GENERAL_ID, GUILD_ID, running_client

__all__ = ["LETTERS", "DiscordReport", "bench_discord"]


@dataclass
class RemoteFake:
    """The harness's fake Discord as ``running_client`` connects to it."""

    api_base: str
    gateway_url: yarl.URL
    errors: list[BaseException] = field(default_factory=list)
    gateway_received: list[dict[str, Any]] = field(default_factory=list)


async def _fake(remote: Harness, users: int) -> RemoteFake:
    urls = await remote.call("discord", users=users)
    return RemoteFake(urls["api_base"], yarl.URL(urls["gateway_url"]))


async def _measured(
    remote: Harness,
    message_id: int,
    custom_ids: dict[str, str],
    users: int,
    clicks: int,
    letters: Sequence[str] = LETTERS,
    lost_after: float = DISCORD_LOST_AFTER_S,
    rate: float = 0.0,
) -> DiscordBurst:
    started = cpu_seconds()
    figures = await remote.call(
        "discord_burst",
        message_id=message_id,
        custom_ids=custom_ids,
        users=users,
        clicks=clicks,
        letters=list(letters),
        lost_after=lost_after,
        rate=rate,
    )
    spent = cpu_seconds() - started
    figures.pop("pid", None)
    figures.pop("handled_s", None)
    return replace(DiscordBurst(**figures), cpu_seconds=spent)


async def run_quizbot(
    remote: Harness, folder: Path, *, users: int, clicks: int, rate: float = 0.0
) -> DiscordBurst:
    db = folder / "discord.db"
    store = await SqliteStore.open(db)
    try:
        quiz = Quiz(store, BankLibrary([synthetic_bank()]), SystemClock())
        await quiz.start()

        def make_bot() -> QuizBot:
            return QuizBot(
                quiz, guild_ids=[GUILD_ID], admins=AdminPolicy(), guild_ready_timeout=0.05
            )

        async with running_client(await _fake(remote, users), make_bot):
            message = (await remote.call("discord_post"))["message"]
            with settled_heap():
                result = await _measured(
                    remote, int(message["id"]), answer_ids(message), users, clicks, rate=rate
                )
    finally:
        await store.close()
    return replace(result, over_limit=await asyncio.to_thread(attempts_over_limit, db))


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"bare:a:(?P<round>[0-9]{1,18}):(?P<choice>[A-E])",
):
    """The bare bot's button: a persistent DynamicItem like quizbot's, answering one fixed
    ephemeral message."""

    def __init__(self, round_id: int, choice: str) -> None:
        super().__init__(discord.ui.Button(label=choice, custom_id=f"bare:a:{round_id}:{choice}"))

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: Any,
        /,
    ) -> AnswerButton:
        return cls(int(match["round"]), match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok", ephemeral=True)


class BareBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.05)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(AnswerButton)


async def run_bare(
    remote: Harness,
    *,
    users: int,
    clicks: int,
    button: Callable[[int, str], discord.ui.Item[Any]] = AnswerButton,
    lost_after: float = DISCORD_LOST_AFTER_S,
    rate: float = 0.0,
) -> DiscordBurst:
    """The bare bot's burst (paced with ``rate``); ``button`` may be another DynamicItem with
    the bare bot's template (a test's button that never answers): posting it makes it the one
    dispatched."""
    async with running_client(await _fake(remote, users), BareBot) as client:
        channel = client.get_channel(GENERAL_ID)
        assert isinstance(channel, discord.TextChannel)
        view = discord.ui.View(timeout=None)
        for letter in "ABCD":
            view.add_item(button(1, letter))
        message = await channel.send("Bare round", view=view)
        custom_ids = {letter: f"bare:a:1:{letter}" for letter in "ABCD"}
        return await _measured(
            remote, message.id, custom_ids, users, clicks, lost_after=lost_after, rate=rate
        )


@dataclass(frozen=True, slots=True)
class DiscordReport(PairedReport[DiscordBurst]):
    harness_pid: int = 0

    @property
    def harness_headroom(self) -> float:
        """How fast the harness wrote the clicks over the fastest side's ack rate (median)."""
        ratios = []
        for ours, bare in self.rounds:
            fastest = max(ours.rate, bare.rate)
            for side in (ours, bare):
                if fastest and side.sent_seconds:
                    ratios.append(side.acked / side.sent_seconds / fastest)
        ratios.sort()
        return ratios[len(ratios) // 2] if ratios else 0.0


async def bench_discord(
    *, clicks: int, users: int, rounds: int = 5, paced_rate: float = 0.0
) -> DiscordReport:
    async with harness() as remote:

        async def ours(folder: Path) -> DiscordBurst:
            return await run_quizbot(remote, folder, users=users, clicks=clicks)

        async def bare(folder: Path) -> DiscordBurst:
            return await run_bare(remote, users=users, clicks=clicks)

        async def ours_paced(folder: Path, rate: float) -> DiscordBurst:
            return await run_quizbot(remote, folder, users=users, clicks=clicks, rate=rate)

        async def bare_paced(folder: Path, rate: float) -> DiscordBurst:
            return await run_bare(remote, users=users, clicks=clicks, rate=rate)

        results = await burst_then_paced(
            rounds,
            "quizbot-bench-discord-",
            (ours, bare),
            (ours_paced, bare_paced),
            reference=1,
            rate=paced_rate,
        )
        return DiscordReport(
            tuple((a, b) for a, b in (r.burst for r in results)),
            paced=tuple((a, b) for a, b in (r.paced for r in results)),
            paced_rates=tuple(r.rate for r in results),
            harness_pid=remote.pid,
        )
