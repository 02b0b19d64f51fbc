"""Scheduler leadership: of several quizbot processes on one database, only the one holding the
scheduler lease posts and reveals; the others stand by.

A standby tries the lease every ``poll_s`` seconds, so it takes over at most that long after
the leader's lease is freed (a dead leader's lock goes with its process or database session). A
leader re-checks the lease on the same beat and stops scheduling as soon as it learns it lost
it. Even if two ever scheduled at once, the (channel, day) claim keeps each post exactly-once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.core.ports import SchedulerLease

log = logging.getLogger(__name__)

Pause = Callable[[float], Awaitable[None]]


class Leadership:
    """Runs ``lead()`` (the scheduler's ``run``) only while ``lease`` is held."""

    def __init__(
        self,
        lease: SchedulerLease,
        lead: Callable[[], Coroutine[Any, Any, None]],
        *,
        poll_s: float,
        pause: Pause = asyncio.sleep,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        self.lease = lease
        self.poll_s = poll_s
        self._lead = lead
        self._pause = pause
        self._on_change = on_change
        self._work: asyncio.Task[None] | None = None
        self._lease_failing = False

    @property
    def leading(self) -> bool:
        return self._work is not None

    async def run(self) -> None:
        """Poll the lease until cancelled; what kills the scheduler ends this too."""
        try:
            while True:
                held = await self._held()
                if held and self._work is None:
                    log.info("scheduler: this process is the leader now; scheduling")
                    self._work = asyncio.create_task(self._lead(), name="quizbot-scheduler-lead")
                    self._changed(True)
                elif not held and self._work is not None:
                    await self._stop_leading()
                    log.warning("scheduler: lost the lease; stopped scheduling, standing by")
                if self._work is not None and self._work.done():
                    work, self._work = self._work, None
                    self._changed(False)
                    work.result()  # the scheduler failed: raise why, as it did before
                    raise RuntimeError("the scheduler stopped by itself")
                await self._wait()
        finally:
            if self._work is not None:
                await self._stop_leading()
                log.info("scheduler: stopped leading (quizbot is stopping)")
            await self.lease.release()

    async def _held(self) -> bool:
        try:
            held = await self.lease.acquire()
        except Exception as exc:
            # The database is away: nobody can be sure of leading, so this process stops
            # scheduling until the lease answers again. Said once, not every poll.
            failing_before, self._lease_failing = self._lease_failing, True
            if not failing_before:
                log.warning(
                    "scheduler: cannot check the lease (%s); not scheduling", exc, exc_info=True
                )
            return False
        if self._lease_failing:
            log.info("scheduler: the lease answers again")
        self._lease_failing = False
        return held

    async def _wait(self) -> None:
        """The poll interval, cut short if the scheduler stops."""
        pause = asyncio.ensure_future(self._pause(self.poll_s))
        waiting: set[asyncio.Future[Any]] = {pause}
        if self._work is not None:
            waiting.add(self._work)
        try:
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            pause.cancel()

    async def _stop_leading(self) -> None:
        work, self._work = self._work, None
        if work is None:
            return
        work.cancel()
        # Not ``await work``: suppressing its CancelledError would swallow this task's own.
        await asyncio.wait({work})
        self._changed(False)
        if not work.cancelled() and work.exception() is not None:
            log.error("scheduler failed as it stopped", exc_info=work.exception())

    def _changed(self, leading: bool) -> None:
        if self._on_change is not None:
            self._on_change(leading)
