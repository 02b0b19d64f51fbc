"""Building and dispatching interactions: slash commands, autocomplete, component clicks
(genuine and forged) and modal submissions, as Discord would send them."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from bot.testing.discord.gateway import GatewayRoutes
from bot.testing.discord.wire import (
    SELECT_TYPES,
    InteractionState,
    SentInteraction,
    copy_json,
    walk_components,
)
from bot.testing.discord.world import ALL_PERMISSIONS, MEMBER, FakeRole, FakeUser


class InteractionBuilders(GatewayRoutes):
    """INTERACTION_CREATE payloads from the synced commands and stored messages; they need the
    gateway to send them on."""

    # --- interactions -------------------------------------------------------------------------

    async def slash(
        self,
        name: str,
        *path: str,
        options: Mapping[str, Any] | None = None,
        user: FakeUser | int | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        locale: str = "en-US",
    ) -> SentInteraction:
        """Run ``/name path... option:value`` (e.g. ``slash("quiz", "admin", "start",
        options={"bank": "demo"})``). The command must have been synced (the fake takes ids
        and option types from it); user/role/channel options take a FakeUser/FakeRole/
        FakeChannel or an id and are resolved. Default: the plain member in the first
        guild's first channel; ``dm=True`` sends it from the user's DM with the bot."""
        data = self._command_data(name, path, options or {}, None, guild_id, dm)
        return await self._send_interaction(2, data, user, guild_id, channel_id, dm, locale)

    async def autocomplete(
        self,
        name: str,
        *path: str,
        focused: str,
        options: Mapping[str, Any] | None = None,
        user: FakeUser | int | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        locale: str = "en-US",
    ) -> SentInteraction:
        """An autocomplete request (type 4) while typing option ``focused``; its value is what
        was typed so far. The bot's choices: ``(await wait_for_callback(sent)).json``."""
        data = self._command_data(name, path, options or {}, focused, guild_id, dm)
        return await self._send_interaction(4, data, user, guild_id, channel_id, dm, locale)

    async def click(
        self,
        custom_id: str,
        *,
        message_id: int | None = None,
        values: Sequence[str] | None = None,
        user: FakeUser | int | None = None,
        locale: str = "en-US",
    ) -> SentInteraction:
        """Click a button (or choose ``values`` in a select) with ``custom_id`` on a stored
        message: ``message_id``, or by default the newest message that has that component."""
        message = self._component_message(custom_id, message_id)
        component = next(
            c for c in walk_components(message["components"]) if c.get("custom_id") == custom_id
        )
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled: Discord would not send it")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] in SELECT_TYPES:
            data["values"] = [str(value) for value in values or ()]
        elif values is not None:
            raise ValueError(f"component {custom_id!r} is a button, not a select")
        channel_id = int(message["channel_id"])
        guild = self._channel_guild(channel_id)
        return await self._send_interaction(
            3,
            data,
            user,
            guild.id if guild else None,
            channel_id,
            guild is None,
            locale,
            message=message,
        )

    async def click_forged(
        self,
        custom_id: str,
        *,
        message_id: int,
        user: FakeUser | int | None = None,
        component_type: int = 2,
    ) -> SentInteraction:
        """A component interaction whose custom_id is NOT on the message, as a modified client
        can send: the bot must not trust custom ids."""
        message = self.messages.get(message_id)
        if message is None:
            raise LookupError(f"no stored message {message_id}")
        channel_id = int(message["channel_id"])
        guild = self._channel_guild(channel_id)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        return await self._send_interaction(
            3, data, user, guild.id if guild else None, channel_id, guild is None, "en-US",
            message=message,
        )  # fmt: skip

    async def submit_modal(
        self,
        custom_id: str,
        fields: Mapping[str, str | Sequence[str]],
        *,
        user: FakeUser | int | None = None,
        locale: str = "en-US",
    ) -> SentInteraction:
        """Submit the modal ``custom_id`` the bot opened most recently, ``fields`` mapping each
        input's custom_id to its text (or a list of values for a select). The submission comes
        from the user, guild and channel (and message) of the interaction that opened it."""
        opener = next(
            (
                state
                for state in reversed(self._interactions.values())
                if state.modal is not None and state.modal.get("custom_id") == custom_id
            ),
            None,
        )
        if opener is None:
            raise LookupError(f"the bot never opened a modal {custom_id!r}")
        modal = opener.modal
        assert modal is not None
        unknown = set(fields) - {c.get("custom_id") for c in walk_components(modal["components"])}
        if unknown:
            raise LookupError(f"modal {custom_id!r} has no inputs {sorted(unknown)}")
        data = {
            "custom_id": custom_id,
            "components": [self._submitted(c, fields) for c in modal["components"]],
        }
        payload = opener.sent.payload
        guild_id = int(payload["guild_id"]) if "guild_id" in payload else None
        message = self.messages.get(opener.message_id) if opener.message_id else None
        return await self._send_interaction(
            5,
            data,
            user or opener.user,
            guild_id,
            opener.channel_id,
            guild_id is None,
            locale,
            message=message,
        )

    def _submitted(self, component: dict[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
        if component["type"] == 1:
            return {
                "type": 1,
                "components": [self._submitted(c, fields) for c in component["components"]],
            }
        if component["type"] == 18:  # a label wrapping one input
            return {"type": 18, "component": self._submitted(component["component"], fields)}
        if "custom_id" not in component:  # text display: comes back with its id only
            return {"type": component["type"], "id": component.get("id")}
        answer: dict[str, Any] = {
            "type": component["type"],
            "custom_id": component.get("custom_id"),
        }
        value = fields.get(component.get("custom_id", ""), "")
        if component["type"] == 4:
            answer["value"] = value
        else:
            answer["values"] = [value] if isinstance(value, str) else list(value)
        return answer

    def _component_message(self, custom_id: str, message_id: int | None) -> dict[str, Any]:
        if message_id is not None:
            message = self.messages.get(message_id)
            if message is None:
                raise LookupError(f"no stored message {message_id}")
            if not any(
                c.get("custom_id") == custom_id for c in walk_components(message["components"])
            ):
                raise LookupError(f"message {message_id} has no component {custom_id!r}")
            return message
        for message in reversed(self.messages.values()):
            if any(c.get("custom_id") == custom_id for c in walk_components(message["components"])):
                return message
        raise LookupError(f"no stored message has a component {custom_id!r}")

    def _find_command(self, name: str, guild_id: int | None, dm: bool) -> dict[str, Any]:
        scopes = [None] if dm else [self.guild(guild_id).id, None]
        for scope in scopes:
            for command in self._commands.get(scope, []):
                if command["name"] == name and command["type"] == 1:
                    return command
        synced = {scope: [c["name"] for c in cmds] for scope, cmds in self._commands.items()}
        raise LookupError(f"/{name} was never synced (synced: {synced})")

    def _command_data(
        self,
        name: str,
        path: Sequence[str],
        values: Mapping[str, Any],
        focused: str | None,
        guild_id: int | None,
        dm: bool,
    ) -> dict[str, Any]:
        command = self._find_command(name, guild_id, dm)
        resolved: dict[str, dict[str, Any]] = {}
        definitions = command.get("options") or []
        chain = []
        for part in path:
            found = next(
                (o for o in definitions if o["name"] == part and o["type"] in (1, 2)), None
            )
            if found is None:
                raise LookupError(f"/{name} has no subcommand (group) {part!r}")
            chain.append(found)
            definitions = found.get("options") or []
        leaf = []
        for option_name, value in values.items():
            definition = next((o for o in definitions if o["name"] == option_name), None)
            if definition is None:
                raise LookupError(f"/{name} {' '.join(path)} has no option {option_name!r}")
            option = {"name": option_name, "type": definition["type"]}
            option["value"] = self._option_value(definition["type"], value, resolved, guild_id)
            if option_name == focused:
                option["focused"] = True
            leaf.append(option)
        options: list[dict[str, Any]] = leaf
        for part in reversed(chain):
            options = [{"name": part["name"], "type": part["type"], "options": options}]
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": 1, "options": options}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    def _option_value(
        self, kind: int, value: Any, resolved: dict[str, dict[str, Any]], guild_id: int | None
    ) -> Any:
        if kind not in (6, 7, 8, 9):  # plain values
            return value
        target_id = value if isinstance(value, int) else value.id
        guild = self.guild(guild_id)
        is_role = isinstance(value, FakeRole) or guild.member(target_id) is None
        if kind == 7:
            channel = guild.channel(target_id)
            if channel is None:
                raise LookupError(f"no channel {target_id} in {guild.name}")
            resolved.setdefault("channels", {})[str(target_id)] = {
                **channel.payload(guild.id),
                "permissions": str(guild.permissions_for(self.bot.id, target_id)),
            }
        elif kind == 8 or (kind == 9 and is_role):
            resolved.setdefault("roles", {})[str(target_id)] = guild.role(target_id).payload()
        else:
            member = guild.member(target_id)
            if member is None:
                raise LookupError(f"user {target_id} is not a member of {guild.name}")
            resolved.setdefault("users", {})[str(target_id)] = member.user.payload()
            resolved.setdefault("members", {})[str(target_id)] = {
                **member.payload(with_user=False),
                "permissions": str(guild.permissions_for(target_id)),
            }
        return str(target_id)

    async def _send_interaction(
        self,
        kind: int,
        data: dict[str, Any],
        user: FakeUser | int | None,
        guild_id: int | None,
        channel_id: int | None,
        dm: bool,
        locale: str,
        *,
        message: dict[str, Any] | None = None,
    ) -> SentInteraction:
        who = self._user(user) if isinstance(user, int) else (user or MEMBER)
        interaction_id = self.new_id()
        token = f"fake-interaction-token-{interaction_id}"
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "attachment_size_limit": 10 * 1024 * 1024,
            "locale": locale,
            "entitlements": [],
        }
        if dm:
            channel_id = self.dm_channel_id(who.id)
            channel = self._channel_payload(channel_id)
            payload |= {
                "user": who.payload(),
                "channel_id": str(channel_id),
                "channel": channel,
                "app_permissions": str(ALL_PERMISSIONS),
                "authorizing_integration_owners": {"0": "0"},
                "context": 1,
            }
        else:
            guild = self.guild(guild_id)
            member = guild.member(who.id)
            if member is None:
                raise LookupError(f"{who.username} is not a member of {guild.name}")
            if channel_id is None:
                channel_id = next(ch.id for ch in guild.channels if ch.type == 0)
            channel = self._channel_payload(channel_id)
            if channel is None:
                raise LookupError(f"no channel {channel_id} in {guild.name}")
            payload |= {
                "guild_id": str(guild.id),
                "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
                "guild_locale": "en-US",
                "channel_id": str(channel_id),
                "channel": channel,
                "member": {
                    **member.payload(),
                    "permissions": str(guild.permissions_for(who.id, channel_id)),
                },
                "app_permissions": str(guild.permissions_for(self.bot.id, channel_id)),
                "authorizing_integration_owners": {"0": str(guild.id)},
                "context": 0,
            }
        if message is not None:
            payload["message"] = copy_json(message)  # as it was when clicked
        sent = SentInteraction(interaction_id, token, payload)
        state = InteractionState(
            sent,
            time.monotonic(),
            channel_id,
            who,
            message_id=int(message["id"]) if message is not None else None,
        )
        self._interactions[interaction_id] = state
        self._by_token[token] = state
        await self.dispatch("INTERACTION_CREATE", payload)
        return sent
