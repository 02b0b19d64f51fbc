"""Lines typed or piped into the console channel, read so that quizbot can stop while waiting.

``await asyncio.to_thread(sys.stdin.readline)`` cannot be given up: asyncio.run waits for the
executor's threads at exit, so Ctrl-C did nothing until Enter was pressed (and a second one
raised "Event loop is closed"). Here a daemon thread, which nothing waits for, reads the raw
file descriptor and hands lines to the loop; waiting for a line is a plain queue get that a
signal's cancellation ends at once. The thread reads with ``os.read`` rather than through
``sys.stdin``: a daemon thread left blocked inside a buffered stream holds its lock, and the
interpreter aborts at exit when it needs that lock to close the stream.
"""

from __future__ import annotations

import asyncio
import codecs
import io
import os
import threading
from typing import Protocol, TextIO

CHUNK = 65536


class Lines(Protocol):
    async def readline(self) -> str:
        """The next line with its newline, or "" at end of input."""
        ...


class DescriptorLines:
    def __init__(self, fd: int, encoding: str = "utf-8") -> None:
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._ended = False
        self._fd = fd
        self._encoding = encoding
        threading.Thread(target=self._pump, name="quizbot-stdin", daemon=True).start()

    async def readline(self) -> str:
        if self._ended:
            return ""
        line = await self._queue.get()
        if line is None:
            self._ended = True
            return ""
        return line

    def _pump(self) -> None:
        decoder = codecs.getincrementaldecoder(self._encoding)(errors="replace")
        pending = ""
        while True:
            try:
                chunk = os.read(self._fd, CHUNK)
            except OSError:
                chunk = b""  # a closed or broken input ends it like end of file
            pending += decoder.decode(chunk, final=not chunk)
            *lines, pending = pending.split("\n")
            for line in lines:
                if not self._hand(line + "\n"):
                    return
            if not chunk:
                if pending:
                    self._hand(pending)
                self._hand(None)
                return

    def _hand(self, line: str | None) -> bool:
        """Give the loop a line; False once the loop is gone (quizbot is stopping)."""
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, line)
        except RuntimeError:
            return False
        return True


class StreamLines:
    """A stream with no file descriptor (a StringIO in a test): reading it never blocks."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    async def readline(self) -> str:
        return self._stream.readline()


def lines_of(stream: TextIO | None) -> Lines:
    """``stream``'s lines; None (Python's ``sys.stdin`` when descriptor 0 was closed) has none."""
    if stream is None:
        return StreamLines(io.StringIO())
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return StreamLines(stream)
    return DescriptorLines(fd, getattr(stream, "encoding", None) or "utf-8")
