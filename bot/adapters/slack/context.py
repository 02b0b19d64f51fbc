"""What every Slack listener needs: the quiz, the admin rule, refs from payloads, replies."""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.cards import CardRenderer
from bot.core.permissions import AdminFacts, AdminPolicy
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef, UserRef

log = logging.getLogger(__name__)

PLATFORM = "slack"
SEEN_LIMIT = 10_000


class ResponseUrlClient:
    """Private answers on interactions' response_urls, all on one kept-alive session (what
    bolt's respond() does, but respond() opens a session and a connection per answer, which
    under a burst of clicks cost more than the quiz itself)."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def send(self, response_url: str, message: dict[str, Any]) -> None:
        """An ephemeral message that leaves the original in place; a refusal is logged."""
        if not response_url:
            log.warning("no response_url to answer on")
            return
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        webhook = AsyncWebhookClient(response_url, session=self._session)
        response = await webhook.send_dict(
            {"response_type": "ephemeral", "replace_original": False, **message}
        )
        if response.status_code != 200:
            log.warning("Slack refused an answer: %s %s", response.status_code, response.body)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


@dataclass
class SlackDeps:
    quiz: Quiz
    admins: AdminPolicy
    _seen: OrderedDict[str, None] = field(default_factory=OrderedDict)
    responses: ResponseUrlClient = field(default_factory=ResponseUrlClient)
    cards: CardRenderer = field(default_factory=CardRenderer)

    async def reply(self, response_url: str, **message: Any) -> None:
        """A private answer to the person who clicked or typed (see ``ResponseUrlClient``)."""
        await self.responses.send(response_url, message)

    async def close(self) -> None:
        await self.responses.close()
        self.cards.close()

    def title(self, bank_id: str) -> str:
        return self.quiz.library.title(bank_id)

    def first_delivery(self, key: str) -> bool:
        """False for a key already handled: Slack re-delivers what it thinks was lost."""
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > SEEN_LIMIT:
            self._seen.popitem(last=False)
        return True

    async def is_admin(self, client: AsyncWebClient, user_id: str) -> bool:
        """Workspace admins and owners (users.info), or ids in SLACK_ADMIN_USER_IDS; checked on
        the server for every admin command, action and view submission."""
        facts = AdminFacts(manages_workspace=False, user_id=user_id)
        if self.admins.allows(facts):
            return True
        info = await client.users_info(user=user_id)
        user = info.get("user") or {}
        return self.admins.allows(
            AdminFacts(
                manages_workspace=bool(user.get("is_admin") or user.get("is_owner")),
                user_id=user_id,
            )
        )


def user_ref(team_id: str, user_id: str, name: str = "") -> UserRef:
    return UserRef(PLATFORM, team_id, user_id, name)


def channel_ref(team_id: str, channel_id: str) -> ChannelRef:
    return ChannelRef(PLATFORM, team_id, channel_id)


def team_of(body: dict[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, dict):
        return str(team.get("id", ""))
    return str(body.get("team_id") or body.get("user", {}).get("team_id", ""))
