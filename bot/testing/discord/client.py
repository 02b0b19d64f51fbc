"""Running a real discord.py client against the fake."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

import discord
import yarl


class Endpoint(Protocol):
    """Where the client connects: the fake in this process, or one in another (a bench's
    harness), whose errors and received gateway ops are then not seen here."""

    @property
    def api_base(self) -> str: ...
    @property
    def gateway_url(self) -> yarl.URL: ...

    errors: list[BaseException]
    gateway_received: list[dict[str, Any]]


@asynccontextmanager
async def running_client(
    fake: Endpoint,
    client_factory: Callable[[], discord.Client] | discord.Client,
    *,
    token: str = "fake-token",
    ready_timeout: float = 5.0,
    reconnect: bool = False,
) -> AsyncIterator[Any]:
    """Log a real discord.py client in against ``fake`` and yield it once ready.

    Points ``discord.http.Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` at the fake
    (restored on exit, without pytest's monkeypatch, so benchmarks can use it too; one client
    at a time per process). On exit it closes the client and re-raises what killed
    ``connect()`` or broke the fake. Build clients with ``guild_ready_timeout=0.05``.
    ``reconnect=False`` makes a gateway failure end ``connect()`` with its exception."""
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = fake.api_base, fake.gateway_url
    client = client_factory if isinstance(client_factory, discord.Client) else client_factory()
    connect: asyncio.Task[None] | None = None
    try:
        await client.login(token)
        connect = asyncio.create_task(client.connect(reconnect=reconnect), name="discord-connect")
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait(
            {connect, ready}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if connect in done:
                connect.result()  # raises what killed it
                raise AssertionError("client.connect() returned before the client was ready")
            raise AssertionError(
                f"client not ready within {ready_timeout}s; gateway got "
                f"{[p.get('op') for p in fake.gateway_received]}"
            )
        yield client
    finally:
        try:
            await client.close()
            if connect is not None:
                done, _ = await asyncio.wait({connect}, timeout=5.0)
                if not done:
                    connect.cancel()
        finally:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
    # A clean close makes connect() return None; anything else is what killed it.
    if connect is not None and connect.done() and not connect.cancelled() and connect.exception():
        raise connect.exception()  # type: ignore[misc]
    if fake.errors:
        raise fake.errors[0]
