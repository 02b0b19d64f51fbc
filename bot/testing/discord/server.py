"""``FakeDiscord``: the aiohttp app on 127.0.0.1 that mounts the REST routes and the gateway,
records every request, and answers 429 when a rate limit is set."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from fnmatch import fnmatchcase
from typing import Any

from aiohttp import web

from bot.testing.discord.interactions import InteractionBuilders
from bot.testing.discord.rest import RestRoutes
from bot.testing.discord.wire import (
    BODY,
    FILES,
    RateLimit,
    Recorded,
    Refusal,
    error_response,
)
from bot.testing.discord.world import API_PREFIX, GATEWAY_PATH
from bot.testing.local import json_response

log = logging.getLogger(__name__)


class FakeDiscord(InteractionBuilders, RestRoutes):
    """A fake Discord on 127.0.0.1 (port 0). Configure the world, ``await start()``, point
    discord.py at ``api_base``/``gateway_url`` (``running_client`` does), then drive it with
    ``slash``/``click``/``submit_modal``/``dispatch`` and assert on what it recorded."""

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        self._add_routes(app.router)
        self._port = await self._server.start(app)

    async def close(self) -> None:
        for connection in list(self._connections):
            await connection.ws.close(code=1001)
        await self._server.stop()

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- rate limiting ------------------------------------------------------------------------

    def rate_limit(
        self,
        limit: int | None,
        per: float = 1.0,
        *,
        is_global: bool = True,
        exempt_interactions: bool = True,
    ) -> None:
        """Allow ``limit`` requests per ``per`` seconds (one fixed window for all routes),
        answering 429 beyond it; ``None`` switches it off. Interaction callbacks and
        webhooks are exempt by default, as from Discord's global limit. Successful responses
        carry no bucket headers, so discord.py only learns of the limit from the 429."""
        self._rate_limit = (
            None if limit is None else RateLimit(limit, per, is_global, exempt_interactions)
        )

    def refuse(
        self, method: str, path: str, status: int = 503, *, code: int = 0, times: int = 1
    ) -> None:
        """Answer the next ``times`` requests matching ``method`` and ``path`` (an fnmatch
        pattern such as ``/channels/*/messages``) with HTTP ``status`` instead of handling
        them: Discord having a bad moment. (discord.py retries a 5xx a few times on its own,
        so refuse a 5xx more often than once, or use a 4xx such as 403.)"""
        self._refusals.append(Refusal(method, path, status, code, times))

    def block_dms(self, user_id: int) -> None:
        """The user takes no direct messages from the bot (blocked it, or closed DMs from
        server members): a message to their DM channel gets Discord's 403 50007."""
        self.dms_blocked.add(user_id)

    def dms_to(self, user_id: int) -> list[dict[str, Any]]:
        """Messages the bot sent to the user's DM channel, oldest first."""
        return self.messages_in(self.dm_channel_id(user_id))

    def _refused(self, method: str, path: str) -> web.Response | None:
        for refusal in self._refusals:
            if refusal.times and refusal.method == method and fnmatchcase(path, refusal.path):
                refusal.times -= 1
                return error_response(refusal.status, refusal.code, "refused by the test")
        return None

    def _rate_limited(self, path: str) -> web.Response | None:
        limiter = self._rate_limit
        if limiter is None:
            return None
        if limiter.exempt_interactions and path.startswith(("/interactions/", "/webhooks/")):
            return None
        now = time.monotonic()
        if now >= limiter.window_start + limiter.per:
            limiter.window_start, limiter.count = now, 0
        if limiter.count < limiter.limit:
            limiter.count += 1
            return None
        retry_after = max(0.001, round(limiter.window_start + limiter.per - now, 3))
        headers = {
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Limit": str(limiter.limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Scope": "global" if limiter.is_global else "user",
            # discord.py treats a 429 without Via as a Cloudflare ban and does not retry.
            "Via": "1.1 google",
        }
        if limiter.is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers["X-RateLimit-Bucket"] = "fake-bucket"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": limiter.is_global,
        }
        return json_response(body, 429, headers)

    # --- HTTP plumbing ------------------------------------------------------------------------

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path == GATEWAY_PATH:
            return await handler(request)
        path = request.path.removeprefix(API_PREFIX)
        if request.transport is not None:
            self.http_peers.add(request.transport.get_extra_info("peername")[:2])
        body: Any = None
        files: tuple[tuple[str, bytes], ...] = ()
        try:
            body, files = await self._read_body(request)
            request[BODY], request[FILES] = body, files
            refused = (
                self._refused(request.method, path)
                or self._rate_limited(path)
                or self._unauthorized(request, path)
            )
            response = refused if refused is not None else await handler(request)
        except Exception as exc:
            # A bug in the fake: 400 at once (a 500 makes discord.py retry for ~15 s).
            log.exception("fake Discord failed on %s %s", request.method, path)
            self.errors.append(exc)
            response = error_response(400, 0, f"fake Discord error: {exc!r}")
        answer = None
        if isinstance(response, web.Response) and response.body:
            answer = json.loads(response.body)  # type: ignore[arg-type]
        recorded = Recorded(
            request.method,
            path,
            dict(request.query),
            body,
            time.monotonic(),
            response.status,
            answer,
            files,
        )
        async with self._changed:
            self.requests.append(recorded)
            if request.match_info.route.name == "unknown":
                self.unhandled.append(recorded)
            self._changed.notify_all()
        return response

    def _unauthorized(self, request: web.Request, path: str) -> web.Response | None:
        # Interaction callbacks and follow-ups are authorised by their token in the path.
        if self.token is None or path.startswith(("/interactions/", "/webhooks/")):
            return None
        if request.headers.get("Authorization") == f"Bot {self.token}":
            return None
        return error_response(401, 0, "401: Unauthorized")

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, tuple[tuple[str, bytes], ...]]:
        if not request.can_read_body:
            return None, ()
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            files = tuple(
                (value.filename, value.file.read())
                for value in form.values()
                if isinstance(value, web.FileField)
            )
            raw = form.get("payload_json")
            return (json.loads(raw) if isinstance(raw, str) else None), files
        text = await request.text()
        return (json.loads(text) if text else None), ()

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        api = API_PREFIX
        routes: list[tuple[str, str, Callable[[web.Request], Any]]] = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("PUT", "/applications/{app}/commands", self._put_commands),
            ("GET", "/applications/{app}/commands", self._get_commands),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self._put_commands),
            ("GET", "/applications/{app}/guilds/{guild}/commands", self._get_commands),
            ("GET", "/channels/{channel}", self._get_channel),
            ("POST", "/channels/{channel}/messages", self._post_message),
            ("GET", "/channels/{channel}/messages/{message}", self._get_message),
            ("PATCH", "/channels/{channel}/messages/{message}", self._patch_message),
            ("DELETE", "/channels/{channel}/messages/{message}", self._delete_message),
            ("POST", "/users/@me/channels", self._create_dm),
            ("GET", "/guilds/{guild}/members/{user}", self._get_member),
            ("POST", "/interactions/{interaction}/{token}/callback", self._callback),
            ("POST", "/webhooks/{app}/{token}", self._post_followup),
            ("GET", "/webhooks/{app}/{token}/messages/{message}", self._get_webhook_message),
            ("PATCH", "/webhooks/{app}/{token}/messages/{message}", self._patch_webhook_message),
            ("DELETE", "/webhooks/{app}/{token}/messages/{message}", self._delete_webhook_message),
        ]
        for method, path, handler in routes:
            router.add_route(method, api + path, handler)
        router.add_get(GATEWAY_PATH, self._gateway)
        router.add_route("*", "/{tail:.*}", self._unknown, name="unknown")

    async def _unknown(self, request: web.Request) -> web.Response:
        return error_response(404, 0, "404: Not Found")
