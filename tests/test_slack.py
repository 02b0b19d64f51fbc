"""quizbot on Slack, end to end: a real bolt AsyncApp receiving signed HTTP requests (and once
Socket Mode), its Web API client pointed at the fake Slack, real SQLite."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import T0, platform_banks
from pg_fixtures import OpenStore, table_rows
from slack_bolt.async_app import AsyncApp

from bot.adapters.slack.admin import CALLBACK, post_round, show_reveal
from bot.adapters.slack.app import build_app
from bot.adapters.slack.context import channel_ref
from bot.core.clock import FakeClock
from bot.core.library import BankLibrary
from bot.core.models import Bank
from bot.core.permissions import NOT_ADMIN, AdminPolicy
from bot.core.quiz import Quiz
from bot.store.sqlite import SqliteStore
from bot.testing.slack import (
    ADMIN,
    GENERAL,
    GENERAL_ID,
    MEMBER,
    OWNER,
    STALE_AGE,
    TEAM_ID,
    FakeSlack,
    FakeUser,
    app_home_opened_request,
    block_actions_request,
    button_action,
    input_state,
    interaction_request,
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

SECRET = "test-signing-secret"
# The tests on the `stack` fixture run on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

CHOICE_BANK, FILL_BANK, TEST_BANK = platform_banks()


@dataclass
class Stack:
    fake: FakeSlack
    app: AsyncApp
    quiz: Quiz
    url: str
    db: Path

    async def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return await table_rows(self.quiz.context.store, self.db, sql, params)


@asynccontextmanager
async def stack_of(
    tmp_path: Path, banks: list[Bank], open_store: OpenStore | None = None
) -> AsyncIterator[Stack]:
    db = tmp_path / "quiz.db"
    store = await (open_store() if open_store else SqliteStore.open(db))
    try:
        quiz = Quiz(store, BankLibrary(banks), FakeClock(T0), rng=random.Random(1))
        await quiz.start()
        async with FakeSlack() as fake:
            app = build_app(
                quiz,
                token="xoxb-fake",
                signing_secret=SECRET,
                client=web_client(fake),
                admins=AdminPolicy.from_settings((), ("U0EXTRA00",)),
            )
            async with running_app(app) as url:
                yield Stack(fake, app, quiz, url, db)
            await app.deps.close()  # type: ignore[attr-defined]
            assert not fake.unhandled, [r.method for r in fake.unhandled]
    finally:
        await store.close()


@pytest.fixture
async def stack(tmp_path: Path, open_store: OpenStore) -> AsyncIterator[Stack]:
    # On both stores: the conftest's open_store is parametrized for this module.
    async with stack_of(tmp_path, [CHOICE_BANK], open_store) as found:
        yield found


def text_of(body: dict[str, Any]) -> str:
    parts = [str(body.get("text") or "")]
    for block in body.get("blocks") or []:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(str(text.get("text", "")))
        for element in block.get("elements") or []:
            if isinstance(element, dict) and isinstance(element.get("text"), str):
                parts.append(element["text"])
    return "\n".join(parts)


async def command(stack: Stack, text: str, user: FakeUser = MEMBER) -> dict[str, Any]:
    """Type `/quiz TEXT`; returns what quizbot answered (privately) on the response_url."""
    respond_to = stack.fake.response_url(channel=GENERAL_ID)
    status, _ = await post_to_app(
        stack.url, slash_command_request(SECRET, "/quiz", text, user=user, response_url=respond_to)
    )
    assert status == 200
    answered = await stack.fake.wait_for_response(response_url=respond_to)
    assert answered.body.get("response_type") == "ephemeral"
    return dict(answered.body)


async def post(stack: Stack) -> dict[str, Any]:
    """Post the next question in #general the way the admin modal's Post now does."""
    await post_round(stack.app.client, stack.app.deps, TEAM_ID, GENERAL_ID)  # type: ignore[attr-defined]
    return stack.fake.messages_in(GENERAL_ID)[-1]


def round_of(message: dict[str, Any]) -> int:
    for block in message["blocks"]:
        if block["type"] == "actions":
            return int(block["block_id"].split(":")[1])
    raise AssertionError("no actions in the message")


