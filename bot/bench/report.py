"""Printing benchmark figures (`quizbot bench ...`)."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from bot.bench.clicks import ClickResult, QueryResult, bench_clicks

CLICK_RATIO_TARGET = 1.0
CLICK_P99_TARGET_MS = 20.0
BOARD_P95_TARGET_MS = 1.0


async def run_clicks(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    console.print(
        f"bench clicks: {args.clicks} clicks by {args.concurrency} concurrent clickers "
        "(each person: wrong, wrong, right)"
    )
    results = await bench_clicks(
        concurrency=args.concurrency,
        clicks=args.clicks,
        board_attempts=args.board_attempts,
        board_users=args.board_users,
    )
    ours = results["quizbot"]
    bare = results["baseline"]
    board = results["board"]
    assert isinstance(ours, ClickResult) and isinstance(bare, ClickResult)
    table = Table(show_edge=False)
    for column in ("path", "clicks", "clicks/s", "p50 ms", "p99 ms", "transactions"):
        table.add_column(column, justify="right" if column != "path" else "left")
    table.add_row(
        "quizbot (core + single writer, group commit)",
        str(ours.clicks),
        f"{ours.rate:,.0f}",
        f"{ours.p50_ms:.2f}",
        f"{ours.p99_ms:.2f}",
        str(ours.batches),
    )
    table.add_row(
        "bare sqlite3, one transaction per click",
        str(bare.clicks),
        f"{bare.rate:,.0f}",
        f"{bare.p50_ms:.3f}",
        f"{bare.p99_ms:.3f}",
        str(bare.batches),
    )
    console.print(table)
    ratio = ours.rate / bare.rate if bare.rate else 0.0
    verdict = (
        "meets" if ratio >= CLICK_RATIO_TARGET and ours.p99_ms <= CLICK_P99_TARGET_MS else "misses"
    )
    console.print(
        f"ratio {ratio:.2f} (target >= {CLICK_RATIO_TARGET}), p99 {ours.p99_ms:.1f} ms "
        f"(target <= {CLICK_P99_TARGET_MS:.0f} ms), over the limit: {ours.over_limit} -> {verdict}"
    )
    if isinstance(board, QueryResult):
        console.print(
            f"leaderboard top-10 with {board.attempts:,} attempts by {board.users:,} people: "
            f"week p50 {board.week_p50_ms:.3f} ms p95 {board.week_p95_ms:.3f} ms; "
            f"all time p50 {board.all_p50_ms:.3f} ms p95 {board.all_p95_ms:.3f} ms "
            f"(target p95 <= {BOARD_P95_TARGET_MS} ms)"
        )
    return 0
