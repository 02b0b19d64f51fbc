"""``FakeSlack``: the aiohttp app on 127.0.0.1 that serves the Web API, the response_url
endpoint and the Socket Mode websocket, records every call, and answers 429 when a method has
a rate limit."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from aiohttp import web

from bot.testing.local import json_response
from bot.testing.slack.api import Handler, WebApiMethods
from bot.testing.slack.files import UPLOAD_PREFIX, FileMethods
from bot.testing.slack.oauth import AUTHORIZE_PATH, OAuthMethods
from bot.testing.slack.socket_mode import SocketModeRoutes
from bot.testing.slack.wire import (
    RateLimit,
    Recorded,
    Responded,
    SlackError,
    parse_json_fields,
)
from bot.testing.slack.world import API_PREFIX, RESPONSE_PREFIX, SOCKET_PATH, dm_channel_id

log = logging.getLogger(__name__)


class FakeSlack(WebApiMethods, SocketModeRoutes, FileMethods, OAuthMethods):
    """A fake Slack on 127.0.0.1 (port 0). ``async with FakeSlack() as fake``, give the app
    ``web_client(fake)``, send it signed requests (``bot.testing.slack.requests``) or Socket
    Mode envelopes, and assert on what the fake recorded."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._init_files()
        self._init_oauth()
        self._method_table: dict[str, Handler] | None = None

    def _methods(self) -> dict[str, Handler]:
        if self._method_table is None:
            methods = {**super()._methods(), **self._file_methods(), **self._oauth_methods()}
            self._method_table = self._guarded(methods)
        return self._method_table

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(UPLOAD_PREFIX + "{file_id}", self._upload)
        app.router.add_route("*", API_PREFIX + "{method}", self._api)
        app.router.add_post(RESPONSE_PREFIX + "{response_id}", self._respond)
        app.router.add_get(SOCKET_PATH, self._socket)
        app.router.add_get(AUTHORIZE_PATH, self._authorize)
        self._port = await self._server.start(app)

    async def close(self) -> None:
        for connection in list(self._sockets):
            await connection.ws.close(code=1001)
        await self._server.stop()

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        await self.close()
        if exc_type is None and self.errors:
            raise self.errors[0]  # a bug in the fake, not in the app

    # --- people who take no DMs ----------------------------------------------------------------

    def refuse_dms(self, user_id: str, error: str = "messages_tab_disabled") -> None:
        """The user's DMs with the app refuse its messages: chat.postMessage there answers
        ``{"ok": false, "error": error}`` (Slack's messages_tab_disabled, cannot_dm_bot, ...)."""
        self.dms_refused[user_id] = error

    def dms_to(self, user_id: str) -> list[dict[str, Any]]:
        """Messages the app posted in its DM with the user, oldest first."""
        return self.messages_in(dm_channel_id(user_id))

    # --- rate limiting ------------------------------------------------------------------------

    def rate_limit(
        self, method: str, limit: int | None, per: float = 60.0, *, retry_after: int = 1
    ) -> None:
        """Allow ``limit`` calls of API ``method`` per ``per`` seconds (a fixed window),
        answering HTTP 429 ``{"ok": false, "error": "ratelimited"}`` with ``Retry-After:
        retry_after`` beyond it; ``None`` switches it off. Off for every method by default."""
        if limit is None:
            self._rate_limits.pop(method, None)
        else:
            self._rate_limits[method] = RateLimit(limit, per, retry_after)

    def _rate_limited(self, method: str) -> web.Response | None:
        limiter = self._rate_limits.get(method)
        if limiter is None:
            return None
        now = time.monotonic()
        if now >= limiter.window_start + limiter.per:
            limiter.window_start, limiter.count = now, 0
        if limiter.count < limiter.limit:
            limiter.count += 1
            return None
        body = {"ok": False, "error": "ratelimited"}
        return json_response(body, 429, {"Retry-After": str(limiter.retry_after)})

    # --- Web API ------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        try:
            args.update(await self._read_body(request))
            parse_json_fields(args)
            token = request.headers.get("Authorization", "").removeprefix("Bearer ") or None
            token = token or args.get("token")
            response = self._rate_limited(method) or await self._call(method, args, token)
        except Exception as exc:
            log.exception("fake Slack failed on %s", method)
            self.errors.append(exc)
            token = None
            response = json_response({"ok": False, "error": f"fake_slack_error: {exc!r}"}, 500)
        answer = json.loads(response.body) if isinstance(response.body, bytes) else None
        recorded = Recorded(
            method, args, time.monotonic(), answer, response.status, token, request.method
        )
        async with self._changed:
            self.requests.append(recorded)
            if answer is not None and answer.get("error") == "unknown_method":
                self.unhandled.append(recorded)
            self._changed.notify_all()
        return response

    async def _call(self, method: str, args: dict[str, Any], token: str | None) -> web.Response:
        handler = self._methods().get(method)
        if handler is None:
            return json_response({"ok": False, "error": "unknown_method", "req_method": method})
        try:
            return json_response({"ok": True, **await handler(args, token)})
        except SlackError as error:
            return json_response({"ok": False, "error": error.error, **error.extra})

    @staticmethod
    async def _read_body(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        if request.content_type == "application/json":
            body = await request.json()
            return body if isinstance(body, dict) else {}
        form = await request.post()
        return {
            key: value.filename if isinstance(value, web.FileField) else value
            for key, value in form.items()
        }

    # --- response_url -------------------------------------------------------------------------

    async def _respond(self, request: web.Request) -> web.Response:
        response_id = request.match_info["response_id"]
        target = self._response_urls.get(response_id)
        if target is None:
            return web.Response(status=404, text="invalid_url", content_type="text/plain")
        try:
            body = await request.json()
            self._apply_response(target.channel, target.message_ts, body)
        except SlackError as error:
            return web.Response(status=400, text=error.error, content_type="text/plain")
        except Exception as exc:
            log.exception("fake Slack failed on response_url %s", response_id)
            self.errors.append(exc)
            return web.Response(status=500, text=repr(exc), content_type="text/plain")
        target.posts += 1
        await self._record(self.responses, Responded(response_id, body, time.monotonic()))
        return web.Response(text="ok", content_type="text/plain")

    def _apply_response(
        self, channel: str | None, message_ts: str | None, body: dict[str, Any]
    ) -> None:
        """What Slack does with a response_url post, for a URL minted with a channel."""
        if channel is None:
            return
        original = self.message(channel, message_ts) if message_ts else None
        if body.get("delete_original") and original is not None:
            self.messages[channel].remove(original)
        elif body.get("replace_original") and original is not None:
            self._content(body)  # no_text, as Slack
            original["text"], original["blocks"] = body.get("text") or "", body.get("blocks") or []
        elif body.get("response_type") == "in_channel":
            self._new_message(channel, body)
        else:
            text, blocks = self._content(body)
            ts = self.new_ts(time.time())
            self.ephemerals.append(
                {"channel": channel, "user": None, "text": text, "blocks": blocks, "ts": ts}
            )
