"""SQL the PostgreSQL benchmark needs outside the running store: the bare asyncpg baseline,
the over-the-limit audit, and fresh databases. Kept here so that all SQL lives in bot/store."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import asyncpg

BASELINE_LETTERS = ("A", "C", "B")  # wrong, wrong, right


async def create_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def bare_asyncpg_clicks(
    url: str, *, pairs: int, concurrency: int, pool_size: int
) -> list[float]:
    """The reference: one asyncpg transaction per click, the way most bots do it (BEGIN; count
    attempts; insert attempt; upsert score; COMMIT), as many clickers at once as quizbot gets.
    Returns each click's latency in seconds."""
    setup = await asyncpg.connect(url)
    try:
        await setup.execute(
            """
            CREATE TABLE attempts (round_id INTEGER, user_id INTEGER, attempt_no INTEGER,
                                   answer TEXT, correct INTEGER, at TEXT,
                                   PRIMARY KEY (round_id, user_id, attempt_no));
            CREATE TABLE scores (round_id INTEGER, user_id INTEGER, points INTEGER,
                                 PRIMARY KEY (round_id, user_id));
            """
        )
    finally:
        await setup.close()
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for pair in range(pairs):
        queue.put_nowait(pair)
    async with asyncpg.create_pool(url, min_size=pool_size, max_size=pool_size) as pool:

        async def clicker() -> None:
            while not queue.empty():
                pair = queue.get_nowait()
                for letter in BASELINE_LETTERS:
                    began = time.perf_counter()
                    async with pool.acquire() as conn, conn.transaction():
                        used = await conn.fetchval(
                            "SELECT COUNT(*) FROM attempts WHERE round_id = $1 AND user_id = $2",
                            1,
                            pair,
                        )
                        correct = int(letter == "B")
                        await conn.execute(
                            "INSERT INTO attempts VALUES ($1, $2, $3, $4, $5, $6)",
                            1,
                            pair,
                            used + 1,
                            letter,
                            correct,
                            datetime.now(UTC).isoformat(),
                        )
                        await conn.execute(
                            """INSERT INTO scores VALUES ($1, $2, $3)
                               ON CONFLICT (round_id, user_id)
                               DO UPDATE SET points = scores.points + excluded.points""",
                            1,
                            pair,
                            10 * correct,
                        )
                    latencies.append(time.perf_counter() - began)

        await asyncio.gather(*(clicker() for _ in range(concurrency)))
    return latencies


async def attempts_over_limit(url: str) -> int:
    """Attempt rows stored beyond each person's allowance: the limit held if this is 0."""
    conn = await asyncpg.connect(url)
    try:
        over = await conn.fetchval(
            """SELECT COALESCE(SUM(used - allowed), 0) FROM (
                   SELECT COUNT(*) AS used, MIN(r.attempts_allowed) AS allowed
                   FROM attempts a JOIN rounds r ON r.id = a.round_id
                   GROUP BY a.round_id, a.user_id) AS per_person
               WHERE used > allowed"""
        )
        return int(over)
    finally:
        await conn.close()


async def attempt_count(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT COUNT(*) FROM attempts"))
    finally:
        await conn.close()
