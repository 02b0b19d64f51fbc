"""What both fakes share: an aiohttp app served on 127.0.0.1 at a port the system picks, and
JSON answers with exactly the content type the platforms' clients expect."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web


class LocalServer:
    """Serves one aiohttp app on 127.0.0.1 (port 0: a free one) until stopped."""

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, app: web.Application) -> int:
        runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    # Exactly "application/json": aiohttp's web.json_response appends "; charset=utf-8", which
    # discord.py's json_or_text does not take for JSON.
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={**(headers or {}), "Content-Type": "application/json"},
    )
