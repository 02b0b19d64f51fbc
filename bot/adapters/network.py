"""When Discord or Slack cannot be reached (no DNS, connection refused, no answer): one line that
says so, and another try after a growing pause, instead of an aiohttp traceback."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
from yarl import URL

log = logging.getLogger(__name__)

T = TypeVar("T")

# aiohttp's connection errors are OSErrors mostly, but not all (a server that hangs up).
UNREACHABLE: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectionError,
    OSError,
    TimeoutError,
)
FIRST_RETRY_S = 1.0
LONGEST_RETRY_S = 60.0


def host_of(url: str | URL) -> str:
    """``discord.com``, or ``127.0.0.1:8080`` where the port is not the scheme's own."""
    parsed = URL(str(url))
    host = parsed.host or str(url)
    return host if parsed.port is None or parsed.is_default_port() else f"{host}:{parsed.port}"


def reason(error: BaseException) -> str:
    """What went wrong, in a few words: "Connection refused", "Name or service not known"."""
    os_error = getattr(error, "os_error", None)  # aiohttp's connector errors wrap the OSError
    for candidate in (os_error, error):
        if not isinstance(candidate, OSError):
            continue
        if candidate.errno and candidate.errno > 0 and not isinstance(candidate, socket.gaierror):
            # The loop's own text is "Connect call failed ('127.0.0.1', 443)": say what failed.
            return os.strerror(candidate.errno)
        if candidate.strerror:
            return candidate.strerror  # a DNS failure: "Name or service not known"
    if isinstance(error, TimeoutError):
        return "no answer in time"
    return str(error) or type(error).__name__


async def until_reachable(
    attempt: Callable[[], Awaitable[T]],
    where: str,
    *,
    after_failure: Callable[[], Awaitable[None]] | None = None,
    also: tuple[type[BaseException], ...] = (),
    first_s: float = FIRST_RETRY_S,
    longest_s: float = LONGEST_RETRY_S,
) -> T:
    """``await attempt()`` until it gets through, waiting ``first_s``, then twice as long each
    time up to ``longest_s``. Retried: the network errors, and ``also`` (a platform's own "try
    later", such as a 5xx); any other error is ``attempt``'s to raise."""
    delay = first_s
    while True:
        try:
            return await attempt()
        except (*UNREACHABLE, *also) as error:
            log.warning(
                "cannot reach %s: %s; quizbot will retry in %g s", where, reason(error), delay
            )
        if after_failure is not None:
            await after_failure()
        await asyncio.sleep(delay)
        delay = min(delay * 2, longest_s)


class OneLineNetworkErrors(logging.Filter):
    """discord.py and slack_sdk log each reconnect after a network error with its traceback
    (~80 lines, every few seconds while the network is down): the reason is enough. Other
    errors keep their tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if (
            error is not None
            and isinstance(error, UNREACHABLE)
            and record.name.startswith(("discord", "slack"))
        ):
            record.msg = f"{record.getMessage()} ({reason(error)})"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True
