"""The single writer: one connection, owned by the event loop, writes the database.

Callers hand it a whole unit of work (a function of the connection) and await the result. The
writer drains everything queued in the meantime and runs it in one ``BEGIN IMMEDIATE``
transaction (group commit): SQLite allows one writer at a time, so a queue in front of one
connection beats any lock around per-statement awaits, and committing many clicks at once pays
the commit cost once. Results are delivered only after the COMMIT has succeeded.

The batch runs on the event loop itself, not on a thread: a writer thread has to win the GIL
back after every SQLite call, and under a busy loop (a burst of Discord clicks) it waited up to
the 5 ms switch interval each time: 512 clicks took over a second (bench discord). A batch is a
few milliseconds of SQLite without fsync (WAL, synchronous=NORMAL; checkpoints run on a thread of
their own), and a lock held by another process is waited for without blocking the loop: the
connection's busy timeout is 0 and the batch is retried later, up to the store's busy timeout.

Work of one kind that arrives together (the clicks) can also be handed over as items of a *bulk*
function, which handles a whole run of them at once: one query for all their states, one
``executemany`` per table. If a bulk run fails, the batch is undone and every item is run again
on its own, so one bad item fails alone.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from bot.store.errors import StoreError, describe

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], Any]

MAX_BATCH = 512
# Group commit under a trickle: while commits follow each other within LINGER_IF_BUSY_S, a batch
# of fewer than LINGER_BELOW jobs waits up to LINGER_TURNS more loop turns for company. A lone
# click on a quiet bot is committed at once.
LINGER_BELOW = 16
LINGER_TURNS = 3
LINGER_IF_BUSY_S = 0.005
# The writer leaves checkpoints to a thread of their own (copying WAL pages into the database
# and syncing both files takes ~40% of a commit otherwise); past this many WAL pages it does one
# itself, so the WAL stays bounded even if the checkpointer falls behind.
WRITER_CHECKPOINT_PAGES = 8000
CHECKPOINT_PAUSE_S = 0.02


Bulk = Callable[[sqlite3.Connection, list[Any]], list[Any]]
# (bulk function, item, future): a plain tuple, since every click makes one.
_Job = tuple[Bulk, Any, "asyncio.Future[Any]"]
# (futures, their results, error) of a run of jobs: all the event loop needs back, without a
# tuple per job.
Result = tuple[list["asyncio.Future[Any]"], list[Any], BaseException | None]


def _each(conn: sqlite3.Connection, works: list[Work]) -> list[Any]:
    """Plain units of work, run one after the other."""
    return [work(conn) for work in works]


class WriterClosed(StoreError):
    pass


def connect(path: Path, *, busy_timeout_ms: int) -> sqlite3.Connection:
    """A connection with the settings every quizbot connection uses."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class Writer:
    """Jobs collect while the loop runs other work; the writer takes them all at once."""

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout_ms: int = 5000,
        on_rollback: Callable[[], None] | None = None,
    ) -> None:
        self._path = path
        self._on_rollback = on_rollback
        self._busy_timeout_ms = busy_timeout_ms
        self._checkpointer: threading.Thread | None = None
        self._committed = threading.Event()
        self._conn: sqlite3.Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[_Job] = []
        # Nothing pending (asyncio.Event binds to a loop only when awaited).
        self._idle = asyncio.Event()
        self._idle.set()
        self._flush_scheduled = False
        self._locked_since: float | None = None
        # While another process holds the lock: when each waiting job first met it (about its
        # arrival), since each job waits up to the busy timeout from then, not from the first.
        self._waiting_since: dict[asyncio.Future[Any], float] = {}
        self._last_commit = 0.0
        self._lingered = 0
        self._closed = False
        self.batches = 0
        self.jobs = 0

    def start(self) -> None:
        """Open the connection (a bad path fails here, in the caller) and the checkpointer.

        Must be called from the event loop that will use the writer."""
        self._loop = asyncio.get_running_loop()
        # Busy timeout 0: a lock held by another process is waited for by retrying later
        # (_flush), never by blocking the event loop inside SQLite.
        self._conn = connect(self._path, busy_timeout_ms=0)
        self._conn.execute(f"PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_PAGES}")
        self._checkpointer = threading.Thread(
            target=self._checkpoint_loop, name="quizbot-checkpoint", daemon=True
        )
        self._checkpointer.start()

    def run(self, work: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        """Run ``work`` in a write transaction; await the result, set once committed."""
        return self.run_bulk(_each, work)

    def run_bulk(
        self, bulk: Callable[[sqlite3.Connection, list[Any]], list[Any]], item: Any
    ) -> asyncio.Future[Any]:
        """Hand ``item`` to ``bulk``, which runs together with the items queued next to it.

        A plain function handing back the future (no coroutine of its own): it is on every
        click's path."""
        loop = self._loop
        if self._closed or loop is None:
            raise WriterClosed("the database writer is not running")
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((bulk, item, future))
        if self._locked_since is not None:
            self._waiting_since[future] = time.monotonic()
        if not self._flush_scheduled:
            self._idle.clear()
            # Let every click that arrives in this loop iteration join the batch.
            self._flush_scheduled = True
            loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        self._flush_scheduled = False
        if not self._pending:
            self._idle.set()
            return
        if (
            len(self._pending) < LINGER_BELOW
            and self._lingered < LINGER_TURNS
            and time.monotonic() - self._last_commit < LINGER_IF_BUSY_S
        ):
            # Busy, but only a few jobs so far (clicks trickling in one per loop turn): a turn
            # or two more lets others join, so that one commit serves several clicks.
            self._lingered += 1
            self._flush_scheduled = True
            assert self._loop is not None
            self._loop.call_soon(self._flush)
            return
        self._lingered = 0
        batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        results = self._commit(batch)
        if results is None:
            self._wait_for_lock(batch)
            return
        if self._locked_since is not None:
            self._locked_since = None
            self._waiting_since.clear()
        for futures, outputs, error in results:
            for future, output in zip(futures, outputs, strict=True):
                if future.done():
                    continue  # the caller was cancelled; the work is committed all the same
                if error is None:
                    future.set_result(output)
                else:
                    future.set_exception(error)
        if self._pending:
            # Let the loop breathe between batches; more clicks join the next one meanwhile.
            self._flush_scheduled = True
            assert self._loop is not None
            self._loop.call_soon(self._flush)
        else:
            self._idle.set()

    def _wait_for_lock(self, batch: list[_Job]) -> None:
        """Another process holds the write lock: try again soon. A job fails once it has
        waited the busy timeout since it first met the lock; the others keep waiting."""
        assert self._loop is not None
        now = time.monotonic()
        if self._locked_since is None:
            self._locked_since = now
        since = self._waiting_since
        timeout_s = self._busy_timeout_ms / 1000
        waiting: list[_Job] = []
        expired: list[_Job] = []
        for job in batch:
            first = since.setdefault(job[2], now)
            (expired if now - first >= timeout_s else waiting).append(job)
        for job in self._pending:
            since.setdefault(job[2], now)
        if expired:
            error = StoreError(describe(sqlite3.OperationalError("database is locked"), self._path))
            for _, _, future in expired:
                del since[future]
                if not future.done():
                    future.set_exception(error)
        self._pending = waiting + self._pending
        self._flush_scheduled = True
        if not self._pending:
            self._locked_since = None
            self._loop.call_soon(self._flush)  # nothing left: the writer goes idle
            return
        waited = now - self._locked_since
        next_expiry = min(since[job[2]] for job in self._pending) + timeout_s - now
        delay = min(0.05, 0.002 + waited / 10, max(next_expiry, 0.001))
        self._loop.call_later(delay, self._flush)

    def read_now(self, sql: str, params: tuple[Any, ...]) -> list[Any] | None:
        """A point read (one indexed row) on the writer's own connection, on the loop: the rows,
        or None when it cannot be done at once (closed, or another process holds a lock), for
        the caller to read the usual way. Reading on the reader's thread costs three thread
        round trips per query, and a burst of clicks by new people made one per click (bench
        slack: the lookup cost more CPU than the click's transaction). Between batches the
        connection is outside any transaction, so it sees every commit."""
        conn = self._conn
        if conn is None or self._closed or conn.in_transaction:
            return None
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError:
            return None

    async def close(self) -> None:
        if self._conn is None or self._closed:
            return
        await self._idle.wait()
        self._closed = True
        self._committed.set()
        if self._checkpointer is not None:
            await asyncio.to_thread(self._checkpointer.join)
        self._conn.close()

    def _commit(self, batch: list[_Job]) -> list[Result] | None:
        """Run a batch in one transaction; None when another process holds the write lock."""
        conn = self._conn
        assert conn is not None
        pending = list(batch)
        failed: list[Result] = []
        alone = False  # after a failed run: every item on its own, to find the culprit
        while pending:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if _is_busy(exc) and not failed:
                    return None
                return failed + self._fail_all(pending, exc)
            except sqlite3.Error as exc:
                # Disk full, unreadable file, ...: the whole batch fails with the same error.
                return failed + self._fail_all(pending, exc)
            results: list[Result] = []
            culprit: _Job | None = None
            for run in _runs(pending, alone):
                bulk = run[0][0]
                try:
                    outputs = bulk(conn, [job[1] for job in run])
                except BaseException as exc:  # noqa: BLE001 - handed to the awaiting caller
                    if len(run) > 1:
                        alone = True
                    else:
                        culprit = run[0]
                        failed.append(([culprit[2]], [None], _as_store_error(exc, self._path)))
                    break
                results.append(([job[2] for job in run], outputs, None))
            else:
                try:
                    conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    self._rollback(conn)
                    return failed + self._fail_all(pending, exc)
                self.batches += 1
                self.jobs += len(pending)
                self._last_commit = time.monotonic()
                self._committed.set()
                return failed + results
            # Undo the batch and run it again: item by item, and without a failed item. Work is
            # a function of the database state, so running it again is safe.
            self._rollback(conn)
            pending = [job for job in pending if job is not culprit]
        return failed

    def _fail_all(self, jobs: list[_Job], exc: sqlite3.Error) -> list[Result]:
        error = _as_store_error(exc, self._path)
        return [([job[2] for job in jobs], [None] * len(jobs), error)]

    def _checkpoint_loop(self) -> None:
        """PASSIVE checkpoints after commits, on a connection of its own: they never block the
        writer, and the copying runs outside the GIL, on another core."""
        try:
            conn = connect(self._path, busy_timeout_ms=self._busy_timeout_ms)
        except sqlite3.Error:
            log.exception("no checkpointer: the writer will checkpoint by itself")
            return
        try:
            while not self._closed:
                self._committed.wait()
                self._committed.clear()
                if self._closed:
                    break  # close() woke it to stop, not to checkpoint once more
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:
                    log.exception("checkpoint failed; trying again after the next commit")
                # Let a few batches collect: each checkpoint syncs the files once.
                time.sleep(CHECKPOINT_PAUSE_S)
        finally:
            conn.close()

    def _rollback(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if self._on_rollback is not None:
            self._on_rollback()


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def _runs(jobs: list[_Job], alone: bool) -> list[list[_Job]]:
    """Consecutive jobs of the same bulk function, run together (or each alone)."""
    if alone:
        return [[job] for job in jobs]
    first = jobs[0][0]
    if all(job[0] is first for job in jobs):  # the usual batch: clicks only
        return [jobs]
    runs: list[list[_Job]] = []
    for job in jobs:
        if runs and runs[-1][0][0] is job[0]:
            runs[-1].append(job)
        else:
            runs.append([job])
    return runs


def _as_store_error(exc: BaseException, path: Path) -> BaseException:
    """The database failing (locked, full, unreadable) becomes a StoreError that says so; a bug
    in a unit of work keeps its own exception."""
    if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.InterfaceError
    ):
        error = StoreError(describe(exc, path))
        error.__cause__ = exc
        return error
    return exc
