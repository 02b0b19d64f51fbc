"""Every shipped question, played through the console as a person would: posted in a channel
with its options in the round's own shuffled order, answered wrong (the hint and the bank's
explanation for that pick appear), then right (the full solution appears), then revealed (the
answer in the round's letters, the common mistakes and the round's numbers).

A question that only reads well in its YAML file is caught here: an explanation that never
shows, a solution step that the console drops, an answer that cannot be typed."""

from __future__ import annotations

import io
import random
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import REPO
from rich.console import Console

from bot.adapters.console.channel import ConsoleChannel
from bot.app import load_library
from bot.core.clock import FakeClock
from bot.core.engine import explanation_for
from bot.core.library import BankLibrary
from bot.core.models import Question, QuestionType
from bot.core.order import OptionOrder
from bot.core.quiz import Quiz
from bot.store.sqlite import SqliteStore

LIBRARY, ISSUES = load_library([REPO / "banks"])
QUESTIONS = [question for bank in LIBRARY.banks for question in bank.questions]
_FRAME = re.compile(r"[│╭╮╰╯─┃━┏┓┗┛]")


def flat(text: str) -> str:
    """What was printed, without the panels' frames and line breaks: wrapping is layout."""
    return " ".join(_FRAME.sub(" ", text).split())


@dataclass
class Player:
    channel: ConsoleChannel
    buffer: io.StringIO
    store: SqliteStore

    async def say(self, line: str) -> str:
        start = self.buffer.tell()
        await self.channel.handle(line)
        return flat(self.buffer.getvalue()[start:])


@pytest.fixture(scope="module")
def library() -> BankLibrary:
    assert not ISSUES, ISSUES
    return LIBRARY


@pytest.fixture
async def player(
    tmp_path: Path, library: BankLibrary, request: pytest.FixtureRequest
) -> AsyncIterator[Player]:
    store = await SqliteStore.open(tmp_path / "quiz.db")
    # Seeded by the test's name: each question draws its own order, the same on every run.
    rng = random.Random(request.node.name)
    quiz = Quiz(store, library, FakeClock(datetime(2026, 12, 2, 9, tzinfo=UTC)), rng=rng)
    await quiz.start()
    buffer = io.StringIO()
    # Wide enough that rich never wraps a line: the assertions read whole sentences.
    console = Console(file=buffer, width=4000, color_system=None, highlight=False)
    yield Player(ConsoleChannel(quiz, console, user="Ann"), buffer, store)
    await store.close()


def a_wrong_answer(question: Question) -> tuple[str, ...]:
    """The key with its first blank (or the one letter) swapped for a wrong option, one the bank
    explains where it explains any: the mistake the question was written to catch."""
    key = question.answer
    wrong = [letter for letter in question.letters if letter != key[0]]
    explained = [letter for letter in wrong if letter in question.explanations]
    return ((explained or wrong)[0], *key[1:])


def test_every_bank_is_played(library: BankLibrary) -> None:
    assert len(QUESTIONS) >= 150 and len(library.banks) >= 12
    assert {question.type for question in QUESTIONS} == set(QuestionType)


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: f"{q.bank}/{q.id}")
async def test_wrong_then_right_then_reveal(player: Player, question: Question) -> None:
    posted = await player.say(f"/quiz post {question.bank}/{question.id}")
    opened = await player.store.open_daily_round(player.channel.channel)
    assert opened is not None and opened.question == question.key, posted
    order = OptionOrder.decode(opened.order, question)
    assert order is not None
    shown = order.show(question)
    assert flat(question.prompt) in posted
    for letter, text in order.options(question):
        assert flat(f"{letter} {text}") in posted, f"option {letter} is not shown"
    assert f"Attempts: {question.attempts}" in posted

    wrong = order.to_shown(a_wrong_answer(question))
    said = await player.say(" ".join(wrong))
    explanation = explanation_for(shown, wrong)
    if question.attempts > 1:
        left = question.attempts - 1
        assert f"Not quite — {left} attempt{'s' if left != 1 else ''} left." in said, said
        assert flat(question.hint) in said, "the hint is not shown after a wrong answer"
    if question.explanations:
        assert explanation is not None, "a wrong pick the bank explains got no explanation"
        assert flat(explanation) in said
    if question.attempts == 1:
        return  # one attempt: the wrong answer ended it (Exhausted), nothing left to play

    right = order.to_shown(question.answer)
    said = await player.say(" ".join(right))
    assert "Correct!" in said, said
    assert f"Answer: {shown.answer_text()}" in said
    solution = question.solution
    assert solution is not None, "every shipped question has a full solution"
    for step in solution.steps:
        assert flat(step.text) in said, "a solution step is missing from the reply"
    if solution.final:
        assert flat(solution.final) in said
    if solution.check:
        assert flat(f"Quick check: {solution.check}") in said

    revealed = await player.say("/quiz reveal")
    assert "Time's up! The answer:" in revealed
    assert f"Answer: {shown.answer_text()}" in revealed
    for mistake in question.mistakes:
        assert flat(mistake) in revealed
    assert "1 participant · 100% solved · first solver: Ann" in revealed
    label = wrong[0] if question.type is QuestionType.CHOICE else f"[1] {wrong[0]}"
    assert f"Most-picked wrong option: {label} (1 pick)" in revealed
    assert await player.store.open_daily_round(player.channel.channel) is None
