"""Running a real bolt ``AsyncApp`` against the fake: its Web API client, its HTTP request URL
served in the test's loop, and a Socket Mode connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.testing.slack.server import FakeSlack

EVENTS_PATH = "/slack/events"


def web_client(fake: FakeSlack, token: str = "xoxb-fake") -> AsyncWebClient:
    """The client to build the app with: ``AsyncApp(client=web_client(fake), ...)``. Bolt
    copies its ``base_url`` into every request's client, ``say``/``client`` included."""
    # The trailing slash of api_url matters: urljoin would drop "api" without it.
    return AsyncWebClient(token=token, base_url=fake.api_url)


@asynccontextmanager
async def running_app(app: AsyncApp, *, path: str = EVENTS_PATH) -> AsyncIterator[str]:
    """Serve ``app`` (``app.web_app``, bolt's own aiohttp adapter) on 127.0.0.1 at a free
    port in the running loop (``app.start()`` would block and make its own loop) and yield
    the request URL to post signed requests to."""
    runner = web.AppRunner(app.web_app(path=path), shutdown_timeout=1.0, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def socket_mode(
    app: AsyncApp,
    fake: FakeSlack,
    app_token: str = "xapp-fake",
    *,
    connect_timeout: float = 5.0,
) -> AsyncIterator[AsyncSocketModeHandler]:
    """Connect ``app`` over Socket Mode and yield the handler once the fake said ``hello``.

    The handler asks ``apps.connections.open`` through the app's client (so build the app
    with ``web_client(fake)``) and connects to the URL the fake returns; then
    ``fake.send_envelope(...)`` and ``fake.wait_for_ack(...)``."""
    handler = AsyncSocketModeHandler(app, app_token)
    try:
        # The SDK retries a failed connect forever: bound it.
        await asyncio.wait_for(
            handler.connect_async(),  # type: ignore[no-untyped-call]  # unannotated in bolt
            connect_timeout,
        )
        await fake.wait_socket_connected(connect_timeout)
        yield handler
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]  # unannotated in bolt
