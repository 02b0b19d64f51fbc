"""What Slack sends an app, as plain data: slash command fields, ``block_actions`` and
``view_submission`` payloads, ``event_callback`` bodies. The same data goes over signed HTTP
(``requests``) and in Socket Mode envelopes (``FakeSlack.send_envelope``)."""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

from bot.testing.slack.world import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    GENERAL,
    MEMBER,
    TEAM_DOMAIN,
    TEAM_ID,
    FakeChannel,
    FakeUser,
    dm_channel_id,
)

_ids = itertools.count(1)

# What a select's entry in ``state.values`` looks like: {block_id: {action_id: {...}}}.
StateValues = Mapping[str, Mapping[str, Mapping[str, Any]]]


def new_trigger_id() -> str:
    """A trigger id like Slack's; it starts with its creation time in milliseconds, so the
    fake refuses it with ``expired_trigger_id`` after ``trigger_ttl`` (3 s) like Slack."""
    return f"{int(time.time() * 1000)}.{next(_ids)}.{secrets.token_hex(8)}"


def option(value: str, text: str | None = None) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}


def button_action(action_id: str, value: str, *, block_id: str = "actions") -> dict[str, Any]:
    """One element of a ``block_actions`` payload's ``actions`` for a button click."""
    return {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "text": {"type": "plain_text", "text": value, "emoji": True},
        "action_ts": f"{time.time():.6f}",
    }


def select_action(action_id: str, value: str, *, block_id: str = "actions") -> dict[str, Any]:
    """One element of ``actions`` for a choice in a ``static_select``."""
    return {
        "type": "static_select",
        "action_id": action_id,
        "block_id": block_id,
        "selected_option": option(value),
        "action_ts": f"{time.time():.6f}",
    }


def select_state(block_id: str, action_id: str, value: str | None) -> dict[str, Any]:
    """``state.values`` for one ``static_select`` (``None``: nothing chosen yet); merge
    several with ``{**a, **b}`` when they are in different blocks."""
    chosen = option(value) if value is not None else None
    return {block_id: {action_id: {"type": "static_select", "selected_option": chosen}}}


def input_state(block_id: str, action_id: str, value: str) -> dict[str, Any]:
    """``state.values`` for one ``plain_text_input`` in a modal."""
    return {block_id: {action_id: {"type": "plain_text_input", "value": value}}}


def slash_command_form(
    command: str = "/quiz",
    text: str = "",
    *,
    user: FakeUser = MEMBER,
    channel: FakeChannel = GENERAL,
    team_id: str = TEAM_ID,
    response_url: str = "",
    trigger_id: str | None = None,
) -> dict[str, str]:
    """A slash command's form fields. Pass ``response_url=fake.response_url(channel.id)`` for
    listeners that ``respond()``; the default is empty so nothing can leave the machine."""
    return {
        "token": "fake-verification-token",
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel.id,
        "channel_name": channel.action_channel()["name"],
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }


def block_actions_payload(
    actions: Sequence[Mapping[str, Any]],
    *,
    user: FakeUser = MEMBER,
    channel: FakeChannel = GENERAL,
    team_id: str = TEAM_ID,
    message_ts: str | None = None,
    blocks: Sequence[Mapping[str, Any]] = (),
    state_values: StateValues | None = None,
    response_url: str = "",
    trigger_id: str | None = None,
    ephemeral: bool = False,
) -> dict[str, Any]:
    """A click on a message's button or select (``button_action``/``select_action``);
    ``state_values`` is what the message's other inputs hold (``select_state``)."""
    ts = message_ts or f"{time.time():.6f}"
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": ts,
        "channel_id": channel.id,
        "is_ephemeral": ephemeral,
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": user.action_user(team_id),
        "api_app_id": APP_ID,
        "token": "fake-verification-token",
        "container": container,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": channel.action_channel(),
        "state": {"values": dict(state_values or {})},
        "response_url": response_url,
        "actions": [dict(action) for action in actions],
    }
    if not ephemeral:
        payload["message"] = {
            "type": "message",
            "user": BOT_USER_ID,
            "ts": ts,
            "text": "",
            "blocks": [dict(block) for block in blocks],
        }
    return payload


def view_submission_payload(
    callback_id: str,
    state_values: StateValues | None = None,
    *,
    view_id: str = "V0FAKEVIEW",
    private_metadata: str = "",
    user: FakeUser = MEMBER,
    team_id: str = TEAM_ID,
    response_urls: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A modal's submission; ``view_id`` is the one ``views.open`` returned (see
    ``fake.views``) when the test cares."""
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": user.action_user(team_id),
        "api_app_id": APP_ID,
        "token": "fake-verification-token",
        "trigger_id": new_trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "blocks": [],
            "state": {"values": dict(state_values or {})},
            "hash": f"{int(time.time())}.fake",
            "app_id": APP_ID,
            "bot_id": BOT_ID,
        },
        "response_urls": [dict(url) for url in response_urls],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def event_callback(
    event: Mapping[str, Any], *, team_id: str = TEAM_ID, bot_user_id: str = BOT_USER_ID
) -> dict[str, Any]:
    """The Events API body around ``event``."""
    event_time = int(time.time())
    return {
        "token": "fake-verification-token",
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": dict(event),
        "type": "event_callback",
        "event_id": f"Ev{next(_ids):08d}",
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def app_home_opened_event(
    user: FakeUser = MEMBER, *, tab: str = "home", team_id: str = TEAM_ID
) -> dict[str, Any]:
    """The ``event_callback`` body of a user opening the app's Home tab."""
    event = {
        "type": "app_home_opened",
        "user": user.id,
        "channel": dm_channel_id(user.id),
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    return event_callback(event, team_id=team_id)
