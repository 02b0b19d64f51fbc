"""Shared fixtures: small in-code banks with known answers, a real SQLite store, a quiz on a
FakeClock with a seeded rng."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import pytest
from pg_fixtures import (  # noqa: F401 - fixtures and hooks pytest finds here
    BOTH_STORES,
    OpenStore,
    PostgresStore,
    Store,
    postgres_server,
    postgres_template,
    postgres_url,
    pytest_generate_tests,
)

from bot.core.clock import FakeClock
from bot.core.library import BankLibrary
from bot.core.models import Bank, Difficulty, Question, QuestionType, Solution, Step
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef, UserRef
from bot.store.sqlite import SqliteStore

# A Thursday: ISO week 2026-W48, month 2026-11.
T0 = datetime(2026, 11, 26, 9, tzinfo=UTC)

CHANNEL = ChannelRef("console", "local", "general")
OTHER_CHANNEL = ChannelRef("console", "local", "random")
ANN = UserRef("console", "local", "ann", "Ann")
BOB = UserRef("console", "local", "bob", "Bob")
CAT = UserRef("console", "local", "cat", "Cat")

OPTIONS = {"A": "alpha", "B": "bravo", "C": "charlie", "D": "delta"}


def user(handle: str, workspace: str = "local") -> UserRef:
    return UserRef("console", workspace, handle, handle.capitalize())


def make_question(
    qid: str,
    *,
    bank: str = "demo",
    difficulty: Difficulty = Difficulty.EASY,
    answer: Sequence[str] = ("A",),
    blanks: bool = False,
    attempts: int = 3,
    hint: str | None = None,
    explanations: dict[str, str] | None = None,
    mistakes: Sequence[str] = (),
    options: dict[str, str] | None = None,
    shuffle: bool = False,
) -> Question:
    """A choice question (or a fill_blank one with ``blanks=True``) whose answer is known.

    It keeps the bank's option order unless ``shuffle=True``, so that a test's "A is correct" is
    also what its rounds show; the tests of shuffled orders ask for one."""
    return Question(
        bank=bank,
        id=qid,
        type=QuestionType.FILL_BLANK if blanks else QuestionType.CHOICE,
        difficulty=difficulty,
        prompt=f"Question {qid}?",
        options=dict(options or OPTIONS),
        answer=tuple(answer),
        hint=hint if hint is not None else f"hint for {qid}",
        attempts=attempts,
        mistakes=tuple(mistakes),
        explanations=dict(explanations or {}),
        solution=Solution(steps=(Step(f"because {qid}"),), final=" ".join(answer)),
        shuffle=shuffle,
    )


def make_bank(
    bank_id: str = "demo",
    questions: Iterable[Question] | None = None,
    *,
    easy: int = 0,
    medium: int = 0,
    hard: int = 0,
    title: str | None = None,
) -> Bank:
    """A bank of the given questions (re-homed into ``bank_id``), plus ``easy``/``medium``/``hard``
    generated choice questions named ``e1``, ``m1``, ``h1`` ... whose answer is always A."""
    made = [replace(question, bank=bank_id) for question in questions or ()]
    for prefix, level, count in (
        ("e", Difficulty.EASY, easy),
        ("m", Difficulty.MEDIUM, medium),
        ("h", Difficulty.HARD, hard),
    ):
        made += [
            make_question(f"{prefix}{n}", bank=bank_id, difficulty=level)
            for n in range(1, count + 1)
        ]
    return Bank(id=bank_id, title=title or f"Bank {bank_id}", questions=tuple(made))


def wrong_letter(question: Question) -> str:
    """An option letter that is not the answer of a choice question."""
    return next(letter for letter in question.letters if letter != question.answer[0])


def wrong_letters(question: Question) -> list[str]:
    """Every option letter that is not the answer of a choice question: different wrong
    answers, since the same wrong answer twice counts no attempt."""
    return [letter for letter in question.letters if letter != question.answer[0]]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "quiz.db"


@pytest.fixture
def store_kind(request: pytest.FixtureRequest) -> str:
    """The store the test runs on: sqlite, unless its module runs on both (BOTH_STORES)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def open_store(store_kind: str, db_path: Path, request: pytest.FixtureRequest) -> OpenStore:
    """``await open_store()``: a store of the test's kind on the test's database (call it again
    to reopen the same database, as after a restart)."""
    if store_kind == "postgres":
        url = request.getfixturevalue("postgres_url")

        async def open_postgres() -> Store:
            return await PostgresStore.open(url)

        return open_postgres

    async def open_sqlite() -> Store:
        return await SqliteStore.open(db_path)

    return open_sqlite


@pytest.fixture
async def store(open_store: OpenStore) -> AsyncIterator[Any]:
    opened = await open_store()
    yield opened
    await opened.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


MakeQuiz = Callable[..., Awaitable[Quiz]]


@pytest.fixture
def make_quiz(store: SqliteStore, clock: FakeClock) -> MakeQuiz:
    """``await make_quiz(bank, ...)``: a started Quiz on the test's store and clock."""

    async def build(*banks: Bank, tz: tzinfo = UTC, seed: int = 1) -> Quiz:
        library = BankLibrary(banks or [make_bank(easy=2, medium=2, hard=2)])
        quiz = Quiz(store, library, clock, tz=tz, rng=random.Random(seed))
        await quiz.start()
        return quiz

    return build


@pytest.fixture
async def quiz(make_quiz: MakeQuiz) -> Quiz:
    return await make_quiz()


REPO = Path(__file__).resolve().parents[1]
PLATFORM_TOKENS = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")
PLATFORM_TOKENS += ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")  # Slack OAuth


def run_quizbot(
    tmp_path: Path, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """`quizbot ARGS` in a fresh process, on the repo's banks and a database in tmp_path, with
    no platform token (whatever the developer's shell has) and no .env (cwd is tmp_path)."""
    environment = {
        **os.environ,
        "QUIZBOT_BANKS": str(REPO / "banks"),
        "QUIZBOT_DB": str(tmp_path / "quiz.db"),
        "QUIZBOT_LOG_LEVEL": "WARNING",
        "COLUMNS": "120",
    }
    for name in PLATFORM_TOKENS:
        environment.pop(name, None)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
        check=False,
    )


def platform_banks() -> tuple[Bank, Bank, Bank]:
    """The banks the platform tests play: one choice question (answer A, with a hint, an
    explanation for B and a common mistake), one two-blank question (A B) and a 10-question bank
    (every answer A)."""
    choice = make_bank(
        "demo",
        [
            make_question(
                "q1",
                answer=("A",),
                hint="Think of alpha.",
                explanations={"B": "Bravo is the runner-up."},
                mistakes=("Picking bravo",),
            )
        ],
        title="Demo pattern",
    )
    fill = make_bank(
        "blanks",
        [make_question("f1", answer=("A", "B"), blanks=True, difficulty=Difficulty.MEDIUM)],
        title="Blanks pattern",
    )
    return choice, fill, make_bank("tenq", easy=3, medium=4, hard=3, title="Ten questions")
