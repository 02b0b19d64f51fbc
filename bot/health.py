"""The health endpoint: ``GET /health`` says whether quizbot can do its job.

200 and ``"status": "ok"`` when the database takes a write lock and every registered platform
reports connected; 503 and ``"status": "failing"`` otherwise, with the reason in the body.
``quizbot health`` asks it (the Docker healthcheck), so the image needs no curl.
``GET /metrics`` on the same server gives Prometheus metrics (``bot.metrics``).

Platforms report through ``PLATFORMS``, a registry of zero-argument callables returning whether
the platform is connected (a plain bool or an awaitable one). An adapter registers its real check
once its client exists, for example::

    from bot.health import PLATFORMS

    PLATFORMS.register("discord", client.is_ready)                       # discord.py
    PLATFORMS.register("slack", handler.client.is_connected)             # Socket Mode (async)

Until it does, ``quizbot run`` registers a stand-in that reports the platform's task as
connected while it runs.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.store.errors import StoreError
from bot.store.factory import AnyStore
from bot.store.postgres import PostgresStore

log = logging.getLogger(__name__)

Check = Callable[[], bool | Awaitable[bool]]

# Docker gives the whole `quizbot health` run 5 s (compose timeout): the write probe must answer
# well within that, process start-up included.
DB_TIMEOUT_S = 3.0


class PlatformRegistry:
    """Platform name -> a callable saying whether it is connected right now."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def register(self, name: str, connected: Check) -> None:
        """Report ``name`` through ``connected`` (replacing any earlier check of that name)."""
        self._checks[name] = connected

    def unregister(self, name: str) -> None:
        self._checks.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._checks

    async def status(self) -> dict[str, bool]:
        found: dict[str, bool] = {}
        for name, check in list(self._checks.items()):
            try:
                result = check()
                if inspect.isawaitable(result):
                    result = await result
                found[name] = bool(result)
            except Exception:
                # A check that breaks is a platform we cannot vouch for.
                log.exception("health check of %s failed", name)
                found[name] = False
        return found


# The process-wide registry `quizbot run` serves; tests build their own.
PLATFORMS = PlatformRegistry()


def _nothing(conn: sqlite3.Connection) -> None:
    """An empty unit of work: the writer's BEGIN IMMEDIATE ... COMMIT around it takes the
    database's write lock, which is what every click needs."""


async def database_status(store: AnyStore, within_s: float = DB_TIMEOUT_S) -> dict[str, Any]:
    """Whether the store's single writer can take the write lock now, and how long it took."""
    started = time.perf_counter()
    error: str | None = None
    if isinstance(store, PostgresStore):
        error = await store.ping(within_s)
        return {
            "writable": error is None,
            "error": error,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    try:
        await asyncio.wait_for(store.writer.run(_nothing), within_s)
    except TimeoutError:
        error = (
            f"database {store.path}: no write lock within {within_s:g} s "
            "(another process holds it, or the writer is stuck)"
        )
    except StoreError as exc:
        error = str(exc)
    return {
        "writable": error is None,
        "error": error,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }


async def report(store: AnyStore, platforms: PlatformRegistry) -> dict[str, Any]:
    database = await database_status(store)
    connected = await platforms.status()
    failing = [] if database["writable"] else ["database not writable"]
    failing += [f"{name} not connected" for name, up in sorted(connected.items()) if not up]
    return {
        "status": "failing" if failing else "ok",
        "reasons": failing,
        "database": database,
        "platforms": connected,
    }


class HealthServer:
    """``GET /health`` on ``host:port`` (port 0: any free port, see ``port`` once started)."""

    def __init__(
        self, store: AnyStore, platforms: PlatformRegistry, *, host: str, port: int
    ) -> None:
        self._store = store
        self._platforms = platforms
        self._host = host
        self._port = port
        self.port: int | None = None
        app = web.Application()
        app.router.add_get("/health", self._health)
        app.router.add_get("/metrics", self._metrics)
        # No access log: the healthcheck would write a line every 30 s.
        self._runner = web.AppRunner(app, access_log=None)

    async def start(self) -> int:
        """Listen; OSError if the address is taken."""
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self._host, self._port).start()
        except BaseException:
            await self._runner.cleanup()
            raise
        self.port = int(self._runner.addresses[0][1])
        return self.port

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _health(self, request: web.Request) -> web.Response:
        body = await report(self._store, self._platforms)
        if body["status"] != "ok":
            log.warning("health: failing (%s)", "; ".join(body["reasons"]))
        return web.json_response(body, status=200 if body["status"] == "ok" else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        from prometheus_client import CONTENT_TYPE_LATEST

        from bot.metrics import METRICS

        return web.Response(body=METRICS.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def serve_health(
    store: AnyStore, platforms: PlatformRegistry, *, host: str, port: int
) -> HealthServer | None:
    """Start the endpoint for ``quizbot run``; a taken port is logged, never fatal (the bot
    matters more than its health report, and Docker then reports the container unhealthy)."""
    server = HealthServer(store, platforms, host=host, port=port)
    try:
        bound = await server.start()
    except OSError as exc:
        log.error(
            "health endpoint not started: cannot listen on %s:%d (%s); "
            "set QUIZBOT_HEALTH_PORT to a free port",
            host,
            port,
            exc.strerror or exc,
        )
        return None
    log.info("health endpoint on http://%s:%d/health", host, bound)
    return server


async def ask(url: str, *, within_s: float = 4.0) -> tuple[bool, str]:
    """``quizbot health``: (healthy, what to print)."""
    import aiohttp

    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=within_s)) as session,
            session.get(url) as response,
        ):
            text = await response.text()
            return response.status == 200, text
    except TimeoutError:
        return False, f"no answer from {url} within {within_s:g} s"
    except aiohttp.ClientError as exc:
        return False, f"cannot reach {url}: {exc}"
