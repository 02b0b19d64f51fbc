"""The rows an answer refers to (people, rounds, questions, board scopes) are kept forever, on
both stores: the database refuses to delete them, so no attempt, participation, board row or
review card can lose what it names (migration 0012)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from conftest import ANN, CHANNEL
from pg_fixtures import table_rows

from bot.core.outcomes import Correct
from bot.core.periods import Period
from bot.core.quiz import Quiz

pytestmark = pytest.mark.both_stores


@pytest.mark.parametrize("table", ["users", "rounds", "questions", "scopes"])
async def test_the_rows_an_answer_refers_to_cannot_be_deleted(
    quiz: Quiz, store: Any, db_path: Path, table: str
) -> None:
    posted = await quiz.rounds.post_daily(CHANNEL)
    solved = await quiz.rounds.answer(posted.round.id, ANN, [posted.question.answer[0]])
    assert isinstance(solved, Correct)  # on the boards: the channel's and workspace's scopes
    before = await table_rows(store, db_path, f"SELECT COUNT(*) FROM {table}")

    with pytest.raises((sqlite3.IntegrityError, asyncpg.RaiseError), match=f"every row of {table}"):
        await table_rows(store, db_path, f"DELETE FROM {table}")

    assert before[0][0] > 0
    assert await table_rows(store, db_path, f"SELECT COUNT(*) FROM {table}") == before
    board = await quiz.boards.channel(CHANNEL, Period.ALL)
    assert [row.name for row in board.rows] == [ANN.name]
