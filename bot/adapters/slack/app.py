"""Building the bolt app: listeners grouped by kind, and one delivery per retried request."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.logger import get_bolt_logger
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import actions, admin, cards, commands, events, oauth, review
from bot.adapters.slack import reports as report_listeners
from bot.adapters.slack.context import SlackDeps
from bot.core.permissions import AdminPolicy
from bot.core.quiz import Quiz

log = logging.getLogger(__name__)


class _NoTokenSkippedWarning(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN from the environment by itself and, given our client (which
    carries that same token), warns that "`token` will be unused": true, and only misleading."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


get_bolt_logger(AsyncApp).addFilter(_NoTokenSkippedWarning())


def delivery_key(body: dict[str, Any]) -> str | None:
    """What identifies one delivery, so that Slack's retries of it are dropped."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("type") in {"block_actions", "view_submission"}:
        action_ts = "".join(str(a.get("action_ts", "")) for a in body.get("actions", []))
        return f"{body.get('type')}:{body.get('trigger_id')}:{action_ts}"
    return None


class OnceEach(AsyncMiddleware):
    """Drops Slack's re-deliveries (``X-Slack-Retry-Num``) of what was already handled. A
    middleware class rather than a function: bolt injects no arguments into it, which on
    every click costs more than the check itself."""

    def __init__(self, deps: SlackDeps) -> None:
        self._deps = deps

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        key = delivery_key(req.body)
        retried = req.headers.get("x-slack-retry-num")
        if key is not None and not self._deps.first_delivery(key) and retried:
            log.info("dropped Slack's retry %s of %s", retried, key)
            return BoltResponse(status=200, body="")
        return await next()


def build_app(
    quiz: Quiz,
    *,
    token: str,
    signing_secret: str | None = None,
    client: AsyncWebClient | None = None,
    admins: AdminPolicy | None = None,
    oauth_config: oauth.OAuthConfig | None = None,
) -> AsyncApp:
    app = AsyncApp(
        # The token lives in the client (bolt warns when it is given both).
        signing_secret=signing_secret or "socket-mode-needs-no-secret",
        client=client or AsyncWebClient(token=token),
        request_verification_enabled=signing_secret is not None,
        # With OAuth, each workspace's token comes from its installation instead.
        **oauth.bolt_oauth(oauth_config, quiz.context.store),
    )
    deps = SlackDeps(quiz, admins or AdminPolicy())

    app.middleware(OnceEach(deps))
    # Bolt tries listeners in the order they were added: answer clicks, the busiest by far,
    # are matched first.
    actions.register(app, deps)
    commands.register(app, deps)
    admin.register(app, deps)
    events.register(app, deps)
    oauth.register(app)
    review.register(app, deps)
    cards.register(app, deps)
    report_listeners.register(app, deps)
    app.deps = deps  # type: ignore[attr-defined]
    return app
