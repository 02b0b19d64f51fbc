"""The scheduler on the real platforms' fakes: the message is posted, then the reveal edits it."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import platform_banks
from test_discord import make_bot, quiz_on

from bot.adapters.discord.bot import discord_nonce
from bot.adapters.discord.poster import DiscordPoster
from bot.adapters.slack.app import build_app
from bot.adapters.slack.poster import SlackPoster
from bot.core.clock import FakeClock
from bot.core.library import BankLibrary
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef
from bot.core.schedule import make_schedule
from bot.core.scheduler import ChannelUnavailable, Scheduler
from bot.store.sqlite import SqliteStore
from bot.testing.discord import GENERAL_ID, GUILD_ID, FakeDiscord, running_client
from bot.testing.slack import GENERAL_ID as SLACK_GENERAL
from bot.testing.slack import TEAM_ID, FakeSlack, web_client

CHOICE_BANK, _, _ = platform_banks()
MONDAY_8 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


async def test_discord_post_then_reveal_edits_it(tmp_path: Path) -> None:
    async with FakeDiscord() as fake, quiz_on(tmp_path / "q.db", [CHOICE_BANK]) as quiz:
        clock = FakeClock(MONDAY_8)
        quiz.context.clock = clock
        quiz.schedules.clock = clock
        async with running_client(fake, lambda: make_bot(quiz)) as bot:
            general = ChannelRef("discord", str(GUILD_ID), str(GENERAL_ID))
            gone = ChannelRef("discord", str(GUILD_ID), "1399999999999999999")
            await quiz.schedules.set(make_schedule(general, "09:00", "UTC", "daily"))
            await quiz.schedules.set(make_schedule(gone, "09:00", "UTC", "daily"))
            scheduler = Scheduler(quiz, quiz.context.store, {"discord": DiscordPoster(bot)}, clock)  # type: ignore[arg-type]
            clock.set(MONDAY_8 + timedelta(hours=1))
            await scheduler.tick()
            posted = fake.messages_in(GENERAL_ID, include_ephemeral=False)
            assert len(posted) == 1 and posted[0]["nonce"] == discord_nonce(
                "discord:" + f"{GUILD_ID}:{GENERAL_ID}:2026-11-30"
            )
            assert "Demo pattern" in posted[0]["embeds"][0]["title"]
            disabled = await quiz.schedules.get(gone)
            assert disabled.disabled_reason and "404" in disabled.disabled_reason
            clock.set(datetime(2026, 12, 1, 8, 59, tzinfo=UTC))
            await scheduler.tick()
            edit = await fake.wait_for(method="PATCH", path=f"/channels/{GENERAL_ID}/messages/*")
            assert all(b["disabled"] for row in edit.json["components"] for b in row["components"])
            public = fake.messages_in(GENERAL_ID, include_ephemeral=False)
            assert public[-1]["embeds"][0]["title"] == "Reveal"
            # Had the process died before recording the reveal, the retry posts nothing new.
            with sqlite3.connect(tmp_path / "q.db") as db:
                ((round_id,),) = db.execute(
                    "SELECT id FROM rounds WHERE message_ref = ?", (posted[0]["id"],)
                ).fetchall()
            reveal = await quiz.rounds.close(round_id)
            await DiscordPoster(bot).reveal(reveal)
            again = fake.messages_in(GENERAL_ID, include_ephemeral=False)
            assert [m["id"] for m in again] == [m["id"] for m in public]
            # The gone channel's round: its reveal has nowhere to go, for good.
            with sqlite3.connect(tmp_path / "q.db") as db:
                ((lost,),) = db.execute("SELECT id FROM rounds WHERE message_ref IS NULL")
            with pytest.raises(ChannelUnavailable, match="404"):
                await DiscordPoster(bot).reveal(await quiz.rounds.close(lost))


async def test_slack_post_once_even_when_asked_twice_then_reveal(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "q.db")
    clock = FakeClock(MONDAY_8)
    quiz = Quiz(store, BankLibrary([CHOICE_BANK]), clock, rng=random.Random(1))
    await quiz.start()
    try:
        async with FakeSlack() as fake:
            app = build_app(quiz, token="xoxb-fake", signing_secret="s", client=web_client(fake))
            poster = SlackPoster(app.client, app.deps)  # type: ignore[attr-defined]
            general = ChannelRef("slack", TEAM_ID, SLACK_GENERAL)
            await quiz.schedules.set(make_schedule(general, "09:00", "UTC", "daily"))
            posted = await quiz.rounds.post_daily(general)
            first = await poster.post(posted, "slack:T:C:2026-11-30")
            again = await poster.post(posted, "slack:T:C:2026-11-30")  # a retry after a crash
            assert first == again
            assert len(fake.calls("chat.postMessage")) == 1
            await store.set_message_ref(posted.round.id, first)
            reveal = await quiz.rounds.close(posted.round.id)
            await poster.reveal(reveal)
            update = await fake.wait_for(method="chat.update")
            assert update.args["ts"] == first
            await poster.reveal(reveal)  # a retry after a crash: the reveal is in the thread
            thread = [m for m in fake.messages_in(SLACK_GENERAL) if m.get("thread_ts") == first]
            # The reveal and its card, once each.
            assert [m["text"] for m in thread] == [
                "The answer",
                f"Reveal · {reveal.question.difficulty} · choice",
            ]
            assert thread[0]["metadata"]["event_payload"] == {"round": posted.round.id}
            # A channel that is gone: the scheduler is told it is for good, on post and on reveal.
            gone = ChannelRef("slack", TEAM_ID, "C0GONE")
            lost = await quiz.rounds.post_daily(gone)
            with pytest.raises(ChannelUnavailable, match="channel_not_found"):
                await poster.post(lost, "slack:T:C0GONE:2026-11-30")
            with pytest.raises(ChannelUnavailable, match="channel_not_found"):
                await poster.reveal(await quiz.rounds.close(lost.round.id))
            await app.deps.close()  # type: ignore[attr-defined]
    finally:
        await store.close()
