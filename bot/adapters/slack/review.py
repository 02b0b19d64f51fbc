"""Spaced review on Slack: /quiz review and /quiz remind (through ``commands``), the App Home's
"N reviews due" button, and reminders as DMs from the app."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.review_text import nothing_due_text, reminder_message, review_heading
from bot.adapters.slack import blocks
from bot.adapters.slack.context import SlackDeps, channel_ref, team_of, user_ref
from bot.adapters.text import refusal_text
from bot.core.outcomes import QuizError
from bot.core.reminders import DirectRefused
from bot.core.review import NothingDue, ReviewQuestion
from bot.core.review_cards import ReviewSummary
from bot.core.rounds import ChannelRef, UserRef

log = logging.getLogger(__name__)

START = "review_start"
EVENT_TYPE = "quizbot_reminder"
RECENT = 20
# The person takes no DMs from the app (or is gone): reminders are switched off, not retried.
DM_REFUSED = frozenset(
    {"cannot_dm_bot", "user_not_found", "messages_tab_disabled", "user_disabled",
     "account_inactive", "not_allowed"}
)  # fmt: skip


def review_blocks(deps: SlackDeps, result: ReviewQuestion | NothingDue) -> list[blocks.Block]:
    if isinstance(result, NothingDue):
        return [blocks.section(nothing_due_text(result))]
    title = deps.title(result.question.bank)
    return blocks.question_blocks(
        result.question, title, result.round, heading=review_heading(result)
    )


def start_button(label: str) -> blocks.Block:
    return {
        "type": "actions",
        "elements": [
            {"type": "button", "action_id": START, "text": blocks._plain(label), "value": "start"}
        ],
    }


def home_blocks(summary: ReviewSummary) -> list[blocks.Block]:
    """The App Home's review line: "N reviews due" and a button that starts them."""
    if not summary.due_now:
        return []
    noun = "review" if summary.due_now == 1 else "reviews"
    return [
        blocks.section(f"*🔁 {summary.due_now} {noun} due*"),
        start_button("Start review"),
    ]


async def open_dm(client: AsyncWebClient, user_id: str) -> str:
    opened = await client.conversations_open(users=user_id)
    return str(opened["channel"]["id"])


async def send_reminder(client: AsyncWebClient, user: UserRef, due: int, nonce: str) -> None:
    """A DM from the app, once per nonce: a retry finds the first one by its metadata."""
    try:
        channel = await open_dm(client, user.user)
        history = await client.conversations_history(
            channel=channel, include_all_metadata=True, limit=RECENT
        )
        for message in history.get("messages") or []:
            metadata: dict[str, Any] = message.get("metadata") or {}
            if (metadata.get("event_payload") or {}).get("nonce") == nonce:
                return
        text = reminder_message(due)
        await client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=[blocks.section(text), start_button("Start review")],
            metadata={"event_type": EVENT_TYPE, "event_payload": {"nonce": nonce}},
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error", ""))
        if error in DM_REFUSED:
            raise DirectRefused(error) from exc
        raise


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.action(START)
    async def start(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        """From the App Home or a reminder: the next due question, in the app's DM."""
        await ack()
        team = team_of(body)
        person = body["user"]
        user = user_ref(team, str(person["id"]), str(person.get("username") or ""))
        channel_id = await open_dm(client, user.user)
        dm: ChannelRef = channel_ref(team, channel_id)
        try:
            found = review_blocks(deps, await deps.quiz.review.start(user, dm))
        except QuizError as exc:
            found = [blocks.section(refusal_text(exc))]
        await client.chat_postMessage(channel=channel_id, text="Review", blocks=found)
