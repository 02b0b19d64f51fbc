"""`quizbot bench cards`: what a card costs, and what drawing cards costs the answers.

1. Each card (leaderboard, progress, reveal) built from a real store and drawn, uncached, on a
   board of 10 people and on one of 5,000 (the viewer far down it): p50/p99 of the store reads,
   of the drawing, and of both.
2. Answer clicks through the real core and store, alone and while 50 distinct cards are being
   drawn (cache off) through the renderer the adapters use; rounds interleaved, median ratio of
   the answers' p99.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.bench.common import percentile, synthetic_bank
from bot.cards import CardRenderer, Rendered, draw
from bot.core.cards import Card
from bot.core.clock import SystemClock
from bot.core.library import BankLibrary
from bot.core.outcomes import Correct, Exhausted, Wrong
from bot.core.periods import Period
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef, UserRef
from bot.store.sqlite import SqliteStore
from bot.store.sqlite.seed import seed_board_history

ATTEMPTS_PER_PERSON = 20
CONCURRENT_CARDS = 50


@dataclass(frozen=True, slots=True)
class CardTiming:
    card: str
    people: int
    samples: int
    build_p50_ms: float
    build_p99_ms: float
    draw_p50_ms: float
    draw_p99_ms: float
    cpu_p50_ms: float
    """The drawing's own CPU time (a loaded machine stretches the wall-clock figures)."""
    cpu_p99_ms: float
    total_p50_ms: float
    total_p99_ms: float
    png_bytes: int


@dataclass(frozen=True, slots=True)
class ClickRound:
    alone_p99_ms: float
    with_cards_p99_ms: float
    cards_drawn: int
    cards_seconds: float

    @property
    def ratio(self) -> float:
        return self.with_cards_p99_ms / self.alone_p99_ms if self.alone_p99_ms else 0.0


@dataclass(frozen=True, slots=True)
class CardsReport:
    timings: tuple[CardTiming, ...]
    clicks: tuple[ClickRound, ...]

    @property
    def median_ratio(self) -> float:
        return statistics.median(r.ratio for r in self.clicks) if self.clicks else 0.0

    def worst(self, card: str) -> float:
        return max(t.total_p99_ms for t in self.timings if t.card == card)


async def _board_store(folder: Path, people: int) -> tuple[SqliteStore, Quiz, ChannelRef]:
    store = await SqliteStore.open(folder / f"cards-{people}.db")
    library = BankLibrary([synthetic_bank()])
    clock = SystemClock()
    quiz = Quiz(store, library, clock)
    await quiz.start()
    channel = ChannelRef("bench", "w", "board")
    await store.writer.run(
        lambda conn: seed_board_history(
            conn,
            channel,
            library.questions,
            attempts=people * ATTEMPTS_PER_PERSON,
            users=people,
            now=clock.now(),
        )
    )
    return store, quiz, channel


def _draw_timed(card: Card) -> tuple[Rendered, float]:
    began = time.thread_time()
    rendered = draw(card)
    return rendered, time.thread_time() - began


async def _timed(
    name: str, people: int, samples: int, build: Callable[[], Awaitable[Card | None]]
) -> CardTiming:
    builds: list[float] = []
    draws: list[float] = []
    cpu: list[float] = []
    size = 0
    warm = await build()  # the first drawing of a process loads fonts and the palette
    if warm is not None:
        await asyncio.to_thread(draw, warm)
    for _ in range(samples):
        began = time.perf_counter()
        card = await build()
        built = time.perf_counter()
        if card is None:
            raise RuntimeError(f"the {name} card came out empty")
        # The adapters draw on the renderer's thread; timed here in a thread the same way.
        rendered, used = await asyncio.to_thread(_draw_timed, card)
        done = time.perf_counter()
        builds.append(built - began)
        draws.append(done - built)
        cpu.append(used)
        size = len(rendered.png)
    totals = [b + d for b, d in zip(builds, draws, strict=True)]
    return CardTiming(
        name,
        people,
        samples,
        percentile(builds, 0.5) * 1000,
        percentile(builds, 0.99) * 1000,
        percentile(draws, 0.5) * 1000,
        percentile(draws, 0.99) * 1000,
        percentile(cpu, 0.5) * 1000,
        percentile(cpu, 0.99) * 1000,
        percentile(totals, 0.5) * 1000,
        percentile(totals, 0.99) * 1000,
        size,
    )