async def click(
    stack: Stack,
    message: dict[str, Any],
    letter: str,
    user: FakeUser = MEMBER,
    **signing: Any,
) -> dict[str, Any]:
    round_id = round_of(message)
    respond_to = stack.fake.response_url(channel=GENERAL_ID)
    request = block_actions_request(
        SECRET,
        [button_action(f"quiz_answer:{letter}", f"{round_id}:{letter}",
                       block_id=f"quiz_round:{round_id}")],
        user=user, message_ts=message["ts"], blocks=message["blocks"], response_url=respond_to,
        **signing,
    )  # fmt: skip
    status, _ = await post_to_app(stack.url, request)
    assert status == 200
    return dict((await stack.fake.wait_for_response(response_url=respond_to)).body)


# --- posting and answering -------------------------------------------------------------------


async def test_a_posted_round_is_block_kit_with_ids_only(stack: Stack) -> None:
    message = await post(stack)
    kinds = [block["type"] for block in message["blocks"]]
    assert kinds[0] == "header" and "Demo pattern" in message["blocks"][0]["text"]["text"]
    assert "actions" in kinds
    (actions,) = [b for b in message["blocks"] if b["type"] == "actions"]
    round_id = round_of(message)
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (f"quiz_answer:{x}", f"{round_id}:{x}") for x in "ABCD"
    ]
    assert await stack.rows("SELECT message_ref FROM rounds") == [(message["ts"],)]


async def test_correct_wrong_hint_exhausted_finished(stack: Stack) -> None:
    message = await post(stack)
    wrong = text_of(await click(stack, message, "B"))
    assert "Not quite — 2 attempts left." in wrong and "Bravo is the runner-up." in wrong
    assert "Think of alpha." in wrong
    assert "1 attempt left" in text_of(await click(stack, message, "C"))
    out = text_of(await click(stack, message, "D"))
    assert "Out of attempts." in out and "Picking bravo" in out
    assert "You already finished" in text_of(await click(stack, message, "A"))
    right = text_of(await click(stack, message, "A", user=OWNER))
    assert "Correct! +10 points (1st attempt)" in right and "because q1" in right


async def test_concurrent_clicks_keep_the_limit(stack: Stack) -> None:
    message = await post(stack)
    await asyncio.gather(*(click(stack, message, "BCD"[n % 3]) for n in range(10)))
    ((used,),) = await stack.rows("SELECT COUNT(*) FROM attempts")
    assert used == 3


async def test_multi_blank_reads_picks_from_state_and_keeps_people_apart(tmp_path: Path) -> None:
    async with stack_of(tmp_path, [FILL_BANK]) as stack:
        message = await post(stack)
        round_id = round_of(message)
        block = f"quiz_blanks:{round_id}"

        async def submit(user: FakeUser, first: str | None, second: str | None) -> str:
            respond_to = stack.fake.response_url(channel=GENERAL_ID)
            merged: dict[str, dict[str, Any]] = {block: {}}
            for action_id, value in (("quiz_pick:1", first), ("quiz_pick:2", second)):
                merged[block].update(select_state(block, action_id, value)[block])
            request = block_actions_request(
                SECRET, [button_action("quiz_submit", str(round_id), block_id=block)],
                user=user, message_ts=message["ts"], blocks=message["blocks"],
                state_values=merged, response_url=respond_to,
            )  # fmt: skip
            assert (await post_to_app(stack.url, request))[0] == 200
            return text_of((await stack.fake.wait_for_response(response_url=respond_to)).body)

        picked = block_actions_request(
            SECRET, [select_action("quiz_pick:1", "A", block_id=block)], user=MEMBER,
            message_ts=message["ts"], blocks=message["blocks"],
        )  # fmt: skip
        assert (await post_to_app(stack.url, picked))[0] == 200
        assert await stack.rows("SELECT COUNT(*) FROM attempts") == [
            (0,)
        ]  # picking is not an attempt
        missing = await submit(MEMBER, "A", None)
        assert "this question has 2 blanks" in missing and "Nothing was counted" in missing
        assert "Not quite — 2 attempts left." in await submit(MEMBER, "A", "C")
        assert "Correct! +12 points (2nd attempt)" in await submit(MEMBER, "A", "B")
        assert "Not quite" in await submit(OWNER, "D", "D")
        assert await stack.rows(
            "SELECT u.user_ref, a.answer FROM attempts a JOIN users u ON u.id = a.user_id "
            "ORDER BY u.user_ref, a.attempt_no"
        ) == [(MEMBER.id, "A C"), (MEMBER.id, "A B"), (OWNER.id, "D D")]


