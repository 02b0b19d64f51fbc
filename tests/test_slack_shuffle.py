"""Shuffled options on Slack, through a real bolt app and the fake Slack: buttons, the blank
selects and the reveal all use the round's letters, before and after a restart."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from conftest import platform_banks
from test_slack import SECRET, Stack, click, post, round_of, stack_of, text_of

from bot.adapters.slack.admin import show_reveal
from bot.adapters.slack.context import channel_ref
from bot.core.models import Bank
from bot.core.order import OptionOrder
from bot.testing.slack import (
    GENERAL_ID,
    MEMBER,
    OWNER,
    TEAM_ID,
    FakeUser,
    block_actions_request,
    button_action,
    post_to_app,
    select_state,
)


def shuffled(bank: Bank) -> Bank:
    return replace(bank, questions=tuple(replace(q, shuffle=True) for q in bank.questions))


CHOICE_BANK, FILL_BANK, _ = map(shuffled, platform_banks())
CHOICE = CHOICE_BANK.questions[0]
FILL = FILL_BANK.questions[0]


async def order_of(stack: Stack, round_id: int) -> OptionOrder:
    ((stored,),) = await stack.rows("SELECT option_order FROM rounds WHERE id = ?", (round_id,))
    order = OptionOrder(tuple(stored))
    assert order.canonical != ("A", "B", "C", "D")  # the seeded rng: a real permutation
    return order


def shown(order: OptionOrder, canonical: str) -> str:
    return order.to_shown((canonical,))[0]


def actions(message: dict[str, Any]) -> list[dict[str, Any]]:
    (block,) = [b for b in message["blocks"] if b["type"] == "actions"]
    return list(block["elements"])


async def test_buttons_and_the_reveal_use_the_rounds_letters(tmp_path: Path) -> None:
    async with stack_of(tmp_path, [CHOICE_BANK]) as stack:
        message = await post(stack)
        round_id = round_of(message)
        order = await order_of(stack, round_id)
        # Values carry the round and the shown letter only; the options are listed in order.
        assert [(e["action_id"], e["value"]) for e in actions(message)] == [
            (f"quiz_answer:{x}", f"{round_id}:{x}") for x in "ABCD"
        ]
        listed = "\n".join(f"*{letter}*  {text}" for letter, text in order.options(CHOICE))
        assert listed in text_of(message)

        wrong = text_of(await click(stack, message, shown(order, "B")))
        assert "Not quite — 2 attempts left." in wrong and "Bravo is the runner-up." in wrong
        right = text_of(await click(stack, message, shown(order, "A")))
        assert "Correct! +6 points (2nd attempt)" in right
        assert f"*Answer:* {shown(order, 'A')} — alpha" in right
        assert f"*Final answer:* {shown(order, 'A')}" in right
        await click(stack, message, shown(order, "A"), user=OWNER)
        assert await stack.rows("SELECT answer FROM attempts ORDER BY user_id, attempt_no") == [
            ("B",), ("A",), ("A",)
        ]  # fmt: skip

        reveal = await stack.quiz.rounds.close_open(channel_ref(TEAM_ID, GENERAL_ID))
        await show_reveal(stack.app.client, stack.app.deps, reveal)  # type: ignore[attr-defined]
        posted = await stack.fake.wait_for(
            method="chat.postMessage", predicate=lambda r: "thread_ts" in r.args
        )
        text = text_of(posted.args)
        assert f"*Answer:* {shown(order, 'A')} — alpha" in text
        assert (
            f"Most-picked wrong option: {shown(order, 'B')} (1 pick) — Bravo is the runner-up."
            in text
        )
        # The closed message keeps the options in the round's order.
        update = await stack.fake.wait_for(method="chat.update")
        assert listed in text_of(update.args)


async def test_a_rounds_order_survives_a_restart(tmp_path: Path) -> None:
    async with stack_of(tmp_path, [CHOICE_BANK]) as stack:
        message = await post(stack)
        order = await order_of(stack, round_of(message))
    # A new process on the same file, with an rng that would draw other orders.
    async with stack_of(tmp_path, [CHOICE_BANK]) as stack:
        stack.quiz.context.rng.seed(99)
        assert "Not quite" in text_of(await click(stack, message, shown(order, "C")))
        right = text_of(await click(stack, message, shown(order, "A")))
        assert "Correct! +6 points (2nd attempt)" in right
        tried = await stack.rows("SELECT answer FROM attempts ORDER BY attempt_no")
        assert tried == [("C",), ("A",)]


async def test_the_blank_selects_list_and_judge_the_rounds_letters(tmp_path: Path) -> None:
    async with stack_of(tmp_path, [FILL_BANK]) as stack:
        message = await post(stack)
        round_id = round_of(message)
        order = await order_of(stack, round_id)
        expected = [(letter, f"{letter}: {text}") for letter, text in order.options(FILL)]
        selects = [e for e in actions(message) if e["type"] == "static_select"]
        assert [[(o["value"], o["text"]["text"]) for o in s["options"]] for s in selects] == [
            expected,
            expected,
        ]
        block = f"quiz_blanks:{round_id}"

        async def submit(user: FakeUser, first: str, second: str) -> str:
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

        a, b = shown(order, "A"), shown(order, "B")
        assert "Not quite — 2 attempts left." in await submit(MEMBER, b, a)
        right = await submit(MEMBER, a, b)
        assert "Correct! +12 points (2nd attempt)" in right
        assert f"*Answer:* [1] {a}, [2] {b}" in right
        assert await stack.rows("SELECT answer FROM attempts ORDER BY attempt_no") == [
            ("B A",), ("A B",)
        ]  # fmt: skip
