"""`quizbot ...`: the command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.app import StartupError
from bot.bankreport import run_audit, run_check
from bot.config import Settings, SettingsError, load_settings
from bot.core.audit import DEFAULT_SEEDS, MARGIN
from bot.core.bankcheck import MAX_BIAS
from bot.reportcli import COMMANDS as REPORT_COMMANDS
from bot.reportcli import add_parsers as add_report_parsers
from bot.running import (
    configure_logging,
    hold_standard_fds,
    run_console,
    run_loop,
    run_platforms,
    stderr_console,
)
from bot.store.errors import StoreError

log = logging.getLogger("quizbot")

TOKENS = """\
To put it on a platform, set (in the environment or in .env, see .env.example):
  DISCORD_TOKEN       a Discord bot token (https://discord.com/developers/applications)
  SLACK_BOT_TOKEN     a Slack bot token, with SLACK_APP_TOKEN for Socket Mode
                      (https://api.slack.com/apps)
  SLACK_CLIENT_ID     with SLACK_CLIENT_SECRET: "Add to Slack" for many workspaces"""
TOKENS_HELP = (
    "No platform token is configured, so quizbot starts its offline console channel.\n" + TOKENS
)
NO_TOKEN_ERROR = (
    "quizbot run --no-console: no platform token is configured, so there is nothing to run.\n"
    + TOKENS
)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("quizbot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizbot",
        description="A daily quiz bot for ML teams, on Discord, Slack or a terminal.",
    )
    parser.add_argument("--version", action="version", version=f"quizbot {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="start the configured platforms (or the console)")
    run.add_argument("--db", type=Path, help="database file (default: QUIZBOT_DB)")
    run.add_argument(
        "--no-console",
        action="store_true",
        help="with no platform token, exit with an error instead of opening the console "
        "(for containers and services, where nobody types)",
    )

    console = commands.add_parser("console", help="play in the terminal (offline channel)")
    console.add_argument("--db", type=Path, help="database file (default: QUIZBOT_DB)")
    console.add_argument("--bank", action="append", metavar="ID", help="only these banks")
    console.add_argument("--user", help="who you are at the start (default: your login name)")
    console.add_argument("--channel", default="general", help="the channel's name")

    banks = commands.add_parser("banks", help="question banks")
    banks_commands = banks.add_subparsers(dest="banks_command", required=True, metavar="ACTION")
    check = banks_commands.add_parser(
        "check",
        help="validate bank files (default: banks/) and warn where a key can be guessed",
        description="Validate bank files, then report what gives keys away: keys strictly the "
        f"longest or shortest option (over {MAX_BIAS:.0%} of a bank's choice questions), hints "
        "or mistakes restating the key, duplicated options, texts naming an option by its "
        "letter, and questions with shuffle: false.",
    )
    check.add_argument("paths", nargs="*", type=Path, help="files or folders")
    check.add_argument(
        "--strict", action="store_true", help="fail (exit 1) on the guessability warnings too"
    )
    audit = banks_commands.add_parser(
        "audit",
        help="play no-knowledge strategies over shuffled rounds; exit 1 if one beats chance",
        description="Play strategies that know nothing (longest option, shortest, first shown, "
        "most words shared with the prompt, fill_blank options in shown order) over the banks, "
        "each question shown in SEEDS shuffled orders as rounds draw them, and compare each "
        "with chance: 1/n for a choice question of n options, 1/n^k for a fill_blank of k "
        "blanks (any letter may fill any blank; keys may repeat a letter). Exits 1 when a "
        f"strategy is more than {MARGIN * 100:.0f} points over chance, per type or overall.",
    )
    audit.add_argument("paths", nargs="*", type=Path, help="files or folders")
    audit.add_argument(
        "--seeds", type=_positive, default=DEFAULT_SEEDS, metavar="N", help="rounds per question"
    )

    db = commands.add_parser("db", help="the database")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="apply migrations (backs up first)")
    upgrade.add_argument("--db", type=Path)
    copy = db_commands.add_parser(
        "copy", help="copy a SQLite database's whole history into an empty PostgreSQL database"
    )
    copy.add_argument("--from", dest="source", type=Path, required=True, metavar="SQLITE_FILE")
    copy.add_argument("--to", dest="target", required=True, metavar="POSTGRESQL_URL")
    backup = db_commands.add_parser(
        "backup",
        help="copy the live database to PATH, or into DIR as quizbot-YYYYMMDD-HHMMSS.db "
        "keeping the newest N (default: QUIZBOT_BACKUP_DIR)",
    )
    where = backup.add_mutually_exclusive_group()
    where.add_argument("path", nargs="?", type=Path, help="the copy to write")
    where.add_argument("--dir", type=Path, help="a folder of rotated backups")
    backup.add_argument(
        "--keep", type=_positive, metavar="N", help="backups kept in DIR (QUIZBOT_BACKUP_KEEP)"
    )
    backup.add_argument("--db", type=Path)
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")

    health = commands.add_parser(
        "health", help="ask the running bot's health endpoint; exit 0 if healthy, else 1"
    )
    health.add_argument("--url", help="default: this machine on QUIZBOT_HEALTH_PORT")

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
    clicks.add_argument(
        "--store",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="postgres: on QUIZBOT_DATABASE_URL's server, or a throwaway one it starts",
    )
    clicks.add_argument(
        "--people", type=int, default=2000, help="postgres: people in the two-process run"
    )
    discord_bench = bench_commands.add_parser(
        "discord", help="a burst of button clicks through discord.py against a bare bot"
    )
    discord_bench.add_argument("--clicks", type=int, default=2000, help="4 per user at most")
    discord_bench.add_argument("--users", type=int, default=500)
    discord_bench.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median)")
    discord_bench.add_argument(
        "--paced-rate",
        type=float,
        default=0.0,
        help="clicks/s of the latency phase (0: half the reference's burst rate)",
    )
    slack_bench = bench_commands.add_parser(
        "slack", help="signed block_actions requests into bolt over HTTP against a bare app"
    )
    slack_bench.add_argument("--clicks", type=int, default=2000, help="4 per user at most")
    slack_bench.add_argument("--users", type=int, default=500)
    slack_bench.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median)")
    slack_bench.add_argument(
        "--paced-rate",
        type=float,
        default=0.0,
        help="clicks/s of the latency phase (0: half the reference's burst rate)",
    )
    cards_bench = bench_commands.add_parser(
        "cards", help="drawing the picture cards, and the answers' p99 while 50 are drawn"
    )
    cards_bench.add_argument("--samples", type=_positive, default=100, help="per card and board")
    cards_bench.add_argument("--people", type=_positive, default=5000, help="on the big board")
    cards_bench.add_argument("--clicks", type=_positive, default=6000)
    cards_bench.add_argument("--concurrency", type=_positive, default=100)
    cards_bench.add_argument("--rounds", type=_positive, default=3, help="interleaved (median)")
    fanout_bench = bench_commands.add_parser(
        "fanout", help="one scheduler tick posting to many Discord channels at 50 requests/s"
    )
    fanout_bench.add_argument("--channels", type=_positive, default=1000)
    fanout_bench.add_argument(
        "--schedules", type=_positive, default=10_000, help="schedules loaded for the peak RSS"
    )
    cards = commands.add_parser("cards", help="the picture cards")
    cards_commands = cards.add_subparsers(dest="cards_command", required=True, metavar="ACTION")
    demo = cards_commands.add_parser(
        "demo", help="write sample cards (each card, dark and light) as PNG files into DIR"
    )
    demo.add_argument("dir", type=Path)
    add_report_parsers(commands)
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of at least 1")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    hold_standard_fds()
    args = _parser().parse_args(argv)
    err = stderr_console()
    try:
        settings = load_settings()
        configure_logging(settings.quizbot_log_level)
        return run_loop(_dispatch(args, settings))
    except (SettingsError, StoreError, StartupError) as exc:
        err.print(f"quizbot: {exc}", style="red")
        # Docker reserves a healthcheck's exit code 2: unhealthy is 1.
        return 1 if args.command == "health" else 2
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "banks":
        # Named when one of its paths is wrong: the operator set it, maybe long ago.
        setting = None if args.paths else settings.quizbot_banks
        paths = args.paths or settings.bank_paths
        if args.banks_command == "audit":
            return run_audit(paths, seeds=args.seeds, setting=setting)
        return run_check(paths, strict=args.strict, setting=setting)
    if args.command == "db":
        return await _db(args, settings)
    if args.command in REPORT_COMMANDS:
        from bot.reportcli import dispatch

        return await dispatch(args, settings)
    if args.command == "health":
        return await _health(args.url or settings.health_url)
    if args.command == "bench":
        from bot.bench.platform_report import run_discord, run_slack
        from bot.bench.report import run_clicks, run_fanout

        if args.bench_command == "cards":
            from bot.bench.cards import run_cards

            return await run_cards(args)
        if args.bench_command == "clicks" and args.store == "postgres":
            from bot.bench.pg_report import run_pg_clicks
            from bot.store.factory import database_url

            return await run_pg_clicks(args, database_url(settings))
        if args.bench_command == "fanout":
            return await run_fanout(args)
        if args.bench_command == "discord":
            return await run_discord(args)
        if args.bench_command == "slack":
            return await run_slack(args)
        return await run_clicks(args)
    if args.command == "cards":
        from bot.cards.demo import write_demo

        for path in await asyncio.to_thread(write_demo, args.dir):
            print(path)
        return 0
    if args.command == "run":
        platforms = settings.platforms()
        if platforms:
            return await run_platforms(settings, platforms, db=args.db)
        if args.no_console:
            stderr_console().print(NO_TOKEN_ERROR)
            return 2
        stderr_console().print(TOKENS_HELP)
        return await run_console(
            settings, db=args.db, banks=None, user=None, channel="general", services=True
        )
    return await run_console(
        settings, db=args.db, banks=args.bank, user=args.user, channel=args.channel
    )


async def _health(url: str) -> int:
    from bot.health import ask

    healthy, said = await ask(url)
    print(said, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


async def _db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.store.factory import describe_database, upgrade_store

    if args.db_command == "copy":
        from bot.copying import run_copy

        return await run_copy(args.source, args.target)
    path = args.db or settings.quizbot_db
    if args.db_command == "upgrade":
        report = await upgrade_store(settings, db=args.db)
        shown = describe_database(settings, args.db)
        if report.applied:
            print(
                f"{shown}: schema v{report.before} -> v{report.after} ({', '.join(report.applied)})"
            )
            if report.backup:
                print(f"backup of v{report.before}: {report.backup}")
        else:
            print(f"{shown}: up to date (schema v{report.after})")
        return 0
    # A backup only reads the database: no store is opened, so nothing is created or migrated.
    from bot.backups import backup_into, backup_to

    deleted: list[Path] = []
    if args.path is not None:
        target = await asyncio.to_thread(backup_to, path, args.path, force=args.force)
    else:
        directory = args.dir or settings.backup_dir(path)
        keep = args.keep or settings.quizbot_backup_keep
        target, deleted = await backup_into(path, directory, keep)
    print(f"backed up {path} to {target}")
    for old in deleted:
        print(f"removed old backup {old}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
