"""The PostgreSQL side of the store fixtures: one throwaway server for the session (or the one
in QUIZBOT_TEST_DATABASE_URL), a migrated template database, and a fresh database per test made
from it (CREATE DATABASE ... TEMPLATE: a copy of files, fast).

A module runs on both stores with ``pytestmark = BOTH_STORES``: its tests that use ``store``
(or ``quiz``, ``make_quiz``, ``open_store``) run once per store, with ids ``[sqlite]`` and
``[postgres]``, so ``pytest -k postgres`` selects the PostgreSQL runs. Without PostgreSQL
installed they are skipped with the one line that says how to install it, or fail with
``CI=true``.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.core.ports import Store
from bot.store.postgres import PostgresStore
from bot.testing.postgres import Cluster, availability

BOTH_STORES = pytest.mark.both_stores
OpenStore = Callable[[], Awaitable[Any]]

__all__ = ["BOTH_STORES", "OpenStore", "PostgresStore", "Store"]

_numbers = itertools.count(1)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store_kind" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_stores"
    ):
        metafunc.parametrize(
            "store_kind",
            ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
            indirect=True,
            ids=["sqlite", "postgres"],
        )


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a server the tests may create databases on."""
    given = os.environ.get("QUIZBOT_TEST_DATABASE_URL")
    if given:
        yield given
        return
    reason = availability()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    cluster = Cluster().start()
    try:
        yield cluster.url
    finally:
        cluster.stop()


async def _admin(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> Iterator[str]:
    """A database migrated to the latest schema, the template of every test's database."""
    name = f"quizbot_template_{os.getpid()}"
    asyncio.run(
        _admin(postgres_server, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
    )
    asyncio.run(PostgresStore.upgrade(with_database(postgres_server, name)))
    yield name
    asyncio.run(_admin(postgres_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
async def postgres_url(postgres_server: str, postgres_template: str) -> Any:
    """A fresh, migrated database of its own for one test."""
    name = f"quizbot_test_{os.getpid()}_{next(_numbers)}"
    await _admin(postgres_server, f"CREATE DATABASE {name} TEMPLATE {postgres_template}")
    yield with_database(postgres_server, name)
    await _admin(postgres_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def table_rows(store: Any, db: Any, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """Rows of ``sql`` (SQLite's ``?`` placeholders) from the test's database, whichever store
    it is: what a test looks at after the bot has written it."""
    if isinstance(store, PostgresStore):
        parts = sql.split("?")
        numbered = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))
        return [tuple(row) for row in await store.pool.fetch(numbered, *params)]
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()
