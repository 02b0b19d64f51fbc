"""`quizbot db copy --from FILE --to postgresql://...`: run the copy, print its check."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.store.postgres.copy import copy_sqlite_to_postgres


async def run_copy(source: Path, url: str) -> int:
    report = await copy_sqlite_to_postgres(source, url)
    table = Table(title=f"{report.source} -> PostgreSQL {report.target}")
    table.add_column("table")
    table.add_column("SQLite rows", justify="right")
    table.add_column("PostgreSQL rows", justify="right")
    table.add_column("")
    for count in report.tables:
        table.add_row(
            count.table, str(count.sqlite), str(count.postgres), "ok" if count.equal else "DIFFERS"
        )
    console = Console()
    console.print(table)
    if report.ok:
        console.print(f"{report.boards} leaderboards equal on both: the copy is complete")
        return 0
    for board in report.unequal_boards:
        console.print(f"leaderboard differs: {board}", style="red")
    console.print("the copy does not match its source: do not switch to it", style="red")
    return 1
