"""Slack OAuth ("Add to Slack"): one deployment serving every workspace that installs it.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, bolt serves ``/slack/install`` and
``/slack/oauth_redirect``; installations and states live in quizbot's own database
(``installs.py``), each request is authorized with its workspace's bot token, and the scheduler
posts with the token of the workspace that owns the channel."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.installs import SlackInstallationStore, SlackStateStore
from bot.config import Settings
from bot.core.ports import InstallationStore
from bot.core.scheduler import ChannelUnavailable

log = logging.getLogger(__name__)

# The bot scopes of slack-manifest.yml (a test keeps them equal): what "Add to Slack" asks for.
MANIFEST_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "users:read",
    "files:write",
    "im:write",
    "im:history",
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600
NOT_INSTALLED = "app_uninstalled"
# What a person in a workspace without an installation sees (bolt answers before any listener).
NOT_INSTALLED_TEXT = "quizbot is not installed in this workspace."
AUTHORIZE_PATH = "oauth/v2/authorize"


@dataclass(frozen=True, slots=True)
class OAuthConfig:
    client_id: str
    client_secret: str = field(repr=False)
    scopes: tuple[str, ...] = MANIFEST_SCOPES
    redirect_uri: str | None = None
    """Empty: the first Redirect URL of the app's settings on api.slack.com."""
    api_url: str = AsyncWebClient.BASE_URL
    state_seconds: int = STATE_SECONDS

    @classmethod
    def from_settings(cls, settings: Settings) -> OAuthConfig | None:
        """None in the single-token mode (SLACK_BOT_TOKEN)."""
        if not settings.slack_client_id or settings.slack_client_secret is None:
            return None
        return cls(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.get_secret_value(),
            scopes=tuple(settings.slack_scope_list) or MANIFEST_SCOPES,
            redirect_uri=settings.slack_redirect_uri or None,
            api_url=settings.slack_api_url or AsyncWebClient.BASE_URL,
        )

    @property
    def authorization_url(self) -> str:
        """Slack's authorize page beside its Web API: https://slack.com/oauth/v2/authorize for
        https://slack.com/api/ (GovSlack and proxies alike)."""
        return re.sub(r"/api/?$", "/", self.api_url.rstrip("/") + "/") + AUTHORIZE_PATH


def bolt_oauth(config: OAuthConfig | None, store: InstallationStore) -> dict[str, Any]:
    """The AsyncApp arguments for OAuth (none in the single-token mode)."""
    if config is None:
        return {}
    installations = SlackInstallationStore(store, config.client_id)
    settings = AsyncOAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=list(config.scopes),
        user_scopes=[],
        redirect_uri=config.redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=config.authorization_url,
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=SlackStateStore(store, config.state_seconds),
        state_expiration_seconds=config.state_seconds,
        logger=log,
    )
    return {
        "oauth_settings": settings,
        # bolt's own, with its auth.test answers cached per token: without the cache every
        # click would cost one more call to Slack. The token itself is looked up each time,
        # so an uninstalled workspace is refused at once.
        "authorize": AsyncInstallationStoreAuthorize(
            logger=log,
            installation_store=installations,
            client_id=config.client_id,
            client_secret=config.client_secret,
            bot_only=True,
            cache_enabled=True,
        ),
        "installation_store_bot_only": True,
        "user_facing_authorize_error_message": NOT_INSTALLED_TEXT,
    }


def register(app: AsyncApp) -> None:
    """Uninstalls and revoked tokens: with OAuth, the workspace's installation is deleted
    (bolt's listeners); with one token, the log says the token no longer works."""
    if app.oauth_flow is not None:
        app.event("app_uninstalled")(app.default_app_uninstalled_event_listener())
        app.event("tokens_revoked")(app.default_tokens_revoked_event_listener())
        return

    @app.event("app_uninstalled")
    async def uninstalled(body: dict[str, Any]) -> None:
        log.warning(
            "quizbot was removed from Slack workspace %s: SLACK_BOT_TOKEN no longer works",
            body.get("team_id"),
        )

    @app.event("tokens_revoked")
    async def revoked(body: dict[str, Any]) -> None:
        log.warning("Slack revoked tokens of workspace %s", body.get("team_id"))


class WorkspaceClients:
    """The Web API client for a workspace: the one client in the single-token mode, else one
    with the bot token of the workspace's installation (on the same session and base URL)."""

    def __init__(self, app: AsyncApp) -> None:
        self._client = app.client
        store = app.installation_store
        self._installations = store if isinstance(store, SlackInstallationStore) else None

    async def client_for(self, team: str) -> AsyncWebClient:
        if self._installations is None:
            return self._client
        bot = await self._installations.async_find_bot(enterprise_id=None, team_id=team)
        if bot is None:
            raise ChannelUnavailable(NOT_INSTALLED)
        base = self._client
        return AsyncWebClient(
            token=bot.bot_token,
            base_url=base.base_url,
            timeout=base.timeout,
            ssl=base.ssl,
            proxy=base.proxy,
            session=base.session,
            headers=base.headers,
            logger=base.logger,
            retry_handlers=base.retry_handlers,
        )


class RedactTokens(logging.Filter):
    """slack_sdk logs every response body at DEBUG, oauth.v2.access's tokens included."""

    TOKEN = re.compile(r"xox[abposre]-[A-Za-z0-9-]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.TOKEN.search(message):
            record.msg, record.args = self.TOKEN.sub("xox?-(redacted)", message), None
        return True


for _name in ("slack_sdk.web.async_base_client", "slack_sdk.web.base_client"):
    logging.getLogger(_name).addFilter(RedactTokens())