async def test_close_updates_the_message_and_reveals_in_thread_and_channel(stack: Stack) -> None:
    message = json.loads(json.dumps(await post(stack)))  # as it was posted, before the update
    await click(stack, message, "B")
    await click(stack, message, "A")
    await click(stack, message, "A", user=OWNER)
    reveal = await stack.quiz.rounds.close_open(channel_ref(TEAM_ID, GENERAL_ID))
    await show_reveal(stack.app.client, stack.app.deps, reveal)  # type: ignore[attr-defined]
    update = await stack.fake.wait_for(method="chat.update")
    assert update.args["ts"] == message["ts"]
    assert all(block["type"] != "actions" for block in update.args["blocks"])
    posted = await stack.fake.wait_for(
        method="chat.postMessage", predicate=lambda r: "thread_ts" in r.args
    )
    assert posted.args["thread_ts"] == message["ts"] and posted.args["reply_broadcast"] is True
    text = text_of(posted.args)
    assert "2 participants · 100% solved" in text
    assert "Most-picked wrong option: B (1 pick) — Bravo is the runner-up." in text
    assert "This question is closed." in text_of(await click(stack, message, "A", user=ADMIN))


async def test_a_question_someone_deleted_is_still_revealed_in_the_channel(stack: Stack) -> None:
    message = await post(stack)
    await click(stack, message, "A")
    await stack.app.client.chat_delete(channel=GENERAL_ID, ts=message["ts"])  # type: ignore[attr-defined]
    reveal = await stack.quiz.rounds.close_open(channel_ref(TEAM_ID, GENERAL_ID))
    async with stack.quiz.rounds.announcing(reveal) as mine:
        assert mine
        await show_reveal(stack.app.client, stack.app.deps, reveal)  # type: ignore[attr-defined]
    # The reveal, then its card (shared into the channel too, as the reveal is).
    shown, card = stack.fake.messages_in(GENERAL_ID)
    assert "thread_ts" not in shown and "1 participant · 100% solved" in text_of(shown)
    assert [file["name"] for file in card["files"]] == ["quizbot-reveal.png"]
    assert await stack.rows("SELECT revealed_at IS NOT NULL FROM rounds") == [(1,)]


# --- signatures and retries ------------------------------------------------------------------


async def test_bad_signatures_are_refused_and_change_nothing(stack: Stack) -> None:
    message = await post(stack)
    round_id = round_of(message)
    action = [button_action("quiz_answer:A", f"{round_id}:A", block_id=f"quiz_round:{round_id}")]
    for signing in ({"age": STALE_AGE}, {"omit_headers": ("X-Slack-Signature",)}):
        request = block_actions_request(SECRET, action, message_ts=message["ts"], **signing)
        assert (await post_to_app(stack.url, request))[0] == 401
    wrong_secret = block_actions_request("not-the-secret", action, message_ts=message["ts"])
    assert (await post_to_app(stack.url, wrong_secret))[0] == 401
    assert await stack.rows("SELECT COUNT(*) FROM attempts") == [(0,)]


async def test_a_retried_delivery_counts_once(stack: Stack) -> None:
    message = await post(stack)
    round_id = round_of(message)
    respond_to = stack.fake.response_url(channel=GENERAL_ID)
    payload_kwargs: dict[str, Any] = {
        "user": MEMBER, "message_ts": message["ts"], "blocks": message["blocks"],
        "trigger_id": "1234.5678.abcd", "response_url": respond_to,
    }  # fmt: skip
    action = [button_action("quiz_answer:B", f"{round_id}:B", block_id=f"quiz_round:{round_id}")]
    first = block_actions_request(SECRET, action, **payload_kwargs)
    again = block_actions_request(SECRET, action, retry_num=1, retry_reason="http_timeout",
                                  **payload_kwargs)  # fmt: skip
    assert (await post_to_app(stack.url, first))[0] == 200
    await stack.fake.wait_for_response()
    assert (await post_to_app(stack.url, again))[0] == 200
    assert await stack.rows("SELECT COUNT(*) FROM attempts") == [(1,)]


# --- commands: practice, test, boards, teams, help, usage ------------------------------------


