"""The SQLite store on real files: migrations and backups, clear errors, question history and the
single writer's group commit."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from conftest import ANN, BOB, CHANNEL, OTHER_CHANNEL, T0, MakeQuiz, make_bank, make_question

from bot.core.clock import FakeClock
from bot.core.library import BankLibrary
from bot.core.outcomes import Correct, Gone, Wrong
from bot.core.periods import Period, period_keys
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef, UserRef
from bot.store.errors import StoreError
from bot.store.sqlite import SqliteStore, migrations
from bot.store.sqlite.writer import connect

LATEST = migrations.discover()[-1].version
RAW_ERROR_WORDS = ("sqlite3", "OperationalError", "DatabaseError", "Traceback")


def read(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows as a fresh connection (another process, say) sees them."""
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql, params).fetchall()


def user_version(path: Path) -> int:
    return read(path, "PRAGMA user_version")[0][0]


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Another process holding the database's write lock."""
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")


def assert_clear(error: StoreError, path: Path) -> None:
    message = str(error)
    assert str(path) in message
    assert not any(word in message for word in RAW_ERROR_WORDS), message


# --- migrations and backups -------------------------------------------------------------------


async def test_a_new_database_is_migrated_to_the_latest_version(db_path: Path):
    store = await SqliteStore.open(db_path)
    await store.close()

    assert user_version(db_path) == LATEST >= 2
    tables = {name for (name,) in read(db_path, "SELECT name FROM sqlite_master")}
    assert {"rounds", "attempts", "participations", "board", "teams", "bank_settings"} <= tables
    assert list(db_path.parent.glob("*.bak")) == []


async def test_upgrading_a_database_keeps_its_data_and_backs_it_up_first(db_path: Path):
    with closing(connect(db_path, busy_timeout_ms=1000)) as conn:
        migrations.upgrade(conn, db_path, migrations.discover(), target=1)
        week, month, _ = period_keys(T0, UTC)
        conn.executescript(
            f"""
            INSERT INTO questions VALUES (1, 'demo', 'e1', 'choice', 'easy', '{T0}', '{T0}', 1);
            INSERT INTO users VALUES (1, 'console', 'local', 'ann', 'Ann');
            INSERT INTO channels VALUES (1, 'console', 'local', 'general', 1, 1);
            INSERT INTO rounds (id, kind, channel_id, question_id, attempts_allowed, opened_at,
                                closed_at, seq, cycle)
                VALUES (1, 'daily', 1, 1, 3, '{T0}', '{T0}', 1, 1);
            INSERT INTO attempts VALUES (1, 1, 1, 'A', 1, '{T0}');
            INSERT INTO participations VALUES (1, 1, 1, 1, 10, '{T0}', '{T0}');
            INSERT INTO scopes VALUES (1, 'console:local:general'), (2, 'console:local');
            INSERT INTO board VALUES (1, {week}, 1, 10, 1), (1, {month}, 1, 10, 1),
                                     (1, 0, 1, 10, 1), (2, 0, 1, 10, 1);
            """
        )
    assert user_version(db_path) == 1

    store = await SqliteStore.open(db_path)
    try:
        quiz = Quiz(store, BankLibrary([make_bank("demo", easy=2)]), FakeClock(T0))
        await quiz.start()
        board = await quiz.boards.channel(CHANNEL, Period.WEEK)
        stats = await quiz.boards.stats(ANN)
        old_round = await store.get_round(1)
        await quiz.teams.create("console", "local", "Red")
        # Rounds closed before reveals were recorded count as revealed: none is posted again.
        old_reveal = await quiz.rounds.close(1)
        unrevealed = await store.unrevealed_rounds(["console"], closed_before=T0 + timedelta(1))
    finally:
        await store.close()

    assert user_version(db_path) == LATEST
    assert [(row.name, row.points) for row in board.rows] == [("Ann", 10)]
    assert (stats.points, stats.solved, stats.current_streak) == (10, 1, 1)
    assert old_round is not None
    assert old_round.closed_at is not None
    assert old_reveal.announced and unrevealed == []
    backups = list(db_path.parent.glob(f"{db_path.name}.v1-*.bak"))
    assert len(backups) == 1
    assert user_version(backups[0]) == 1
    assert read(backups[0], "SELECT name FROM users") == [("Ann",)]
    assert read(backups[0], "SELECT name FROM sqlite_master WHERE name = 'teams'") == []


async def test_opening_an_up_to_date_database_makes_no_backup(db_path: Path):
    for _ in range(2):
        store = await SqliteStore.open(db_path)
        await store.close()

    assert list(db_path.parent.glob("*.bak")) == []


