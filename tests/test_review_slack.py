"""Spaced review and reminders on Slack: a real bolt app, signed requests, the fake Slack."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from test_slack import SECRET, Stack, click, command, post, stack_of, text_of

from bot.adapters.slack.poster import SlackPoster
from bot.core.clock import FakeClock
from bot.core.rounds import ChannelRef
from bot.core.scheduler import Scheduler
from bot.testing.slack import (
    GENERAL_ID,
    MEMBER,
    TEAM_ID,
    app_home_opened_request,
    block_actions_request,
    button_action,
    post_to_app,
)

GENERAL = ChannelRef("slack", TEAM_ID, GENERAL_ID)


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    from test_slack import CHOICE_BANK

    async with stack_of(tmp_path, [CHOICE_BANK]) as found:
        yield found


def clock_of(stack: Stack) -> FakeClock:
    clock = stack.quiz.context.clock
    assert isinstance(clock, FakeClock)
    return clock


async def miss_the_daily(stack: Stack) -> None:
    daily = await post(stack)
    for letter in "BCD":
        await click(stack, daily, letter)
    await stack.quiz.rounds.close_open(GENERAL)


async def test_review_on_slack_is_private_and_off_the_board(stack: Stack) -> None:
    await miss_the_daily(stack)
    assert "Nothing to review right now" in text_of(await command(stack, "review"))
    in_channel = list(stack.fake.messages_in(GENERAL_ID))

    clock_of(stack).advance(days=1)
    shown = await command(stack, "review")  # answered on the response_url: ephemeral
    assert "🔁 Review" in text_of(shown) and "Question q1?" in text_of(shown)
    message = {"ts": "1.0", "blocks": shown["blocks"]}
    assert "Think of alpha." in text_of(await click(stack, message, "B"))
    solved = text_of(await click(stack, message, "A"))
    assert "Correct!" in solved and "not counted" in solved

    assert await stack.rows("SELECT reps, recalls FROM review_cards") == [(2, 1)]
    assert stack.fake.messages_in(GENERAL_ID) == in_channel
    assert "Nothing to review right now" in text_of(await command(stack, "review"))
    assert "No points yet." in text_of(await command(stack, "leaderboard"))
    assert "Review: 0 due today" in text_of(await command(stack, "stats"))


async def test_app_home_shows_reviews_due_and_its_button_starts_them(stack: Stack) -> None:
    await miss_the_daily(stack)
    clock_of(stack).advance(days=1)
    status, _ = await post_to_app(stack.url, app_home_opened_request(SECRET, MEMBER))
    assert status == 200
    published = await stack.fake.wait_for(method="views.publish")
    view: list[dict[str, Any]] = published.args["view"]["blocks"]
    assert "🔁 1 review due" in "\n".join(text_of({"blocks": [b]}) for b in view)
    button = next(
        element
        for block in view
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "review_start"
    )

    request = block_actions_request(SECRET, [button_action(button["action_id"], button["value"])])
    since = len(stack.fake.requests)
    status, _ = await post_to_app(stack.url, request)
    assert status == 200
    await stack.fake.wait_for(method="chat.postMessage", since=since)
    dm = stack.fake.dms_to(MEMBER.id)
    assert len(dm) == 1 and "🔁 Review" in text_of(dm[0]) and "Question q1?" in text_of(dm[0])


async def test_reminders_as_dms_once_a_day_and_off_when_refused(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    await miss_the_daily(stack)
    assert "Review reminders are on" in text_of(await command(stack, "remind on 10:00 UTC"))
    assert "not a time zone" in text_of(await command(stack, "remind on 10:00 Moon/Base"))
    clock = clock_of(stack)
    poster = SlackPoster(stack.app.client, stack.app.deps)  # type: ignore[attr-defined]
    scheduler = Scheduler(stack.quiz, stack.quiz.context.store, {"slack": poster}, clock)

    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    await scheduler.tick()
    clock.advance(hours=5)
    await scheduler.tick()
    dms = stack.fake.dms_to(MEMBER.id)
    assert len(dms) == 1 and "1 review is due today" in text_of(dms[0])
    assert stack.fake.calls("conversations.open")

    stack.fake.refuse_dms(MEMBER.id, "messages_tab_disabled")
    clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    with caplog.at_level(logging.WARNING, logger="bot.core.reminders"):
        await scheduler.tick()
        clock.advance(days=1)
        await scheduler.tick()
    refused = [r for r in caplog.records if "remind-off" in r.getMessage()]
    assert len(refused) == 1 and "messages_tab_disabled" in refused[0].getMessage()
    assert await stack.rows("SELECT enabled FROM review_reminders") == [(0,)]
    to_dm = [c for c in stack.fake.calls("chat.postMessage") if c.args["channel"].startswith("D")]
    assert [c.response.get("error") for c in to_dm] == [None, "messages_tab_disabled"]
