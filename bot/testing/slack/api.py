"""The fake's Web API methods: identity, messages (post, ephemeral, update, delete, permalink,
history), views (modals and App Home), users and conversations, Socket Mode URLs."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

from bot.testing.slack.state import FakeSlackState
from bot.testing.slack.wire import SlackError, ts_value
from bot.testing.slack.world import TEAM_DOMAIN, dm_channel_id

Handler = Callable[[dict[str, Any], str | None], Awaitable[dict[str, Any]]]

_FAR_FUTURE = Decimal("99999999999")


def _required(args: Mapping[str, Any], *names: str) -> None:
    for name in names:
        if args.get(name) in (None, ""):
            raise SlackError("invalid_arguments", response_metadata={"messages": [name]})


class WebApiMethods(FakeSlackState):
    """Handlers by API method name; each returns the answer's fields after ``"ok": true`` or
    raises SlackError."""

    def _methods(self) -> dict[str, Handler]:
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "chat.getPermalink": self._permalink,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "conversations.info": self._conversation_info,
            "conversations.open": self._conversation_open,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "apps.connections.open": self._connections_open,
        }

    # --- identity and world -------------------------------------------------------------------

    async def _auth_test(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        return self.auth_test_payload()

    async def _users_info(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        _required(args, "user")
        user = self.user(args["user"])
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user.payload(self.team_id)}

    async def _conversation_info(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        _required(args, "channel")
        channel = self.channel(args["channel"])
        if channel is None:
            raise SlackError("channel_not_found")
        return {"channel": channel.payload()}

    async def _conversation_open(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        users = str(args.get("users") or "").split(",")
        if len(users) != 1 or self.user(users[0]) is None:
            raise SlackError("user_not_found")
        return {"channel": {"id": dm_channel_id(users[0])}}

    async def _connections_open(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        if not (token or "").startswith("xapp-"):
            raise SlackError("not_allowed_token_type")
        return {"url": self.socket_url}

    # --- messages -----------------------------------------------------------------------------

    def _channel_id(self, args: Mapping[str, Any]) -> str:
        _required(args, "channel")
        channel_id = str(args["channel"])
        if self.user(channel_id) is not None:
            channel_id = dm_channel_id(channel_id)  # posting to a user id posts to the DM
        if self.channel(channel_id) is None:
            raise SlackError("channel_not_found")
        return channel_id

    def _stored(self, channel_id: str, ts: Any) -> dict[str, Any]:
        message = self.message(channel_id, str(ts or ""))
        if message is None:
            raise SlackError("message_not_found")
        return message

    @staticmethod
    def _content(args: Mapping[str, Any]) -> tuple[str, list[Any]]:
        text, blocks = args.get("text") or "", args.get("blocks") or []
        if not text and not blocks and not args.get("attachments"):
            raise SlackError("no_text")
        return str(text), list(blocks)

    def _new_message(self, channel_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        text, blocks = self._content(fields)
        ts = self.new_ts(time.time())
        message: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "text": text,
            "blocks": blocks,
            "ts": ts,
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
        }
        for key in ("thread_ts", "metadata", "attachments"):
            if fields.get(key):
                message[key] = fields[key]
        self.messages.setdefault(channel_id, []).append(message)
        return message

    async def _post_message(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel_id = self._channel_id(args)
        for user_id, error in self.dms_refused.items():
            if channel_id == dm_channel_id(user_id):
                raise SlackError(error)
        message = self._new_message(channel_id, args)
        return {"channel": channel_id, "ts": message["ts"], "message": message}

    async def _post_ephemeral(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel_id = self._channel_id(args)
        _required(args, "user")
        if self.user(str(args["user"])) is None:
            raise SlackError("user_not_found")
        text, blocks = self._content(args)
        ts = self.new_ts(time.time())
        self.ephemerals.append(
            {"channel": channel_id, "user": args["user"], "text": text, "blocks": blocks, "ts": ts}
        )
        return {"message_ts": ts}

    async def _update(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel_id = self._channel_id(args)
        message = self._stored(channel_id, args.get("ts"))
        if "text" in args or "blocks" in args:
            text, blocks = args.get("text"), args.get("blocks")
            message["text"] = text if text is not None else message["text"]
            message["blocks"] = blocks if blocks is not None else message["blocks"]
        message["edited"] = {"user": self.bot_user_id, "ts": self.new_ts(time.time())}
        return {
            "channel": channel_id,
            "ts": message["ts"],
            "text": message["text"],
            "message": message,
        }

    async def _delete(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel_id = self._channel_id(args)
        message = self._stored(channel_id, args.get("ts"))
        self.messages[channel_id].remove(message)
        return {"channel": channel_id, "ts": message["ts"]}

    async def _permalink(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel_id = self._channel_id(args)
        message = self._stored(channel_id, args.get("message_ts"))
        link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel_id}/p"
        return {"channel": channel_id, "permalink": link + message["ts"].replace(".", "")}

    async def _history(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel_id = self._channel_id(args)
        oldest = ts_value(args.get("oldest"), Decimal(0))
        latest = ts_value(args.get("latest"), _FAR_FUTURE)
        inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
        limit = int(args.get("limit") or 100)

        def within(message: Mapping[str, Any]) -> bool:
            ts = Decimal(message["ts"])
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        # Newest first, as Slack answers; thread replies stay in their thread.
        found = [
            m
            for m in reversed(self.messages_in(channel_id))
            if within(m) and m.get("thread_ts") in (None, m["ts"])
        ]
        return {
            "messages": found[:limit],
            "has_more": len(found) > limit,
            "pin_count": 0,
            "response_metadata": {"next_cursor": ""},
        }

    async def _replies(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel_id = self._channel_id(args)
        _required(args, "ts")
        parent = self.message(channel_id, str(args["ts"]))
        if parent is None:
            raise SlackError("thread_not_found")
        limit = int(args.get("limit") or 1000)
        # The parent first, then its replies oldest first, as Slack answers.
        thread = [parent] + [
            m
            for m in self.messages_in(channel_id)
            if m is not parent and m.get("thread_ts") == parent["ts"]
        ]
        return {
            "messages": thread[:limit],
            "has_more": len(thread) > limit,
            "response_metadata": {"next_cursor": ""},
        }

    # --- views --------------------------------------------------------------------------------

    def _check_trigger(self, trigger_id: Any) -> None:
        # Trigger ids from payloads.new_trigger_id() carry their creation time in milliseconds.
        try:
            issued_ms = int(str(trigger_id).split(".", 1)[0])
        except ValueError:
            raise SlackError("invalid_trigger_id") from None
        if time.time() - issued_ms / 1000 > self.trigger_ttl:
            raise SlackError("expired_trigger_id")

    def _new_view(self, view: Any, previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
        if isinstance(view, str):
            view = json.loads(view)
        if not isinstance(view, dict) or "type" not in view:
            raise SlackError("invalid_arguments")
        view_id = previous["id"] if previous else f"V{next(self._counter):08d}"
        return {
            "id": view_id,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "callback_id": "",
            "private_metadata": "",
            "external_id": "",
            "state": {"values": {}},
            **view,
            "hash": f"{int(time.time())}.{next(self._counter)}",
        }

    async def _views_open(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        _required(args, "trigger_id", "view")
        self._check_trigger(args["trigger_id"])
        view = self._new_view(args["view"])
        self.views[view["id"]] = view
        return {"view": view}

    async def _views_update(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        _required(args, "view")
        previous = self.views.get(str(args.get("view_id") or ""))
        if previous is None and args.get("external_id"):
            wanted = args["external_id"]
            previous = next((v for v in self.views.values() if v["external_id"] == wanted), None)
        if previous is None:
            raise SlackError("not_found")
        if args.get("hash") and args["hash"] != previous["hash"]:
            raise SlackError("hash_conflict")
        view = self._new_view(args["view"], previous)
        self.views[view["id"]] = view
        return {"view": view}

    async def _views_publish(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        _required(args, "user_id", "view")
        if self.user(str(args["user_id"])) is None:
            raise SlackError("user_not_found")
        previous = self.home_views.get(args["user_id"])
        if args.get("hash") and previous and args["hash"] != previous["hash"]:
            raise SlackError("hash_conflict")
        view = self._new_view(args["view"], previous)
        self.home_views[args["user_id"]] = view
        return {"view": view}
