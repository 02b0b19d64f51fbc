"""Printing benchmark figures (`quizbot bench ...`)."""

from __future__ import annotations

import argparse
import logging
import statistics
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.bench.clicks import bench_clicks
from bot.bench.common import PairedReport
from bot.bench.discord import LETTERS, bench_discord
from bot.bench.fanout import RATE_LIMIT, bench_fanout
from bot.bench.slack import CONNECTIONS, bench_slack

CLICK_RATIO_TARGET = 1.0
CLICK_P99_TARGET_MS = 20.0
BOARD_P95_TARGET_MS = 1.0
DISCORD_RATIO_TARGET = 0.8
DISCORD_P99_TARGET_MS = 250.0
SLACK_RATIO_TARGET = 0.8
SLACK_P99_TARGET_MS = 250.0
FANOUT_RATIO_TARGET = 1.1
FANOUT_RSS_TARGET_MB = 150.0


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
    over = sum(ours.over_limit for ours, _ in report.rounds)
    met = report.median_ratio >= CLICK_RATIO_TARGET and report.worst_p99_ms <= CLICK_P99_TARGET_MS
    console.print(
        f"median ratio {report.median_ratio:.2f} (target >= {CLICK_RATIO_TARGET}); "
        f"worst p99 {report.worst_p99_ms:.1f} ms (target <= {CLICK_P99_TARGET_MS:.0f} ms); "
        f"answers refused over the limit: {over}; target {'met' if met else 'MISSED'}"
    )
    board = report.board
    if board is not None:
        console.print(
            f"leaderboard top-10 with {board.attempts:,} attempts by {board.users:,} people: "
            f"week p50 {board.week_p50_ms:.3f} ms p95 {board.week_p95_ms:.3f} ms; "
            f"all time p50 {board.all_p50_ms:.3f} ms p95 {board.all_p95_ms:.3f} ms "
            f"(target p95 <= {BOARD_P95_TARGET_MS} ms)"
        )
    return 0


async def run_discord(args: argparse.Namespace) -> int:
    logging.getLogger("bot").setLevel(logging.WARNING)
    # A click answered after Discord's 3 s deadline makes discord.py log a 404 traceback; the
    # bench counts those as lost instead of printing thousands of them.
    logging.getLogger("discord").setLevel(logging.CRITICAL)
    console = Console(highlight=False, width=110)
    if not 0 < args.clicks <= args.users * len(LETTERS):
        console.print(f"bench discord: --clicks must be 1 to {len(LETTERS)} x --users")
        return 2
    console.print(
        f"bench discord: {args.clicks:,} clicks by {args.users} users on one round (each: "
        "wrong, wrong, wrong, then once more), none waiting for an answer, through real "
        f"discord.py on the fake Discord; against a bare discord.py bot, {args.rounds} "
        f"round{'s' if args.rounds != 1 else ''} alternating which goes first"
    )
    report = await bench_discord(clicks=args.clicks, users=args.users, rounds=args.rounds)
    table = Table(show_edge=False)
    for column in ("round", "quizbot/s", "p50 ms", "p99 ms", "lost", "over", "conns",
                   "bare/s", "p50 ms", "p99 ms", "lost", "conns", "ratio"):  # fmt: skip
        table.add_column(column, justify="right")
    for number, (ours, bare) in enumerate(report.rounds, start=1):
        table.add_row(
            str(number),
            f"{ours.rate:,.0f}",
            f"{ours.p50_ms:.1f}",
            f"{ours.p99_ms:.1f}",
            str(ours.lost),
            str(ours.over_limit),
            str(ours.connections),
            f"{bare.rate:,.0f}",
            f"{bare.p50_ms:.1f}",
            f"{bare.p99_ms:.1f}",
            str(bare.lost),
            str(bare.connections),
            f"{ours.rate / bare.rate if bare.rate else 0.0:.2f}",
        )
    console.print(table)
    console.print(
        "/s: clicks acknowledged per second; p50/p99: gateway send to callback received; "
        "over: attempts stored beyond the round's limit; conns: HTTP connections the bot opened"
    )
    _summary(console, report, "bare discord.py", "acks/s", DISCORD_RATIO_TARGET,
             DISCORD_P99_TARGET_MS)  # fmt: skip
    return 0


