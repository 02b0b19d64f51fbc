"""Rotated backups: ``quizbot-YYYYMMDD-HHMMSS.db`` files in one folder, the newest N kept.

Each is an online copy made with SQLite's backup API while the bot runs (``SqliteStore.backup``),
written under a temporary name and renamed once complete, so a backup cut short never counts as
one of the N. Rotation deletes only files named exactly like a backup: anything else in the
folder (a hand-made copy, a migration's ``.bak``) is left alone. Stamps are UTC, so names sort in
time order across daylight-saving changes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from bot.store.audit import seal_backup
from bot.store.sqlite import SqliteStore

log = logging.getLogger(__name__)

NAME = re.compile(r"^quizbot-\d{8}-\d{6}\.db$")
FIRST_AFTER_S = 3600.0
EVERY_S = 24 * 3600.0


def backup_name(now: datetime) -> str:
    return f"quizbot-{now.astimezone(UTC):%Y%m%d-%H%M%S}.db"


def backups_in(directory: Path) -> list[Path]:
    """The backups in ``directory``, oldest first."""
    if not directory.is_dir():
        return []
    return sorted(
        (path for path in directory.iterdir() if NAME.match(path.name) and path.is_file()),
        key=lambda path: path.name,
    )


def rotate(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``directory``; the deleted ones."""
    if keep < 1:
        raise ValueError("keep at least one backup")
    old = backups_in(directory)[:-keep]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def _discard(path: Path) -> None:
    """Remove a copy cut short, without hiding why it was (the folder may be unusable)."""
    with suppress(OSError):
        path.unlink(missing_ok=True)


async def backup_into(
    store: SqliteStore, directory: Path, keep: int, *, now: datetime | None = None
) -> tuple[Path, list[Path]]:
    """A new backup in ``directory`` and the old ones rotated out: (new, deleted)."""
    if keep < 1:
        raise ValueError("keep at least one backup")
    target = directory / backup_name(now or datetime.now(UTC))
    partial = directory / f".{target.name}.partial"
    try:
        await store.backup(partial)  # creates the folder if needed
        await asyncio.to_thread(seal_backup, partial)
        await asyncio.to_thread(os.replace, partial, target)
    finally:
        await asyncio.to_thread(_discard, partial)
    return target, await asyncio.to_thread(rotate, directory, keep)


async def daily_backups(
    store: SqliteStore,
    directory: Path,
    keep: int,
    *,
    first_after: float = FIRST_AFTER_S,
    every: float = EVERY_S,
) -> None:
    """Back up ``first_after`` seconds from now, then every ``every`` seconds, until cancelled.
    A failed backup is logged and the next one tried on time: the bot keeps running."""
    log.info(
        "daily backups into %s (newest %d kept), the first in %s min",
        directory,
        keep,
        f"{first_after / 60:g}",
    )
    await asyncio.sleep(first_after)
    while True:
        try:
            target, deleted = await backup_into(store, directory, keep)
        except Exception:
            log.exception(
                "backup of %s into %s failed; next try in %g h", store.path, directory, every / 3600
            )
        else:
            log.info(
                "backed up %s to %s (%d old backup(s) removed)", store.path, target, len(deleted)
            )
        await asyncio.sleep(every)
