"""The scheduler lease on SQLite: an OS file lock beside the database file.

SQLite means one machine, so a lock on ``quizbot.db.scheduler-lock`` is leader election enough:
a second `quizbot run` on the same file stands by, and the kernel drops the lock the moment the
leader's process dies (however it dies). Where the OS has no ``fcntl`` (Windows) the lease is
always held: one process per database is the rule there, as it was.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class SqliteLease:
    """Implements ``bot.core.ports.SchedulerLease`` for the database at ``database``."""

    def __init__(self, database: Path) -> None:
        self.path = Path(f"{database}.scheduler-lock")
        self._fd: int | None = None

    async def acquire(self) -> bool:
        if self._fd is not None or fcntl is None:
            return True
        return await asyncio.to_thread(self._try_lock)

    def _try_lock(self) -> bool:
        assert fcntl is not None
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    async def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            # Closing the descriptor drops its flock.
            os.close(fd)
