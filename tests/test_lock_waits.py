"""Another process holding the write lock (issue 12): each click waits the busy timeout from its
own arrival, and whoever clicked is told quizbot is busy, never the server's file path, on the
console, Discord and Slack alike; the operator's sentence goes to the log."""

from __future__ import annotations

import asyncio
import io
import logging
import random
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from conftest import ANN, BOB, CHANNEL, REPO, T0, make_bank, platform_banks
from rich.console import Console

from bot.adapters.console.channel import ConsoleChannel
from bot.adapters.slack.admin import post_round
from bot.app import load_library
from bot.core.clock import FakeClock
from bot.core.library import BankLibrary
from bot.core.outcomes import Correct, NotCounted
from bot.core.quiz import Quiz
from bot.store.sqlite import SqliteStore

BUSY_ANSWER = "quizbot is busy — your answer was not counted, please try again"
CHOICE_BANK, _, _ = platform_banks()


@contextmanager
def write_locked(path: Path) -> Iterator[None]:
    """Another process's write transaction (BEGIN IMMEDIATE), held until the block ends."""
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")


async def test_each_click_waits_the_busy_timeout_from_its_own_arrival(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot")
    store = await SqliteStore.open(db_path, busy_timeout_ms=2000)
    try:
        quiz = Quiz(store, BankLibrary([make_bank(easy=2)]), FakeClock(T0))
        await quiz.start()
        posted = await quiz.rounds.post_daily(CHANNEL)
        for person in (ANN, BOB):
            await quiz.context.user_id(person)
        with write_locked(db_path):
            early = asyncio.ensure_future(quiz.rounds.answer(posted.round.id, ANN, ["A"]))
            await asyncio.sleep(1.0)  # half the timeout into the lock
            late = asyncio.ensure_future(quiz.rounds.answer(posted.round.id, BOB, ["A"]))
            with pytest.raises(NotCounted) as refused:
                await asyncio.wait_for(early, 10)
            # Bob arrived a second after Ann: he has a second left when she gives up.
            assert not late.done()
        assert isinstance(await asyncio.wait_for(late, 10), Correct)
    finally:
        await store.close()
    assert str(refused.value) == BUSY_ANSWER and str(db_path) not in str(refused.value)
    logged = [record.getMessage() for record in caplog.records]
    assert any(f"database {db_path} is locked by another process" in line for line in logged)
    rows = sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM attempts").fetchone()
    assert rows == (1,)  # Ann's answer was not counted, Bob's was


async def test_the_console_says_busy_without_the_path(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    library, issues = load_library([REPO / "banks"])
    assert not issues
    store = await SqliteStore.open(db, busy_timeout_ms=100)
    try:
        quiz = Quiz(store, library, FakeClock(T0), rng=random.Random(1))
        await quiz.start()
        buffer = io.StringIO()
        channel = ConsoleChannel(
            quiz, Console(file=buffer, width=300, color_system=None), user="Ann"
        )
        await channel.handle("/quiz post")
        start = buffer.tell()
        with write_locked(db):
            await channel.handle("A")
            # --force: over an open question, a plain post would ask first and write nothing.
            await channel.handle("/quiz post --force")
        said = buffer.getvalue()[start:]
    finally:
        await store.close()
    assert BUSY_ANSWER in said and "quizbot is busy — please try again in a moment." in said
    assert str(tmp_path) not in said


async def test_discord_says_busy_without_the_path(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from test_discord import custom_ids, make_bot, post, reply

    from bot.testing.discord import ADMIN, GENERAL_ID, MEMBER, FakeDiscord, running_client

    caplog.set_level(logging.WARNING, logger="bot")
    db = tmp_path / "quiz.db"
    store = await SqliteStore.open(db, busy_timeout_ms=100)
    try:
        quiz = Quiz(store, BankLibrary([CHOICE_BANK]), FakeClock(T0), rng=random.Random(1))
        await quiz.start()
        async with FakeDiscord() as fake, running_client(fake, lambda: make_bot(quiz)) as bot:
            from test_discord import Stack

            stack = Stack(fake, bot, quiz, db)
            message = await post(stack)
            with write_locked(db):
                clicked = await reply(fake, await fake.click(custom_ids(message)[0], user=MEMBER))
                sent = await fake.slash("quiz-admin", "post-now", user=ADMIN, channel_id=GENERAL_ID)
                posting = await fake.wait_for_followup(sent)
            assert BUSY_ANSWER in clicked["text"]
            assert "quizbot is busy — please try again in a moment." in str(posting.json)
            everything = " ".join(str(request.json) for request in fake.requests)
    finally:
        await store.close()
    assert str(tmp_path) not in everything
    assert any(str(db) in record.getMessage() for record in caplog.records)  # for the operator


async def test_slack_says_busy_without_the_path(tmp_path: Path) -> None:
    from test_slack import SECRET, Stack, click, command, text_of

    from bot.adapters.slack.app import build_app
    from bot.core.permissions import AdminPolicy
    from bot.testing.slack import GENERAL_ID, TEAM_ID, FakeSlack, running_app, web_client

    db = tmp_path / "quiz.db"
    store = await SqliteStore.open(db, busy_timeout_ms=100)
    try:
        quiz = Quiz(store, BankLibrary([CHOICE_BANK]), FakeClock(T0), rng=random.Random(1))
        await quiz.start()
        async with FakeSlack() as fake:
            app = build_app(
                quiz, token="xoxb-fake", signing_secret=SECRET, client=web_client(fake),
                admins=AdminPolicy(),
            )  # fmt: skip
            async with running_app(app) as url:
                stack = Stack(fake, app, quiz, url, db)
                await post_round(app.client, app.deps, TEAM_ID, GENERAL_ID)  # type: ignore[attr-defined]
                message = fake.messages_in(GENERAL_ID)[-1]
                with write_locked(db):
                    clicked = text_of(await click(stack, message, "A"))
                    board = text_of(await command(stack, "stats"))
                everything = " ".join(
                    [str(r.args) for r in fake.requests] + [str(r.body) for r in fake.responses]
                )
            await app.deps.close()  # type: ignore[attr-defined]
    finally:
        await store.close()
    assert BUSY_ANSWER in clicked
    assert "busy" in board or "Points" in board  # a read may still succeed under a write lock
    assert str(tmp_path) not in everything
