"""Forged and stale clicks (issue 12): nothing of a round is shown to someone who may not see
it, and a click that counts nothing writes nothing (no users row, no scope, no attempt)."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from conftest import ANN, BOB, CHANNEL, MakeQuiz, make_bank, make_question, platform_banks
from test_discord import custom_ids, post, reply, round_id_of, stack_of, stale_message
from test_slack import SECRET, round_of, text_of
from test_slack import Stack as SlackStack
from test_slack import post as slack_post
from test_slack import stack_of as slack_stack_of

from bot.adapters.discord.views import AnswerButton, FillButton
from bot.core.outcomes import AlreadyFinished, Closed, Invalid, NotFound
from bot.core.rounds import ChannelRef, RoundKind, UserRef
from bot.testing.discord import EPHEMERAL, MEMBER, OWNER
from bot.testing.slack import (
    GENERAL_ID,
    TEAM_ID,
    block_actions_request,
    button_action,
    post_to_app,
)
from bot.testing.slack import (
    MEMBER as SLACK_MEMBER,
)

CHOICE_BANK, FILL_BANK, _ = platform_banks()
WRITTEN = ("users", "scopes", "attempts", "participations", "board")


def counts(db: Path) -> dict[str, int]:
    with closing(sqlite3.connect(db)) as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in WRITTEN}


# --- the rule, in the core ------------------------------------------------------------------


async def test_a_round_is_viewable_only_in_its_workspace_and_by_its_owner(
    make_quiz: MakeQuiz,
) -> None:
    quiz = await make_quiz(make_bank(easy=2))
    daily = await quiz.rounds.post_daily(CHANNEL)
    assert await quiz.rounds.viewable(daily.round.id, ANN) == (daily.round, daily.question)
    elsewhere = UserRef("console", "another-workspace", "ann")
    assert await quiz.rounds.viewable(daily.round.id, elsewhere) == NotFound()
    assert await quiz.rounds.viewable(999_999, ANN) == NotFound()
    practice = await quiz.practice.practice(ANN, CHANNEL)
    mine = await quiz.rounds.viewable(practice.round.id, ANN)
    assert isinstance(mine, tuple) and mine[0].kind is RoundKind.PRACTICE
    assert await quiz.rounds.viewable(practice.round.id, BOB) == NotFound()
    await quiz.rounds.close(daily.round.id)
    assert await quiz.rounds.viewable(daily.round.id, ANN) == Closed(daily.question)


async def test_clicks_that_count_nothing_write_nothing(make_quiz: MakeQuiz, db_path: Path) -> None:
    quiz = await make_quiz(make_bank("demo", [make_question("q1")]))
    daily = await quiz.rounds.post_daily(CHANNEL)
    before = counts(db_path)
    strangers = [UserRef("console", "local", f"stranger{n}") for n in range(3)]
    foreign = UserRef("console", "not-installed-here", "eve")
    assert await quiz.rounds.answer(999_999, strangers[0], ["A"]) == NotFound()
    assert await quiz.rounds.answer(daily.round.id, foreign, ["A"]) == NotFound()
    assert isinstance(await quiz.rounds.answer(daily.round.id, strangers[1], ["Z"]), Invalid)
    await quiz.rounds.close(daily.round.id)
    after_close = counts(db_path)
    assert isinstance(await quiz.rounds.answer(daily.round.id, strangers[2], ["A"]), Closed)
    assert counts(db_path) == after_close
    assert after_close["users"] == before["users"] and after_close["attempts"] == 0


async def test_a_first_counted_answer_records_the_person_once(
    make_quiz: MakeQuiz, db_path: Path
) -> None:
    quiz = await make_quiz(make_bank("demo", [make_question("q1")]))
    daily = await quiz.rounds.post_daily(CHANNEL)
    new = UserRef("console", "local", "newcomer", "Newcomer")
    first = await quiz.rounds.answer(daily.round.id, new, ["B"])
    renamed = UserRef("console", "local", "newcomer", "New Name")
    second = await quiz.rounds.answer(daily.round.id, renamed, ["A"])
    assert type(first).__name__ == "Wrong" and type(second).__name__ == "Correct"
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("SELECT user_ref, name FROM users").fetchall() == [
            ("newcomer", "New Name")
        ]
        assert conn.execute("SELECT attempt_no, correct FROM attempts").fetchall() == [
            (1, 0),
            (2, 1),
        ]


# --- Discord ----------------------------------------------------------------------------------


async def test_discord_answer_button_of_another_guilds_round_shows_nothing(
    tmp_path: Path,
) -> None:
    async with stack_of(tmp_path, [FILL_BANK]) as stack:
        foreign = await stack.quiz.rounds.post_daily(ChannelRef("discord", "42", "7"))
        before = counts(stack.db)
        message = await stale_message(stack, FillButton(foreign.round.id))
        answer = await reply(
            stack.fake, await stack.fake.click(custom_ids(message)[0], user=MEMBER)
        )
        assert "doesn't exist here" in answer["text"]
        assert foreign.question.prompt not in str(answer["data"])
        assert answer["data"].get("components", []) == []  # no picker
        assert counts(stack.db) == before


async def test_discord_answer_button_of_someone_elses_practice_shows_nothing(
    tmp_path: Path,
) -> None:
    async with stack_of(tmp_path, [FILL_BANK]) as stack:
        sent = await stack.fake.slash("quiz", "practice", user=OWNER)
        await reply(stack.fake, sent)
        practice = stack.fake.response_message(sent)
        assert practice is not None
        (fill,) = custom_ids(practice)
        message = await stale_message(stack, FillButton(int(fill.rsplit(":", 1)[1])))
        answer = await reply(
            stack.fake, await stack.fake.click(custom_ids(message)[0], user=MEMBER)
        )
        assert answer["data"]["flags"] & EPHEMERAL
        assert "doesn't exist here" in answer["text"]
        assert "Question f1?" not in str(answer["data"])
        # The owner still gets their picker.
        own = await reply(stack.fake, await stack.fake.click(fill, user=OWNER))
        assert "Question f1?" in own["text"]


async def test_discord_stale_clicks_write_nothing(tmp_path: Path) -> None:
    async with stack_of(tmp_path, [CHOICE_BANK]) as stack:
        foreign = await stack.quiz.rounds.post_daily(ChannelRef("discord", "42", "7"))
        closed = round_id_of(await post(stack))
        await stack.quiz.rounds.close(closed)
        before = counts(stack.db)
        message = await stale_message(
            stack,
            AnswerButton(999_999, "A"),
            AnswerButton(foreign.round.id, "A"),
            AnswerButton(closed, "A"),
        )
        texts = [
            (await reply(stack.fake, await stack.fake.click(custom_id, user=MEMBER)))["text"]
            for custom_id in custom_ids(message)
        ]
        assert "doesn't exist here" in texts[0] and "doesn't exist here" in texts[1]
        assert "This question is closed." in texts[2]
        assert counts(stack.db) == before


# --- Slack ------------------------------------------------------------------------------------


async def slack_click(stack: SlackStack, round_id: int, letter: str, team_id: str) -> str:
    respond_to = stack.fake.response_url(channel=GENERAL_ID)
    request = block_actions_request(
        SECRET,
        [button_action(f"quiz_answer:{letter}", f"{round_id}:{letter}",
                       block_id=f"quiz_round:{round_id}")],
        user=SLACK_MEMBER, team_id=team_id, response_url=respond_to,
    )  # fmt: skip
    status, _ = await post_to_app(stack.url, request)
    assert status == 200
    body: dict[str, Any] = dict((await stack.fake.wait_for_response(response_url=respond_to)).body)
    return text_of(body)


async def test_slack_stale_and_foreign_clicks_write_nothing(tmp_path: Path) -> None:
    async with slack_stack_of(tmp_path, [CHOICE_BANK]) as stack:
        message = await slack_post(stack)
        round_id = round_of(message)
        before = counts(stack.db)
        assert "doesn't exist here" in await slack_click(stack, 999_999, "A", TEAM_ID)
        # A workspace the app is not installed in, clicking this workspace's round.
        assert "doesn't exist here" in await slack_click(stack, round_id, "A", "T0ELSEWHERE")
        await stack.quiz.rounds.close(round_id)
        closed = counts(stack.db)
        assert "closed" in await slack_click(stack, round_id, "A", TEAM_ID)
        assert counts(stack.db) == closed
        assert closed["users"] == before["users"] and closed["attempts"] == 0


async def test_a_newcomers_burst_of_clicks_keeps_the_limit_and_makes_one_row(
    make_quiz: MakeQuiz, db_path: Path
) -> None:
    quiz = await make_quiz(make_bank("demo", [make_question("q1")]))
    daily = await quiz.rounds.post_daily(CHANNEL)
    new = UserRef("console", "local", "burst", "Burst")
    said = await asyncio.gather(
        # Different wrong answers: the same one again would count no attempt at all.
        *(quiz.rounds.answer(daily.round.id, new, ["BCD"[n % 3]]) for n in range(10))
    )
    assert sum(isinstance(outcome, AlreadyFinished) for outcome in said) == 7
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM users WHERE user_ref = 'burst'").fetchone() == (
            1,
        )
        assert conn.execute("SELECT COUNT(*) FROM attempts").fetchone() == (3,)
