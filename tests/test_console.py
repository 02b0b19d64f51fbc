"""The console channel, driven like a person would: lines on stdin, text on stdout."""

from __future__ import annotations

import io
import random
import re
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import REPO, run_quizbot
from rich.console import Console

from bot.adapters.console.channel import ConsoleChannel
from bot.app import load_library
from bot.core.clock import FakeClock
from bot.core.models import QuestionKey
from bot.core.order import OptionOrder
from bot.core.quiz import Quiz
from bot.store.sqlite import SqliteStore

SEED = "fine-tuning-domains"


def run_console(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_quizbot(tmp_path, *args, stdin=script)


def post_in_a_run_of_its_own(tmp_path: Path, question_id: str) -> tuple[OptionOrder, str]:
    """Post a question in one console run, which then exits: the order its round drew (read
    from the database) and what the run printed. Its options are shuffled, with a fresh rng."""
    done = run_console(tmp_path, f"/quiz post {SEED}/{question_id}\n", "console", "--user", "Ann")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "quiz.db") as conn:
        (stored,) = conn.execute("SELECT option_order FROM rounds").fetchone()
    order = OptionOrder(tuple(stored))
    library, _ = load_library([REPO / "banks"])
    question = library.question(QuestionKey(SEED, question_id))
    assert question is not None and sorted(stored) == sorted(question.letters)
    for shown, text in order.options(question):
        assert f"{shown}  {text}" in done.stdout
    return order, done.stdout


def test_choice_flow_through_stdin(tmp_path: Path) -> None:
    order, posted = post_in_a_run_of_its_own(tmp_path, "why-fine-tune")
    assert "Why do we fine-tune a pre-trained model" in posted
    assert "Attempts: 3" in posted

    def shown(letter: str) -> str:
        return order.to_shown((letter,))[0]

    # A second run on the same file, after a restart: the round keeps its order.
    script = "\n".join(
        [
            shown("A"),  # wrong: hint and A's explanation
            shown("D"),  # right on the 2nd attempt: easy 10 x 0.6
            shown("D"),
            "/as Bob",
            shown("B"),
            shown("C"),
            shown("A"),  # Bob is out of attempts
            "/quiz reveal",
            "/quiz leaderboard",
        ]
    )
    done = run_console(tmp_path, script + "\n", "console", "--user", "Ann")
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert "Not quite — 2 attempts left." in out
    assert "Hint: Pre-training already taught general skills" in out
    assert "Correct! +6 points (2nd attempt)" in out
    assert "Quick check: fine-tuning builds on pre-training" in out
    assert "You already finished: solved on the 2nd attempt for 6 points." in out
    assert "Out of attempts." in out
    assert "2 participants · 50% solved · first solver: Ann" in out
    assert f"Most-picked wrong option: {shown('A')} (2 picks)" in out
    assert f"Answer: {shown('D')}" in out
    board = out[out.rindex("This channel") :]
    assert "Ann" in board and "6" in board and "Bob" not in board
    with sqlite3.connect(tmp_path / "quiz.db") as conn:
        rows = conn.execute("SELECT answer FROM attempts ORDER BY user_id, attempt_no")
        answers = [answer for (answer,) in rows]
    # The click after finishing is not an attempt; answers are stored in the bank's letters.
    assert answers == ["A", "D", "B", "C", "A"]


def test_fill_blank_flow_through_stdin(tmp_path: Path) -> None:
    order, posted = post_in_a_run_of_its_own(tmp_path, "optimizer-update")
    assert "optimizer.[1]()" in posted and "optimizer.[2]()" in posted
    # The key is zero_grad then step: canonical B A, shown in the round's letters.
    first, second = order.to_shown(("B", "A"))
    script = "\n".join(
        [
            first,  # one letter for two blanks: refused, not counted
            f"{second} {first}",
            f"{first} {second}",
        ]
    )
    done = run_console(tmp_path, script + "\n", "console", "--user", "Ann")
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert "this question has 2 blanks" in out and "Nothing was counted" in out
    assert "Not quite — 2 attempts left." in out
    assert "Correct! +6 points (2nd attempt)" in out  # easy 10 x 0.6
    assert f"Answer: [1] {first}, [2] {second}" in out


def test_run_without_tokens_names_the_variables_and_opens_the_console(tmp_path: Path) -> None:
    done = run_console(tmp_path, "/quiz banks\n", "run")
    assert done.returncode == 0, done.stderr
    assert "DISCORD_TOKEN" in done.stderr and "SLACK_BOT_TOKEN" in done.stderr
    assert f"{SEED}: Why fine-tuning adapts models to domains" in done.stdout


# --- in-process: the same channel on a fake clock --------------------------------------------