async def _card_timings(folder: Path, people: int, samples: int) -> list[CardTiming]:
    store, quiz, channel = await _board_store(folder, people)
    try:
        # The viewer: last seeded person (far down a big board; on a small one, in it).
        viewer = UserRef("bench", "w", f"seed{people - 1}", f"seeded {people - 1}")
        closed = await store.close_round(1, SystemClock().now())
        if closed is None:
            raise RuntimeError("the seeded history has no round")
        reveal = await quiz.rounds.close(1)
        return [
            await _timed("leaderboard", people, samples,
                         lambda: quiz.cards.channel_board(channel, viewer, Period.ALL)),
            await _timed("progress", people, samples, lambda: quiz.cards.progress(viewer)),
            await _timed("reveal", people, samples, lambda: quiz.cards.reveal(reveal)),
        ]  # fmt: skip
    finally:
        await store.close()


async def _clicks(quiz: Quiz, users: list[UserRef], concurrency: int) -> list[float]:
    channels = [ChannelRef("bench", "w", f"click{n}") for n in range(max(1, concurrency // 10))]
    plans = []
    for channel in channels:
        posted = await quiz.rounds.post_daily(channel)
        shown = posted.question
        wrong = [letter for letter in shown.letters if letter not in shown.answer]
        plans.append((posted.round.id, ((wrong[0],), (wrong[1],), (shown.answer[0],))))
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(users)):
        queue.put_nowait(index)

    async def clicker() -> None:
        while not queue.empty():
            index = queue.get_nowait()
            round_id, clicks = plans[index % len(plans)]
            for letters in clicks:
                began = time.perf_counter()
                outcome = await quiz.rounds.answer(round_id, users[index], letters)
                latencies.append(time.perf_counter() - began)
                if not isinstance(outcome, Wrong | Correct | Exhausted):
                    raise RuntimeError(f"unexpected outcome {outcome!r}")

    await asyncio.gather(*(clicker() for _ in range(concurrency)))
    return latencies


async def _click_round(
    folder: Path, number: int, *, clicks: int, concurrency: int, with_cards: bool
) -> tuple[float, int, float]:
    store = await SqliteStore.open(folder / f"clicks-{number}-{int(with_cards)}.db")
    renderer = CardRenderer()
    try:
        quiz = Quiz(store, BankLibrary([synthetic_bank()]), SystemClock())
        await quiz.start()
        users = [UserRef("bench", "w", f"u{n}", f"user {n}") for n in range(max(1, clicks // 3))]
        for user in users:
            await quiz.context.user_id(user)
        from bot.cards.demo import board_card

        # Start the drawing process first (a bot's starts with its first card, once).
        await renderer.render(board_card(), cached=False)
        drawing: asyncio.Future[list[object]] | None = None
        began = time.perf_counter()
        if with_cards:
            # Distinct cards (no cache hit), all asked for at once as a burst of clicks would.
            cards = [
                replace(board_card(), title=f"Bench board {n}") for n in range(CONCURRENT_CARDS)
            ]
            drawing = asyncio.gather(*(renderer.render(card, cached=False) for card in cards))
        latencies = await _clicks(quiz, users, concurrency)
        drawn = 0
        if drawing is not None:
            drawn = len(await drawing)
        return percentile(latencies, 0.99) * 1000, drawn, time.perf_counter() - began
    finally:
        renderer.close()
        await store.close()


async def bench_cards(
    *, samples: int, people: int, clicks: int, concurrency: int, rounds: int
) -> CardsReport:
    timings: list[CardTiming] = []
    results: list[ClickRound] = []
    with tempfile.TemporaryDirectory(prefix="quizbot-bench-cards-") as tmp:
        folder = Path(tmp)
        for size in (10, people):
            timings += await _card_timings(folder, size, samples)
        for number in range(rounds):
            order = (False, True) if number % 2 == 0 else (True, False)
            found: dict[bool, tuple[float, int, float]] = {}
            for with_cards in order:
                found[with_cards] = await _click_round(
                    folder, number, clicks=clicks, concurrency=concurrency, with_cards=with_cards
                )
            alone, (loaded, drawn, seconds) = found[False][0], found[True]
            results.append(ClickRound(alone, loaded, drawn, seconds))
    return CardsReport(tuple(timings), tuple(results))


LEADERBOARD_P99_TARGET_MS = 50.0
CLICK_RATIO_TARGET = 1.2


async def run_cards(args: argparse.Namespace) -> int:
    logging.getLogger("bot.store").setLevel(logging.WARNING)
    console = Console(highlight=False, width=160)
    console.print(
        f"bench cards: each card built from the store and drawn (uncached) {args.samples} "
        f"times, on a board of 10 people and of {args.people:,}; then {args.clicks:,} answer "
        f"clicks by {args.concurrency} clickers alone and while {CONCURRENT_CARDS} cards are "
        f"drawn, {args.rounds} interleaved rounds",
        soft_wrap=True,
    )
    report = await bench_cards(
        samples=args.samples,
        people=args.people,
        clicks=args.clicks,
        concurrency=args.concurrency,
        rounds=args.rounds,
    )
    table = Table(show_edge=False)
    for column in ("card", "people", "store p50", "store p99", "draw p50", "draw p99",
                   "draw cpu p50", "cpu p99", "total p50 ms", "total p99 ms",
                   "PNG bytes"):  # fmt: skip
        table.add_column(column, justify="right")
    for t in report.timings:
        table.add_row(
            t.card, f"{t.people:,}", f"{t.build_p50_ms:.2f}", f"{t.build_p99_ms:.2f}",
            f"{t.draw_p50_ms:.1f}", f"{t.draw_p99_ms:.1f}", f"{t.cpu_p50_ms:.1f}",
            f"{t.cpu_p99_ms:.1f}", f"{t.total_p50_ms:.1f}",
            f"{t.total_p99_ms:.1f}", f"{t.png_bytes:,}",
        )  # fmt: skip
    console.print(table)
    clicks = Table(show_edge=False)
    for column in ("round", "answer p99 alone ms", f"with {CONCURRENT_CARDS} cards ms",
                   "ratio", "cards drawn", "in s"):  # fmt: skip
        clicks.add_column(column, justify="right")
    for number, found in enumerate(report.clicks, start=1):
        clicks.add_row(
            str(number), f"{found.alone_p99_ms:.2f}", f"{found.with_cards_p99_ms:.2f}",
            f"{found.ratio:.2f}", str(found.cards_drawn), f"{found.cards_seconds:.2f}",
        )  # fmt: skip
    console.print(clicks)
    board_p99 = report.worst("leaderboard")
    board_cpu = max(t.cpu_p99_ms for t in report.timings if t.card == "leaderboard")
    met = board_p99 <= LEADERBOARD_P99_TARGET_MS and report.median_ratio <= CLICK_RATIO_TARGET
    console.print(
        f"result: leaderboard card p99 {board_p99:.1f} ms (target <= "
        f"{LEADERBOARD_P99_TARGET_MS:.0f} ms; drawing cpu p99 {board_cpu:.1f} ms); "
        f"answer p99 with cards drawing x{report.median_ratio:.2f} of alone "
        f"(median; target <= {CLICK_RATIO_TARGET}); "
        f"target {'met' if met else 'MISSED'}",
        soft_wrap=True,
    )
    return 0
