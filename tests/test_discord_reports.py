"""Discord: "Report a problem" after answering and on the reveal (a modal through real
discord.py), admins listing, resolving and exporting."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from test_discord import CHOICE_BANK, Stack, custom_ids, post, reply, round_id_of, stack_of

from bot.core.permissions import NOT_ADMIN
from bot.core.reports import ALREADY, THANKS
from bot.testing.discord import ADMIN, EPHEMERAL, GENERAL_ID, MEMBER, OWNER, FakeUser


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with stack_of(tmp_path, [CHOICE_BANK]) as found:
        yield found


async def report(
    stack: Stack, message_id: int, round_id: int, user: FakeUser, kind: str, text: str
) -> str:
    """Click the round's report button on that message, fill in the modal, submit it."""
    opened = await stack.fake.click(f"quiz:r:{round_id}", message_id=message_id, user=user)
    form = await stack.fake.wait_for_callback(opened)
    assert form.json["type"] == 9  # a modal
    sent = await stack.fake.submit_modal(f"quiz:report:{round_id}", {"kind": kind, "text": text})
    answer = await reply(stack.fake, sent)
    assert answer["data"]["flags"] & EPHEMERAL
    return answer["text"]


async def test_report_from_the_private_reply_and_the_reveal_then_admins_resolve(stack: Stack):
    message = await post(stack)
    round_id = round_id_of(message)
    answered = await stack.fake.click(custom_ids(message)[0], user=MEMBER)
    private = await reply(stack.fake, answered)
    assert "Correct!" in private["text"]
    mine = stack.fake.response_message(answered)
    assert mine is not None and custom_ids(mine) == [f"quiz:r:{round_id}"]
    said = await report(stack, int(mine["id"]), round_id, MEMBER, "wrong_key", "C fits too")
    assert THANKS in said
    again = await report(stack, int(mine["id"]), round_id, MEMBER, "typo", "and a typo")
    assert ALREADY in again
    assert await stack.rows("SELECT kind, text, shown_order, round_id FROM question_reports") == [
        ("wrong_key", "C fits too", "ABCD", round_id)
    ]
    # The public reveal carries the button too; anyone who reads it may report.
    sent = await stack.fake.slash("quiz-admin", "reveal-now", user=ADMIN, channel_id=GENERAL_ID)
    await stack.fake.wait_for_followup(sent)
    reveal = stack.fake.messages_in(GENERAL_ID, include_ephemeral=False)[-1]
    assert reveal["embeds"][0]["title"] == "Reveal"
    assert custom_ids(reveal) == [f"quiz:r:{round_id}"]
    assert THANKS in await report(stack, int(reveal["id"]), round_id, OWNER, "unclear", "")

    refused = await reply(stack.fake, await stack.fake.slash("quiz-admin", "reports", user=MEMBER))
    assert NOT_ADMIN in refused["text"]
    listed = await reply(stack.fake, await stack.fake.slash("quiz-admin", "reports", user=ADMIN))
    assert "#1 demo/q1 · Wrong answer key" in listed["text"] and "C fits too" in listed["text"]
    assert "#2 demo/q1 · Unclear" in listed["text"]
    done = await reply(
        stack.fake,
        await stack.fake.slash("quiz-admin", "reports", options={"resolve": 1}, user=ADMIN),
    )
    assert "Resolved #1" in done["text"]
    listed = await reply(stack.fake, await stack.fake.slash("quiz-admin", "reports", user=ADMIN))
    assert "#1 " not in listed["text"] and "#2 demo/q1" in listed["text"]
    gone = await reply(
        stack.fake,
        await stack.fake.slash("quiz-admin", "reports", options={"resolve": 1}, user=ADMIN),
    )
    assert "There is no open report #1." in gone["text"]
    assert await stack.rows("SELECT COUNT(*) FROM question_reports WHERE resolved_at IS NULL") == [
        (1,)
    ]


async def test_a_too_long_report_is_one_line_and_stores_nothing(stack: Stack):
    message = await post(stack)
    round_id = round_id_of(message)
    answered = await stack.fake.click(custom_ids(message)[1], user=MEMBER)  # wrong: B
    await reply(stack.fake, answered)
    first: Any = stack.fake.response_message(answered)
    assert first["components"] == []  # not finished yet: no report button
    for letter in (2, 3):
        done = await stack.fake.click(custom_ids(message)[letter], user=MEMBER)
        await reply(stack.fake, done)
    mine: Any = stack.fake.response_message(done)
    said = await report(stack, int(mine["id"]), round_id, MEMBER, "other", "x" * 501)
    assert "keep it to 500" in said
    assert await stack.rows("SELECT COUNT(*) FROM question_reports") == [(0,)]


async def test_admins_export_the_question_table_as_a_csv_file(stack: Stack):
    message = await post(stack)
    await reply(stack.fake, await stack.fake.click(custom_ids(message)[0], user=MEMBER))
    sent = await stack.fake.slash("quiz-admin", "export", user=ADMIN)
    followup = await stack.fake.wait_for_followup(sent)
    ((name, data),) = followup.files
    assert name == "quizbot-questions.csv"
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert rows[0]["question"] == "demo/q1" and rows[0]["solve_rate"] == "1.000"
    assert followup.json["attachments"][0]["filename"] == "quizbot-questions.csv"
    refused = await reply(stack.fake, await stack.fake.slash("quiz-admin", "export", user=MEMBER))
    assert NOT_ADMIN in refused["text"]