class Terminal:
    def __init__(self, channel: ConsoleChannel, buffer: io.StringIO) -> None:
        self.channel = channel
        self.buffer = buffer

    async def say(self, line: str) -> str:
        """Type a line; return what the console printed for it."""
        start = self.buffer.tell()
        await self.channel.handle(line)
        return self.buffer.getvalue()[start:]


@pytest.fixture
async def terminal(tmp_path: Path) -> AsyncIterator[Terminal]:
    library, issues = load_library([REPO / "banks"])
    assert not issues
    store = await SqliteStore.open(tmp_path / "quiz.db")
    # Seeded, so that the orders the rounds draw are the same on every run.
    clock = FakeClock(datetime(2026, 11, 26, 9, tzinfo=UTC))
    quiz = Quiz(store, library, clock, rng=random.Random(5))
    await quiz.start()
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, color_system=None, highlight=False)
    yield Terminal(ConsoleChannel(quiz, console, user="Ann"), buffer)
    await store.close()


async def test_bad_input_gets_one_line_and_changes_nothing(terminal: Terminal) -> None:
    assert "There is no open question in this channel." in await terminal.say("B")
    assert "Unknown command '/quiz frob'" in await terminal.say("/quiz frob")
    assert "Unknown command '/frob'" in await terminal.say("/frob")
    assert "is not an answer" in await terminal.say("B2")
    assert "Could not read that line" in await terminal.say('"unclosed')
    assert "There is no question 'nope/x'" in await terminal.say("/quiz post nope/x")
    assert "Usage: /quiz post" in await terminal.say("/quiz post just-a-bank")
    assert "unknown period 'decade'" in await terminal.say("/quiz leaderboard decade")
    assert "There is no bank 'nope'" in await terminal.say("/quiz test nope")
    await terminal.say(f"/quiz post {SEED}/why-fine-tune")
    assert "'Z' is not one of the options A-D" in await terminal.say("Z")
    assert "Attempts" not in await terminal.say("Z")
    assert "2 attempts left" in await terminal.say("A")  # Z cost nothing


async def test_practice_is_private_and_off_the_board(terminal: Terminal) -> None:
    shown = await terminal.say(f"/quiz practice {SEED} easy")
    assert "Practice" in shown and "easy" in shown
    current = await terminal.channel.quiz.practice.current(terminal.channel.user)
    assert current is not None
    answer = " ".join(current[1].answer)
    said = await terminal.say(answer)
    assert "Correct! (1st attempt · practice: not counted)" in said and "+10" not in said
    assert "no points yet" in await terminal.say("/quiz leaderboard all")
    stats = await terminal.say("/quiz stats")
    assert "Points: 0" in stats and "Practice: 1/1 solved (not on the leaderboard)" in stats


async def test_test_run_reaches_a_score(terminal: Terminal) -> None:
    shown = await terminal.say(f"/quiz test {SEED}")
    assert "10 questions" in shown and "question 1/10" in shown and "Attempts: 1" in shown
    quiz = terminal.channel.quiz
    last = ""
    for position in range(10):
        current = await quiz.practice.current(terminal.channel.user)
        assert current is not None
        _, question = current
        # Right on even positions, wrong on odd ones: 5 of 10.
        letters = list(question.answer)
        if position % 2:
            letters[0] = next(letter for letter in question.letters if letter != letters[0])
        last = await terminal.say(" ".join(letters))
        # One attempt each: a wrong one is just wrong, and nothing in a test is counted.
        assert "Out of attempts" not in last and re.search(r"\+\d+ points", last) is None
        assert ("Not quite." if position % 2 else "practice: not counted") in last
    assert "Test finished: Why fine-tuning adapts models to domains" in last
    assert "Score: 5/10 (50%)" in last
    assert await quiz.practice.current(terminal.channel.user) is None


async def test_switching_people_and_teams(terminal: Terminal) -> None:
    assert "Created team Red." in await terminal.say("/quiz team create Red")
    assert "Ann joined Red." in await terminal.say("/quiz team join red")
    await terminal.say("/as Bob")
    assert "Bob joined Red." in await terminal.say("/quiz team join Red")
    assert "already exists" in await terminal.say("/quiz team create RED")
    await terminal.say(f"/quiz post {SEED}/why-fine-tune")
    _, shown = await terminal.channel.quiz.rounds.open_round(terminal.channel.channel)
    assert shown is not None
    assert "+10 points" in await terminal.say(shown.answer[0])
    await terminal.say("/as Ann")
    assert "+10 points" in await terminal.say(shown.answer[0])
    teams = await terminal.say("/quiz leaderboard teams")
    assert "Red" in teams and "20" in teams and "2/2" in teams
    assert "Ann, Bob" in await terminal.say("/quiz team list")
