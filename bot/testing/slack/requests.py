"""Signed HTTP requests as Slack sends them to an app's request URL, and posting them.

    request = slash_command_request(SECRET, "/quiz", "ping", response_url=fake.response_url())
    status, body = await post_to_app(app_url, request)

Every builder takes the signing options: ``age=STALE_AGE`` (a timestamp bolt refuses),
``timestamp=`` (exact), ``omit_headers=("X-Slack-Signature",)``, ``retry_num``/
``retry_reason`` (Slack's retry headers); a wrong secret is just another ``signing_secret``."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bot.testing.slack.payloads import (
    StateValues,
    app_home_opened_event,
    block_actions_payload,
    slash_command_form,
    view_submission_payload,
)
from bot.testing.slack.world import GENERAL, MEMBER, TEAM_ID, FakeChannel, FakeUser

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Bolt refuses a timestamp more than 300 s away from its clock (replay protection).
STALE_AGE = 301.0


class Signing(TypedDict, total=False):
    age: float
    timestamp: int
    omit_headers: Sequence[str]
    retry_num: int
    retry_reason: str


@dataclass(frozen=True)
class SlackRequest:
    """A request as Slack would POST it: the raw body and its headers."""

    body: bytes
    headers: Mapping[str, str]

    @property
    def text(self) -> str:
        return self.body.decode()


def sign(
    body: str,
    content_type: str,
    signing_secret: str,
    *,
    age: float = 0.0,
    timestamp: int | None = None,
    omit_headers: Sequence[str] = (),
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> SlackRequest:
    """``body`` with ``X-Slack-Request-Timestamp`` (now - ``age``, or ``timestamp``) and
    ``X-Slack-Signature`` (``v0=`` HMAC-SHA256 of ``v0:{ts}:{body}`` with the secret)."""
    stamp = str(timestamp if timestamp is not None else int(time.time() - age))
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None  # None only without a secret
    headers: dict[str, str] = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    omitted = {name.lower() for name in omit_headers}
    headers = {name: value for name, value in headers.items() if name.lower() not in omitted}
    return SlackRequest(body.encode(), headers)


def form_request(
    fields: Mapping[str, str], signing_secret: str, **signing: Unpack[Signing]
) -> SlackRequest:
    return sign(urlencode(fields), FORM, signing_secret, **signing)


def interaction_request(
    payload: Mapping[str, Any], signing_secret: str, **signing: Unpack[Signing]
) -> SlackRequest:
    """An interaction as Slack posts it: a form with one field, ``payload=<json>``."""
    return form_request({"payload": json.dumps(payload)}, signing_secret, **signing)


def event_request(
    body: Mapping[str, Any], signing_secret: str, **signing: Unpack[Signing]
) -> SlackRequest:
    """An Events API callback: a JSON body."""
    return sign(json.dumps(body), JSON, signing_secret, **signing)


def slash_command_request(
    signing_secret: str,
    command: str = "/quiz",
    text: str = "",
    *,
    user: FakeUser = MEMBER,
    channel: FakeChannel = GENERAL,
    team_id: str = TEAM_ID,
    response_url: str = "",
    trigger_id: str | None = None,
    **signing: Unpack[Signing],
) -> SlackRequest:
    form = slash_command_form(
        command,
        text,
        user=user,
        channel=channel,
        team_id=team_id,
        response_url=response_url,
        trigger_id=trigger_id,
    )
    return form_request(form, signing_secret, **signing)


def block_actions_request(
    signing_secret: str,
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
    **signing: Unpack[Signing],
) -> SlackRequest:
    payload = block_actions_payload(
        actions,
        user=user,
        channel=channel,
        team_id=team_id,
        message_ts=message_ts,
        blocks=blocks,
        state_values=state_values,
        response_url=response_url,
        trigger_id=trigger_id,
    )
    return interaction_request(payload, signing_secret, **signing)


def view_submission_request(
    signing_secret: str,
    callback_id: str,
    state_values: StateValues | None = None,
    *,
    view_id: str = "V0FAKEVIEW",
    private_metadata: str = "",
    user: FakeUser = MEMBER,
    team_id: str = TEAM_ID,
    **signing: Unpack[Signing],
) -> SlackRequest:
    payload = view_submission_payload(
        callback_id,
        state_values,
        view_id=view_id,
        private_metadata=private_metadata,
        user=user,
        team_id=team_id,
    )
    return interaction_request(payload, signing_secret, **signing)


def app_home_opened_request(
    signing_secret: str,
    user: FakeUser = MEMBER,
    *,
    tab: str = "home",
    team_id: str = TEAM_ID,
    **signing: Unpack[Signing],
) -> SlackRequest:
    return event_request(
        app_home_opened_event(user, tab=tab, team_id=team_id), signing_secret, **signing
    )


async def post_to_app(
    url: str,
    request: SlackRequest,
    *,
    timeout: float = 5.0,  # noqa: ASYNC109 (a bound per call, as the fake's waits)
) -> tuple[int, str]:
    """POST ``request`` to the app's request URL (``running_app`` yields it) and return the
    status and body. In bolt's default mode this returns at ``ack()``: wait on the fake for
    what the listener does afterwards."""
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with (
        aiohttp.ClientSession(timeout=client_timeout) as session,
        session.post(url, data=request.body, headers=dict(request.headers)) as response,
    ):
        return response.status, await response.text()
