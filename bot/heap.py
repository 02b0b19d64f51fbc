"""Keeping Python's cyclic garbage collector off the answer path.

A full (generation 2) collection walks every tracked object. Most of quizbot's live for the
whole process: the question library, the imported modules, the platform clients' caches of
servers, channels and members. Walking them stalled the event loop for 50-75 ms at a time on
the 2-core machine (a click arriving then waits as long: `quizbot bench discord`'s paced p99).
Once the platforms are connected, ``settle()`` collects what start-up left behind and moves the
rest to the permanent generation (``gc.freeze()``, the standard library's tool for this): later
full collections walk only what came after, 5-8 ms on the same load. Objects frozen and dropped
later stay allocated; that is at most the start-up heap, a few MB.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

# How often to look whether every platform is connected, and for how long at most.
POLL_S = 1.0
GIVE_UP_S = 600.0


def settle() -> int:
    """Collect, then freeze what is left; the number of objects frozen so far."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


async def settle_when(
    connected: Callable[[], Awaitable[bool]],
    *,
    poll_s: float = POLL_S,
    give_up_s: float = GIVE_UP_S,
) -> None:
    """``settle()`` once ``connected()`` says so (every platform's caches are filled), or after
    ``give_up_s`` whatever it says: a platform that never connects must not keep the heap
    unfrozen for good."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + give_up_s
    # Polled: the platforms' health checks are plain functions, with no event to wait on.
    while loop.time() < deadline and not await connected():  # noqa: ASYNC110
        await asyncio.sleep(poll_s)
    frozen = settle()
    log.info("heap settled: %d start-up objects kept out of the garbage collector's walks", frozen)
