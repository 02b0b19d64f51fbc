"""The fake Slack against a minimal real bolt AsyncApp: if these pass, the fake and the signed
requests speak enough of Slack for the adapter's end-to-end tests."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.testing.slack import (
    ADMIN,
    BOT_USER_ID,
    GENERAL,
    GENERAL_ID,
    MEMBER,
    OWNER,
    STALE_AGE,
    TEAM_ID,
    FakeSlack,
    app_home_opened_request,
    block_actions_request,
    button_action,
    input_state,
    new_trigger_id,
    post_to_app,
    running_app,
    select_action,
    select_state,
    slash_command_form,
    slash_command_request,
    socket_mode,
    view_submission_request,
    web_client,
)

SECRET = "fake-signing-secret"
FEEDBACK_MODAL = {
    "type": "modal",
    "callback_id": "feedback",
    "title": {"type": "plain_text", "text": "Feedback"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "text",
            "label": {"type": "plain_text", "text": "What was unclear?"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


@dataclass
class Seen:
    """What the app's listeners received, to prove they ran (or did not)."""

    commands: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    retry_nums: list[str | None] = field(default_factory=list)


def make_app(fake: FakeSlack, seen: Seen) -> AsyncApp:
    app = AsyncApp(client=web_client(fake), signing_secret=SECRET)

    @app.command("/quiz")
    async def quiz(
        ack: AsyncAck,
        command: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        request: AsyncBoltRequest,
    ) -> None:
        await ack()
        seen.commands.append(command)
        seen.retry_nums.append(request.headers.get("x-slack-retry-num", [None])[0])
        if command["text"] == "ping":
            await respond("pong")
        elif command["text"] == "whoami":
            await client.chat_postEphemeral(
                channel=command["channel_id"], user=command["user_id"], text="you"
            )
        elif command["text"] == "feedback":
            await client.views_open(trigger_id=command["trigger_id"], view=FEEDBACK_MODAL)

    @app.action("quiz:answer")
    async def answer(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        seen.actions.append(body)
        await client.chat_update(
            channel=body["channel"]["id"], ts=body["message"]["ts"], text="answered"
        )

    @app.action("quiz:bank")
    async def choose_bank(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        seen.actions.append(body)
        await respond(
            replace_original=True, text=f"bank: {body['actions'][0]['selected_option']['value']}"
        )

    @app.view("feedback")
    async def feedback(ack: AsyncAck, view: dict[str, Any]) -> None:
        await ack()
        seen.submissions.append(view)

    @app.event("app_home_opened")
    async def home(event: dict[str, Any], client: AsyncWebClient) -> None:
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Your scores"}}]
        await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": blocks})

    return app


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
async def app_url(fake: FakeSlack, seen: Seen) -> AsyncIterator[str]:
    async with running_app(make_app(fake, seen)) as url:
        yield url


# --- HTTP: signed requests --------------------------------------------------------------------


async def test_slash_command_is_acked_and_respond_reaches_the_response_url(
    fake: FakeSlack, seen: Seen, app_url: str
) -> None:
    response_url = fake.response_url(GENERAL_ID)
    request = slash_command_request(SECRET, "/quiz", "ping", response_url=response_url)

    assert await post_to_app(app_url, request) == (200, "")

    responded = await fake.wait_for_response(response_url=response_url)
    assert responded.body["text"] == "pong"
    assert fake.requests[0].method == "auth.test"  # bolt's first verified request
    assert fake.requests[0].token == "xoxb-fake"
    assert seen.commands[0]["user_id"] == MEMBER.id
    assert seen.commands[0]["team_id"] == TEAM_ID
    assert fake.ephemerals[0]["text"] == "pong"  # respond() is ephemeral by default


async def test_listener_calls_after_ack_are_awaited_on_the_fake(
    fake: FakeSlack, seen: Seen, app_url: str
) -> None:
    request = slash_command_request(SECRET, "/quiz", "whoami", user=ADMIN)

    status, _ = await post_to_app(app_url, request)

    assert status == 200
    call = await fake.wait_for(method="chat.postEphemeral", predicate=lambda r: r.ok)
    # bolt's per-request client adds the team id it got from auth.test.
    assert call.args == {"channel": GENERAL_ID, "user": ADMIN.id, "text": "you", "team_id": TEAM_ID}
    assert call.response["message_ts"]
    assert fake.ephemerals[-1]["user"] == ADMIN.id
    assert seen.retry_nums == [None]


@pytest.mark.parametrize(
    "signing",
    [
        {"signing_secret": "not-the-secret"},
        {"signing_secret": SECRET, "age": STALE_AGE},
        {"signing_secret": SECRET, "omit_headers": ["X-Slack-Signature"]},
        {"signing_secret": SECRET, "omit_headers": ["X-Slack-Request-Timestamp"]},
    ],
    ids=["wrong-secret", "stale-timestamp", "no-signature", "no-timestamp"],
)
async def test_unverifiable_requests_get_401_and_run_nothing(
    fake: FakeSlack, seen: Seen, app_url: str, signing: dict[str, Any]
) -> None:
    request = slash_command_request(
        signing.pop("signing_secret"), "/quiz", "ping", response_url=fake.response_url(), **signing
    )

    status, _ = await post_to_app(app_url, request)

    assert status == 401
    assert seen.commands == []
    assert fake.requests == []  # not even auth.test


async def test_retry_headers_reach_the_listener(fake: FakeSlack, seen: Seen, app_url: str) -> None:
    request = slash_command_request(
        SECRET, "/quiz", "status", retry_num=1, retry_reason="http_timeout"
    )

    assert (await post_to_app(app_url, request))[0] == 200
    assert seen.retry_nums == ["1"]


async def test_block_actions_with_state_values_reach_the_action_listener(
    fake: FakeSlack, seen: Seen, app_url: str
) -> None:
    posted = await web_client(fake).chat_postMessage(channel=GENERAL_ID, text="Q1", blocks=[])
    request = block_actions_request(
        SECRET,
        [button_action("quiz:answer", "7:B", block_id="answers")],
        user=OWNER,
        message_ts=posted["ts"],
        state_values=select_state("bank", "quiz:bank", "demo"),
        response_url=fake.response_url(GENERAL_ID, posted["ts"]),
    )

    assert (await post_to_app(app_url, request))[0] == 200

    await fake.wait_for(method="chat.update", predicate=lambda r: r.ok)
    body = seen.actions[0]
    assert body["actions"][0]["value"] == "7:B"
    assert body["state"]["values"]["bank"]["quiz:bank"]["selected_option"]["value"] == "demo"
    assert body["user"]["id"] == OWNER.id
    assert fake.message(GENERAL_ID, posted["ts"])["text"] == "answered"  # type: ignore[index]


async def test_a_select_choice_reaches_its_listener_and_respond_replaces_the_message(
    fake: FakeSlack, seen: Seen, app_url: str
) -> None:
    posted = await web_client(fake).chat_postMessage(channel=GENERAL_ID, text="pick a bank")
    request = block_actions_request(
        SECRET,
        [select_action("quiz:bank", "fine-tuning", block_id="bank")],
        message_ts=posted["ts"],
        response_url=fake.response_url(GENERAL_ID, posted["ts"]),
    )

    assert (await post_to_app(app_url, request))[0] == 200

    responded = await fake.wait_for_response()
    assert responded.body["replace_original"] is True
    assert seen.actions[0]["actions"][0]["selected_option"]["value"] == "fine-tuning"
    assert [m["text"] for m in fake.messages_in(GENERAL_ID)] == ["bank: fine-tuning"]


async def test_views_open_from_a_command_then_submission_reaches_the_view_listener(
    fake: FakeSlack, seen: Seen, app_url: str
) -> None:
    status, _ = await post_to_app(app_url, slash_command_request(SECRET, "/quiz", "feedback"))
    assert status == 200
    opened = await fake.wait_for(method="views.open")
    assert opened.ok, opened.response
    view_id = opened.response["view"]["id"]
    assert fake.views[view_id]["callback_id"] == "feedback"

    request = view_submission_request(
        SECRET, "feedback", input_state("text", "value", "LoRA rank"), view_id=view_id
    )
    status, body = await post_to_app(app_url, request)

    assert (status, body) == (200, "")
    assert seen.submissions[0]["state"]["values"]["text"]["value"]["value"] == "LoRA rank"
    assert seen.submissions[0]["id"] == view_id


async def test_app_home_opened_publishes_the_home_view(
    fake: FakeSlack, seen: Seen, app_url: str
) -> None:
    assert (await post_to_app(app_url, app_home_opened_request(SECRET, MEMBER)))[0] == 200

    published = await fake.wait_for(method="views.publish")
    assert published.ok, published.response
    assert fake.home_views[MEMBER.id]["blocks"][0]["text"]["text"] == "Your scores"


# --- Socket Mode --------------------------------------------------------------------------------


async def test_socket_mode_round_trip(fake: FakeSlack, seen: Seen) -> None:
    app = make_app(fake, seen)
    async with socket_mode(app, fake, "xapp-fake"):
        opened = fake.calls("apps.connections.open")[0]
        assert opened.token == "xapp-fake"
        assert opened.response["url"] == fake.socket_url

        form = slash_command_form("/quiz", "ping", response_url=fake.response_url(GENERAL_ID))
        envelope_id = await fake.send_envelope("slash_commands", form)
        ack = await fake.wait_for_ack(envelope_id)

        assert ack.message == {"envelope_id": envelope_id}
        assert (await fake.wait_for_response()).body["text"] == "pong"
        assert seen.commands[0]["text"] == "ping"


# --- the fake's own Web API -------------------------------------------------------------------


async def test_web_api_answers_like_slack(fake: FakeSlack) -> None:
    client = web_client(fake)

    auth = await client.auth_test()
    assert (auth["team_id"], auth["user_id"]) == (TEAM_ID, BOT_USER_ID)
    owner = (await client.users_info(user=OWNER.id))["user"]
    member = (await client.users_info(user=MEMBER.id))["user"]
    assert (owner["is_owner"], owner["is_admin"], member["is_admin"]) == (True, True, False)
    assert (await client.conversations_info(channel=GENERAL_ID))["channel"]["name"] == "general"

    first = await client.chat_postMessage(channel=GENERAL_ID, text="one")
    second = await client.chat_postMessage(channel=GENERAL_ID, text="two")
    assert first["message"]["bot_id"] and first["ts"] < second["ts"]
    history = await client.conversations_history(channel=GENERAL_ID, oldest=first["ts"], limit=5)
    assert [m["text"] for m in history["messages"]] == ["two"]
    inclusive = await client.conversations_history(
        channel=GENERAL_ID, oldest=first["ts"], inclusive=True
    )
    assert [m["text"] for m in inclusive["messages"]] == ["two", "one"]
    reply = await client.chat_postMessage(
        channel=GENERAL_ID, thread_ts=first["ts"], text="in the thread", reply_broadcast=True
    )
    thread = await client.conversations_replies(channel=GENERAL_ID, ts=first["ts"])
    assert [m["text"] for m in thread["messages"]] == ["one", "in the thread"]
    assert thread["messages"][1]["ts"] == reply["ts"]
    with pytest.raises(SlackApiError) as no_thread:
        await client.conversations_replies(channel=GENERAL_ID, ts="1.000001")
    assert no_thread.value.response["error"] == "thread_not_found"
    link = await client.chat_getPermalink(channel=GENERAL_ID, message_ts=first["ts"])
    assert link["permalink"].endswith(first["ts"].replace(".", ""))

    with pytest.raises(SlackApiError) as missing:
        await client.chat_update(channel=GENERAL_ID, ts="1.000001", text="x")
    assert missing.value.response["error"] == "message_not_found"
    with pytest.raises(SlackApiError) as unknown:
        await client.api_call("reactions.add", json={"name": "tada"})
    assert unknown.value.response["error"] == "unknown_method"
    assert [r.method for r in fake.unhandled] == ["reactions.add"]
    with pytest.raises(SlackApiError) as expired:
        stale_trigger = f"{int((time.time() - 4) * 1000)}.1.abc"
        await client.views_open(trigger_id=stale_trigger, view=FEEDBACK_MODAL)
    assert expired.value.response["error"] == "expired_trigger_id"


async def test_views_update_keeps_the_id_and_checks_the_hash(fake: FakeSlack) -> None:
    client = web_client(fake)
    opened = (await client.views_open(trigger_id=new_trigger_id(), view=FEEDBACK_MODAL))["view"]

    updated = await client.views_update(
        view_id=opened["id"], hash=opened["hash"], view={**FEEDBACK_MODAL, "blocks": []}
    )
    with pytest.raises(SlackApiError) as conflict:
        await client.views_update(view_id=opened["id"], hash=opened["hash"], view=FEEDBACK_MODAL)

    assert updated["view"]["id"] == opened["id"]
    assert fake.views[opened["id"]]["blocks"] == []
    assert conflict.value.response["error"] == "hash_conflict"


async def test_form_bodies_are_parsed_like_json_ones(fake: FakeSlack) -> None:
    client = web_client(fake)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]

    await client.api_call(
        "chat.postMessage", data={"channel": GENERAL_ID, "blocks": json.dumps(blocks)}
    )

    assert fake.requests[-1].args["blocks"] == blocks
    assert fake.messages_in(GENERAL_ID)[0]["blocks"] == blocks


async def test_rate_limit_answers_429_with_retry_after(fake: FakeSlack) -> None:
    fake.rate_limit("chat.postMessage", 1, per=60, retry_after=2)
    client = web_client(fake)

    await client.chat_postMessage(channel=GENERAL.id, text="one")
    with pytest.raises(SlackApiError) as limited:
        await client.chat_postMessage(channel=GENERAL.id, text="two")

    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "2"
    assert limited.value.response["error"] == "ratelimited"
    assert (await client.auth_test())["ok"]  # other methods are not limited
