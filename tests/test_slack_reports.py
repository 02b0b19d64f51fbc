"""Slack: "Report a problem" after answering and on the reveal (a modal through real bolt),
admins listing and resolving (command and App Home) and exporting a CSV with files_upload_v2."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from test_slack import (
    CHOICE_BANK,
    SECRET,
    Stack,
    click,
    command,
    modal_action,
    post,
    stack_of,
    text_of,
)

from bot.adapters.slack.reports import FORM, KIND, REPORT, RESOLVE, TEXT
from bot.core.permissions import NOT_ADMIN
from bot.core.reports import ALREADY, THANKS
from bot.testing.slack import (
    ADMIN,
    GENERAL_ID,
    MEMBER,
    OWNER,
    FakeUser,
    app_home_opened_request,
    block_actions_request,
    button_action,
    input_state,
    post_to_app,
    view_submission_request,
)


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with stack_of(tmp_path, [CHOICE_BANK]) as found:
        yield found


def buttons(message: dict[str, Any], action_id: str) -> list[dict[str, Any]]:
    found = []
    for block in message.get("blocks") or []:
        found += [e for e in block.get("elements") or [] if e.get("action_id") == action_id]
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == action_id:
            found.append(accessory)
    return found


async def report(stack: Stack, round_id: int, user: FakeUser, kind: str, text: str) -> Any:
    """Click Report a problem, then submit the modal Slack opened; the submission's answer."""
    since = len(stack.fake.requests)
    clicked = block_actions_request(
        SECRET, [button_action(REPORT, str(round_id), block_id=f"{REPORT}:{round_id}")], user=user
    )
    assert (await post_to_app(stack.url, clicked))[0] == 200
    opened = await stack.fake.wait_for(method="views.open", since=since)
    form = opened.args["view"]
    assert form["callback_id"] == FORM and form["private_metadata"] == str(round_id)
    values = {
        KIND: {KIND: {"type": "static_select", "selected_option": {"value": kind}}},
        **input_state(TEXT, TEXT, text),
    }
    submitted = view_submission_request(
        SECRET, FORM, values, private_metadata=form["private_metadata"], user=user
    )
    status, body = await post_to_app(stack.url, submitted)
    assert status == 200
    return json.loads(body)


async def test_report_after_answering_and_on_the_reveal_once_each(stack: Stack):
    message = await post(stack)
    answered = await click(stack, message, "A")
    assert "Correct!" in text_of(answered)
    (button,) = buttons(answered, REPORT)
    round_id = int(button["value"])
    done = await report(stack, round_id, MEMBER, "wrong_key", "C fits too")
    assert done["response_action"] == "update" and THANKS in text_of(done["view"])
    again = await report(stack, round_id, MEMBER, "typo", "")
    assert ALREADY in text_of(again["view"])
    too_long = await report(stack, round_id, OWNER, "typo", "x" * 501)
    assert too_long["response_action"] == "errors" and "keep it to 500" in too_long["errors"][TEXT]
    assert await stack.rows("SELECT kind, text, shown_order, round_id FROM question_reports") == [
        ("wrong_key", "C fits too", "ABCD", round_id)
    ]
    assert (await post_to_app(stack.url, modal_action(stack, "admin_reveal_now", ADMIN)))[0] == 200
    reveal = await stack.fake.wait_for(
        lambda r: r.method == "chat.postMessage" and r.args.get("text") == "The answer"
    )
    assert [b["value"] for b in buttons(reveal.args, REPORT)] == [str(round_id)]
    from_reveal = await report(stack, round_id, OWNER, "unclear", "")
    assert THANKS in text_of(from_reveal["view"])
    assert await stack.rows("SELECT COUNT(*) FROM question_reports") == [(2,)]


async def test_admins_list_and_resolve_reports_members_cannot(stack: Stack):
    message = await post(stack)
    answered = await click(stack, message, "A")
    round_id = int(buttons(answered, REPORT)[0]["value"])
    await report(stack, round_id, MEMBER, "typo", "alhpa")
    assert NOT_ADMIN in text_of(await command(stack, "admin reports", user=MEMBER))
    listed = await command(stack, "admin reports", user=ADMIN)
    assert "#1 demo/q1 · Typo" in text_of(listed) and "alhpa" in text_of(listed)
    (resolve,) = buttons(listed, RESOLVE)
    assert resolve["value"] == "1"

    async def press(user: FakeUser) -> str:
        respond_to = stack.fake.response_url(channel=GENERAL_ID)
        request = block_actions_request(
            SECRET, [button_action(RESOLVE, "1", block_id="report:1")], user=user,
            response_url=respond_to,
        )  # fmt: skip
        assert (await post_to_app(stack.url, request))[0] == 200
        return text_of(dict((await stack.fake.wait_for_response(response_url=respond_to)).body))

    assert NOT_ADMIN in await press(MEMBER)
    assert await stack.rows("SELECT COUNT(*) FROM question_reports WHERE resolved_at IS NULL") == [
        (1,)
    ]
    assert "Resolved #1 demo/q1" in await press(ADMIN)
    assert "No open reports." in text_of(await command(stack, "admin reports", user=ADMIN))
    assert "There is no open report #1." in text_of(
        await command(stack, "admin reports resolve 1", user=ADMIN)
    )


async def test_an_admins_app_home_shows_open_reports(stack: Stack):
    message = await post(stack)
    answered = await click(stack, message, "A")
    await report(stack, int(buttons(answered, REPORT)[0]["value"]), MEMBER, "unclear", "why?")
    for user, shown in ((MEMBER, False), (ADMIN, True)):
        since = len(stack.fake.requests)
        assert (await post_to_app(stack.url, app_home_opened_request(SECRET, user)))[0] == 200
        published = await stack.fake.wait_for(method="views.publish", since=since)
        view = published.args["view"]
        text = "\n".join(text_of({"blocks": [b]}) for b in view["blocks"])
        assert ("#1 demo/q1 · Unclear" in text) is shown
        assert bool(buttons(view, RESOLVE)) is shown


async def test_admins_export_the_question_table_to_a_dm(stack: Stack):
    message = await post(stack)
    await click(stack, message, "B")
    await click(stack, message, "A")
    assert NOT_ADMIN in text_of(await command(stack, "admin export", user=MEMBER))
    said = await command(stack, "admin export", user=ADMIN)
    assert "Sent you quizbot-questions.csv (1 questions) in a DM." in text_of(said)
    (shared,) = stack.fake.shared_files()
    assert shared.channel != GENERAL_ID and shared.filename == "quizbot-questions.csv"
    assert shared.content is not None
    (row,) = csv.DictReader(io.StringIO(shared.content.decode()))
    assert row["question"] == "demo/q1" and row["solve_rate"] == "1.000"
    assert row["mean_attempts"] == "2.00" and row["wrong_picks"] == "B:1"
    assert "Usage: /quiz admin export [DAYS]" in text_of(
        await command(stack, "admin export soon", user=ADMIN)
    )
