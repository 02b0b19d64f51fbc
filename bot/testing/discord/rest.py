"""The fake's REST routes: identity, commands, channels, messages, interaction responses
and webhooks (follow-ups)."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from bot.testing.discord.state import FakeState
from bot.testing.discord.wire import (
    BODY,
    FILES,
    RESPONSE_TYPES,
    InteractionState,
    error_response,
    iso_now,
    walk_components,
)
from bot.testing.discord.world import EPHEMERAL, LOADING
from bot.testing.local import json_response


class RestRoutes(FakeState):
    """Route handlers; ``FakeDiscord`` mounts them under ``/api/v10``."""

    # --- REST: identity, gateway, commands, channels ------------------------------------------

    async def _get_me(self, request: web.Request) -> web.Response:
        return json_response(
            {**self.bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0}
        )

    async def _get_application(self, request: web.Request) -> web.Response:
        owner = self._user(self.guilds[0].owner_id) if self.guilds else self.bot
        return json_response(
            {
                "id": str(self.application_id),
                "name": self.bot.username,
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": owner.payload(),
                "verify_key": "0" * 64,
                "flags": 0,
                "team": None,
                "bot": self.bot.payload(),
            }
        )

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": str(self.gateway_url)})

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return json_response(
            {
                "url": str(self.gateway_url),
                "shards": self.recommended_shards,
                "session_start_limit": limit,
            }
        )

    async def _put_commands(self, request: web.Request) -> web.Response:
        if int(request.match_info["app"]) != self.application_id:
            return error_response(403, 50001, "Missing Access")
        guild_id = int(request.match_info["guild"]) if "guild" in request.match_info else None
        previous = {(c["name"], c["type"]): c["id"] for c in self._commands.get(guild_id, [])}
        stored = []
        for command in request[BODY] or []:
            kind = command.get("type", 1)
            stored.append(
                {
                    "description": "",
                    "options": [],
                    "default_member_permissions": None,
                    "nsfw": False,
                    **command,
                    # Discord keeps a command's id when a sync re-sends the same name.
                    "id": previous.get((command["name"], kind)) or str(self.new_id()),
                    "application_id": str(self.application_id),
                    "type": kind,
                    "version": str(self.new_id()),
                    **({"guild_id": str(guild_id)} if guild_id else {}),
                }
            )
        self._commands[guild_id] = stored
        return json_response(stored)

    async def _get_commands(self, request: web.Request) -> web.Response:
        if int(request.match_info["app"]) != self.application_id:
            return error_response(403, 50001, "Missing Access")
        guild_id = int(request.match_info["guild"]) if "guild" in request.match_info else None
        return json_response(self._commands.get(guild_id, []))

    async def _get_channel(self, request: web.Request) -> web.Response:
        payload = self._channel_payload(int(request.match_info["channel"]))
        return json_response(payload) if payload else error_response(404, 10003, "Unknown Channel")

    async def _create_dm(self, request: web.Request) -> web.Response:
        user_id = int(request[BODY]["recipient_id"])
        return json_response(self._channel_payload(self.dm_channel_id(user_id)))

    async def _get_member(self, request: web.Request) -> web.Response:
        guild = self.guild(int(request.match_info["guild"]))
        member = guild.member(int(request.match_info["user"]))
        return (
            json_response(member.payload())
            if member
            else error_response(404, 10007, "Unknown Member")
        )

    # --- REST: messages -----------------------------------------------------------------------

    def _new_message(
        self,
        channel_id: int,
        body: Mapping[str, Any],
        files: Sequence[tuple[str, bytes]] = (),
        *,
        flags: int | None = None,
        interaction: InteractionState | None = None,
    ) -> dict[str, Any]:
        message_id = self.new_id()
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "type": 0,
            "content": body.get("content") or "",
            "author": self.bot.payload(),
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments(body, files, []),
            "embeds": body.get("embeds") or [],
            "components": self._number_components(body.get("components") or []),
            "pinned": False,
            "flags": body.get("flags", 0) if flags is None else flags,
        }
        if "nonce" in body:
            message["nonce"] = body["nonce"]
        if interaction is not None:
            message["type"] = 20 if interaction.sent.payload["type"] == 2 else 0
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
            message["interaction_metadata"] = {
                "id": str(interaction.sent.id),
                "type": interaction.sent.payload["type"],
                "user": interaction.user.payload(),
                "authorizing_integration_owners": interaction.sent.payload[
                    "authorizing_integration_owners"
                ],
            }
        self.messages[message_id] = message
        self._channel_messages.setdefault(channel_id, []).append(message_id)
        return message

    def _attachments(
        self,
        body: Mapping[str, Any],
        files: Sequence[tuple[str, bytes]],
        existing: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        kept = {a["id"]: a for a in existing}
        made = []
        for index, spec in enumerate(body.get("attachments") or []):
            if str(spec.get("id")) in kept:
                made.append(kept[str(spec["id"])])
                continue
            filename, data = files[index] if index < len(files) else (spec.get("filename"), b"")
            attachment_id = self.new_id()
            url = f"http://127.0.0.1:{self._port}/attachments/{attachment_id}/{filename}"
            made.append(
                {
                    "id": str(attachment_id),
                    "filename": spec.get("filename") or filename,
                    "size": len(data),
                    "url": url,
                    "proxy_url": url,
                    "description": spec.get("description"),
                }
            )
        return made

    def _number_components(self, components: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # Discord gives every component a numeric id in the message it stores.
        components = json.loads(json.dumps(components))
        used = {c["id"] for c in walk_components(components) if "id" in c}
        free = (n for n in itertools.count(1) if n not in used)
        for component in walk_components(components):
            component.setdefault("id", next(free))
        return components

    def _edit(
        self,
        message: dict[str, Any],
        body: Mapping[str, Any],
        files: Sequence[tuple[str, bytes]] = (),
    ) -> dict[str, Any]:
        for key in ("content", "embeds"):
            if key in body:
                message[key] = body[key] or ([] if key == "embeds" else "")
        if "components" in body:
            message["components"] = self._number_components(body["components"] or [])
        if "attachments" in body:
            message["attachments"] = self._attachments(body, files, message["attachments"])
        # Ephemerality is fixed at creation; an edit resolves a deferred "thinking" message.
        kept = message["flags"] & EPHEMERAL
        message["flags"] = kept | (body.get("flags", message["flags"]) & ~(EPHEMERAL | LOADING))
        message["edited_timestamp"] = iso_now()
        return message

    def _delete(self, message_id: int) -> None:
        message = self.messages.pop(message_id)
        self._channel_messages[int(message["channel_id"])].remove(message_id)

    async def _post_message(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel"])
        if self._channel_payload(channel_id) is None:
            return error_response(404, 10003, "Unknown Channel")
        if any(self._dm_channels.get(user) == channel_id for user in self.dms_blocked):
            return error_response(403, 50007, "Cannot send messages to this user")
        body = request[BODY] or {}
        nonce_key = (channel_id, str(body.get("nonce")))
        if body.get("enforce_nonce") and nonce_key in self._nonces:
            earlier = self.messages.get(self._nonces[nonce_key])
            if earlier is not None:
                return json_response(earlier)
        message = self._new_message(channel_id, body, request[FILES])
        if body.get("nonce") is not None:
            self._nonces[nonce_key] = int(message["id"])
        return json_response(message)

    def _channel_message(self, request: web.Request) -> dict[str, Any] | None:
        message = self.messages.get(int(request.match_info["message"]))
        if message is None or message["channel_id"] != request.match_info["channel"]:
            return None
        return message

    async def _get_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        return json_response(message) if message else error_response(404, 10008, "Unknown Message")

    async def _patch_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        if message is None:
            return error_response(404, 10008, "Unknown Message")
        return json_response(self._edit(message, request[BODY] or {}, request[FILES]))

    async def _delete_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        if message is None:
            return error_response(404, 10008, "Unknown Message")
        self._delete(int(message["id"]))
        return web.Response(status=204)

    # --- REST: interaction responses and webhooks ---------------------------------------------

    async def _callback(self, request: web.Request) -> web.Response:
        state = self._interactions.get(int(request.match_info["interaction"]))
        if state is None or state.sent.token != request.match_info["token"]:
            return error_response(404, 10062, "Unknown interaction")
        if state.response_type is not None:
            return error_response(400, 40060, "Interaction has already been acknowledged.")
        if time.monotonic() - state.created > self.interaction_deadline:
            return error_response(404, 10062, "Unknown interaction")
        body = request[BODY] or {}
        kind, data = body["type"], body.get("data") or {}
        allowed = RESPONSE_TYPES[state.sent.payload["type"]]
        if state.message_id is None:
            allowed -= {6, 7}  # only a message's component (or its modal) can update it
        if kind not in allowed:
            return error_response(
                400, 50035, f"Invalid Form Body: response type {kind} not allowed here"
            )
        state.response_type = kind
        message = None
        if kind == 4:
            message = self._new_message(state.channel_id, data, request[FILES], interaction=state)
        elif kind == 5:
            flags = LOADING | (data.get("flags", 0) & EPHEMERAL)
            message = self._new_message(state.channel_id, {}, flags=flags, interaction=state)
        elif kind in (6, 7):
            assert state.message_id is not None
            message = self.messages[state.message_id]
            if kind == 7:
                self._edit(message, data, request[FILES])
        elif kind == 9:
            state.modal = data
        if message is not None:
            state.original_id = int(message["id"])
        if request.query.get("with_response") not in ("1", "true"):
            return web.Response(status=204)
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(state.sent.id),
                "type": state.sent.payload["type"],
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
            }
        }
        if message is not None:
            answer["resource"] = {"type": kind, "message": message}
        return json_response(answer)

    def _webhook_state(self, request: web.Request) -> InteractionState | None:
        if int(request.match_info["app"]) != self.application_id:
            return None
        return self._by_token.get(request.match_info["token"])

    async def _post_followup(self, request: web.Request) -> web.Response:
        state = self._webhook_state(request)
        if state is None or state.response_type is None:
            return error_response(404, 10015, "Unknown Webhook")
        body = request[BODY] or {}
        original = self.messages.get(state.original_id) if state.original_id else None
        if original is not None and original["flags"] & LOADING:
            # The first follow-up after a deferred response fills in the "thinking" message.
            return json_response(self._edit(original, body, request[FILES]))
        message = self._new_message(state.channel_id, body, request[FILES], interaction=state)
        return json_response(message)

    def _webhook_message(self, request: web.Request) -> dict[str, Any] | None:
        state = self._webhook_state(request)
        if state is None:
            return None
        wanted = request.match_info["message"]
        message_id = state.original_id if wanted == "@original" else int(wanted)
        return self.messages.get(message_id) if message_id else None

    async def _get_webhook_message(self, request: web.Request) -> web.Response:
        message = self._webhook_message(request)
        return json_response(message) if message else error_response(404, 10008, "Unknown Message")

    async def _patch_webhook_message(self, request: web.Request) -> web.Response:
        message = self._webhook_message(request)
        if message is None:
            return error_response(404, 10008, "Unknown Message")
        return json_response(self._edit(message, request[BODY] or {}, request[FILES]))

    async def _delete_webhook_message(self, request: web.Request) -> web.Response:
        message = self._webhook_message(request)
        if message is None:
            return error_response(404, 10008, "Unknown Message")
        self._delete(int(message["id"]))
        return web.Response(status=204)
