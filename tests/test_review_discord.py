"""Spaced review and reminders on Discord: real discord.py against the fake Discord."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_discord import CHOICE_BANK, Stack, custom_ids, post, reply, stack_of

from bot.adapters.discord.poster import DiscordPoster
from bot.core.clock import FakeClock
from bot.core.rounds import ChannelRef
from bot.core.scheduler import Scheduler
from bot.testing.discord import EPHEMERAL, GENERAL_ID, GUILD_ID, MEMBER

GENERAL = ChannelRef("discord", str(GUILD_ID), str(GENERAL_ID))


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with stack_of(tmp_path, [CHOICE_BANK]) as found:
        yield found


def clock_of(stack: Stack) -> FakeClock:
    clock = stack.quiz.context.clock
    assert isinstance(clock, FakeClock)
    return clock


async def miss_the_daily(stack: Stack) -> None:
    """MEMBER runs out of attempts on the daily question (answer A), which then closes."""
    message = await post(stack)
    ids = dict(zip("ABCD", custom_ids(message), strict=True))
    for letter in "BCD":
        await reply(stack.fake, await stack.fake.click(ids[letter], user=MEMBER))
    await stack.quiz.rounds.close_open(GENERAL)


async def test_review_brings_a_miss_back_privately_the_next_day(stack: Stack) -> None:
    await miss_the_daily(stack)
    public_before = stack.fake.messages_in(GENERAL_ID, include_ephemeral=False)
    early = await reply(stack.fake, await stack.fake.slash("quiz", "review", user=MEMBER))
    assert "Nothing to review right now" in early["text"] and early["data"]["flags"] & EPHEMERAL

    clock_of(stack).advance(days=1)
    sent = await stack.fake.slash("quiz", "review", user=MEMBER, channel_id=GENERAL_ID)
    shown = await reply(stack.fake, sent)
    assert shown["data"]["flags"] & EPHEMERAL
    assert "🔁 Review" in shown["text"] and "Question q1?" in shown["text"]
    review = stack.fake.response_message(sent)
    assert review is not None
    ids = dict(zip("ABCD", custom_ids(review), strict=True))
    wrong = await reply(stack.fake, await stack.fake.click(ids["B"], user=MEMBER))
    assert "Think of alpha." in wrong["text"]  # the same hints as the daily round
    solved = await reply(stack.fake, await stack.fake.click(ids["A"], user=MEMBER))
    assert "Correct!" in solved["text"] and "not counted" in solved["text"]

    assert await stack.rows("SELECT state, reps, recalls FROM review_cards") == [(1, 2, 1)]
    assert stack.fake.messages_in(GENERAL_ID, include_ephemeral=False) == public_before
    board = await reply(stack.fake, await stack.fake.slash("quiz", "leaderboard", user=MEMBER))
    assert "No points yet." in board["text"]
    stats = await reply(stack.fake, await stack.fake.slash("quiz", "stats", user=MEMBER))
    assert "Review: 0 due today · 0 learned of 1 · retention 100%" in stats["text"]


async def test_a_reminder_dm_once_a_day_and_a_blocked_dm_turns_it_off(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    await miss_the_daily(stack)
    on = await reply(
        stack.fake,
        await stack.fake.slash(
            "quiz", "remind", options={"switch": "on", "time": "10:00", "zone": "UTC"}, user=MEMBER
        ),
    )
    assert "Review reminders are on" in on["text"] and "10:00 UTC" in on["text"]
    bad = await reply(
        stack.fake,
        await stack.fake.slash(
            "quiz", "remind", options={"switch": "on", "time": "7pm"}, user=MEMBER
        ),
    )
    assert "not a time" in bad["text"] and bad["data"]["flags"] & EPHEMERAL

    clock = clock_of(stack)
    poster = DiscordPoster(stack.bot)
    scheduler = Scheduler(stack.quiz, stack.quiz.context.store, {"discord": poster}, clock)
    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))  # T0 is 26 Nov 09:00; due 27 Nov 09:00
    await scheduler.tick()
    clock.advance(hours=3)
    await scheduler.tick()
    dms = stack.fake.dms_to(MEMBER.id)
    assert len(dms) == 1
    assert "1 review is due today" in dms[0]["embeds"][0]["description"]

    stack.fake.block_dms(MEMBER.id)
    clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    with caplog.at_level(logging.WARNING, logger="bot.core.reminders"):
        await scheduler.tick()
        clock.advance(days=1)
        await scheduler.tick()
    refused = [record for record in caplog.records if "remind-off" in record.getMessage()]
    assert len(refused) == 1 and "50007" in refused[0].getMessage()
    assert await stack.rows("SELECT enabled FROM review_reminders") == [(0,)]
    assert len(stack.fake.dms_to(MEMBER.id)) == 1
    status = await reply(
        stack.fake, await stack.fake.slash("quiz", "remind", options={"switch": "off"}, user=MEMBER)
    )
    assert "Review reminders are off." in status["text"]
