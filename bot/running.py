"""Running quizbot as a process: the event loop and its signals, the platforms (or the console)
with the services beside them, and stopping all of it in order."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator, Collection, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console

from bot.app import App, StartupError, open_app
from bot.config import Settings

log = logging.getLogger("quizbot")


# How long each stage of stopping (the platforms, then the scheduler) may take before quizbot
# goes on without it: a stop must end, and the store must still close last.
STOP_WITHIN_S = 5.0
# The first stops quizbot cleanly; any later one while it stops is ignored rather than cutting
# short the closing of the platforms and the database.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def stderr_console() -> Console:
    """Where errors go. Not wrapped: an error is one line in a pipe or `docker logs` too, where
    rich would otherwise wrap it at 80 columns."""
    return Console(stderr=True, soft_wrap=True, highlight=False)


def run_loop(main: Coroutine[Any, Any, int]) -> int:
    """Run on uvloop where it is installed (the answer path measured 15% faster), else asyncio;
    SIGINT and SIGTERM stop it cleanly (see ``until_stopped``)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(until_stopped(main))
    return uvloop.run(until_stopped(main))


async def until_stopped(main: Coroutine[Any, Any, int]) -> int:
    """``main``'s exit code, or, when SIGINT or SIGTERM arrives first, 130 or 0 once it has
    stopped: the signal cancels it, so every ``finally`` and context exit runs in order."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    received: list[signal.Signals] = []

    def stop(signum: signal.Signals) -> None:
        if received:
            log.warning("%s: quizbot is stopping already", signum.name)
            return
        received.append(signum)
        log.info("%s: stopping", signum.name)
        task.cancel()

    installed = []
    for signum in STOP_SIGNALS:
        # Windows' loops have no signal handlers: Ctrl-C stays a KeyboardInterrupt there.
        with suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop, signum)
            installed.append(signum)
    try:
        return await main
    except asyncio.CancelledError:
        if not received:
            raise
        task.uncancel()
        return 130 if received[0] == signal.SIGINT else 0
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


def hold_standard_fds() -> None:
    """Put /dev/null on a standard descriptor the caller closed (`quizbot run <&-`, some
    daemonizers): otherwise the next socket or file takes descriptor 0-2, and uvloop aborts the
    process when it closes it."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # the lowest free descriptor: this one


def configure_logging(level: str) -> None:
    from bot.adapters.network import OneLineNetworkErrors

    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(OneLineNetworkErrors())


async def _no_backups() -> None:
    await asyncio.Event().wait()


@asynccontextmanager
async def run_services(app: App, settings: Settings) -> AsyncIterator[None]:
    """What `quizbot run` adds around the channels: the health endpoint and daily backups."""
    from bot.backups import daily_backups
    from bot.health import PLATFORMS, serve_health
    from bot.metrics import instrument
    from bot.store.sqlite import SqliteStore

    instrument(app.quiz)  # clicks by outcome and store latency, for /metrics
    health = await serve_health(
        app.store,
        PLATFORMS,
        host=settings.quizbot_health_host,
        port=settings.quizbot_health_port,
    )
    if isinstance(app.store, SqliteStore):
        backups = asyncio.create_task(
            daily_backups(
                app.store, settings.backup_dir(app.store.path), settings.quizbot_backup_keep
            ),
            name="quizbot-backups",
        )
    else:
        # PostgreSQL's backups are the server's (pg_dump, base backups), not a quizbot process's.
        backups = asyncio.create_task(_no_backups(), name="quizbot-no-backups")
    try:
        yield
    finally:
        backups.cancel()
        with suppress(asyncio.CancelledError):
            await backups
        if health is not None:
            await health.stop()