async def test_backup_copies_the_live_database_to_a_file_that_opens(
    store: SqliteStore, make_quiz: MakeQuiz, tmp_path: Path
):
    quiz = await make_quiz()
    posted = await quiz.rounds.post_daily(CHANNEL)
    await quiz.rounds.answer(posted.round.id, ANN, list(posted.question.answer))

    copy = await store.backup(tmp_path / "backups" / "copy.db")

    assert copy == tmp_path / "backups" / "copy.db"
    assert user_version(copy) == LATEST
    assert read(copy, "SELECT solved, points FROM participations") == [(1, 10)]
    reopened = await SqliteStore.open(copy)
    try:
        copied = Quiz(reopened, quiz.library, FakeClock(T0))
        board = await copied.boards.channel(CHANNEL, Period.ALL)
    finally:
        await reopened.close()
    assert [(row.name, row.points) for row in board.rows] == [("Ann", 10)]


# --- clear errors -----------------------------------------------------------------------------


@pytest.fixture(params=[b"this is not a database\n" * 200, b"\x00\x01junk"], ids=["text", "short"])
def garbage(request: pytest.FixtureRequest, db_path: Path) -> bytes:
    db_path.write_bytes(request.param)
    return request.param


async def test_a_corrupt_file_is_refused_with_a_clear_message(db_path: Path, garbage: bytes):
    with pytest.raises(StoreError) as raised:
        await SqliteStore.open(db_path, busy_timeout_ms=50)

    assert_clear(raised.value, db_path)
    assert "is not a usable SQLite database" in str(raised.value)
    assert await asyncio.to_thread(db_path.read_bytes) == garbage


async def test_a_database_locked_by_another_process_is_refused_with_a_clear_message(
    db_path: Path,
):
    with locked(db_path), pytest.raises(StoreError) as raised:
        await SqliteStore.open(db_path, busy_timeout_ms=50)

    assert_clear(raised.value, db_path)
    assert "locked by another process" in str(raised.value)


async def test_a_migration_blocked_by_a_lock_says_so(db_path: Path):
    with closing(connect(db_path, busy_timeout_ms=1000)) as conn:
        migrations.upgrade(conn, db_path, migrations.discover(), target=1)

    with locked(db_path), pytest.raises(StoreError) as raised:
        await SqliteStore.open(db_path, busy_timeout_ms=50)

    assert "locked" in str(raised.value)
    assert user_version(db_path) == 1
    store = await SqliteStore.open(db_path)
    await store.close()
    assert user_version(db_path) == LATEST


async def test_a_write_blocked_by_another_process_raises_a_clear_store_error(db_path: Path):
    store = await SqliteStore.open(db_path, busy_timeout_ms=50)
    try:
        with locked(db_path), pytest.raises(StoreError) as raised:
            await store.user_id(ANN)
    finally:
        await store.close()
    assert "locked by another process" in str(raised.value)


async def test_the_store_writes_again_once_the_lock_is_released(db_path: Path):
    store = await SqliteStore.open(db_path, busy_timeout_ms=50)
    try:
        with locked(db_path), pytest.raises(Exception, match="locked"):
            await store.user_id(ANN)
        ann = await store.user_id(ANN)
    finally:
        await store.close()

    assert read(db_path, "SELECT id, name FROM users") == [(ann, "Ann")]


async def test_a_missing_folder_is_named(tmp_path: Path):
    path = tmp_path / "nowhere" / "quiz.db"

    with pytest.raises(StoreError, match=r"folder .*nowhere is missing"):
        await SqliteStore.open(path)


async def test_a_database_from_a_newer_quizbot_is_refused(db_path: Path):
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")

    with pytest.raises(StoreError, match="newer than this quizbot knows"):
        await SqliteStore.open(db_path)


# --- question history -------------------------------------------------------------------------

KEEP = make_question("keep")
DROP = make_question("drop", answer=["C"])


async def test_a_question_removed_from_its_bank_keeps_its_row_and_history(
    store: SqliteStore, db_path: Path, clock: FakeClock
):
    before = Quiz(store, BankLibrary([make_bank("demo", [KEEP, DROP])]), clock)
    await before.start()
    posted = await before.rounds.post_daily(CHANNEL)
    if posted.question.id != "drop":
        posted = await before.rounds.post_daily(CHANNEL)
    assert posted.question.id == "drop"
    await before.rounds.answer(posted.round.id, ANN, ["C"])

    clock.advance(hours=1)  # a restart with the question taken out of the bank
    after = Quiz(store, BankLibrary([make_bank("demo", [KEEP])]), clock, rng=random.Random(3))
    await after.start()
    late = await after.rounds.answer(posted.round.id, BOB, ["C"])
    reveal = await after.rounds.close(posted.round.id)
    next_questions = [(await after.rounds.post_daily(OTHER_CHANNEL)).question for _ in range(3)]

    assert read(db_path, "SELECT qid, active FROM questions ORDER BY qid") == [
        ("drop", 0),
        ("keep", 1),
    ]
    assert late == Gone()
    assert reveal.question is None
    assert (reveal.stats.participants, reveal.stats.solved, reveal.stats.first_solver) == (
        1,
        1,
        "Ann",
    )
    assert {question.id for question in next_questions} == {"keep"}
    assert (await after.boards.stats(ANN)).points == 10
    board = await after.boards.channel(CHANNEL, Period.ALL)
    assert [(row.name, row.points) for row in board.rows] == [("Ann", 10)]

    clock.advance(hours=1)
    restored = Quiz(store, BankLibrary([make_bank("demo", [KEEP, DROP])]), clock)
    await restored.start()
    assert read(db_path, "SELECT qid, active FROM questions ORDER BY qid") == [
        ("drop", 1),
        ("keep", 1),
    ]
    old_round = await restored.rounds.round(posted.round.id)
    assert old_round is not None
    assert old_round[1] == DROP


