"""The scheduler's Slack side: put a scheduled round in its channel, reveal it later."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import blocks
from bot.adapters.slack.admin import show_reveal
from bot.adapters.slack.context import SlackDeps
from bot.adapters.slack.review import send_reminder
from bot.core.outcomes import Posted, Reveal
from bot.core.rounds import UserRef
from bot.core.scheduler import ChannelUnavailable

EVENT_TYPE = "quizbot_round"
RECENT = 100
# Errors that will not go away by trying again: the schedule is disabled instead.
GONE = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "account_inactive", "missing_scope",
     "invalid_auth", "token_revoked"}
)  # fmt: skip


class SlackPoster:
    def __init__(self, client: AsyncWebClient, deps: SlackDeps) -> None:
        self.client = client
        self.deps = deps

    async def post(self, posted: Posted, nonce: str) -> str:
        """Post once: a retry after a crash finds the first message (by its metadata) in the
        channel's recent history instead of posting a second one."""
        channel = posted.round.channel.channel
        with _gone_for_good():
            earlier = await self._earlier(channel, nonce)
            if earlier is not None:
                return earlier
            title = self.deps.title(posted.question.bank)
            sent = await self.client.chat_postMessage(
                channel=channel,
                text=f"Daily question: {posted.question.prompt}",
                blocks=blocks.question_blocks(posted.question, title, posted.round),
                metadata={"event_type": EVENT_TYPE, "event_payload": {"nonce": nonce}},
            )
        return str(sent["ts"])

    async def _earlier(self, channel: str, nonce: str) -> str | None:
        # The channel's latest messages: a retry comes minutes after the first try, and
        # Slack's clock, not ours, dates the messages.
        history = await self.client.conversations_history(
            channel=channel, include_all_metadata=True, limit=RECENT
        )
        for message in history.get("messages") or []:
            metadata: dict[str, Any] = message.get("metadata") or {}
            if (metadata.get("event_payload") or {}).get("nonce") == nonce:
                return str(message["ts"])
        return None

    async def reveal(self, reveal: Reveal) -> None:
        with _gone_for_good():
            await show_reveal(self.client, self.deps, reveal)

    async def send_reminder(self, user: UserRef, due: int, nonce: str) -> None:
        await send_reminder(self.client, user, due, nonce)


@contextmanager
def _gone_for_good() -> Iterator[None]:
    """A Slack error that trying again will not cure says so: ChannelUnavailable."""
    try:
        yield
    except SlackApiError as exc:
        error = str(exc.response.get("error", ""))
        if error in GONE:
            raise ChannelUnavailable(error) from exc
        raise
