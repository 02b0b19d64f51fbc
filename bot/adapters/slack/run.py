"""Starting quizbot on Slack: Socket Mode with SLACK_APP_TOKEN, else HTTP on SLACK_PORT."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.network import host_of, until_reachable
from bot.adapters.slack.app import build_app
from bot.adapters.slack.oauth import INSTALL_PATH, OAuthConfig, WorkspaceClients
from bot.adapters.slack.poster import SlackPoster
from bot.app import App, StartupError
from bot.config import Settings
from bot.core.permissions import AdminPolicy
from bot.core.scheduler import Poster
from bot.health import PLATFORMS
from bot.metrics import METRICS

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

TOKEN_HELP = (
    "SLACK_BOT_TOKEN was refused by Slack ({error}): copy the Bot User OAuth Token (xoxb-...) "
    "again from https://api.slack.com/apps (your app -> OAuth & Permissions)"
)


async def run_slack(app: App, settings: Settings, posters: dict[str, Poster] | None = None) -> None:
    oauth_config = OAuthConfig.from_settings(settings)  # None: the single token
    assert settings.slack_bot_token is not None or oauth_config is not None
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    if not app_token and not secret:
        raise StartupError(
            "Slack needs SLACK_APP_TOKEN (Socket Mode, no public URL) or SLACK_SIGNING_SECRET "
            "(HTTP mode on SLACK_PORT); both are on https://api.slack.com/apps"
        )
    admins = AdminPolicy.from_settings(settings.admin_roles, settings.slack_admins)
    session = aiohttp.ClientSession()  # one kept-alive pool for every Web API call
    bolt = build_app(
        app.quiz,
        token=token,
        signing_secret=secret or None,
        client=AsyncWebClient(
            token=token or None,
            session=session,
            # The trailing slash matters: urljoin drops the last path segment without it.
            base_url=settings.slack_api_url.rstrip("/") + "/"
            if settings.slack_api_url
            else AsyncWebClient.BASE_URL,
            # Slack answers 429 with Retry-After when a channel gets over ~1 message/s.
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=5)],
        ),
        admins=admins,
        oauth_config=oauth_config,
    )
    if posters is not None:
        posters["slack"] = SlackPoster(
            bolt.client,
            bolt.deps,  # type: ignore[attr-defined]
            WorkspaceClients(bolt) if oauth_config else None,
        )
    try:
        await _serve(bolt, settings, app_token)
    finally:
        await bolt.deps.close()  # type: ignore[attr-defined]
        await session.close()


async def _serve(bolt: AsyncApp, settings: Settings, app_token: str) -> None:
    # Not connected until Slack has answered (the stand-in would report the task as connected
    # while it retries).
    PLATFORMS.register("slack", _not_yet)
    if bolt.oauth_flow is not None:
        # No token of our own to check: each workspace brings its own when it installs.
        log.info("Slack OAuth: workspaces add quizbot at %s", INSTALL_PATH)
        await _http_mode(bolt, settings.slack_port, host=settings.slack_host)
        return
    try:
        # Retried while Slack cannot be reached; once connected, Socket Mode reconnects by
        # itself (every 10 s), and in HTTP mode Slack is the one that connects.
        identity = await until_reachable(bolt.client.auth_test, host_of(bolt.client.base_url))
    except SlackApiError as exc:
        raise StartupError(TOKEN_HELP.format(error=exc.response.get("error"))) from None
    log.info("connected to Slack workspace %s as %s", identity.get("team"), identity.get("user"))
    if app_token:
        await _socket_mode(bolt, app_token)
    else:
        await _http_mode(bolt, settings.slack_port, host=settings.slack_host)


async def _socket_mode(bolt: AsyncApp, app_token: str) -> None:
    handler = AsyncSocketModeHandler(bolt, app_token)
    PLATFORMS.register("slack", handler.client.is_connected)
    try:
        await handler.start_async()  # type: ignore[no-untyped-call]  # slack_bolt is untyped here
    finally:
        # The socket, its monitor and receiver tasks, and the socket's own HTTP session.
        await handler.close_async()  # type: ignore[no-untyped-call]


def _not_yet() -> bool:
    return False


def _listening() -> bool:
    return True  # in HTTP mode Slack connects to us: nothing to lose once listening


async def _http_mode(bolt: AsyncApp, port: int, *, host: str = "") -> None:
    """Serve Slack's requests on ``host`` (SLACK_HOST; empty: every interface) and ``port``."""
    web_app = bolt.web_app(path="/slack/events")
    web_app.middlewares.append(_timed_ack)
    runner = web.AppRunner(web_app)
    await runner.setup()
    bind = host.strip() or None  # None: aiohttp listens on every interface, IPv4 and IPv6
    try:
        try:
            await web.TCPSite(runner, host=bind, port=port).start()
        except OSError as exc:
            where = f"{bind}:{port}" if bind else f"port {port}"
            raise StartupError(
                f"Slack HTTP mode cannot listen on {where} ({exc.strerror or exc}): "
                "set SLACK_PORT to a free port, or SLACK_HOST to an address of this machine"
            ) from None
        log.info(
            "Slack HTTP mode: listening on %s port %d at /slack/events",
            bind or "every interface",
            port,
        )
        PLATFORMS.register("slack", _listening)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


@web.middleware
async def _timed_ack(request: web.Request, handler: Handler) -> web.StreamResponse:
    """In HTTP mode bolt answers Slack's request when the listener acks: the ack latency."""
    received = time.perf_counter()
    response = await handler(request)
    if response.status == 200:  # a refused signature, or a request bolt had no listener for
        METRICS.acked("slack", received)
    return response