async def test_unknown_subcommands_get_usage_privately(stack: Stack) -> None:
    assert "Unknown command '/quiz frob'" in text_of(await command(stack, "frob"))
    assert "*/quiz practice*" in text_of(await command(stack, ""))
    assert "unknown period 'decade'" in text_of(await command(stack, "leaderboard decade"))
    assert "Usage: /quiz test BANK" in text_of(await command(stack, "test"))


async def test_practice_and_leaderboard(stack: Stack) -> None:
    shown = await command(stack, "practice demo easy")
    assert "Practice" in text_of(shown)
    message = {"ts": "1.0", "blocks": shown["blocks"]}
    answer = text_of(await click(stack, message, "A"))
    assert "Correct! (1st attempt · practice: not counted)" in answer
    assert "+10 points" not in answer
    assert "No points yet." in text_of(await command(stack, "leaderboard"))
    daily = await post(stack)
    await click(stack, daily, "A")
    assert "1. mia — 10 points (1 solve)" in text_of(await command(stack, "leaderboard all"))
    stats = text_of(await command(stack, f"stats <@{MEMBER.id}|mia>"))
    assert "Points: 10" in stats and "Practice: 1/1 solved" in stats


async def test_a_test_run_to_its_score(tmp_path: Path) -> None:
    async with stack_of(tmp_path, [TEST_BANK]) as stack:
        shown = await command(stack, "test tenq")
        assert "Ten questions 1/10" in text_of(shown)
        last: dict[str, Any] = {"ts": "1.0", "blocks": shown["blocks"]}
        for position in range(10):
            # Each reply holds the outcome and the next question (its buttons).
            reply = await click(stack, {"ts": "1.0", "blocks": last["blocks"]},
                                "A" if position % 2 == 0 else "B")  # fmt: skip
            if position == 0:
                assert "Ten questions 2/10" in text_of(reply)  # the bank's title, not its id
            last = reply
        assert "Test finished: Ten questions" in text_of(last)
        assert "Score: 5/10 (50%)" in text_of(last)


async def test_teams_from_commands(stack: Stack) -> None:
    await stack.quiz.teams.create("slack", TEAM_ID, "Red")
    assert "You joined *Red*." in text_of(await command(stack, "team join red"))
    assert "*Red*: mia" in text_of(await command(stack, "team list"))


async def test_app_home_is_published(stack: Stack) -> None:
    daily = await post(stack)
    await click(stack, daily, "A")
    status, _ = await post_to_app(stack.url, app_home_opened_request(SECRET, MEMBER))
    assert status == 200
    published = await stack.fake.wait_for(method="views.publish")
    assert published.args["user_id"] == MEMBER.id
    text = "\n".join(text_of({"blocks": [b]}) for b in published.args["view"]["blocks"])
    assert "Points: 10" in text and "1. mia — 10 points" in text and "Nothing scheduled." in text


# --- admin: /quiz admin, modal actions and submissions, checked every time -------------------


def modal_action(stack: Stack, action_id: str, user: FakeUser, value: str = "") -> Any:
    payload = {
        "type": "block_actions",
        "user": {"id": user.id, "username": user.name, "team_id": TEAM_ID},
        "team": {"id": TEAM_ID},
        "api_app_id": "A0FAKE",
        "trigger_id": f"{random.random()}",
        "container": {"type": "view", "view_id": "V0ADMIN"},
        "view": {"id": "V0ADMIN", "callback_id": CALLBACK, "private_metadata": GENERAL_ID,
                 "state": {"values": {}}, "hash": "h"},
        "actions": [{"action_id": action_id, "block_id": "admin_now", "type": "button",
                     "value": value, "action_ts": f"{random.random()}"}],
    }  # fmt: skip
    return interaction_request(payload, SECRET)


async def test_admin_modal_opens_for_admins_only(stack: Stack) -> None:
    assert NOT_ADMIN in text_of(await command(stack, "admin", user=MEMBER))
    assert stack.fake.calls("views.open") == []
    respond_to = stack.fake.response_url(channel=GENERAL_ID)
    request = slash_command_request(SECRET, "/quiz", "admin", user=ADMIN, response_url=respond_to)
    assert (await post_to_app(stack.url, request))[0] == 200
    opened = await stack.fake.wait_for(method="views.open")
    assert opened.args["view"]["callback_id"] == CALLBACK
    buttons = {
        element["action_id"]: element
        for block in opened.args["view"]["blocks"]
        if block.get("block_id") == "admin_now"
        for element in block["elements"]
    }
    # Slack asks before a post that would close the open question for everyone.
    warning = buttons["admin_post_now"]["confirm"]["text"]["text"]
    assert "open question in the channel is closed and its answer revealed first" in warning
    assert "confirm" not in buttons["admin_reveal_now"]


