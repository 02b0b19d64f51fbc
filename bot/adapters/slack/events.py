"""The App Home tab: your stats, the boards and the next scheduled questions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import blocks, review
from bot.adapters.slack.cards import board_button, stats_button
from bot.adapters.slack.context import SlackDeps, user_ref
from bot.adapters.slack.reports import admin_home_blocks
from bot.core.periods import Period

MAX_CHANNEL_BOARDS = 5  # a Home view holds at most 100 blocks


async def home_view(deps: SlackDeps, team: str, user_id: str) -> dict[str, Any]:
    quiz = deps.quiz
    stats = await quiz.boards.stats(user_ref(team, user_id))
    week = await quiz.boards.workspace("slack", team, Period.WEEK)
    every = await quiz.boards.workspace("slack", team, Period.ALL)
    schedules = await quiz.schedules.of_workspace("slack", team)
    now = datetime.now(UTC)
    upcoming = [
        f"<#{s.channel.channel}>: <!date^{int(s.next_post(now).timestamp())}^"
        f"{{date_short_pretty}} {{time}}|{s.next_post(now):%Y-%m-%d %H:%M} UTC>"
        for s in schedules
        if not s.paused
    ]
    channel_boards = []
    for schedule in schedules[:MAX_CHANNEL_BOARDS]:
        board = await quiz.boards.channel(schedule.channel, Period.WEEK)
        channel_boards.append(blocks.section(f"<#{schedule.channel.channel}>"))
        channel_boards += blocks.board_blocks(board, Period.WEEK)
        channel_boards.append(board_button(Period.WEEK, "channel", schedule.channel.channel))
    body = [
        {"type": "header", "text": blocks._plain("quizbot")},
        *blocks.stats_blocks(stats),
        *review.home_blocks(stats.review or await quiz.review.summary(user_ref(team, user_id))),
        stats_button(user_id),
        {"type": "divider"},
        *blocks.board_blocks(week, Period.WEEK),
        board_button(Period.WEEK, "workspace"),
        *blocks.board_blocks(every, Period.ALL),
        board_button(Period.ALL, "workspace"),
        *channel_boards,
        {"type": "divider"},
        blocks.section("*Next questions*\n" + ("\n".join(upcoming) or "Nothing scheduled.")),
    ]
    return {"type": "home", "blocks": body}


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.event("app_home_opened")
    async def home(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        team = str(body.get("team_id", ""))
        user_id = str(event["user"])
        view = await home_view(deps, team, user_id)
        view["blocks"] += await admin_home_blocks(deps, client, team, user_id)
        await client.views_publish(user_id=user_id, view=view)