async def run_slack(args: argparse.Namespace) -> int:
    logging.getLogger("bot").setLevel(logging.WARNING)
    console = Console(highlight=False, width=130)
    if not 0 < args.clicks <= args.users * len(LETTERS):
        console.print(f"bench slack: --clicks must be 1 to {len(LETTERS)} x --users")
        return 2
    console.print(
        f"bench slack: {args.clicks:,} signed block_actions requests from {args.users} users on "
        "one round (each: wrong, wrong, wrong, then once more), all at once over "
        f"{CONNECTIONS} connections, into real bolt over HTTP on the fake Slack; against a bare "
        "bolt app that only acks, and one that acks and then answers every click with a fixed "
        f"reply; {args.rounds} round{'s' if args.rounds != 1 else ''}, each starting with the "
        "next side"
    )
    report = await bench_slack(clicks=args.clicks, users=args.users, rounds=args.rounds)
    table = Table(show_edge=False)
    for column in ("round", "quizbot/s", "p50 ms", "p99 ms", "lost", "over", "done s",
                   "bare/s", "p99 ms", "answering/s", "p99 ms", "lost", "ratio",
                   "vs answ."):  # fmt: skip
        table.add_column(column, justify="right")
    for number, (ours, bare, answering) in enumerate(report.rounds, start=1):
        table.add_row(
            str(number),
            f"{ours.rate:,.0f}",
            f"{ours.p50_ms:.1f}",
            f"{ours.p99_ms:.1f}",
            str(ours.lost),
            str(ours.over_limit),
            f"{ours.answered_seconds:.2f}",
            f"{bare.rate:,.0f}",
            f"{bare.p99_ms:.1f}",
            f"{answering.rate:,.0f}",
            f"{answering.p99_ms:.1f}",
            str(bare.lost + answering.lost),
            f"{ours.rate / bare.rate if bare.rate else 0.0:.2f}",
            f"{ours.rate / answering.rate if answering.rate else 0.0:.2f}",
        )
    console.print(table)
    console.print(
        "/s: requests acked (HTTP 200) per second; p50/p99: request sent to its HTTP response "
        "(bolt answers at ack()); lost: no HTTP 200, or no answer on the response_url (the "
        "bare sides' together); over: attempts stored beyond the round's limit; done s: "
        "first request to quizbot's last answer; ratio: quizbot/s over bare/s (the target's); "
        "vs answ.: quizbot/s over answering/s"
    )
    _summary(console, report.against_ack_only, "bare bolt", "requests/s", SLACK_RATIO_TARGET,
             SLACK_P99_TARGET_MS)  # fmt: skip
    ceiling = report.answering_against_ack_only
    console.print(
        "bare bolt answering every click: median "
        f"{_median(r.rate for r, _ in ceiling.rounds):,.0f} requests/s, "
        f"p99 {_median(r.p99_ms for r, _ in ceiling.rounds):.1f} ms; lost: {ceiling.lost}; "
        f"median ratio to the bare app that only acks {ceiling.median_ratio:.2f}: the most "
        "any app that answers each click on its response_url reaches in this bench",
        soft_wrap=True,
    )
    console.print(
        f"quizbot against the answering app: median ratio "
        f"{report.against_answering.median_ratio:.2f} (the quiz's own work: store, rules, "
        "replies)",
        soft_wrap=True,
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


def _summary(
    console: Console,
    report: PairedReport[Any],
    bare_name: str,
    unit: str,
    ratio_target: float,
    p99_target_ms: float,
) -> None:
    """Both sides' medians on one line each, then the verdict on the targets."""
    for name, results in (
        ("quizbot", [ours for ours, _ in report.rounds]),
        (bare_name, [bare for _, bare in report.rounds]),
    ):
        line = (
            f"{name}: median {_median(r.rate for r in results):,.0f} {unit}, "
            f"p50 {_median(r.p50_ms for r in results):.1f} ms, "
            f"p99 {_median(r.p99_ms for r in results):.1f} ms "
            f"(worst {max(r.p99_ms for r in results):.1f} ms); "
            f"lost: {sum(r.lost for r in results)}"
        )
        if name == "quizbot":  # the bare side keeps no attempts
            line += f"; over the limit: {sum(r.over_limit for r in results)}"
        console.print(line, soft_wrap=True)  # one line each, for whoever parses them
    met = (
        report.median_ratio >= ratio_target
        and report.worst_p99_ms <= p99_target_ms
        and report.lost == 0
        and report.over_limit == 0
    )
    console.print(
        f"median ratio {report.median_ratio:.2f} (target >= {ratio_target}); quizbot's "
        f"worst p99 {report.worst_p99_ms:.1f} ms (target <= {p99_target_ms:.0f} ms), "
        f"{report.lost} lost, {report.over_limit} over the limit (targets 0): "
        f"target {'met' if met else 'MISSED'}",
        soft_wrap=True,
    )


def _median(values: Iterable[float]) -> float:
    return statistics.median(list(values))