COUNTS = "SELECT (SELECT COUNT(*) FROM rounds), (SELECT COUNT(*) FROM bank_settings)"


@pytest.mark.parametrize("action", ["admin_post_now", "admin_reveal_now", "admin_pause",
                                    "admin_resume", "admin_bank:disable"])  # fmt: skip
async def test_every_admin_action_is_refused_to_members(stack: Stack, action: str) -> None:
    before = await stack.rows(
        "SELECT (SELECT COUNT(*) FROM rounds), (SELECT COUNT(*) FROM bank_settings)"
    )
    status, _ = await post_to_app(stack.url, modal_action(stack, action, MEMBER, "demo"))
    assert status == 200
    told = await stack.fake.wait_for(method="chat.postEphemeral")
    assert NOT_ADMIN in told.args["text"] and told.args["user"] == MEMBER.id
    assert (
        await stack.rows(
            "SELECT (SELECT COUNT(*) FROM rounds), (SELECT COUNT(*) FROM bank_settings)"
        )
        == before
    )


@pytest.mark.parametrize("who", [ADMIN, OWNER], ids=["admin", "owner"])
async def test_admins_post_and_reveal_from_the_modal(stack: Stack, who: FakeUser) -> None:
    assert (await post_to_app(stack.url, modal_action(stack, "admin_post_now", who)))[0] == 200
    told = await stack.fake.wait_for(method="chat.postEphemeral")
    assert "Posted demo/q1" in told.args["text"] and "revealed first" not in told.args["text"]
    assert await stack.rows("SELECT COUNT(*) FROM rounds WHERE closed_at IS NULL") == [(1,)]
    assert (await post_to_app(stack.url, modal_action(stack, "admin_reveal_now", who)))[0] == 200
    await stack.fake.wait_for(method="chat.update")
    assert await stack.rows("SELECT COUNT(*) FROM rounds WHERE closed_at IS NOT NULL") == [(1,)]


async def test_post_now_over_an_open_question_says_it_was_revealed_first(stack: Stack) -> None:
    assert (await post_to_app(stack.url, modal_action(stack, "admin_post_now", ADMIN)))[0] == 200
    await stack.fake.wait_for(method="chat.postEphemeral")
    assert (await post_to_app(stack.url, modal_action(stack, "admin_post_now", ADMIN)))[0] == 200
    told = await stack.fake.wait_for(
        lambda r: r.method == "chat.postEphemeral" and "revealed first" in r.args["text"]
    )
    assert told.args["text"].startswith(
        "The open question demo/q1 was closed and revealed first. Posted demo/"
    )


async def test_a_reveal_slack_refused_is_posted_by_the_next_reveal_now(stack: Stack) -> None:
    assert (await post_to_app(stack.url, modal_action(stack, "admin_post_now", ADMIN)))[0] == 200
    await stack.fake.wait_for(method="chat.postEphemeral")
    stack.fake.rate_limit("chat.postMessage", 0, retry_after=30)
    assert (await post_to_app(stack.url, modal_action(stack, "admin_reveal_now", ADMIN)))[0] == 200
    told = await stack.fake.wait_for(
        lambda r: r.method == "chat.postEphemeral" and "Slack refused" in r.args["text"]
    )
    assert "ratelimited" in told.args["text"] and "Nothing is lost" in told.args["text"]
    assert await stack.rows("SELECT closed_at IS NOT NULL, revealed_at FROM rounds") == [(1, None)]

    stack.fake.rate_limit("chat.postMessage", None)
    since = len(stack.fake.requests)
    assert (await post_to_app(stack.url, modal_action(stack, "admin_reveal_now", ADMIN)))[0] == 200
    told = await stack.fake.wait_for(method="chat.postEphemeral", since=since)
    assert told.args["text"] == f"Revealed in <#{GENERAL_ID}>."
    reveal = stack.fake.calls("chat.postMessage")[-1]
    assert reveal.status == 200 and reveal.args["thread_ts"] and reveal.args["reply_broadcast"]
    assert await stack.rows("SELECT revealed_at IS NOT NULL FROM rounds") == [(1,)]
    # Revealed once: a third click finds nothing left to reveal.
    since = len(stack.fake.requests)
    assert (await post_to_app(stack.url, modal_action(stack, "admin_reveal_now", ADMIN)))[0] == 200
    told = await stack.fake.wait_for(method="chat.postEphemeral", since=since)
    assert "There is no open question" in told.args["text"]
    assert len([c for c in stack.fake.calls("chat.postMessage") if c.status == 200]) == 2


