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
from bot.adapters.slack.oauth import WorkspaceClients
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
    def __init__(
        self, client: AsyncWebClient, deps: SlackDeps, clients: WorkspaceClients | None = None
    ) -> None:
        self.client = client
        self.deps = deps
        # With OAuth: the token of the workspace that owns the channel.
        self.clients = clients

    async def _client(self, team: str) -> AsyncWebClient:
        return self.client if self.clients is None else await self.clients.client_for(team)

    async def post(self, posted: Posted, nonce: str) -> str:
        """Post once: a retry after a crash finds the first message (by its metadata) in the
        channel's recent history instead of posting a second one."""
        channel = posted.round.channel.channel
        with _gone_for_good():
            client = await self._client(posted.round.channel.workspace)
            earlier = await self._earlier(client, channel, nonce)
            if earlier is not None:
                return earlier
            title = self.deps.title(posted.question.bank)
            sent = await client.chat_postMessage(
                channel=channel,
                text=f"Daily question: {posted.question.prompt}",
                blocks=blocks.question_blocks(posted.question, title, posted.round),
                metadata={"event_type": EVENT_TYPE, "event_payload": {"nonce": nonce}},
            )
        return str(sent["ts"])

    async def _earlier(self, client: AsyncWebClient, channel: str, nonce: str) -> str | None:
        # The channel's latest messages: a retry comes minutes after the first try, and
        # Slack's clock, not ours, dates the messages.
        history = await client.conversations_history(
            channel=channel, include_all_metadata=True, limit=RECENT
        )
        for message in history.get("messages") or []:
            metadata: dict[str, Any] = message.get("metadata") or {}
            if (metadata.get("event_payload") or {}).get("nonce") == nonce:
                return str(message["ts"])
        return None

    async def reveal(self, reveal: Reveal) -> None:
        with _gone_for_good():
            client = await self._client(reveal.round.channel.workspace)
            await show_reveal(client, self.deps, reveal)

    async def send_reminder(self, user: UserRef, due: int, nonce: str) -> None:
        # In OAuth mode the DM goes out with the token of the person's own workspace.
        await send_reminder(await self._client(user.workspace), user, due, nonce)


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
