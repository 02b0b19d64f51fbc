"""The measured process's end of the bench harness: starts ``python -m bot.bench.harness`` as a
child and sends it commands (see that module), and measures this process's own CPU time."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

# A burst with answers may wait this long for the last ones; past it the harness is stuck.
REPLY_TIMEOUT_S = 120.0


class HarnessError(RuntimeError):
    """The harness process refused a command or died."""


def cpu_seconds() -> float:
    """User + system CPU time of this process so far, all its threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Harness:
    """A running harness process: ``await harness.call("slack")`` -> its answer."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        self.pid = process.pid

    async def call(self, cmd: str, **fields: Any) -> dict[str, Any]:
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        stdin.write((json.dumps({"cmd": cmd, **fields}) + "\n").encode())
        await stdin.drain()
        line = await asyncio.wait_for(stdout.readline(), REPLY_TIMEOUT_S)
        if not line:
            raise HarnessError(f"the bench harness ended (exit {await self._process.wait()})")
        reply: dict[str, Any] = json.loads(line)
        if not reply.pop("ok", False):
            raise HarnessError(f"the bench harness refused {cmd}: {reply.get('error')}")
        return reply

    async def close(self) -> None:
        if self._process.stdin is not None and not self._process.stdin.is_closing():
            self._process.stdin.close()
        try:
            await asyncio.wait_for(self._process.wait(), 10.0)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()


@asynccontextmanager
async def harness() -> AsyncIterator[Harness]:
    """The harness in a child process of its own, ended on exit."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.bench.harness",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    running = Harness(process)
    try:
        yield running
    finally:
        await running.close()
