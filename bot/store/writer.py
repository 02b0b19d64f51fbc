"""The single writer: one thread owns the database's only writing connection.

Callers hand it a whole unit of work (a function of the connection) and await the result. The
thread drains everything queued so far and runs it in one ``BEGIN IMMEDIATE`` transaction (group
commit): SQLite allows one writer at a time, so a queue in front of one connection beats any lock
around per-statement awaits, and committing many clicks at once pays the commit cost once.
Results are delivered only after the COMMIT has succeeded.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], Any]

MAX_BATCH = 512


@dataclass(slots=True)
class _Job:
    work: Work
    future: asyncio.Future[Any]


Result = tuple[_Job, Any, BaseException | None]


class WriterClosed(RuntimeError):
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
    """Jobs collect on the event loop's side while the thread commits the previous batch; the
    thread is handed the whole collection at once, so there is one thread hop per batch, not per
    click."""

    def __init__(self, path: Path, *, busy_timeout_ms: int = 5000) -> None:
        self._path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._queue: queue.SimpleQueue[list[_Job] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[_Job] = []
        self._in_flight = False
        self._flush_scheduled = False
        self._closed = False
        self.batches = 0
        self.jobs = 0

    def start(self) -> None:
        """Open the connection (a bad path fails here, in the caller) and start the thread.

        Must be called from the event loop that will use the writer."""
        self._loop = asyncio.get_running_loop()
        self._conn = connect(self._path, busy_timeout_ms=self._busy_timeout_ms)
        self._thread = threading.Thread(target=self._run, name="quizbot-writer", daemon=True)
        self._thread.start()

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in a write transaction and return its result once committed."""
        loop = self._loop
        if self._closed or loop is None:
            raise WriterClosed("the database writer is not running")
        future: asyncio.Future[T] = loop.create_future()
        self._pending.append(_Job(work, future))
        if not self._in_flight and not self._flush_scheduled:
            # Let every click that arrives in this loop iteration join the batch.
            self._flush_scheduled = True
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._flush_scheduled = False
        if self._in_flight or not self._pending:
            return
        batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        self._in_flight = True
        self._queue.put(batch)

    def _done(self, results: list[Result]) -> None:
        self._in_flight = False
        for job, result, error in results:
            if job.future.done():
                continue  # the caller was cancelled; the work is committed all the same
            if error is not None:
                job.future.set_exception(error)
            else:
                job.future.set_result(result)
        self._flush()

    async def close(self) -> None:
        if self._thread is None or self._closed:
            return
        while self._pending or self._in_flight:
            await asyncio.sleep(0.001)
        self._closed = True
        self._queue.put(None)
        await asyncio.to_thread(self._thread.join)
        if self._conn is not None:
            self._conn.close()

    # --- the writer thread --------------------------------------------------------------------

    def _run(self) -> None:
        loop = self._loop
        assert loop is not None
        while True:
            batch = self._queue.get()
            if batch is None:
                break
            results = self._commit(batch)
            try:
                loop.call_soon_threadsafe(self._done, results)
            except RuntimeError:
                log.warning("dropped %d database results: the event loop is closed", len(results))
                break

    def _commit(self, batch: list[_Job]) -> list[Result]:
        conn = self._conn
        assert conn is not None
        pending = list(batch)
        failed: list[Result] = []
        while pending:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                # Locked by another process past the busy timeout, disk full, ...: the whole
                # batch fails with the same error rather than waiting once per job.
                return failed + [(job, None, exc) for job in pending]
            results: list[Result] = []
            culprit: _Job | None = None
            for job in pending:
                try:
                    results.append((job, job.work(conn), None))
                except BaseException as exc:  # noqa: BLE001 - handed to the awaiting caller
                    culprit = job
                    failed.append((job, None, exc))
                    break
            if culprit is None:
                try:
                    conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    self._rollback(conn)
                    return failed + [(job, None, exc) for job in pending]
                self.batches += 1
                self.jobs += len(results)
                return failed + results
            # One job failed: undo the batch and run the others again without it. Jobs are
            # functions of the database state, so running them again is safe.
            self._rollback(conn)
            pending = [job for job in pending if job is not culprit]
        return failed

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
