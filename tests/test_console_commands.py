"""The console's commands with hostile or careless input, through the real CLI where it is about
what a person sees, and its schedule posting into the terminal while it waits for a line."""

from __future__ import annotations

import asyncio
import io
import os
import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from conftest import REPO, run_quizbot
from rich.console import Console
from test_console import post_in_a_run_of_its_own

from bot.adapters.console.channel import PLATFORM, WORKSPACE
from bot.adapters.console.run import run_console
from bot.app import load_library
from bot.core.clock import FakeClock
from bot.core.models import QuestionKey
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef
from bot.store.sqlite import SqliteStore

SEED = "fine-tuning-domains"
QUESTION = f"{SEED}/why-fine-tune"  # a choice question whose answer is D
GENERAL = ChannelRef(PLATFORM, WORKSPACE, "general")


def console(tmp_path: Path, *lines: str, **env: str) -> str:
    done = run_quizbot(tmp_path, "console", "--user", "Ann", stdin="\n".join(lines) + "\n", **env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def count(tmp_path: Path, sql: str) -> int:
    with sqlite3.connect(tmp_path / "quiz.db") as conn:
        return int(conn.execute(sql).fetchone()[0])


def test_a_typed_word_is_not_read_as_letters(tmp_path: Path) -> None:
    out = console(tmp_path, f"/quiz post {QUESTION}", "hello", "abcd")

    assert "'hello' is not an answer. Answer with the letter of an option, like B" in out
    assert "'abcd' is not an answer" in out
    assert "'H' is not one of the options" not in out
    assert count(tmp_path, "SELECT COUNT(*) FROM attempts") == 0


def shown_letters(tmp_path: Path) -> Callable[[str], str]:
    """Post the question in a run of its own; its round's letter for each canonical one."""
    order, _ = post_in_a_run_of_its_own(tmp_path, QUESTION.split("/")[1])
    return lambda letter: order.to_shown((letter,))[0]


def test_the_same_wrong_option_again_counts_nothing(tmp_path: Path) -> None:
    shown = shown_letters(tmp_path)  # D is the answer
    wrong, other = shown("A"), shown("B")
    out = console(tmp_path, wrong, wrong.lower(), other)

    assert f"You already tried {wrong}: nothing was counted, 2 attempts left." in out
    assert "Not quite — 1 attempt left." in out  # B was the second attempt, not the third
    assert count(tmp_path, "SELECT COUNT(*) FROM attempts") == 2


def test_posting_over_an_open_question_asks_first(tmp_path: Path) -> None:
    shown = shown_letters(tmp_path)
    out = console(
        tmp_path,
        "/quiz post",
        "n",
        "/quiz post",
        shown("D"),  # not a yes: nothing is posted, and the line is still an answer
        "/quiz post",
        "y",
        "/quiz post --force",
    )

    asked = "A question is open here (fine-tuning-domains/why-fine-tune): posting now closes it"
    assert out.count("A question is open here") == 3
    assert asked in " ".join(out.split())
    assert out.count("Not posted: the open question stays open.") == 2
    assert "Correct! +10 points (1st attempt)" in out
    # The yes and the --force each revealed the open question, then posted another.
    assert out.count("Time's up!") == 2
    assert count(tmp_path, "SELECT COUNT(*) FROM rounds") == 3
    assert count(tmp_path, "SELECT COUNT(*) FROM rounds WHERE closed_at IS NULL") == 1


def test_a_bank_lists_its_question_ids_and_the_usage_names_a_real_one(tmp_path: Path) -> None:
    out = console(tmp_path, f"/quiz banks {SEED}", "/quiz banks nope", "/quiz post just-a-bank")

    for question_id in ("why-fine-tune", "optimizer-update", "medical-domain-approach"):
        assert question_id in out
    assert "There is no bank 'nope'" in out
    example = re.search(r"Usage: /quiz post \[BANK/QUESTION\] \[--force\], e\.g\. (\S+)", out)
    assert example is not None
    library, _ = load_library([REPO / "banks"])
    bank, _, question_id = example.group(1).partition("/")
    assert library.question(QuestionKey(bank, question_id)) is not None


def test_stats_of_someone_who_never_played_says_so(tmp_path: Path) -> None:
    shown = shown_letters(tmp_path)
    out = console(tmp_path, shown("D"), "/quiz stats Nobody", "/quiz stats ann")

    assert "Nobody called 'Nobody' has played here yet." in out
    assert "Points: 10" in out


def test_the_default_player_is_the_login_name(tmp_path: Path) -> None:
    done = run_quizbot(tmp_path, "console", stdin="/quiz stats\n", LOGNAME="zoe", USER="zoe")

    assert done.returncode == 0, done.stderr
    assert "you are zoe" in done.stdout
    assert "you are you" not in done.stdout


def test_schedule_commands_and_their_mistakes(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        "/quiz schedule show",
        "/quiz schedule set 25:00",
        "/quiz schedule set 9.30",
        "/quiz schedule set 09:30 Mars/Base",
        "/quiz schedule set 09:30 UTC someday",
        "/quiz schedule set 09:30 colour=red",
        "/quiz schedule set 09:30 Europe/Berlin mon,wed,fri reveal=4h",
        "/quiz schedule show",
        "/quiz schedule pause",
        "/quiz schedule resume",
        "/quiz schedule remove",
        "/quiz schedule show",
    )
    lines = [" ".join(line.split()) for line in re.split(r"\n(?=\S)", out)]

    assert lines.count("This channel has no schedule: set one with schedule set.") == 2
    assert "'25:00' is not a time of day (00:00 to 23:59)" in lines
    assert "'9.30' is not a time: use HH:MM, e.g. 09:30" in lines
    assert any(line.startswith("'Mars/Base' is not a time zone") for line in lines)
    assert any(line.startswith("'someday' is not a weekday") for line in lines)
    assert any(line.startswith("'colour' is not a schedule option") for line in lines)
    described = "09:30 Europe/Berlin, Mon, Wed, Fri, any difficulty, all banks, reveal 4h00"
    assert f"Scheduled #general: {described} after posting." in lines
    assert f"#general: {described} after posting." in lines
    assert f"Paused: {described} after posting (paused)." in lines
    assert f"Resumed: {described} after posting." in lines
    assert "Schedule removed from #general." in lines
    assert "Traceback" not in out
    assert count(tmp_path, "SELECT COUNT(*) FROM schedules") == 0


async def until(
    check: Callable[[], bool], seconds: float = 10, wake: Callable[[], None] | None = None
) -> None:
    async with asyncio.timeout(seconds):
        # The console prints into a StringIO: there is no event to wait on, so poll.
        while not check():
            if wake is not None:
                # On a fake clock nothing times out by itself: a wake-up that came while the
                # scheduler was between ticks stands in for the real clock's timeout.
                wake()
            await asyncio.sleep(0.01)


async def test_the_schedule_posts_and_reveals_while_the_console_waits(tmp_path: Path) -> None:
    library, _ = load_library([REPO / "banks"])
    store = await SqliteStore.open(tmp_path / "quiz.db")
    clock = FakeClock(datetime(2026, 11, 26, 9, tzinfo=UTC))
    quiz = Quiz(store, library, clock)
    await quiz.start()
    buffer = io.StringIO()
    terminal = Console(file=buffer, width=120, color_system=None, highlight=False)
    read_end, write_end = os.pipe()
    typed, keys = os.fdopen(read_end), os.fdopen(write_end, "w")

    def type_line(line: str) -> None:
        keys.write(line + "\n")
        keys.flush()

    def shown() -> str:
        return buffer.getvalue()

    running = asyncio.create_task(
        run_console(quiz, store, terminal, user="Ann", clock=clock, stream=typed)
    )
    try:
        type_line("/quiz schedule set 09:30 UTC daily reveal=10m")
        await until(lambda: "Scheduled #general" in shown())
        assert "Daily question" not in shown()

        # Nobody types: the console is waiting for a line when the post falls due.
        clock.advance(minutes=30)
        quiz.schedules.on_change()  # wakes the scheduler, as a real clock's timeout would
        await until(lambda: "📝 Daily question" in shown(), wake=quiz.schedules.on_change)
        assert not running.done()
        posted, question = await quiz.rounds.open_round(GENERAL)
        assert question is not None
        type_line(" ".join(question.answer))
        await until(lambda: "Correct!" in shown())

        clock.advance(minutes=10)
        quiz.schedules.on_change()
        await until(lambda: "Time's up!" in shown(), wake=quiz.schedules.on_change)
        assert "1 participant · 100% solved · first solver: Ann" in shown()
        assert (
            posted.closed_at is None and await quiz.context.store.open_daily_round(GENERAL) is None
        )
    finally:
        type_line("/quit")
        keys.close()
        await asyncio.wait_for(running, 10)
        typed.close()
        await store.close()
