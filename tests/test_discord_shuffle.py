"""Shuffled options on Discord, through real discord.py and the fake Discord: buttons, the blank
picker and the reveal all use the round's letters, before and after a restart."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from conftest import platform_banks
from test_discord import (
    Stack,
    custom_ids,
    make_bot,
    open_picker,
    post,
    quiz_on,
    reply,
    round_id_of,
    stack_of,
)

from bot.core.models import Bank
from bot.core.order import OptionOrder
from bot.testing.discord import ADMIN, GENERAL_ID, MEMBER, OWNER, FakeDiscord, running_client


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


async def test_buttons_and_the_reveal_use_the_rounds_letters(tmp_path: Path) -> None:
    async with stack_of(tmp_path, [CHOICE_BANK]) as stack:
        message = await post(stack)
        round_id = round_id_of(message)
        order = await order_of(stack, round_id)
        # Ids carry the round and the shown letter only; the options are listed in that order.
        assert custom_ids(message) == [f"quiz:a:{round_id}:{letter}" for letter in "ABCD"]
        listed = [f"**{letter}**  {text}" for letter, text in order.options(CHOICE)]
        assert "\n".join(listed) in message["embeds"][0]["description"]
        ids = dict(zip("ABCD", custom_ids(message), strict=True))

        wrong = await reply(stack.fake, await stack.fake.click(ids[shown(order, "B")], user=MEMBER))
        assert "Not quite — 2 attempts left." in wrong["text"]
        assert "Bravo is the runner-up." in wrong["text"]
        right = await reply(stack.fake, await stack.fake.click(ids[shown(order, "A")], user=MEMBER))
        assert "Correct! +6 points (2nd attempt)" in right["text"]
        assert f"Answer:** {shown(order, 'A')} — alpha" in right["text"]
        assert f"Final answer:** {shown(order, 'A')}" in right["text"]
        first = await reply(stack.fake, await stack.fake.click(ids[shown(order, "A")], user=OWNER))
        assert "Correct! +10 points (1st attempt)" in first["text"]
        assert await stack.rows("SELECT answer FROM attempts ORDER BY user_id, attempt_no") == [
            ("B",), ("A",), ("A",)
        ]  # fmt: skip

        sent = await stack.fake.slash("quiz-admin", "reveal-now", user=ADMIN, channel_id=GENERAL_ID)
        await stack.fake.wait_for_followup(sent)
        reveal = stack.fake.messages_in(GENERAL_ID, include_ephemeral=False)[-1]
        text = reveal["embeds"][0]["description"]
        assert f"{shown(order, 'A')} — alpha" in text
        assert (
            f"Most-picked wrong option: {shown(order, 'B')} (1 pick) — Bravo is the runner-up."
            in text
        )


async def test_a_rounds_order_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    async with FakeDiscord() as fake:
        async with quiz_on(db, [CHOICE_BANK]) as quiz, running_client(fake, lambda: make_bot(quiz)):
            sent = await fake.slash("quiz-admin", "post-now", user=ADMIN, channel_id=GENERAL_ID)
            await fake.wait_for_followup(sent)
        message = fake.messages_in(GENERAL_ID, include_ephemeral=False)[-1]
        description = message["embeds"][0]["description"]
        # The letter the post showed for the bank's A, read from the post itself.
        (letter,) = [
            line.split("**")[1] for line in description.splitlines() if line.endswith("  alpha")
        ]
        assert letter != "A"
        ids = dict(zip("ABCD", custom_ids(message), strict=True))
        # A new process: new store, new client, an rng that would draw other orders.
        async with quiz_on(db, [CHOICE_BANK]) as quiz, running_client(fake, lambda: make_bot(quiz)):
            quiz.context.rng.seed(99)
            clicked = await fake.click(ids[letter], user=MEMBER)
            answer = await reply(fake, clicked)
            assert "Correct! +10 points" in answer["text"]
            assert f"Answer:** {letter} — alpha" in answer["text"]


def select_options(picker: dict[str, Any]) -> list[list[tuple[str, str]]]:
    return [
        [(option["value"], option["label"]) for option in component["options"]]
        for row in picker["components"]
        for component in row["components"]
        if component.get("options")
    ]


async def test_the_blank_picker_lists_and_judges_the_rounds_letters(tmp_path: Path) -> None:
    async with stack_of(tmp_path, [FILL_BANK]) as stack:
        message = await post(stack)
        order = await order_of(stack, round_id_of(message))
        picker = await open_picker(stack, message, MEMBER)
        expected = [(letter, f"{letter}: {text}") for letter, text in order.options(FILL)]
        assert select_options(picker) == [expected, expected]
        blank1, blank2, submit = custom_ids(picker)
        picker_id = int(picker["id"])
        for select, letter in ((blank1, shown(order, "A")), (blank2, shown(order, "B"))):
            picked = await stack.fake.click(
                select, values=[letter], message_id=picker_id, user=MEMBER
            )
            assert (await reply(stack.fake, picked))["type"] == 6  # picking is not an attempt
        right = await reply(
            stack.fake, await stack.fake.click(submit, message_id=picker_id, user=MEMBER)
        )
        assert "Correct! +20 points (1st attempt)" in right["text"]
        a, b = shown(order, "A"), shown(order, "B")
        assert f"Answer:** [1] {a}, [2] {b}" in right["text"]
        assert await stack.rows("SELECT answer FROM attempts") == [("A B",)]
