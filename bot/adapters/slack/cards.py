"""Cards on Slack: "Show as image" buttons on the board and stats replies and in the App Home,
and the reveal's card in the round's thread.

Slack has no private file: a file is shared into a conversation and everyone in it sees it. So
a board or stats card goes to the person's direct messages with quizbot (only they see it), and
the reveal's card goes where the reveal goes (the round's thread, public like the reveal).
Uploads use ``files_upload_v2`` (files.getUploadURLExternal, then files.completeUploadExternal).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.blocks import Block
from bot.adapters.slack.context import SlackDeps, channel_ref, team_of, user_ref
from bot.adapters.text import refusal_text
from bot.cards import CardRenderer, caption, filename
from bot.core.cards import Card
from bot.core.outcomes import QuizError, Reveal
from bot.core.periods import Period

log = logging.getLogger(__name__)

BOARD = "quiz_card:board"
STATS = "quiz_card:stats"
KINDS = ("channel", "workspace", "teams")
_BOARD_VALUE = re.compile(r"^(week|month|all):(channel|workspace|teams)(?::([A-Z0-9]{1,20}))?$")
_USER = re.compile(r"^[A-Z0-9]{1,20}$")
SENT = "Sent to your direct messages with quizbot (only you can see it there)."


def board_button(period: Period, kind: str, channel: str | None = None) -> Block:
    """The button under a board. Its value names the board only (period, kind, channel)."""
    value = f"{period.value}:{kind}" + (f":{channel}" if kind == "channel" and channel else "")
    return _button(BOARD, value)


def stats_button(user_id: str) -> Block:
    return _button(STATS, user_id)


def _button(action_id: str, value: str) -> Block:
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": action_id,
                "text": {"type": "plain_text", "text": "🖼️ Show as image"},
                "value": value,
            }
        ],
    }


async def share_card(
    client: AsyncWebClient, renderer: CardRenderer, card: Card, channel: str, **where: Any
) -> None:
    rendered = await renderer.render(card)
    await client.files_upload_v2(
        channel=channel, content=rendered.png, filename=filename(card), title=caption(card), **where
    )


async def share_reveal(
    client: AsyncWebClient, deps: SlackDeps, result: Reveal, thread_ts: str | None
) -> None:
    """The reveal's card in its thread. A card that cannot be drawn or shared (e.g. the app
    was installed before it asked for files:write) is logged: the reveal itself went out."""
    try:
        card = await deps.quiz.cards.reveal(result)
        if card is None:
            return
        where = {"thread_ts": thread_ts} if thread_ts else {}
        await share_card(client, deps.cards, card, result.round.channel.channel, **where)
    except SlackApiError as exc:
        log.warning(
            "could not share the reveal card of round %d: %s",
            result.round.id,
            exc.response.get("error"),
        )
    except QuizError as exc:  # the store is busy: the reveal went out without its card
        log.warning("no reveal card for round %d: %s", result.round.id, exc)
    except (OSError, ValueError):
        log.exception("could not draw the reveal card of round %d", result.round.id)


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.action(BOARD)
    async def board(
        ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        match = _BOARD_VALUE.match(str(action.get("value", "")))
        await _send(deps, client, body, None if match is None else _board_card(deps, body, match))

    @app.action(STATS)
    async def stats(
        ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        target = str(action.get("value", ""))
        making: Awaitable[Card] | None = None
        if _USER.match(target):
            making = deps.quiz.cards.progress(user_ref(team_of(body), target))
        await _send(deps, client, body, making)


async def _board_card(deps: SlackDeps, body: dict[str, Any], match: re.Match[str]) -> Card:
    period, kind, channel = Period(match.group(1)), match.group(2), match.group(3)
    team = team_of(body)
    viewer = user_ref(team, str(body["user"]["id"]))
    cards = deps.quiz.cards
    if kind == "teams":
        return await cards.team_board("slack", team, viewer, period)
    if kind == "workspace":
        return await cards.workspace_board("slack", team, viewer, period)
    channel = channel or str((body.get("channel") or {}).get("id", ""))
    return await cards.channel_board(channel_ref(team, channel), viewer, period)


async def _send(
    deps: SlackDeps, client: AsyncWebClient, body: dict[str, Any], making: Awaitable[Card] | None
) -> None:
    response_url = str(body.get("response_url") or "")
    user_id = str(body["user"]["id"])
    if making is None:
        text = "That button is out of date: ask for the board or stats again."
    else:
        try:
            card = await making
            opened = await client.conversations_open(users=user_id)
            await share_card(client, deps.cards, card, str(opened["channel"]["id"]))
            text = SENT
        except QuizError as exc:
            text = refusal_text(exc)
        except SlackApiError as exc:
            log.warning("could not share a card: %s", exc.response.get("error"))
            text = "Slack did not take the picture; please try again later."
    if response_url:  # the App Home has no response_url: the DM itself is the answer there
        await deps.reply(response_url, text=text)
