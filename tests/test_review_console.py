"""/quiz review, /quiz remind and the review stats in the console channel."""

from __future__ import annotations

import io

from conftest import MakeQuiz, make_bank
from rich.console import Console

from bot.adapters.console.channel import ConsoleChannel
from bot.core.clock import FakeClock


async def test_console_review_round_trip(make_quiz: MakeQuiz, clock: FakeClock) -> None:
    quiz = await make_quiz(make_bank("demo", easy=2))
    out = io.StringIO()
    terminal = ConsoleChannel(quiz, Console(file=out, width=100), user="Ann")

    async def say(line: str) -> str:
        start = out.tell()
        await terminal.handle(line)
        return out.getvalue()[start:]

    assert "Nothing to review yet" in await say("/quiz review")
    await say("/quiz post --force")
    for letter in "BCD":  # every generated answer is A
        await say(letter)
    await say("/quiz reveal")
    assert "Nothing to review right now. Your next review is due" in await say("/quiz review")

    clock.advance(days=1, minutes=1)
    shown = await say("/quiz review")
    assert "🔁 Review" in shown and "the last one due" in shown
    assert "hint for" in await say("B")
    assert "Correct!" in await say("A")
    stats = await say("/quiz stats")
    assert "Review: 0 due today · 0 learned of 1 · retention 100%" in stats
    assert "Points: 0" in stats  # a review is never on the board

    assert "Review reminders are on: a private message at 18:30 UTC" in await say(
        "/quiz remind on 18:30"
    )
    assert "not a time" in await say("/quiz remind on 7pm")
    assert "Usage: /quiz remind" in await say("/quiz remind maybe")
    assert "Review reminders are off." in await say("/quiz remind off")
