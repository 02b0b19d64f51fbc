"""Printing benchmark figures (`quizbot bench ...`)."""

from __future__ import annotations

import argparse
import logging

from rich.console import Console
from rich.table import Table

from bot.bench.clicks import ClickResult, bench_clicks
from bot.bench.common import Paired
from bot.bench.fanout import RATE_LIMIT, bench_fanout

CLICK_RATIO_TARGET = 1.0
CLICK_P99_TARGET_MS = 20.0
BOARD_P95_TARGET_MS = 1.0
FANOUT_RATIO_TARGET = 1.1
FANOUT_RSS_TARGET_MB = 150.0


def click_verdict(console: Console, report: Paired[ClickResult], over_label: str) -> None:
    """The clicks benches' verdict line: median ratio, worst p99 and attempts over the limit
    against their targets."""
    over = sum(ours.over_limit for ours, _ in report.rounds)
    met = report.median_ratio >= CLICK_RATIO_TARGET and report.worst_p99_ms <= CLICK_P99_TARGET_MS
    console.print(
        f"median ratio {report.median_ratio:.2f} (target >= {CLICK_RATIO_TARGET}); "
        f"worst p99 {report.worst_p99_ms:.1f} ms (target <= {CLICK_P99_TARGET_MS:.0f} ms); "
        f"{over_label}: {over}; target {'met' if met else 'MISSED'}"
    )


async def run_clicks(args: argparse.Namespace) -> int:
    logging.getLogger("bot.store").setLevel(logging.WARNING)
    console = Console(highlight=False, width=110)
    console.print(
        f"bench clicks: {args.clicks:,} clicks by {args.concurrency} concurrent clickers "
        f"(each person: wrong, wrong, right), {args.rounds} interleaved rounds"
    )
    report = await bench_clicks(
        concurrency=args.concurrency,
        clicks=args.clicks,
        board_attempts=args.board_attempts,
        board_users=args.board_users,
        rounds=args.rounds,
    )
    table = Table(show_edge=False)
    for column in ("round", "quizbot clicks/s", "p50 ms", "p99 ms", "batches",
                   "bare sqlite3 clicks/s", "bare p99 ms", "ratio"):  # fmt: skip
        table.add_column(column, justify="right")
    for number, ((ours, bare), ratio) in enumerate(
        zip(report.rounds, report.ratios, strict=True), start=1
    ):
        table.add_row(
            str(number),
            f"{ours.rate:,.0f}",
            f"{ours.p50_ms:.2f}",
            f"{ours.p99_ms:.2f}",
            str(ours.batches),
            f"{bare.rate:,.0f}",
            f"{bare.p99_ms:.3f}",
            f"{ratio:.2f}",
        )
    console.print(table)
    click_verdict(console, report, "answers refused over the limit")
    board = report.board
    if board is not None:
        console.print(
            f"leaderboard top-10 with {board.attempts:,} attempts by {board.users:,} people: "
            f"week p50 {board.week_p50_ms:.3f} ms p95 {board.week_p95_ms:.3f} ms; "
            f"all time p50 {board.all_p50_ms:.3f} ms p95 {board.all_p95_ms:.3f} ms "
            f"(target p95 <= {BOARD_P95_TARGET_MS} ms)"
        )
    return 0


async def run_fanout(args: argparse.Namespace) -> int:
    logging.getLogger("bot").setLevel(logging.WARNING)
    # discord.py logs a warning for every 429 it waits out; the bench counts them instead.
    logging.getLogger("discord").setLevel(logging.ERROR)
    console = Console(highlight=False, width=110)
    console.print(
        f"bench fanout: one scheduler tick posting to {args.channels:,} Discord channels all due "
        f"at the same minute, through real discord.py on the fake Discord answering 429 beyond "
        f"{RATE_LIMIT} requests/s; then {args.schedules:,} schedules loaded into a fresh store",
        soft_wrap=True,
    )
    fanout, memory = await bench_fanout(channels=args.channels, schedules=args.schedules)
    # One line each, for whoever parses them.
    console.print(
        f"total {fanout.seconds:.2f} s; floor {fanout.floor:.2f} s ({fanout.channels:,} / "
        f"{RATE_LIMIT}/s); ratio {fanout.ratio:.3f} (target <= {FANOUT_RATIO_TARGET})",
        soft_wrap=True,
    )
    console.print(
        f"posted {fanout.posted:,}; 429s {fanout.rate_limited:,}; duplicates "
        f"{fanout.duplicates}; skipped {fanout.skipped}; tick asked for a retry: "
        f"{'yes' if fanout.failed else 'no'}",
        soft_wrap=True,
    )
    if fanout.errors:
        console.print(
            "posts that failed with an exception (left for a retry): "
            + ", ".join(f"{name} x{count}" for name, count in fanout.errors),
            soft_wrap=True,
        )
    fanout_met = (
        fanout.ratio <= FANOUT_RATIO_TARGET and not fanout.duplicates and not fanout.skipped
    )
    console.print(
        f"fanout: target {'met' if fanout_met else 'MISSED'} (<= {FANOUT_RATIO_TARGET} x floor, "
        "0 duplicates, 0 skipped)",
        soft_wrap=True,
    )
    console.print(
        f"{memory.schedules:,} schedules saved in {memory.save_seconds:.2f} s; due_schedules "
        f"returned {memory.due:,}, with next_wakeup {memory.query_seconds * 1000:.0f} ms",
        soft_wrap=True,
    )
    rss_met = memory.peak_rss_mb <= FANOUT_RSS_TARGET_MB
    console.print(
        f"peak RSS of the process {memory.peak_rss_mb:.1f} MB (after the fanout alone "
        f"{memory.rss_before_mb:.1f} MB); target <= {FANOUT_RSS_TARGET_MB:.0f} MB "
        f"{'met' if rss_met else 'MISSED'}",
        soft_wrap=True,
    )
    return 0
