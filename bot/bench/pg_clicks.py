"""`quizbot bench clicks --store postgres`: the answer path on PostgreSQL against a bare asyncpg
per-click transaction, in one run; then two quizbot processes clicking on one database.

The server is the one in QUIZBOT_DATABASE_URL (each round gets a fresh database next to the
URL's own: the URL's user must be allowed to create databases), or a throwaway one started for
the run where PostgreSQL is installed. Both sides click with the same concurrency through a
pool of the same size, each person answering wrong, wrong, right. The two-process part starts
two `python -m bot.bench.pg_clicks` workers whose people are the same: each sends all three
wrong answers and the right one in a different order, at once, so the limit of 3 attempts is
contended across processes; the audit then counts stored attempts beyond the limit.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from bot.bench.clicks import ClickResult
from bot.bench.common import Paired, percentile, synthetic_bank
from bot.core.clock import SystemClock
from bot.core.library import BankLibrary
from bot.core.outcomes import AlreadyFinished, AlreadyTried, Correct, Exhausted, Wrong
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef, UserRef
from bot.heap import settle
from bot.store.postgres import PostgresStore
from bot.store.postgres.audit import (
    attempt_count,
    attempts_over_limit,
    bare_asyncpg_clicks,
    create_database,
    drop_database,
)

CLICKS_PER_PAIR = 3
POOL_SIZE = 10


def database_url(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


@asynccontextmanager
async def server(url: str | None) -> AsyncIterator[str]:
    """The given server, or a throwaway one (durable settings: fsync on, as in production)."""
    if url:
        yield url
        return
    from bot.testing.postgres import Cluster, ClusterError

    cluster = Cluster(fast=False)
    try:
        await asyncio.to_thread(cluster.start)
    except ClusterError as exc:
        raise SystemExit(
            f"quizbot: {exc}; or set QUIZBOT_DATABASE_URL to a server to bench on"
        ) from exc
    try:
        yield cluster.url
    finally:
        await asyncio.to_thread(cluster.stop)


async def _prepared(url: str, *, rounds: int) -> tuple[PostgresStore, Quiz, dict[int, list[str]]]:
    """A store and quiz with ``rounds`` open daily rounds; per round: its wrong letters then the
    right one, as the round shows them."""
    store = await PostgresStore.open(url, pool_size=POOL_SIZE)
    quiz = Quiz(store, BankLibrary([synthetic_bank()]), SystemClock())
    await quiz.start()
    letters: dict[int, list[str]] = {}
    for number in range(rounds):
        posted = await quiz.rounds.post_daily(ChannelRef("bench", "w", f"c{number}"))
        shown = posted.question
        wrong = [letter for letter in shown.letters if letter not in shown.answer]
        letters[posted.round.id] = [*wrong, shown.answer[0]]
    return store, quiz, letters


async def run_quizbot(url: str, *, concurrency: int, clicks: int) -> ClickResult:
    store, quiz, letters = await _prepared(url, rounds=max(1, concurrency // 10))
    try:
        rounds = list(letters)
        pairs = max(1, clicks // CLICKS_PER_PAIR)
        users = [UserRef("bench", "w", f"u{number}", f"user {number}") for number in range(pairs)]
        for user in users:  # register people up front: the benchmark is about answering
            await quiz.context.user_id(user)
        settle()  # as `quizbot run` does once connected: start-up's heap out of the collector's way
        latencies: list[float] = []
        refused = 0
        queue: asyncio.Queue[int] = asyncio.Queue()
        for pair in range(pairs):
            queue.put_nowait(pair)

        async def clicker() -> None:
            nonlocal refused
            while not queue.empty():
                pair = queue.get_nowait()
                round_id = rounds[pair % len(rounds)]
                wrong_1, wrong_2, _, right = letters[round_id]
                for letter in (wrong_1, wrong_2, right):
                    started = time.perf_counter()
                    outcome = await quiz.rounds.answer(round_id, users[pair], [letter])
                    latencies.append(time.perf_counter() - started)
                    if not isinstance(outcome, Wrong | Correct | Exhausted):
                        refused += 1

        started = time.perf_counter()
        await asyncio.gather(*(clicker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    finally:
        await store.close()
    return ClickResult(
        clicks=len(latencies),
        seconds=elapsed,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        over_limit=refused + await attempts_over_limit(url),
        batches=len(latencies),
    )


async def run_baseline(url: str, *, concurrency: int, clicks: int) -> ClickResult:
    settle()  # the same start as quizbot's side
    started = time.perf_counter()
    latencies = await bare_asyncpg_clicks(
        url,
        pairs=max(1, clicks // CLICKS_PER_PAIR),
        concurrency=concurrency,
        pool_size=POOL_SIZE,
    )
    return ClickResult.per_transaction(latencies, time.perf_counter() - started)


@dataclass(frozen=True, slots=True)
class TwoProcesses:
    processes: int
    clicks: int
    attempts: int
    over_limit: int
    seconds: float


async def run_two_processes(url: str, *, people: int, concurrency: int) -> TwoProcesses:
    store, _, letters = await _prepared(url, rounds=max(1, concurrency // 10))
    await store.close()
    plan = json.dumps({"rounds": {str(k): v for k, v in letters.items()}, "people": people})
    started = time.perf_counter()
    command = [sys.executable, "-m", "bot.bench.pg_clicks", url, plan]
    workers = [
        await asyncio.create_subprocess_exec(
            *command, str(number), str(concurrency), stdout=asyncio.subprocess.PIPE
        )
        for number in range(2)
    ]
    outputs = [await worker.communicate() for worker in workers]
    elapsed = time.perf_counter() - started
    if any(worker.returncode for worker in workers):
        raise RuntimeError("a benchmark worker process failed")
    clicks = sum(json.loads(out)["clicks"] for out, _ in outputs)
    attempts, over = await attempt_count(url), await attempts_over_limit(url)
    return TwoProcesses(2, clicks, attempts, over, elapsed)


async def _worker(url: str, plan_text: str, number: int, concurrency: int) -> None:
    """One of the two processes: every person sends the three wrong answers and the right one,
    all at once, in an order that differs between the processes."""
    plan = json.loads(plan_text)
    store = await PostgresStore.open(url, pool_size=POOL_SIZE)
    quiz = Quiz(store, BankLibrary([synthetic_bank()]), SystemClock())
    await quiz.start()
    rounds = {int(k): v for k, v in plan["rounds"].items()}
    ids = list(rounds)
    clicks = 0
    semaphore = asyncio.Semaphore(concurrency)

    async def person(pair: int) -> None:
        nonlocal clicks
        round_id = ids[pair % len(ids)]
        shown = rounds[round_id]
        order = shown if number == 0 else [*reversed(shown[:3]), shown[3]]
        user = UserRef("bench", "w", f"p{pair}", f"person {pair}")
        async with semaphore:
            outcomes = await asyncio.gather(
                *(quiz.rounds.answer(round_id, user, [letter]) for letter in order)
            )
        known = Wrong | Correct | Exhausted | AlreadyTried | AlreadyFinished
        clicks += sum(isinstance(outcome, known) for outcome in outcomes)

    try:
        await asyncio.gather(*(person(pair) for pair in range(plan["people"])))
    finally:
        await store.close()
    print(json.dumps({"clicks": clicks}))


@dataclass(frozen=True, slots=True)
class PgClicksReport(Paired[ClickResult]):
    two: TwoProcesses | None


async def bench_pg_clicks(
    url: str | None, *, concurrency: int, clicks: int, rounds: int = 3, people: int = 2000
) -> PgClicksReport:
    """Both paths, interleaved, each round on fresh databases; then the two processes."""
    results: list[tuple[ClickResult, ClickResult]] = []
    async with server(url) as admin:
        stamp = f"{os.getpid()}_{int(time.time())}"
        for number in range(rounds):
            ours_db, bare_db = f"bench_q_{stamp}_{number}", f"bench_b_{stamp}_{number}"
            await create_database(admin, ours_db)
            await create_database(admin, bare_db)
            try:
                ours_url, bare_url = database_url(admin, ours_db), database_url(admin, bare_db)
                if number % 2 == 0:
                    ours = await run_quizbot(ours_url, concurrency=concurrency, clicks=clicks)
                    bare = await run_baseline(bare_url, concurrency=concurrency, clicks=clicks)
                else:
                    bare = await run_baseline(bare_url, concurrency=concurrency, clicks=clicks)
                    ours = await run_quizbot(ours_url, concurrency=concurrency, clicks=clicks)
            finally:
                await drop_database(admin, ours_db)
                await drop_database(admin, bare_db)
            results.append((ours, bare))
        two: TwoProcesses | None = None
        if people:
            shared = f"bench_two_{stamp}"
            await create_database(admin, shared)
            try:
                two = await run_two_processes(
                    database_url(admin, shared), people=people, concurrency=concurrency
                )
            finally:
                await drop_database(admin, shared)
    return PgClicksReport(tuple(results), two)


if __name__ == "__main__":
    asyncio.run(_worker(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
