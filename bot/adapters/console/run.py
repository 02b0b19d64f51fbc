"""The console channel with the daily scheduler beside it.

A schedule set in the console (`/quiz schedule set ...`) posts and reveals here at its time,
printed while the console waits for the next line, as a platform's channel would show it.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import TextIO

from rich.console import Console

from bot.adapters.console import render
from bot.adapters.console.channel import PLATFORM, ConsoleChannel, message_ref
from bot.adapters.review_text import reminder_message
from bot.core.clock import Clock, SystemClock
from bot.core.outcomes import Posted, Reveal
from bot.core.quiz import Quiz
from bot.core.rounds import UserRef
from bot.core.scheduler import GRACE, Scheduler, SchedulerStore


class ConsolePoster:
    """The scheduler's way into the terminal: a post or a reveal is printed, never refused."""

    def __init__(self, channel: ConsoleChannel) -> None:
        self.channel = channel

    async def post(self, posted: Posted, nonce: str) -> str:
        await self.channel.show_posted(posted)
        return message_ref(posted)

    async def reveal(self, reveal: Reveal) -> None:
        self.channel.say(render.reveal(reveal))

    async def send_reminder(self, user: UserRef, due: int, nonce: str) -> None:
        """A review reminder, printed (the terminal is everyone's private channel here)."""
        self.channel.say(f"{user.display}: {reminder_message(due)}")


async def run_console(
    quiz: Quiz,
    store: SchedulerStore,
    console: Console,
    *,
    channel: str = "general",
    user: str | None = None,
    banks: list[str] | None = None,
    clock: Clock | None = None,
    grace: timedelta = GRACE,
    stream: TextIO | None = None,
) -> None:
    """Read lines until EOF or /quit, with the console's schedules posting meanwhile."""
    terminal = ConsoleChannel(quiz, console, channel=channel, user=user, banks=banks)
    scheduler = Scheduler(
        quiz, store, {PLATFORM: ConsolePoster(terminal)}, clock or SystemClock(), grace=grace
    )
    task = asyncio.create_task(scheduler.run(), name="quizbot-console-scheduler")
    try:
        await terminal.run(stream)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
