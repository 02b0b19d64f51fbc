"""`quizbot reports`, `quizbot stats questions` and `quizbot export attempts` in a real process,
on a database a quiz has written."""

from __future__ import annotations

import csv
import io
import random
import subprocess
from pathlib import Path

from conftest import ANN, BOB, CAT, CHANNEL, T0, make_bank, make_question, run_quizbot

from bot.core.clock import FakeClock
from bot.core.library import BankLibrary
from bot.core.models import Difficulty, QuestionKey
from bot.core.quiz import Quiz
from bot.store.sqlite import SqliteStore


async def played(db: Path) -> None:
    """demo/q1 (easy): Ann first try, Bob second (B, A), Cat never (B, C, D); Bob reports it
    with a text holding a comma and quotes."""
    store = await SqliteStore.open(db)
    bank = make_bank("demo", [make_question("q1"), make_question("q2", difficulty=Difficulty.HARD)])
    quiz = Quiz(store, BankLibrary([bank]), FakeClock(T0), rng=random.Random(1))
    try:
        await quiz.start()
        posted = await quiz.rounds.post_daily(CHANNEL, question_key=QuestionKey("demo", "q1"))
        await quiz.rounds.answer(posted.round.id, ANN, ("A",))
        for letter in "BA":
            await quiz.rounds.answer(posted.round.id, BOB, (letter,))
        for letter in "BCD":
            await quiz.rounds.answer(posted.round.id, CAT, (letter,))
        await quiz.reports.report(posted.round.id, BOB, "wrong-key", 'B, "bravo", is right')
    finally:
        await store.close()


def quizbot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_quizbot(tmp_path, *args, "--db", str(tmp_path / "quiz.db"))


async def test_reports_lists_open_reports_and_resolves_one(tmp_path: Path):
    await played(tmp_path / "quiz.db")
    listed = quizbot(tmp_path, "reports")
    assert listed.returncode == 0, listed.stderr
    assert "#1 demo/q1 · Wrong answer key" in listed.stdout
    assert 'Bob: B, "bravo", is right' in listed.stdout and "console:local" in listed.stdout
    done = quizbot(tmp_path, "reports", "--resolve", "1")
    assert done.returncode == 0 and "resolved #1 demo/q1" in done.stdout
    assert "No open reports." in quizbot(tmp_path, "reports").stdout
    again = quizbot(tmp_path, "reports", "--resolve", "1")
    assert again.returncode == 1 and "no open report #1" in again.stderr


async def test_stats_questions_prints_a_table_and_csv(tmp_path: Path):
    await played(tmp_path / "quiz.db")
    table = quizbot(tmp_path, "stats", "questions", "--bank", "demo")
    assert table.returncode == 0, table.stderr
    line = next(row for row in table.stdout.splitlines() if "demo/q1" in row)
    for cell in ("easy", "hard", "67%", "33%", "2.00", "B:2 C:1 D:1"):
        assert cell in line
    assert "solve rate" in table.stdout
    done = quizbot(tmp_path, "stats", "questions", "--csv")
    rows = {row["question"]: row for row in csv.DictReader(io.StringIO(done.stdout))}
    assert rows["demo/q1"]["solve_rate"] == "0.667"
    assert rows["demo/q1"]["open_reports"] == "1" and rows["demo/q2"]["times_asked"] == "0"
    later = quizbot(tmp_path, "stats", "questions", "--csv", "--since", "2026-11-27")
    assert next(csv.DictReader(io.StringIO(later.stdout)))["times_asked"] == "0"
    bad = quizbot(tmp_path, "stats", "questions", "--since", "last week")
    assert bad.returncode == 2 and "'last week' is not a date" in bad.stderr
    assert "Traceback" not in bad.stderr


async def test_export_attempts_writes_every_attempt(tmp_path: Path):
    await played(tmp_path / "quiz.db")
    target = tmp_path / "out" / "attempts.csv"
    target.parent.mkdir()
    done = quizbot(tmp_path, "export", "attempts", "--csv", str(target))
    assert done.returncode == 0, done.stderr
    assert "wrote 6 attempt(s)" in done.stdout
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [(r["user_id"], r["canonical_answer"], r["correct"]) for r in rows] == [
        ("ann", "A", "1"), ("bob", "B", "0"), ("bob", "A", "1"),
        ("cat", "B", "0"), ("cat", "C", "0"), ("cat", "D", "0"),
    ]  # fmt: skip
    assert int(rows[0]["points"]) > 0 and rows[1]["points"] == "0"


def test_a_missing_database_is_one_line_and_creates_nothing(tmp_path: Path):
    done = quizbot(tmp_path, "reports")
    assert done.returncode == 2 and "there is no database at" in done.stderr
    assert not (tmp_path / "quiz.db").exists()
