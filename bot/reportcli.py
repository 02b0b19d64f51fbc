"""`quizbot reports`, `quizbot stats questions` and `quizbot export attempts`: what players
reported and how each question plays, for admins and bank authors at a terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.config import Settings
from bot.core.analytics import (
    QuestionStats,
    StatsFilter,
    percent,
    period_filter,
    question_table,
    write_attempts_csv,
    write_stats_csv,
    wrong_picks_text,
)
from bot.core.outcomes import QuizError
from bot.core.reports import report_line
from bot.store.errors import StoreError
from bot.store.sqlite import SqliteStore

COMMANDS = ("reports", "stats", "export")
WIDE = 160


def add_parsers(commands: Any) -> None:
    """Add the commands to ``quizbot``'s sub-parsers."""
    reports = commands.add_parser("reports", help="players' open reports of questions")
    reports.add_argument("--db", type=Path, help="database file (default: QUIZBOT_DB)")
    reports.add_argument("--resolve", type=int, metavar="ID", help="mark report ID resolved")

    stats = commands.add_parser("stats", help="how the questions play")
    stats_commands = stats.add_subparsers(dest="stats_command", required=True, metavar="WHAT")
    questions = stats_commands.add_parser(
        "questions",
        help="per question: times asked, participants, solve and first-try rates, mean "
        "attempts, wrong picks, open reports, labelled vs measured difficulty",
    )
    questions.add_argument("--db", type=Path, help="database file (default: QUIZBOT_DB)")
    questions.add_argument("--bank", metavar="ID", help="only this bank")
    _add_filters(questions)
    questions.add_argument("--csv", action="store_true", help="CSV on standard output")

    export = commands.add_parser("export", help="raw data for analysis elsewhere")
    export_commands = export.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    attempts = export_commands.add_parser("attempts", help="every attempt, as CSV")
    attempts.add_argument("--db", type=Path, help="database file (default: QUIZBOT_DB)")
    attempts.add_argument("--csv", type=Path, required=True, metavar="FILE", help="'-': stdout")
    attempts.add_argument("--bank", metavar="ID", help="only this bank")
    _add_filters(attempts)


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", metavar="YYYY-MM-DD", help="rounds opened on or after (UTC)")
    parser.add_argument("--until", metavar="YYYY-MM-DD", help="rounds opened before (UTC)")
    parser.add_argument("--days", type=int, metavar="N", help="the last N days")
    parser.add_argument("--platform", help="console, discord or slack")
    parser.add_argument("--workspace", help="a Discord server id or Slack team id")
    parser.add_argument("--channel", help="a channel id")


def _filter(args: argparse.Namespace) -> StatsFilter:
    try:
        return period_filter(
            datetime.now(UTC),
            since=args.since,
            until=args.until,
            days=args.days,
            bank=args.bank,
            platform=args.platform,
            workspace=args.workspace,
            channel=args.channel,
        )
    except QuizError as exc:
        raise StoreError(str(exc)) from None


@asynccontextmanager
async def _store(args: argparse.Namespace, settings: Settings) -> AsyncIterator[SqliteStore]:
    path = args.db or settings.quizbot_db
    # Reading commands: a mistyped path must not create an empty database.
    if not path.exists():
        raise StoreError(f"there is no database at {path} (--db or QUIZBOT_DB)")
    store = await SqliteStore.open(path, backup_dir=settings.backup_dir(path))
    try:
        yield store
    finally:
        await store.close()


async def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "reports":
        return await _reports(args, settings)
    if args.command == "stats":
        return await _stats(args, settings)
    return await _export(args, settings)


async def _reports(args: argparse.Namespace, settings: Settings) -> int:
    async with _store(args, settings) as store:
        if args.resolve is not None:
            done = await store.resolve_report(args.resolve, datetime.now(UTC), "command line")
            if done is None:
                print(f"quizbot: there is no open report #{args.resolve}", file=sys.stderr)
                return 1
            print(f"resolved {report_line(done)}")
            return 0
        found = await store.open_reports()
    if not found:
        print("No open reports.")
        return 0
    for report in found:
        where = f"{report.platform}:{report.workspace}"
        print(f"{report_line(report)}  [{where}, {report.created_at:%Y-%m-%d %H:%M} UTC]")
    print(f"{len(found)} open report(s); resolve one with: quizbot reports --resolve ID")
    return 0


async def _stats(args: argparse.Namespace, settings: Settings) -> int:
    wanted = _filter(args)
    async with _store(args, settings) as store:
        table = question_table(await store.question_counts(wanted))
    if args.csv:
        write_stats_csv(table, sys.stdout)
        return 0
    if not table:
        print("No questions match.")
        return 0
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, WIDE)  # a pipe or a file: keep each row on one line
    console.print(stats_table(table))
    return 0


def stats_table(stats: list[QuestionStats]) -> Table:
    table = Table(title="Questions", title_justify="left")
    for name, justify in (
        ("question", "left"),
        ("label", "left"),
        ("measured", "left"),
        ("asked", "right"),
        ("people", "right"),
        ("solve rate", "right"),
        ("first try", "right"),
        ("mean attempts", "right"),
        ("wrong picks", "left"),
        ("reports", "right"),
        ("flag", "left"),
    ):
        table.add_column(name, justify=justify, no_wrap=name == "question")  # type: ignore[arg-type]
    for stat in stats:
        c = stat.counts
        table.add_row(
            str(c.question),
            c.difficulty.value,
            stat.measured.value if stat.measured else "-",
            str(c.times_asked),
            str(c.participants),
            percent(stat.solve_rate),
            percent(stat.first_try_rate),
            "-" if stat.mean_attempts is None else f"{stat.mean_attempts:.2f}",
            wrong_picks_text(c.wrong_picks) or "-",
            str(c.open_reports),
            f"[yellow]{stat.flag}[/]" if stat.flag else "",
        )
    return table


async def _export(args: argparse.Namespace, settings: Settings) -> int:
    wanted = _filter(args)
    async with _store(args, settings) as store:
        records = await store.attempt_records(wanted)
    if str(args.csv) == "-":
        write_attempts_csv(records, sys.stdout)
        return 0
    target: Path = args.csv

    def write() -> int:
        with target.open("w", encoding="utf-8", newline="") as out:
            return write_attempts_csv(records, out)

    try:
        written = await asyncio.to_thread(write)
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from None
    print(f"wrote {written} attempt(s) to {target}")
    return 0
