"""What only the PostgreSQL store has: its migrations and their errors, several stores (as
several processes) clicking on one database, the scheduler's lease, and `quizbot db copy`.

The rules themselves run on both stores in the engine, board and practice tests."""

from __future__ import annotations

import asyncio
import random
import socket
import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import time, timedelta
from pathlib import Path

import asyncpg
import pytest
from conftest import ANN, BOB, CAT, CHANNEL, OTHER_CHANNEL, T0, make_bank, run_quizbot
from pg_fixtures import table_rows
from test_concurrency import LIBRARY, USERS, assert_consistent, post_rounds, storm

from bot.core.clock import FakeClock
from bot.core.library import BankLibrary
from bot.core.outcomes import Wrong
from bot.core.ports import InstallationKey
from bot.core.quiz import Quiz
from bot.core.reports import NewReport, ReportKind
from bot.core.review_cards import CardState, ReviewCard
from bot.core.rounds import AttemptState, ChannelRef, Decision, UserRef, Verdict
from bot.core.schedule import Schedule
from bot.store.errors import StoreError
from bot.store.postgres import PostgresStore
from bot.store.postgres.lease import PostgresLease
from bot.store.sqlite import SqliteStore

REPO = Path(__file__).resolve().parents[1]
SLACK_TEAM = InstallationKey("111.222", "", "T1")


def test_the_postgres_migrations_mirror_the_sqlite_ones_number_for_number():
    sqlite = sorted(path.name for path in (REPO / "migrations" / "sqlite").glob("*.sql"))
    postgres = sorted(path.name for path in (REPO / "migrations" / "postgres").glob("*.sql"))
    assert postgres == sqlite


# --- db upgrade and its errors --------------------------------------------------------------


