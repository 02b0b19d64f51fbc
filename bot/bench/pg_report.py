"""Printing `quizbot bench clicks --store postgres`."""

from __future__ import annotations

import argparse
import logging

from rich.console import Console
from rich.table import Table

from bot.bench.pg_clicks import bench_pg_clicks
from bot.bench.report import click_verdict
from bot.store.postgres.errors import where


async def run_pg_clicks(args: argparse.Namespace, url: str | None) -> int:
    logging.getLogger("bot.store").setLevel(logging.WARNING)
    console = Console(highlight=False, width=110)
    on = f"PostgreSQL {where(url)}" if url else "a throwaway PostgreSQL server"
    console.print(
        f"bench clicks --store postgres on {on}: {args.clicks:,} clicks by {args.concurrency}"
        f" concurrent clickers (each person: wrong, wrong, right), {args.rounds} interleaved"
        " rounds, against a bare asyncpg transaction per click",
        soft_wrap=True,
    )
    report = await bench_pg_clicks(
        url,
        concurrency=args.concurrency,
        clicks=args.clicks,
        rounds=args.rounds,
        people=args.people,
    )
    table = Table(show_edge=False)
    for column in ("round", "quizbot clicks/s", "p50 ms", "p99 ms",
                   "bare asyncpg clicks/s", "bare p99 ms", "ratio"):  # fmt: skip
        table.add_column(column, justify="right")
    for number, ((ours, bare), ratio) in enumerate(
        zip(report.rounds, report.ratios, strict=True), start=1
    ):
        table.add_row(
            str(number),
            f"{ours.rate:,.0f}",
            f"{ours.p50_ms:.2f}",
            f"{ours.p99_ms:.2f}",
            f"{bare.rate:,.0f}",
            f"{bare.p99_ms:.2f}",
            f"{ratio:.2f}",
        )
    console.print(table)
    click_verdict(console, report, "over the limit")
    two = report.two
    if two is not None:
        console.print(
            f"two quizbot processes on one database: {two.clicks:,} clicks in {two.seconds:.1f} s"
            f" (every person's 4 answers sent at once from each process, limit 3), {two.attempts:,}"
            f" attempts stored, over the limit: {two.over_limit}",
            soft_wrap=True,
        )
    return 0