async def test_schedule_submission_is_validated_and_saved(stack: Stack) -> None:
    def values(time: str, zone: str, days: list[str]) -> dict[str, Any]:
        return {
            "admin_channel": {"admin_channel": {"type": "conversations_select",
                                                "selected_conversation": GENERAL_ID}},
            "admin_time": {"admin_time": {"type": "timepicker", "selected_time": time}},
            **input_state("admin_zone", "admin_zone", zone),
            "admin_days": {"admin_days": {"type": "checkboxes", "selected_options": [
                {"value": d} for d in days]}},
            "admin_level": {"admin_level": {"type": "static_select",
                                            "selected_option": {"value": "hard"}}},
            "admin_team": {"admin_team": {"type": "plain_text_input", "value": "Blue"}},
        }  # fmt: skip

    refused = view_submission_request(SECRET, CALLBACK, values("09:30", "UTC", ["0"]), user=MEMBER)
    status, body = await post_to_app(stack.url, refused)
    assert status == 200 and NOT_ADMIN in body
    bad = view_submission_request(SECRET, CALLBACK, values("09:30", "Mars/Base", ["0"]), user=ADMIN)
    status, body = await post_to_app(stack.url, bad)
    assert json.loads(body)["errors"]["admin_zone"].startswith("'Mars/Base' is not a time zone")
    assert await stack.rows("SELECT COUNT(*) FROM schedules") == [(0,)]
    good = view_submission_request(SECRET, CALLBACK, values("09:30", "Europe/Berlin", ["0", "2"]),
                                   user=ADMIN)  # fmt: skip
    assert (await post_to_app(stack.url, good))[0] == 200
    await stack.fake.wait_for(method="chat.postEphemeral")
    assert await stack.rows("SELECT post_time, timezone, days, difficulty FROM schedules") == [
        ("09:30", "Europe/Berlin", "0,2", "hard")
    ]
    assert await stack.rows("SELECT name FROM teams") == [("Blue",)]


async def test_socket_mode_round_trip(tmp_path: Path) -> None:
    async with stack_of(tmp_path, [CHOICE_BANK]) as stack, socket_mode(stack.app, stack.fake):
        respond_to = stack.fake.response_url(channel=GENERAL_ID)
        envelope = await stack.fake.send_envelope(
            "slash_commands",
            slash_command_form("/quiz", "help", user=MEMBER, channel=GENERAL,
                               response_url=respond_to),
        )  # fmt: skip
        await stack.fake.wait_for_ack(envelope)
        answered = await stack.fake.wait_for_response(response_url=respond_to)
        assert "*/quiz practice*" in text_of(answered.body)


async def test_admins_manage_teams_from_the_command(stack: Stack) -> None:
    refused = text_of(await command(stack, "admin team create Red", user=MEMBER))
    assert NOT_ADMIN in refused and await stack.rows("SELECT COUNT(*) FROM teams") == [(0,)]
    assert "Created *Red*." in text_of(await command(stack, "admin team create Red", user=ADMIN))
    added = await command(stack, f"admin team add <@{MEMBER.id}|mia> Red", user=ADMIN)
    assert f"<@{MEMBER.id}> is in *Red*." in text_of(added)
    assert "Renamed to *Green*." in text_of(
        await command(stack, "admin team rename Red Green", user=ADMIN)
    )
    removed = await command(stack, f"admin team remove <@{MEMBER.id}>", user=ADMIN)
    assert "left *Green*." in text_of(removed)
    assert "Deleted *Green*." in text_of(
        await command(stack, "admin team delete Green", user=ADMIN)
    )
    assert await stack.rows("SELECT COUNT(*) FROM teams") == [(0,)]
    assert "Usage: /quiz admin team" in text_of(await command(stack, "admin team frob", user=ADMIN))
