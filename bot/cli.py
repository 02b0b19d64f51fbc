"""`quizbot ...`: the command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from bot.app import StartupError, open_app
from bot.config import Settings, SettingsError, load_settings
from bot.core.banks import load_banks, summarize
from bot.store.errors import StoreError

log = logging.getLogger("quizbot")

TOKENS_HELP = """\
No platform token is configured, so quizbot starts its offline console channel.
To put it on a platform, set (in the environment or in .env, see .env.example):
  DISCORD_TOKEN       a Discord bot token (https://discord.com/developers/applications)
  SLACK_BOT_TOKEN     a Slack bot token, with SLACK_APP_TOKEN for Socket Mode
                      (https://api.slack.com/apps)"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizbot",
        description="A daily quiz bot for ML teams, on Discord, Slack or a terminal.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="start the configured platforms (or the console)")
    run.add_argument("--db", type=Path, help="database file (default: QUIZBOT_DB)")

    console = commands.add_parser("console", help="play in the terminal (offline channel)")
    console.add_argument("--db", type=Path, help="database file (default: QUIZBOT_DB)")
    console.add_argument("--bank", action="append", metavar="ID", help="only these banks")
    console.add_argument("--user", default="you", help="who you are at the start")
    console.add_argument("--channel", default="general", help="the channel's name")

    banks = commands.add_parser("banks", help="question banks")
    banks_commands = banks.add_subparsers(dest="banks_command", required=True, metavar="ACTION")
    check = banks_commands.add_parser("check", help="validate bank files (default: banks/)")
    check.add_argument("paths", nargs="*", type=Path, help="files or folders")

    db = commands.add_parser("db", help="the database")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="apply migrations (backs up first)")
    upgrade.add_argument("--db", type=Path)
    backup = db_commands.add_parser("backup", help="copy the live database to PATH")
    backup.add_argument("path", type=Path)
    backup.add_argument("--db", type=Path)

    bench = commands.add_parser("bench", help="benchmarks that print their figures")
    bench_commands = bench.add_subparsers(dest="bench_command", required=True, metavar="NAME")
    clicks = bench_commands.add_parser("clicks", help="the answer path against bare sqlite3")
    clicks.add_argument("--concurrency", type=int, default=100)
    clicks.add_argument("--clicks", type=int, default=30000)
    clicks.add_argument(
        "--board-attempts", type=int, default=1_000_000, help="attempts seeded for board queries"
    )
    clicks.add_argument("--board-users", type=int, default=5000)
    clicks.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    discord_bench = bench_commands.add_parser(
        "discord", help="a burst of button clicks through discord.py against a bare bot"
    )
    discord_bench.add_argument("--clicks", type=int, default=2000, help="4 per user at most")
    discord_bench.add_argument("--users", type=int, default=500)
    discord_bench.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    slack_bench = bench_commands.add_parser(
        "slack", help="signed block_actions requests into bolt over HTTP against a bare app"
    )
    slack_bench.add_argument("--clicks", type=int, default=2000, help="4 per user at most")
    slack_bench.add_argument("--users", type=int, default=500)
    slack_bench.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    return parser


def run_loop(main: Coroutine[Any, Any, int]) -> int:
    """Run on uvloop where it is installed (the answer path measured 15% faster), else asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    err = Console(stderr=True)
    try:
        settings = load_settings()
        logging.basicConfig(
            level=settings.quizbot_log_level.upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        return run_loop(_dispatch(args, settings))
    except (SettingsError, StoreError, StartupError) as exc:
        err.print(f"quizbot: {exc}", style="red", highlight=False)
        return 2
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "banks":
        return _banks_check(args.paths or settings.bank_paths)
    if args.command == "db":
        return await _db(args, settings)
    if args.command == "bench":
        from bot.bench.report import run_clicks, run_discord, run_slack

        if args.bench_command == "discord":
            return await run_discord(args)
        if args.bench_command == "slack":
            return await run_slack(args)
        return await run_clicks(args)
    if args.command == "run":
        platforms = settings.platforms()
        if platforms:
            return await _platforms(settings, platforms, db=args.db)
        Console(stderr=True).print(TOKENS_HELP, highlight=False)
        return await _console(settings, db=args.db, banks=None, user="you", channel="general")
    return await _console(
        settings, db=args.db, banks=args.bank, user=args.user, channel=args.channel
    )


def _banks_check(paths: Sequence[Path]) -> int:
    banks, issues = load_banks(list(paths))
    if issues:
        for issue in issues:
            print(issue)
        print(f"{len(issues)} problem(s) found; fix them and run `quizbot banks check` again.")
        return 1
    print(summarize(banks))
    return 0


async def _db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.store.sqlite import SqliteStore

    path = args.db or settings.quizbot_db
    if args.db_command == "upgrade":
        report = await SqliteStore.upgrade(path)
        if report.applied:
            print(
                f"{path}: schema v{report.before} -> v{report.after} ({', '.join(report.applied)})"
            )
            if report.backup:
                print(f"backup of v{report.before}: {report.backup}")
        else:
            print(f"{path}: up to date (schema v{report.after})")
        return 0
    store = await SqliteStore.open(path)
    try:
        target = await store.backup(args.path)
    finally:
        await store.close()
    print(f"backed up {path} to {target}")
    return 0


async def _platforms(settings: Settings, platforms: list[str], *, db: Path | None) -> int:
    """Every configured platform in one process, on one database."""
    async with open_app(settings, db=db) as app:
        runs = []
        if "discord" in platforms:
            from bot.adapters.discord.run import run_discord

            runs.append(run_discord(app, settings))
        if "slack" in platforms:
            from bot.adapters.slack.run import run_slack

            runs.append(run_slack(app, settings))
        await asyncio.gather(*runs)
    return 0


async def _console(
    settings: Settings, *, db: Path | None, banks: list[str] | None, user: str, channel: str
) -> int:
    from bot.adapters.console.channel import ConsoleChannel

    async with open_app(settings, db=db, banks=banks) as app:
        for issue in app.bank_issues:
            Console(stderr=True).print(f"bank not loaded: {issue}", style="red", highlight=False)
        console = Console(highlight=False)
        await ConsoleChannel(app.quiz, console, channel=channel, user=user, banks=banks).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
