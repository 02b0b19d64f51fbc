"""Group commit on PostgreSQL: the work that arrives together shares one transaction.

Every click on its own pays BEGIN, its reads, its writes and COMMIT: four round trips, a WAL
flush and a pool connection each, and under a burst the clicks queue for the pool (100 clickers
on 10 connections waited 0.1-1 s). A ``Batcher`` collects what callers hand it during one turn
of the event loop and runs it as one batch on one connection; while ``parallel`` batches are in
flight, newcomers wait for the next. A batch function does the whole run in a fixed number of
round trips. If it fails (a deadlock the server broke, a constraint, a bug), the batch was
rolled back: each item is then run on its own by ``alone``, so one bad item fails alone and the
others are recorded as if they had come one by one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import asyncpg

from bot.store.postgres.base import Connection

log = logging.getLogger(__name__)

I = TypeVar("I")  # noqa: E741 - an item
R = TypeVar("R")

MAX_BATCH = 32


class Batcher(Generic[I, R]):
    def __init__(
        self,
        pool: Callable[[], asyncpg.Pool],
        batch: Callable[[Connection, list[I]], Awaitable[list[R]]],
        alone: Callable[[Connection, I], Awaitable[R]],
        *,
        parallel: int = 2,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._pool = pool
        self._batch = batch
        self._alone = alone
        self._parallel = parallel
        self._max_batch = max_batch
        self._pending: list[tuple[I, asyncio.Future[R]]] = []
        self._running: set[asyncio.Task[None]] = set()
        self._scheduled = False
        self.batches = 0

    def submit(self, item: I) -> asyncio.Future[R]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._pending.append((item, future))
        if not self._scheduled and len(self._running) < self._parallel:
            # Everything handed over in this turn of the loop joins the batch.
            self._scheduled = True
            loop.call_soon(self._start)
        return future

    def _start(self) -> None:
        self._scheduled = False
        while self._pending and len(self._running) < self._parallel:
            jobs = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            task = asyncio.create_task(self._run(jobs), name="quizbot-pg-batch")
            self._running.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if self._pending and not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._start)

    async def _run(self, jobs: list[tuple[I, asyncio.Future[R]]]) -> None:
        try:
            async with self._pool().acquire() as conn:
                if len(jobs) > 1:
                    try:
                        results = await self._batch(conn, [item for item, _ in jobs])
                    except Exception as exc:  # noqa: BLE001 - each item meets it again alone
                        # Rolled back: recorded one by one below, each with its own outcome.
                        log.info("a batch of %d failed (%s); running each alone", len(jobs), exc)
                    else:
                        self.batches += 1
                        for (_, future), result in zip(jobs, results, strict=True):
                            if not future.done():
                                future.set_result(result)
                        return
                for item, future in jobs:
                    if future.done():
                        continue  # its caller was cancelled: nothing to record for it
                    try:
                        result = await self._alone(conn, item)
                    except Exception as exc:  # noqa: BLE001 - handed to the awaiting caller
                        future.set_exception(exc)
                    else:
                        future.set_result(result)
        except BaseException as exc:
            # No connection, or the task itself was cancelled (the store is closing): every
            # caller still waiting hears why.
            for _, future in jobs:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise

    async def drain(self) -> None:
        """Until nothing is pending or in flight (before the pool closes)."""
        while self._pending or self._running:
            if self._running:
                await asyncio.wait(set(self._running))
            else:
                await asyncio.sleep(0)
