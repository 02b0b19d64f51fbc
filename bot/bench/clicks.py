"""`quizbot bench clicks`: the answer path against a bare sqlite3 transaction, in one run.

Concurrency N asyncio clickers answer open daily rounds through the real core and store (the
single writer with group commit); each (round, user) pair answers wrong, wrong, right. The
baseline is a bare stdlib sqlite3 loop doing one transaction per click (BEGIN IMMEDIATE; count
attempts; insert attempt; upsert score; COMMIT) on a WAL file with synchronous=NORMAL.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bot.bench.common import Paired, percentile, synthetic_bank
from bot.core.clock import SystemClock
from bot.core.library import BankLibrary
from bot.core.outcomes import Correct, Exhausted, Wrong
from bot.core.periods import Period
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef, UserRef
from bot.heap import settle
from bot.store.sqlite import SqliteStore
from bot.store.sqlite.audit import bare_sqlite_clicks
from bot.store.sqlite.seed import seed_board_history

CLICKS_PER_PAIR = 3  # wrong, wrong, right


@dataclass(frozen=True, slots=True)
class ClickResult:
    clicks: int
    seconds: float
    p50_ms: float
    p99_ms: float
    over_limit: int
    batches: int

    @property
    def rate(self) -> float:
        return self.clicks / self.seconds if self.seconds else 0.0

    @classmethod
    def per_transaction(cls, latencies: list[float], seconds: float) -> ClickResult:
        """A bare baseline's figures: one transaction per click, nothing over the limit."""
        return cls(
            clicks=len(latencies),
            seconds=seconds,
            p50_ms=percentile(latencies, 0.50) * 1000,
            p99_ms=percentile(latencies, 0.99) * 1000,
            over_limit=0,
            batches=len(latencies),
        )


async def run_quizbot(folder: Path, *, concurrency: int, clicks: int) -> ClickResult:
    store = await SqliteStore.open(folder / "bench.db")
    try:
        quiz = Quiz(store, BankLibrary([synthetic_bank()]), SystemClock())
        await quiz.start()
        channels = max(1, concurrency // 10)
        rounds = []
        clicks_of: dict[int, tuple[tuple[str], ...]] = {}
        for number in range(channels):
            posted = await quiz.rounds.post_daily(ChannelRef("bench", "w", f"c{number}"))
            rounds.append(posted.round.id)
            # In the letters the round shows (its options are shuffled): wrong, wrong, right.
            shown = posted.question
            wrong = [letter for letter in shown.letters if letter not in shown.answer]
            clicks_of[posted.round.id] = ((wrong[0],), (wrong[1],), (shown.answer[0],))
        pairs = max(1, clicks // CLICKS_PER_PAIR)
        users = [UserRef("bench", "w", f"u{number}", f"user {number}") for number in range(pairs)]
        for user in users:  # register people up front: the benchmark is about answering
            await quiz.context.user_id(user)
        settle()  # as `quizbot run` does once connected: start-up's heap out of the collector's way
        latencies: list[float] = []
        over_limit = 0
        queue: asyncio.Queue[int] = asyncio.Queue()
        for pair in range(pairs):
            queue.put_nowait(pair)

        async def clicker() -> None:
            nonlocal over_limit
            while not queue.empty():
                pair = queue.get_nowait()
                round_id = rounds[pair % len(rounds)]
                for letters in clicks_of[round_id]:
                    started = time.perf_counter()
                    outcome = await quiz.rounds.answer(round_id, users[pair], letters)
                    latencies.append(time.perf_counter() - started)
                    if not isinstance(outcome, Wrong | Correct | Exhausted):
                        over_limit += 1

        batches_before = store.writer.batches
        started = time.perf_counter()
        await asyncio.gather(*(clicker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        return ClickResult(
            clicks=len(latencies),
            seconds=elapsed,
            p50_ms=percentile(latencies, 0.50) * 1000,
            p99_ms=percentile(latencies, 0.99) * 1000,
            over_limit=over_limit,
            batches=store.writer.batches - batches_before,
        )
    finally:
        await store.close()


def run_baseline(folder: Path, *, clicks: int) -> ClickResult:
    """One stdlib sqlite3 transaction per click, the way most bots do it."""
    settle()  # the same start as quizbot's side
    started = time.perf_counter()
    latencies = bare_sqlite_clicks(folder / "baseline.db", max(1, clicks // CLICKS_PER_PAIR))
    return ClickResult.per_transaction(latencies, time.perf_counter() - started)


@dataclass(frozen=True, slots=True)
class QueryResult:
    attempts: int
    users: int
    week_p50_ms: float
    week_p95_ms: float
    all_p50_ms: float
    all_p95_ms: float


async def run_leaderboard_queries(
    folder: Path, *, attempts: int, users: int, queries: int = 2000
) -> QueryResult:
    store = await SqliteStore.open(folder / "board.db")
    try:
        library = BankLibrary([synthetic_bank()])
        clock = SystemClock()
        quiz = Quiz(store, library, clock)
        await quiz.start()
        channel = ChannelRef("bench", "w", "board")
        await store.writer.run(
            lambda conn: seed_board_history(
                conn, channel, library.questions, attempts=attempts, users=users, now=clock.now()
            )
        )
        timings: dict[Period, list[float]] = {Period.WEEK: [], Period.ALL: []}
        for period, samples in timings.items():
            for _ in range(queries):
                began = time.perf_counter()
                board = await quiz.boards.channel(channel, period)
                samples.append(time.perf_counter() - began)
                if not board.rows:
                    raise RuntimeError(f"the seeded {period} board is empty")
        week, every = timings[Period.WEEK], timings[Period.ALL]
        return QueryResult(
            attempts=attempts,
            users=users,
            week_p50_ms=percentile(week, 0.5) * 1000,
            week_p95_ms=percentile(week, 0.95) * 1000,
            all_p50_ms=percentile(every, 0.5) * 1000,
            all_p95_ms=percentile(every, 0.95) * 1000,
        )
    finally:
        await store.close()


@dataclass(frozen=True, slots=True)
class ClicksReport(Paired[ClickResult]):
    """(quizbot, baseline) per round, each on fresh files, and the board query's figures."""

    board: QueryResult | None


async def bench_clicks(
    *, concurrency: int, clicks: int, board_attempts: int, board_users: int, rounds: int = 3
) -> ClicksReport:
    """Both paths, interleaved (the order alternates each round) so that a slow moment of a
    shared machine does not land on one side only; the figure is the median round's ratio."""
    results: list[tuple[ClickResult, ClickResult]] = []
    with tempfile.TemporaryDirectory(prefix="quizbot-bench-") as tmp:
        for number in range(rounds):
            folder = Path(tmp) / f"round{number}"
            folder.mkdir()
            if number % 2 == 0:
                ours = await run_quizbot(folder, concurrency=concurrency, clicks=clicks)
                bare = await asyncio.to_thread(run_baseline, folder, clicks=clicks)
            else:
                bare = await asyncio.to_thread(run_baseline, folder, clicks=clicks)
                ours = await run_quizbot(folder, concurrency=concurrency, clicks=clicks)
            results.append((ours, bare))
        board = (
            await run_leaderboard_queries(Path(tmp), attempts=board_attempts, users=board_users)
            if board_attempts
            else None
        )
    return ClicksReport(tuple(results), board)