async def run_platforms(settings: Settings, platforms: list[str], *, db: Path | None) -> int:
    """Every configured platform in one process, on one database, until one of them stops or
    quizbot is told to stop."""
    from bot.core.clock import SystemClock
    from bot.core.leadership import Leadership
    from bot.core.scheduler import Poster, Scheduler
    from bot.health import PLATFORMS
    from bot.heap import settle_when
    from bot.metrics import METRICS, MeteredPosters

    async with open_app(settings, db=db) as app, run_services(app, settings):
        # Each platform adds its poster once its client exists; the scheduler posts through
        # whichever are there.
        posters: dict[str, Poster] = MeteredPosters()  # counted: posts, reveals, errors
        runs: dict[str, Coroutine[Any, Any, None]] = {}
        if "discord" in platforms:
            from bot.adapters.discord.run import run_discord

            runs["discord"] = run_discord(app, settings, posters)
        if "slack" in platforms:
            from bot.adapters.slack.run import run_slack

            runs["slack"] = run_slack(app, settings, posters)
        scheduler = Scheduler(
            app.quiz,
            app.store,
            posters,
            SystemClock(),
            grace=timedelta(minutes=settings.quizbot_grace_minutes),
        )
        tasks = {
            name: asyncio.create_task(run, name=f"quizbot-{name}") for name, run in runs.items()
        }
        for name, task in tasks.items():
            # A stand-in until the adapter registers its real check (bot/health.py): registered
            # before the task first runs, so the adapter's own registration replaces it.
            PLATFORMS.register(name, partial(_running, task))
        # Only the process holding the scheduler lease posts and reveals; others stand by.
        leadership = Leadership(
            app.store.scheduler_lease(),
            scheduler.run,
            poll_s=settings.quizbot_leader_poll_seconds,
            on_change=METRICS.leader.set,
        )
        ticking = asyncio.create_task(leadership.run(), name="quizbot-scheduler")

        async def connected() -> bool:
            return all((await PLATFORMS.status()).values())

        settling = asyncio.create_task(settle_when(connected), name="quizbot-heap")
        try:
            done, _ = await asyncio.wait(
                [*tasks.values(), ticking], return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            # In order, each awaited: the platforms first (no more clicks or commands come in,
            # and each closes its own connections), then the scheduler (no more posts); leaving
            # the contexts then stops the health endpoint and backups, and closes the store last.
            await _stop(tasks.values(), "platform")
            await _stop([ticking], "scheduler")
            await _stop([settling], "heap")
            for name in tasks:
                PLATFORMS.unregister(name)
        for task in done:
            task.result()  # the reason it stopped (a StartupError says it in one line)
        stopped = ", ".join(task.get_name().removeprefix("quizbot-") for task in done)
        log.error("%s stopped by itself; stopping quizbot", stopped)
    return 1


async def _stop(tasks: Collection[asyncio.Task[None]], what: str) -> None:
    """Cancel ``tasks`` and wait for them to finish cleaning up (at most STOP_WITHIN_S each
    stage). A task that ended before is the caller's to report; one that fails while stopping
    is logged here, so that the rest still stop."""
    ended = {task for task in tasks if task.done()}
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=STOP_WITHIN_S)
    for task in pending:
        log.warning("%s %s did not stop within %g s", what, task.get_name(), STOP_WITHIN_S)
    for task in set(tasks) - ended - pending:
        error = None if task.cancelled() else task.exception()
        if isinstance(error, StartupError):
            log.error("%s", error)
        elif error is not None:
            log.error("%s %s failed while stopping", what, task.get_name(), exc_info=error)


def _running(task: asyncio.Task[None]) -> bool:
    return not task.done()


async def run_console(
    settings: Settings,
    *,
    db: Path | None,
    banks: list[str] | None,
    user: str | None,
    channel: str,
    services: bool = False,
) -> int:
    """The terminal channel, with the scheduler posting the console's schedules into it; with
    ``services`` (`quizbot run`), the health endpoint and daily backups run beside it."""
    from bot.adapters.console.run import run_console as run_terminal

    async with AsyncExitStack() as stack:
        app = await stack.enter_async_context(open_app(settings, db=db, banks=banks))
        if services:
            await stack.enter_async_context(run_services(app, settings))
        for issue in app.bank_issues:
            stderr_console().print(f"bank not loaded: {issue}", style="red")
        console = Console(highlight=False)
        await run_terminal(
            app.quiz,
            app.store,
            console,
            channel=channel,
            user=user,
            banks=banks,
            grace=timedelta(minutes=settings.quizbot_grace_minutes),
        )
    return 0