# --- the single writer ------------------------------------------------------------------------


def _insert_user(handle: str):
    def work(conn: sqlite3.Connection) -> int:
        return conn.execute(
            "INSERT INTO users (platform, workspace, user_ref) VALUES ('t', 'w', ?) RETURNING id",
            (handle,),
        ).fetchone()[0]

    return work


def _write_then_fail(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO users (platform, workspace, user_ref) VALUES ('t', 'w', 'bad')")
    raise ValueError("this job fails")


async def test_a_failing_job_loses_only_its_own_writes(store: SqliteStore, db_path: Path):
    jobs = [_insert_user(f"u{n}") for n in range(40)]
    jobs.insert(20, _write_then_fail)

    results = await asyncio.gather(*(store.writer.run(job) for job in jobs), return_exceptions=True)

    failed = results.pop(20)
    assert isinstance(failed, ValueError)
    assert str(failed) == "this job fails"
    assert all(isinstance(result, int) for result in results)
    stored = dict(read(db_path, "SELECT id, user_ref FROM users"))
    assert stored == {result: f"u{n}" for n, result in enumerate(results)}


async def test_results_arrive_only_after_commit(store: SqliteStore, db_path: Path):
    async def insert_then_look(n: int) -> list[tuple]:
        user_id = await store.writer.run(_insert_user(f"u{n}"))
        return read(db_path, "SELECT user_ref FROM users WHERE id = ?", (user_id,))

    seen = await asyncio.gather(*(insert_then_look(n) for n in range(200)))

    assert seen == [[(f"u{n}",)] for n in range(200)]


async def test_a_failing_job_does_not_send_later_points_to_another_board(
    store: SqliteStore, make_quiz: MakeQuiz
):
    quiz = await make_quiz(make_bank("demo", easy=2))
    here = await quiz.rounds.post_daily(CHANNEL)
    there = await quiz.rounds.post_daily(OTHER_CHANNEL)
    question = here.question
    wrong = next(letter for letter in question.letters if letter not in question.answer)

    def fail(conn: sqlite3.Connection) -> None:
        raise ValueError("another job fails in the same batch")

    async def failing_job() -> None:
        await store.writer.run(fail)

    await quiz.boards.stats(ANN)  # Ann's user id is known, so her click is one writer job
    # Ann's first click in this channel shares a batch with failing jobs queued before and after
    # it, so however the batch is ordered her click runs in a pass that is rolled back.
    results = await asyncio.gather(
        failing_job(),
        quiz.rounds.answer(here.round.id, ANN, [wrong]),
        failing_job(),
        return_exceptions=True,
    )
    assert [type(result) for result in results] == [ValueError, Wrong, ValueError]
    solved_there = await quiz.rounds.answer(there.round.id, BOB, list(there.question.answer))
    solved_here = await quiz.rounds.answer(here.round.id, ANN, list(question.answer))

    assert isinstance(solved_there, Correct)
    assert isinstance(solved_here, Correct)
    here_board = await quiz.boards.channel(CHANNEL, Period.ALL)
    there_board = await quiz.boards.channel(OTHER_CHANNEL, Period.ALL)
    assert [(row.name, row.points) for row in here_board.rows] == [("Ann", 6)]
    assert [(row.name, row.points) for row in there_board.rows] == [("Bob", 10)]


async def test_one_users_name_is_kept_when_a_later_request_has_none(store: SqliteStore):
    ann = await store.user_id(ANN)

    again = await store.user_id(UserRef("console", "local", "ann"))
    renamed = await store.user_id(UserRef("console", "local", "ann", "Ann B."))

    assert ann == again == renamed
    assert (await store.user_history(ann)).name == "Ann B."


async def test_rounds_opened_side_by_side_are_all_read_back(tmp_path: Path) -> None:
    """Many posts at once (the scheduler's fan-out) each see the round they just committed."""
    store = await SqliteStore.open(tmp_path / "quiz.db")
    try:
        quiz = Quiz(store, BankLibrary([make_bank("demo", easy=5)]), FakeClock(T0))
        await quiz.start()
        channels = [ChannelRef("discord", "g", f"c{n}") for n in range(64)]
        posted = await asyncio.gather(*(quiz.rounds.post_daily(c) for c in channels))
        assert sorted(p.round.channel.channel for p in posted) == sorted(
            c.channel for c in channels
        )
        assert len({p.round.id for p in posted}) == 64
    finally:
        await store.close()
