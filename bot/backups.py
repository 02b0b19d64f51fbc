"""Rotated backups: ``quizbot-YYYYMMDD-HHMMSS.db`` files in one folder, the newest N kept.

Each is an online copy made with SQLite's backup API while the bot runs, checked
(``PRAGMA integrity_check``) and written under a temporary name, then given its name only if no
file has it (two backups in one second are ``...-HHMMSS.db`` and ``...-HHMMSS-2.db``), so a
backup cut short or unsound never counts as one of the N and never replaces another. Rotation
deletes only files named exactly like a backup: anything else in the folder (a hand-made copy, a
migration's ``.bak``) is left alone. Stamps are UTC, so names sort in
time order across daylight-saving changes.
"""

from __future__ import annotations

import asyncio
import logging
import os
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from bot.store.errors import StoreError
from bot.store.sqlite import SqliteStore, checks
from bot.store.sqlite.audit import copy_database
from bot.store.sqlite.checks import BACKUP_NAME, backup_order

log = logging.getLogger(__name__)

NAME = BACKUP_NAME
FIRST_AFTER_S = 3600.0
EVERY_S = 24 * 3600.0
# Backups made within one second are told apart by a number: quizbot-...-HHMMSS-2.db.
SAME_SECOND_LIMIT = 100


def backup_name(now: datetime, number: int = 1) -> str:
    suffix = f"-{number}" if number > 1 else ""
    return f"quizbot-{now.astimezone(UTC):%Y%m%d-%H%M%S}{suffix}.db"


def backups_in(directory: Path) -> list[Path]:
    """The backups in ``directory``, oldest first."""
    if not directory.is_dir():
        return []
    return sorted(
        (path for path in directory.iterdir() if NAME.match(path.name) and path.is_file()),
        key=backup_order,
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


def _folder(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot write backups into {directory}: {exc.strerror or exc}") from exc


def _place(partial: Path, target: Path, *, force: bool = False) -> None:
    """Give the finished copy its name; an existing file of that name is kept unless ``force``
    (FileExistsError). A hard link is the one way to name a file only if the name is free."""
    if force:
        os.replace(partial, target)
        return
    try:
        os.link(partial, target)
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: check, then rename (a race here is far-fetched).
        if target.exists():
            raise FileExistsError(target) from None
        os.replace(partial, target)
        return
    partial.unlink()


def _copy(source: Path, partial: Path, backup_dir: Path | None) -> None:
    try:
        copy_database(source, partial, backup_dir=backup_dir)
    except OSError as exc:
        raise StoreError(f"cannot write the backup {partial}: {exc.strerror or exc}") from exc


def backup_to(source: Path, target: Path, *, force: bool = False) -> Path:
    """A checked copy of the database ``source`` at ``target``, which is not replaced if it
    exists unless ``force``. Nothing is written to ``source`` (it is not migrated either)."""
    if target.is_dir():
        raise StoreError(
            f"{target} is a folder: name the copy's file, or use --dir {target} for dated backups"
        )
    if target.exists() and not force:
        raise StoreError(f"{target} exists: choose another name, or pass --force to replace it")
    checks.check_readable(source)
    _folder(target.parent)
    partial = target.with_name(f".{target.name}.partial")
    try:
        _copy(source, partial, None)
        try:
            _place(partial, target, force=force)
        except FileExistsError:
            raise StoreError(
                f"{target} exists: choose another name, or pass --force to replace it"
            ) from None
        except OSError as exc:
            raise StoreError(f"cannot write the backup {target}: {exc.strerror or exc}") from exc
    finally:
        _discard(partial)
    return target


def backup_dated(source: Path, directory: Path, now: datetime | None = None) -> Path:
    """A checked copy of ``source`` in ``directory``, named for ``now``; never replaces one."""
    checks.check_readable(source)
    _folder(directory)
    moment = now or datetime.now(UTC)
    partial = directory / f".{backup_name(moment)}.{os.getpid()}.partial"
    try:
        _copy(source, partial, directory)
        for number in range(1, SAME_SECOND_LIMIT + 1):
            target = directory / backup_name(moment, number)
            try:
                _place(partial, target)
            except FileExistsError:
                continue
            except OSError as exc:
                raise StoreError(
                    f"cannot write the backup {target}: {exc.strerror or exc}"
                ) from exc
            return target
        raise StoreError(f"{directory} already has {SAME_SECOND_LIMIT} backups of this second")
    finally:
        _discard(partial)


async def backup_into(
    source: Path, directory: Path, keep: int, *, now: datetime | None = None
) -> tuple[Path, list[Path]]:
    """A new backup of the database ``source`` in ``directory`` and the old ones rotated out:
    (new, deleted)."""
    if keep < 1:
        raise ValueError("keep at least one backup")
    target = await asyncio.to_thread(backup_dated, source, directory, now)
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
            target, deleted = await backup_into(store.path, directory, keep)
        except Exception:
            log.exception(
                "backup of %s into %s failed; next try in %g h", store.path, directory, every / 3600
            )
        else:
            log.info(
                "backed up %s to %s (%d old backup(s) removed)", store.path, target, len(deleted)
            )
        await asyncio.sleep(every)