async def _drop_schema(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()


async def test_db_upgrade_on_postgres_applies_every_migration_then_is_up_to_date(
    postgres_url: str, tmp_path: Path
):
    await _drop_schema(postgres_url)
    first = run_quizbot(tmp_path, "db", "upgrade", QUIZBOT_DATABASE_URL=postgres_url)
    again = run_quizbot(tmp_path, "db", "upgrade", QUIZBOT_DATABASE_URL=postgres_url)

    assert first.returncode == 0, first.stderr
    assert "schema v0 -> v12" in first.stdout
    assert "quizbot:quizbot@" not in first.stdout, "the password is never printed"
    assert again.stdout.strip().endswith("up to date (schema v12)")
    assert not (tmp_path / "quiz.db").exists(), "QUIZBOT_DATABASE_URL set: no SQLite file"


def _one_line_error(done, *needles: str) -> None:
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert "Traceback" not in done.stderr


def _with(url: str, **parts: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    split = urlsplit(url)
    user = parts.get("user", split.username or "")
    password = parts.get("password", split.password or "")
    port = parts.get("port", str(split.port))
    database = parts.get("database", split.path.lstrip("/"))
    return urlunsplit(split._replace(netloc=f"{user}:{password}@{split.hostname}:{port}",
                                     path=f"/{database}"))  # fmt: skip


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_server_is_one_line_naming_host_and_port(postgres_url: str, tmp_path: Path):
    port = _closed_port()
    done = run_quizbot(
        tmp_path, "db", "upgrade", QUIZBOT_DATABASE_URL=_with(postgres_url, port=str(port))
    )
    _one_line_error(done, "cannot reach PostgreSQL", f"127.0.0.1:{port}", "QUIZBOT_DATABASE_URL")


def test_a_wrong_password_is_one_line_naming_the_user(postgres_url: str, tmp_path: Path):
    done = run_quizbot(
        tmp_path, "db", "upgrade", QUIZBOT_DATABASE_URL=_with(postgres_url, password="wrong")
    )
    _one_line_error(done, "refused the password", "quizbot", "QUIZBOT_DATABASE_URL")
    assert "wrong" not in done.stderr


def test_a_missing_database_is_one_line_saying_to_create_it(postgres_url: str, tmp_path: Path):
    done = run_quizbot(
        tmp_path, "db", "upgrade", QUIZBOT_DATABASE_URL=_with(postgres_url, database="nosuch")
    )
    _one_line_error(done, "database does not exist", "/nosuch", "createdb")


async def test_a_newer_schema_is_refused_in_one_line(postgres_url: str, tmp_path: Path):
    conn = await asyncpg.connect(postgres_url)
    try:
        await conn.execute("UPDATE quizbot_schema SET version = 99")
    finally:
        await conn.close()
    done = run_quizbot(tmp_path, "db", "upgrade", QUIZBOT_DATABASE_URL=postgres_url)
    _one_line_error(done, "schema version 99", "newer than this quizbot knows", "upgrade quizbot")
    with pytest.raises(StoreError, match="newer than this quizbot knows"):
        await PostgresStore.open(postgres_url)


def test_a_url_that_is_not_postgresql_is_refused_in_one_line(tmp_path: Path):
    done = run_quizbot(tmp_path, "db", "upgrade", QUIZBOT_DATABASE_URL="mysql://x@y/z")
    assert done.returncode == 2
    assert "QUIZBOT_DATABASE_URL must look like postgresql://" in done.stderr


# --- several processes on one database --------------------------------------------------------


async def _dump_to_sqlite(url: str, path: Path) -> None:
    """The PostgreSQL database's rows in a SQLite file of the same schema, for the SQLite
    consistency checks of test_concurrency."""
    await SqliteStore.upgrade(path)
    conn = await asyncpg.connect(url)
    try:
        with closing(sqlite3.connect(path)) as lite:
            for table in ("channels", "rounds", "attempts", "participations", "scopes", "board"):
                rows = await conn.fetch(f"SELECT * FROM {table}")
                if rows:
                    marks = ", ".join("?" * len(rows[0]))
                    lite.executemany(
                        f"INSERT INTO {table} VALUES ({marks})", [tuple(r) for r in rows]
                    )
            lite.commit()
    finally:
        await conn.close()


async def test_two_stores_on_one_database_racing_keep_the_attempt_limit(
    postgres_url: str, tmp_path: Path
):
    stores = [await PostgresStore.open(postgres_url, pool_size=8) for _ in range(2)]
    quizzes = []
    for seed, store in enumerate(stores):
        quiz = Quiz(store, LIBRARY, FakeClock(T0), rng=random.Random(seed))
        await quiz.start()
        quizzes.append(quiz)
    try:
        rounds = await post_rounds(quizzes[0])
        outcomes = await storm(quizzes, rounds, USERS[:20], seed=11)
    finally:
        for store in stores:
            await store.close()

    dump = tmp_path / "dump.db"
    await _dump_to_sqlite(postgres_url, dump)
    assert len(outcomes) == 6 * 20 * 10
    assert assert_consistent(dump, outcomes) == 120


async def test_a_round_opened_twice_at_once_in_one_channel_opens_once(postgres_url: str):
    stores = [await PostgresStore.open(postgres_url) for _ in range(2)]
    bank = make_bank(easy=3)
    quizzes = [Quiz(s, BankLibrary([bank]), FakeClock(T0)) for s in stores]
    for quiz in quizzes:
        await quiz.start()
    try:
        results = await asyncio.gather(
            *(quiz.rounds.post_daily(CHANNEL) for quiz in quizzes for _ in range(3)),
            return_exceptions=True,
        )
        opened = await stores[0].open_daily_round(CHANNEL)
        posted = [r for r in results if not isinstance(r, BaseException)]
        rounds = [await stores[0].get_round(p.round.id) for p in posted]
    finally:
        for store in stores:
            await store.close()
    # Never two open daily rounds in the channel: exactly one is open, and every other round a
    # post opened (posts that ran one after the other on a loaded machine) is closed.
    assert opened is not None and opened.id in {p.round.id for p in posted}
    assert all(r is not None and (r.id == opened.id) != (r.closed_at is not None) for r in rounds)


# --- the scheduler's lease --------------------------------------------------------------------


async def test_one_lease_holds_and_the_other_takes_over_when_its_connection_dies(
    postgres_url: str,
):
    first, second = PostgresLease(postgres_url), PostgresLease(postgres_url)
    try:
        assert await first.acquire() is True
        assert await second.acquire() is False
        assert await first.acquire() is True, "the holder stays the holder"
        assert await second.acquire() is False

        # The leader's session dies (its process killed, its network gone): the server ends it.
        conn = await asyncpg.connect(postgres_url)
        try:
            # With a timeout, pg_terminate_backend returns once the session has ended (and its
            # lock is gone), not as soon as the signal is sent.
            await conn.execute(
                "SELECT pg_terminate_backend(pid, 10000) FROM pg_locks"
                " WHERE locktype = 'advisory' AND granted AND pid != pg_backend_pid()"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        finally:
            await conn.close()

        assert await second.acquire() is True
        assert await first.acquire() is False, "a dead session no longer leads"
        assert await first.acquire() is False, "and reconnecting finds the lock taken"
        await second.release()
        assert await first.acquire() is True
    finally:
        await first.release()
        await second.release()


# --- db copy ----------------------------------------------------------------------------------


async def _sqlite_history(path: Path) -> None:
    store = await SqliteStore.open(path)
    clock = FakeClock(T0)
    quiz = Quiz(store, BankLibrary([make_bank(easy=3, medium=3, hard=3)]), clock)
    await quiz.start()
    try:
        await quiz.teams.create("console", "local", "Red")
        await quiz.teams.join(ANN, "Red")
        await quiz.teams.join(BOB, "Red")
        for _day in range(3):
            for channel in (CHANNEL, OTHER_CHANNEL):
                posted = await quiz.rounds.post_daily(channel)
                for who, letters in ((ANN, ["A"]), (BOB, ["B"]), (BOB, ["A"]), (CAT, ["C"])):
                    await quiz.rounds.answer(posted.round.id, who, letters)
                await quiz.rounds.close(posted.round.id)
            clock.advance(days=1)
        await store.save_schedule(Schedule(CHANNEL, time(9), "Europe/Paris", next_post_at=T0))
        await store.claim_post(CHANNEL, "2026-11-26", T0)
        await store.set_bank_enabled("console", "local", "other", False)
        # Review cards came with the answers; a reminder, a report and a Slack installation too.
        ann = await store.user_id(ANN)
        await store.save_reminder(ann, time(9, 30), "Europe/Paris", T0)
        await store.claim_reminder(ann, "2026-11-26", "remind-1-2026-11-26", T0)
        question = (await store.due_cards(ann, T0 + timedelta(days=400), 1))[0].question
        await store.add_report(
            NewReport(question, ann, 1, "BAC", ReportKind.WRONG_KEY, "B is right", T0)
        )
        await store.save_installation(SLACK_TEAM, "U_ANN", {"who": "ann"}, {"bot_token": "x"}, T0)
        await store.issue_oauth_state("s-1", T0 + timedelta(minutes=10), T0)
    finally:
        await store.close()


async def test_db_copy_moves_the_whole_history_and_every_board_is_equal(
    postgres_url: str, tmp_path: Path
):
    source = tmp_path / "quiz.db"
    await _sqlite_history(source)
    await _drop_schema(postgres_url)

    done = run_quizbot(tmp_path, "db", "copy", "--from", str(source), "--to", postgres_url)

    assert done.returncode == 0, done.stderr
    assert "leaderboards equal on both" in done.stdout
    for table in (
        *("users", "rounds", "attempts", "participations", "board", "teams"),
        *("review_cards", "review_reminders", "question_reports", "slack_installations"),
    ):
        assert table in done.stdout
    assert "DIFFERS" not in done.stdout

    store = await PostgresStore.open(postgres_url)
    lite = await SqliteStore.open(source)
    try:
        for scope in (CHANNEL.scope, CHANNEL.workspace_scope):
            assert await store.leaderboard(scope, 0, 50) == await lite.leaderboard(scope, 0, 50)
        assert await store.teams("console", "local") == await lite.teams("console", "local")
        assert await store.schedules("console", "local") == await lite.schedules("console", "local")
        assert await store.recent_posts(CHANNEL) == await lite.recent_posts(CHANNEL)
        assert await store.disabled_banks("console", "local") == {"other"}
        ann = await lite.user_id(ANN)
        later = T0 + timedelta(days=400)
        cards = await lite.due_cards(ann, later, 50)
        assert cards and await store.due_cards(ann, later, 50) == cards
        assert await store.review_summary(ann, T0, later) == await lite.review_summary(
            ann, T0, later
        )
        assert await store.reminder(ann) == await lite.reminder(ann)
        reports = await lite.open_reports()
        assert len(reports) == 1 and await store.open_reports() == reports
        assert await store.find_installation(SLACK_TEAM) == {"who": "ann"}
        assert await store.find_bot(SLACK_TEAM) == {"bot_token": "x"}
        assert await store.consume_oauth_state("s-1", T0)
        # New rows continue after the copied ids.
        quiz = Quiz(store, BankLibrary([make_bank(easy=3, medium=3, hard=3)]), FakeClock(T0))
        await quiz.start()
        posted = await quiz.rounds.post_daily(ChannelRef("console", "local", "new"))
        assert posted.round.id == 7
        report = NewReport(
            cards[0].question, await store.user_id(BOB), None, None, ReportKind.TYPO, "", T0
        )
        assert await store.add_report(report) == 2
    finally:
        await store.close()
        await lite.close()


async def test_db_copy_refuses_a_database_that_is_not_empty(postgres_url: str, tmp_path: Path):
    source = tmp_path / "quiz.db"
    await _sqlite_history(source)
    first = run_quizbot(tmp_path, "db", "copy", "--from", str(source), "--to", postgres_url)
    again = run_quizbot(tmp_path, "db", "copy", "--from", str(source), "--to", postgres_url)

    assert first.returncode == 0, first.stderr
    _one_line_error(again, "is not empty", "fills an empty database only")


# --- group commit: clicks and card updates that arrive together share a transaction ----------


async def test_postgres_clicks_arriving_together_share_a_transaction_and_a_bad_one_fails_alone(
    postgres_url: str,
):
    """Twenty people's clicks handed over at once are committed in batches (fewer transactions
    than clicks); one whose write the database refuses (here: an attempt number already taken,
    which the rule never gives) fails on its own, and every other click is recorded."""
    store = await PostgresStore.open(postgres_url, pool_size=4)
    quiz = Quiz(store, BankLibrary([make_bank(easy=3)]), FakeClock(T0))
    await quiz.start()
    try:
        posted = await quiz.rounds.post_daily(CHANNEL)
        wrong, other = [
            letter for letter in posted.question.letters if letter not in posted.question.answer
        ][:2]
        people = [UserRef("console", "local", f"p{n}", f"P {n}") for n in range(20)]
        for person in people:
            await quiz.context.user_id(person)
        await quiz.rounds.answer(posted.round.id, people[0], [wrong])  # p0 has attempt 1
        before = store._clicks.batches

        def bad_judge(state: AttemptState) -> Decision:
            return Decision(Verdict.RECORDED, attempt_no=1)  # attempt 1 of p0 exists already

        bad = store.record_attempt(
            posted.round.id, await quiz.context.user_id(people[0]), "X", T0, (0, 0, 0), bad_judge
        )
        others = [quiz.rounds.answer(posted.round.id, person, [wrong]) for person in people[1:]]
        results = await asyncio.gather(bad, *others, return_exceptions=True)
        batches = store._clicks.batches - before
        attempts = await table_rows(
            store, None, "SELECT COUNT(*) FROM attempts WHERE round_id = ?", (posted.round.id,)
        )
    finally:
        await store.close()
    assert isinstance(results[0], asyncpg.UniqueViolationError)
    assert all(isinstance(outcome, Wrong) for outcome in results[1:]), results
    assert attempts == [(20,)]  # p0's first, and the 19 others; the bad one left nothing
    assert batches == 0  # the batch that held the bad click was rolled back and run one by one

    # Without a bad click, the same burst is committed in a few batches.
    store = await PostgresStore.open(postgres_url, pool_size=4)
    quiz = Quiz(store, BankLibrary([make_bank(easy=3)]), FakeClock(T0))
    await quiz.start()
    try:
        again = await asyncio.gather(
            *(quiz.rounds.answer(posted.round.id, person, [other]) for person in people[1:])
        )
        batched = store._clicks.batches
    finally:
        await store.close()
    assert all(isinstance(outcome, Wrong) for outcome in again)
    assert 1 <= batched < len(people) - 1


async def test_postgres_card_updates_of_one_card_at_once_apply_one_after_the_other(
    postgres_url: str,
):
    store = await PostgresStore.open(postgres_url, pool_size=4)
    quiz = Quiz(store, BankLibrary([make_bank(easy=3)]), FakeClock(T0))
    await quiz.start()
    try:
        user_id = await quiz.context.user_id(ANN)
        question = quiz.library.questions[0].key

        def bump(card: ReviewCard | None) -> ReviewCard:
            if card is None:
                return ReviewCard(question, CardState.LEARNING, 0, None, None, T0, None, reps=1)
            return replace(card, reps=card.reps + 1)

        cards = await asyncio.gather(
            *(store.update_card(user_id, question, bump) for _ in range(12))
        )
        stored = await store.review_card(user_id, question)
    finally:
        await store.close()
    assert sorted(card.reps for card in cards) == list(range(1, 13))
    assert stored is not None and stored.reps == 12


async def test_postgres_finishes_arriving_together_write_every_card_in_their_batch(
    postgres_url: str,
):
    """Twelve people solve the one question in two channels at once: the clicks are committed
    in batches, and each person's card counts both finishes (the second sees the first), as if
    the clicks had come one by one."""
    store = await PostgresStore.open(postgres_url, pool_size=4)
    quiz = Quiz(store, BankLibrary([make_bank(easy=1)]), FakeClock(T0))
    await quiz.start()
    try:
        rounds = [await quiz.rounds.post_daily(channel) for channel in (CHANNEL, OTHER_CHANNEL)]
        assert rounds[0].question.key == rounds[1].question.key
        people = [UserRef("console", "local", f"p{n}", f"P {n}") for n in range(12)]
        ids = [await quiz.context.user_id(person) for person in people]
        before = store._clicks.batches
        await asyncio.gather(
            *(
                quiz.rounds.answer(posted.round.id, person, [posted.question.answer[0]])
                for person in people
                for posted in rounds
            )
        )
        batched = store._clicks.batches - before
        cards = [await store.review_card(user_id, rounds[0].question.key) for user_id in ids]
    finally:
        await store.close()
    assert batched >= 1
    assert [card.reps if card else None for card in cards] == [2] * len(people)


async def test_a_store_opens_on_a_read_only_postgres_and_still_reads(postgres_url: str):
    """Each new connection warms the click's statements; on a server that takes no writes (a
    standby, or here a database set read-only) that warm-up must not keep the store from
    opening and reading."""
    store = await PostgresStore.open(postgres_url, pool_size=2)
    quiz = Quiz(store, BankLibrary([make_bank(easy=1)]), FakeClock(T0))
    await quiz.start()
    posted = await quiz.rounds.post_daily(CHANNEL)
    await store.close()
    database = postgres_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(postgres_url)
    try:
        await admin.execute(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
        try:
            again = await PostgresStore.open(postgres_url, pool_size=2)
            try:
                found = await again.get_round(posted.round.id)
            finally:
                await again.close()
        finally:
            await admin.execute(f'ALTER DATABASE "{database}" RESET default_transaction_read_only')
    finally:
        await admin.close()
    assert found is not None and found.id == posted.round.id
