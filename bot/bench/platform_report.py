"""Printing the platform benches' figures (`quizbot bench slack`, `quizbot bench discord`).

Per side: acknowledged clicks per second, ack p50/p99, lost, over the limit and CPU seconds of
the measured process per 1,000 clicks, for the saturating burst (throughput, CPU per click) and
for the paced phase (latency, lost, over); then quizbot's throughput and CPU per click against
the reference, medians over the rounds, the verdict, and a last machine-readable ``result:``
line whose p99_ms, lost and over are the paced phase's.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.bench.common import Burst, PairedReport
from bot.bench.discord import bench_discord
from bot.bench.load import CONNECTIONS, LETTERS
from bot.bench.slack import bench_slack

RATIO_TARGET = 0.85
CPU_RATIO_TARGET = 1.2
P99_TARGET_MS = 250.0
HEADROOM_TARGET = 2.0


def _too_many_clicks(console: Console, name: str, args: argparse.Namespace) -> bool:
    if args.paced_rate < 0:
        console.print(f"bench {name}: --paced-rate must be 0 (half the reference's) or more")
        return True
    if 0 < args.clicks <= args.users * len(LETTERS):
        return False
    console.print(f"bench {name}: --clicks must be 1 to {len(LETTERS)} x --users")
    return True


def _paced_note(console: Console, report: PairedReport[Any], args: argparse.Namespace) -> None:
    rates = ", ".join(f"{rate:,.0f}" for rate in report.paced_rates)
    how = "as asked" if args.paced_rate else "half the reference's burst rate in each round"
    console.print(
        f"paced phase: the same {args.clicks:,} clicks on fresh state, offered at a fixed rate "
        f"({how}: {rates} clicks/s), the same for both sides; quizbot's p99, lost and over "
        "below and in the result line are this phase's",
        soft_wrap=True,
    )


def _sides(console: Console, sides: Sequence[tuple[str, Sequence[Burst]]]) -> None:
    table = Table(show_edge=False)
    for column in ("side", "median/s", "p50 ms", "p99 ms", "worst p99", "lost", "over",
                   "CPU s/1k clicks"):  # fmt: skip
        table.add_column(column, justify="right")
    for name, results in sides:
        table.add_row(
            name,
            f"{statistics.median(r.rate for r in results):,.0f}",
            f"{statistics.median(r.p50_ms for r in results):.1f}",
            f"{statistics.median(r.p99_ms for r in results):.1f}",
            f"{max(r.p99_ms for r in results):.1f}",
            str(sum(r.lost for r in results)),
            str(sum(r.over_limit for r in results)),
            f"{statistics.median(r.cpu_per_1k for r in results):.3f}",
        )
    console.print(table)


def _verdict(console: Console, report: PairedReport[Any], reference: str, headroom: float) -> None:
    for number, ((ours, ref), ratio, cpu) in enumerate(
        zip(report.rounds, report.ratios, report.cpu_ratios, strict=True), start=1
    ):
        console.print(
            f"round {number}: quizbot {ours.rate:,.0f}/s, {ref.rate:,.0f}/s for the {reference}; "
            f"ratio {ratio:.2f}, CPU ratio {cpu:.2f}",
            soft_wrap=True,
        )
    met = (
        report.median_ratio >= RATIO_TARGET
        and report.median_cpu_ratio <= CPU_RATIO_TARGET
        and report.worst_p99_ms <= P99_TARGET_MS
        and report.lost == 0
        and report.over_limit == 0
        and report.burst_over_limit == 0
    )
    console.print(
        f"harness headroom {headroom:.1f}x the fastest side "
        f"({'keeps up' if headroom >= HEADROOM_TARGET else 'MAY LIMIT THE FIGURES'}: "
        f"target >= {HEADROOM_TARGET:.0f}x)",
        soft_wrap=True,
    )
    console.print(
        f"median ratio {report.median_ratio:.2f} (target >= {RATIO_TARGET}); median CPU ratio "
        f"{report.median_cpu_ratio:.2f} (target <= {CPU_RATIO_TARGET}) in the burst; quizbot's "
        f"worst paced p99 {report.worst_p99_ms:.1f} ms (target <= {P99_TARGET_MS:.0f} ms), "
        f"{report.lost} lost, {report.over_limit} over the limit paced, "
        f"{report.burst_over_limit} in the burst (targets 0): target {'met' if met else 'MISSED'}",
        soft_wrap=True,
    )
    console.print(report.result_line(), soft_wrap=True)


async def run_discord(args: argparse.Namespace) -> int:
    logging.getLogger("bot").setLevel(logging.WARNING)
    # A click answered after Discord's 3 s deadline makes discord.py log a 404 traceback; the
    # bench counts those as lost instead of printing thousands of them.
    logging.getLogger("discord").setLevel(logging.CRITICAL)
    console = Console(highlight=False, width=120)
    if _too_many_clicks(console, "discord", args):
        return 2
    console.print(
        f"bench discord: {args.clicks:,} clicks by {args.users} users on one round (each: "
        "wrong, wrong, wrong, then once more), none waiting for an answer; the fake Discord "
        "and the clicks in a harness process of their own, real discord.py and the bot in this "
        "one; the reference is a bare discord.py bot answering each click with one fixed "
        f"ephemeral message; {args.rounds} round{'s' if args.rounds != 1 else ''} alternating "
        "which side goes first; then a paced phase for latency",
        soft_wrap=True,
    )
    report = await bench_discord(
        clicks=args.clicks, users=args.users, rounds=args.rounds, paced_rate=args.paced_rate
    )
    console.print(f"measured process {_pid()}; harness process {report.harness_pid}")
    _sides(
        console,
        [
            ("quizbot", [ours for ours, _ in report.rounds]),
            ("bare discord.py (reference)", [bare for _, bare in report.rounds]),
        ],
    )
    _paced_note(console, report, args)
    _sides(
        console,
        [
            ("quizbot paced", [ours for ours, _ in report.paced]),
            ("bare discord.py paced", [bare for _, bare in report.paced]),
        ],
    )
    console.print(
        "/s: clicks acknowledged per second; p50/p99: gateway send to callback received; "
        "over: attempts stored beyond the round's limit; CPU: user + system seconds of this "
        "process over the burst, per 1,000 acknowledged clicks",
        soft_wrap=True,
    )
    _verdict(console, report, "bare bot", report.harness_headroom)
    return 0


async def run_slack(args: argparse.Namespace) -> int:
    logging.getLogger("bot").setLevel(logging.WARNING)
    console = Console(highlight=False, width=120)
    if _too_many_clicks(console, "slack", args):
        return 2
    console.print(
        f"bench slack: {args.clicks:,} signed block_actions requests from {args.users} users on "
        "one round (each: wrong, wrong, wrong, then once more), all at once over "
        f"{CONNECTIONS} connections; the fake Slack and the load in a harness process of their "
        "own, real bolt over HTTP and the app in this one; the reference is a bare bolt app "
        "that acks and sends one fixed answer to each click's response_url; "
        f"{args.rounds} round{'s' if args.rounds != 1 else ''}, each starting with the next side; "
        "then a paced phase for latency",
        soft_wrap=True,
    )
    report = await bench_slack(
        clicks=args.clicks, users=args.users, rounds=args.rounds, paced_rate=args.paced_rate
    )
    console.print(f"measured process {_pid()}; harness process {report.harness_pid}")
    _sides(
        console,
        [
            ("quizbot", [r[0] for r in report.rounds]),
            ("bare bolt answering (reference)", [r[1] for r in report.rounds]),
            ("bare bolt ack only", [r[2] for r in report.rounds]),
            ("no app (harness ceiling)", [r[3] for r in report.rounds]),
        ],
    )
    _paced_note(console, report.against_reference, args)
    _sides(
        console,
        [
            ("quizbot paced", [ours for ours, _ in report.paced]),
            ("bare bolt answering paced", [ref for _, ref in report.paced]),
        ],
    )
    console.print(
        "/s: requests acked (HTTP 200) per second; p50/p99: request sent to its HTTP response "
        "(bolt answers at ack()); lost: no HTTP 200, or no answer on the response_url; over: "
        "attempts stored beyond the round's limit; CPU: user + system seconds of this process "
        "from the first request to the last answer, per 1,000 acknowledged requests",
        soft_wrap=True,
    )
    _verdict(console, report.against_reference, "answering bare app", report.harness_headroom)
    return 0


def _pid() -> int:
    return os.getpid()
