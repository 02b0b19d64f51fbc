"""quizbot on Discord, end to end: real discord.py against the fake Discord, real SQLite."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import discord
import pytest
from conftest import T0, platform_banks
from pg_fixtures import OpenStore, table_rows

from bot.adapters.discord.bot import QuizBot
from bot.adapters.discord.run import run_discord
from bot.adapters.discord.views import AnswerButton, FillButton
from bot.app import App, StartupError
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.core.library import BankLibrary
from bot.core.models import Bank
from bot.core.permissions import NOT_ADMIN, AdminPolicy
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef, UserRef
from bot.core.schedule import make_schedule
from bot.store.sqlite import SqliteStore
from bot.testing.discord import (
    ADMIN,
    APP_ID,
    EPHEMERAL,
    GENERAL_ID,
    GUILD_ID,
    MEMBER,
    OWNER,
    QUIZ_ADMIN,
    FakeDiscord,
    FakeUser,
    SentInteraction,
    running_client,
)

# The tests on the `stack` fixture run on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

CHOICE_BANK, FILL_BANK, TEST_BANK = platform_banks()


@dataclass
class Stack:
    fake: FakeDiscord
    bot: QuizBot
    quiz: Quiz
    db: Path

    async def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return await table_rows(self.quiz.context.store, self.db, sql, params)


def make_bot(quiz: Quiz) -> QuizBot:
    return QuizBot(
        quiz,
        guild_ids=[GUILD_ID],
        admins=AdminPolicy.from_settings(["Quiz Admin"]),
        guild_ready_timeout=0.05,
    )


@asynccontextmanager
async def quiz_on(
    db: Path, banks: list[Bank], open_store: OpenStore | None = None
) -> AsyncIterator[Quiz]:
    store = await (open_store() if open_store else SqliteStore.open(db))
    try:
        quiz = Quiz(store, BankLibrary(banks), FakeClock(T0), rng=random.Random(1))
        await quiz.start()
        yield quiz
    finally:
        await store.close()


@asynccontextmanager
async def stack_of(
    tmp_path: Path, banks: list[Bank], open_store: OpenStore | None = None
) -> AsyncIterator[Stack]:
    db = tmp_path / "quiz.db"
    async with FakeDiscord() as fake, quiz_on(db, banks, open_store) as quiz:
        async with running_client(fake, lambda: make_bot(quiz)) as bot:
            yield Stack(fake, bot, quiz, db)
        assert not fake.unhandled, [f"{r.method} {r.path}" for r in fake.unhandled]


@pytest.fixture
async def stack(tmp_path: Path, open_store: OpenStore) -> AsyncIterator[Stack]:
    # On both stores: the conftest's open_store is parametrized for this module.
    async with stack_of(tmp_path, [CHOICE_BANK], open_store) as found:
        yield found


async def reply(fake: FakeDiscord, sent: SentInteraction) -> dict[str, Any]:
    """The interaction's response as it reached Discord: type, data, and all its text."""
    callback = await fake.wait_for_callback(sent)
    data = callback.json.get("data") or {}
    text = [data.get("content") or ""]
    text += [embed.get("description") or "" for embed in data.get("embeds", [])]
    text += [embed.get("title") or "" for embed in data.get("embeds", [])]
    return {"type": callback.json["type"], "data": data, "text": "\n".join(text)}


async def followup_text(fake: FakeDiscord, sent: SentInteraction) -> str:
    followup = await fake.wait_for_followup(sent)
    data = followup.json or {}
    parts = [data.get("content") or ""]
    parts += [embed.get("description") or "" for embed in data.get("embeds", [])]
    return "\n".join(parts)


async def post(stack: Stack, user: FakeUser = ADMIN) -> dict[str, Any]:
    """An admin posts the next question in #general; returns the posted message."""
    sent = await stack.fake.slash("quiz-admin", "post-now", user=user, channel_id=GENERAL_ID)
    assert "Posted **" in await followup_text(stack.fake, sent)
    return stack.fake.messages_in(GENERAL_ID, include_ephemeral=False)[-1]


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [
        component["custom_id"]
        for row in message.get("components", [])
        for component in row.get("components", [])
        if "custom_id" in component
    ]


def round_id_of(message: dict[str, Any]) -> int:
    return int(custom_ids(message)[0].split(":")[2])


# --- start-up ----------------------------------------------------------------------------------


async def test_commands_sync_with_descriptions_and_options(stack: Stack) -> None:
    synced = {command["name"]: command for command in stack.fake.synced_commands(GUILD_ID)}
    assert set(synced) == {"quiz", "quiz-admin"}
    quiz = {option["name"]: option for option in synced["quiz"]["options"]}
    assert set(quiz) == {
        "practice",
        "test",
        "leaderboard",
        "stats",
        "help",
        "team",
        "review",
        "remind",
    }
    assert all(option["description"] for option in quiz.values())
    practice = {o["name"]: o for o in quiz["practice"]["options"]}
    assert practice["bank"]["autocomplete"] is True
    assert [c["value"] for c in practice["difficulty"]["choices"]] == ["easy", "medium", "hard"]
    admin = {option["name"]: option for option in synced["quiz-admin"]["options"]}
    reports = {"reports", "export"}
    assert set(admin) == {"post-now", "reveal-now", "schedule", "banks", "team"} | reports
    assert "an open one is closed and revealed first" in admin["post-now"]["description"]
    assert {o["name"] for o in admin["schedule"]["options"]} == {
        "set", "show", "pause", "resume", "remove",
    }  # fmt: skip
    assert synced["quiz"].get("contexts") in (None, [0]) or synced["quiz"]["dm_permission"] is False


# --- a daily round -------------------------------------------------------------------------------


async def test_a_posted_round_has_an_embed_and_one_button_per_option(stack: Stack) -> None:
    message = await post(stack)
    embed = message["embeds"][0]
    assert "Demo pattern" in embed["title"]
    assert "Question q1?" in embed["description"] and "charlie" in embed["description"]
    assert "Attempts: 3" in embed["footer"]["text"]
    round_id = round_id_of(message)
    assert custom_ids(message) == [f"quiz:a:{round_id}:{letter}" for letter in "ABCD"]
    # The answer is nowhere in what clients can read.
    assert all(cid.rsplit(":", 1)[1] != "A" or cid.endswith(":A") for cid in custom_ids(message))
    assert await stack.rows("SELECT message_ref FROM rounds WHERE id = ?", (round_id,)) == [
        (str(message["id"]),)
    ]


async def test_a_correct_answer_is_private_and_scores(stack: Stack) -> None:
    message = await post(stack)
    sent = await stack.fake.click(custom_ids(message)[0], user=MEMBER)
    answer = await reply(stack.fake, sent)
    assert answer["type"] == 4 and answer["data"]["flags"] & EPHEMERAL
    assert "Correct! +10 points (1st attempt)" in answer["text"]
    assert "because q1" in answer["text"]  # the solution, once done
    assert await stack.rows("SELECT points FROM participations") == [(10,)]


async def test_wrong_then_hint_then_exhausted_then_finished(stack: Stack) -> None:
    message = await post(stack)
    ids = dict(zip("ABCD", custom_ids(message), strict=True))
    first = await reply(stack.fake, await stack.fake.click(ids["B"], user=MEMBER))
    assert "Not quite — 2 attempts left." in first["text"]
    assert "Bravo is the runner-up." in first["text"] and "Think of alpha." in first["text"]
    second = await reply(stack.fake, await stack.fake.click(ids["C"], user=MEMBER))
    assert "1 attempt left" in second["text"]
    third = await reply(stack.fake, await stack.fake.click(ids["D"], user=MEMBER))
    assert "Out of attempts." in third["text"] and "Answer:" in third["text"]
    assert "Picking bravo" in third["text"]  # common mistakes come with the solution
    again = await reply(stack.fake, await stack.fake.click(ids["A"], user=MEMBER))
    assert "You already finished: no attempts left (3 used)." in again["text"]
    assert await stack.rows("SELECT COUNT(*), SUM(correct) FROM attempts") == [(3, 0)]


async def test_concurrent_clicks_by_one_person_keep_the_limit(stack: Stack) -> None:
    message = await post(stack)
    ids = custom_ids(message)
    sent = await asyncio.gather(
        *(stack.fake.click(ids[1 + n % 3], user=MEMBER) for n in range(10)),
        stack.fake.click(ids[0], user=MEMBER),
    )
    texts = [(await reply(stack.fake, s))["text"] for s in sent]
    # Each click is counted (right, wrong, out of attempts) or refused as a repeat of an option
    # already tried or as coming after the finish; at most 3 are counted, whatever the order.
    refused = [t for t in texts if "already finished" in t or "nothing was counted" in t]
    assert len(texts) - len(refused) <= 3, texts
    assert any("already finished" in t for t in refused), texts
    ((used, correct),) = await stack.rows(
        "SELECT COUNT(*), COALESCE(SUM(correct), 0) FROM attempts"
    )
    assert used <= 3 and correct <= 1


async def test_close_disables_buttons_and_reveals_publicly(stack: Stack) -> None:
    message = await post(stack)
    ids = custom_ids(message)
    await reply(stack.fake, await stack.fake.click(ids[1], user=MEMBER))
    await reply(stack.fake, await stack.fake.click(ids[0], user=MEMBER))
    await reply(stack.fake, await stack.fake.click(ids[0], user=OWNER))
    sent = await stack.fake.slash("quiz-admin", "reveal-now", user=ADMIN, channel_id=GENERAL_ID)
    await stack.fake.wait_for_followup(sent)
    edit = await stack.fake.wait_for(method="PATCH", path=f"/channels/{GENERAL_ID}/messages/*")
    buttons = [c for row in edit.json["components"] for c in row["components"]]
    assert buttons and all(button["disabled"] for button in buttons)
    public = stack.fake.messages_in(GENERAL_ID, include_ephemeral=False)[-1]
    reveal = public["embeds"][0]["description"]
    assert "Answer:" in reveal and "A — alpha" in reveal
    assert "2 participants · 100% solved" in reveal
    assert "Most-picked wrong option: B (1 pick) — Bravo is the runner-up." in reveal
    late = await reply(
        stack.fake, await stack.fake.click_forged(ids[0], message_id=int(message["id"]))
    )
    assert "This question is closed." in late["text"]


async def test_a_reveal_discord_refused_is_posted_by_the_next_reveal_now(stack: Stack) -> None:
    await post(stack)
    stack.fake.refuse("POST", f"/channels/{GENERAL_ID}/messages", 403, code=50013)
    sent = await stack.fake.slash("quiz-admin", "reveal-now", user=ADMIN, channel_id=GENERAL_ID)
    told = await followup_text(stack.fake, sent)
    assert told.strip().startswith("Discord refused that (403: refused by the test). Nothing is")
    assert await stack.rows("SELECT closed_at IS NOT NULL, revealed_at FROM rounds") == [(1, None)]

    sent = await stack.fake.slash("quiz-admin", "reveal-now", user=ADMIN, channel_id=GENERAL_ID)
    told = await followup_text(stack.fake, sent)
    assert told.strip() == "Revealed."
    public = stack.fake.messages_in(GENERAL_ID, include_ephemeral=False)
    assert [m["embeds"][0]["description"].count("Answer:") for m in public[1:]] == [1]
    assert await stack.rows("SELECT revealed_at IS NOT NULL FROM rounds") == [(1,)]


async def test_post_now_over_an_open_question_says_it_was_revealed_first(stack: Stack) -> None:
    await post(stack)
    sent = await stack.fake.slash("quiz-admin", "post-now", user=ADMIN, channel_id=GENERAL_ID)
    said = (await followup_text(stack.fake, sent)).strip()
    assert said.startswith("The open question ") and " was closed and revealed first. " in said
    assert "Posted **" in said


async def test_a_post_discord_refused_is_posted_again_not_revealed_unseen(stack: Stack) -> None:
    stack.fake.refuse("POST", f"/channels/{GENERAL_ID}/messages", 403, code=50013)
    sent = await stack.fake.slash("quiz-admin", "post-now", user=ADMIN, channel_id=GENERAL_ID)
    assert "Discord refused that (403" in await followup_text(stack.fake, sent)
    assert stack.fake.messages_in(GENERAL_ID, include_ephemeral=False) == []

    sent = await stack.fake.slash("quiz-admin", "post-now", user=ADMIN, channel_id=GENERAL_ID)
    assert "Posted **" in await followup_text(stack.fake, sent)
    (question,) = stack.fake.messages_in(GENERAL_ID, include_ephemeral=False)
    assert "Answer:" not in question["embeds"][0]["description"]  # no reveal of an unseen one
    assert await stack.rows(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE closed_at IS NULL) FROM rounds"
    ) == [(1, 1)]
    assert await stack.rows("SELECT message_ref FROM rounds") == [(question["id"],)]


async def test_posting_again_reveals_the_previous_round_first(stack: Stack) -> None:
    first = await post(stack)
    await post(stack)
    public = stack.fake.messages_in(GENERAL_ID, include_ephemeral=False)
    assert [bool(m.get("embeds")) and m["embeds"][0].get("title") for m in public[-3:]] == [
        public[-3]["embeds"][0]["title"],
        "Reveal",
        public[-1]["embeds"][0]["title"],
    ]
    assert public[-3]["id"] == first["id"]


# --- fill in the blanks ----------------------------------------------------------------------


async def open_picker(stack: Stack, message: dict[str, Any], user: FakeUser) -> dict[str, Any]:
    sent = await stack.fake.click(custom_ids(message)[0], user=user)
    answer = await reply(stack.fake, sent)
    assert answer["data"]["flags"] & EPHEMERAL
    picker = stack.fake.response_message(sent)
    assert picker is not None
    return picker


async def test_multi_blank_picks_then_one_submit(tmp_path: Path) -> None:
    async with stack_of(tmp_path, [FILL_BANK]) as stack:
        message = await post(stack)
        assert custom_ids(message) == [f"quiz:f:{round_id_of(message)}"]
        picker = await open_picker(stack, message, MEMBER)
        blank1, blank2, submit = custom_ids(picker)
        for select, letter in ((blank1, "A"), (blank2, "C")):
            picked = await stack.fake.click(select, values=[letter], message_id=int(picker["id"]),
                                            user=MEMBER)  # fmt: skip
            assert (await reply(stack.fake, picked))["type"] == 6  # picking is not an attempt
        assert await stack.rows("SELECT COUNT(*) FROM attempts") == [(0,)]
        wrong = await reply(stack.fake, await stack.fake.click(submit, message_id=int(picker["id"]),
                                                               user=MEMBER))  # fmt: skip
        assert wrong["type"] == 7 and "Not quite — 2 attempts left." in wrong["text"]
        await stack.fake.click(blank2, values=["B"], message_id=int(picker["id"]), user=MEMBER)
        right = await reply(stack.fake, await stack.fake.click(submit, message_id=int(picker["id"]),
                                                               user=MEMBER))  # fmt: skip
        assert "Correct! +12 points (2nd attempt)" in right["text"]
        assert await stack.rows("SELECT answer FROM attempts ORDER BY attempt_no") == [
            ("A C",),
            ("A B",),
        ]


async def test_two_peoples_picks_are_kept_apart(tmp_path: Path) -> None:
    async with stack_of(tmp_path, [FILL_BANK]) as stack:
        message = await post(stack)
        mine = await open_picker(stack, message, MEMBER)
        theirs = await open_picker(stack, message, OWNER)
        assert custom_ids(mine) != custom_ids(theirs)
        m1, m2, m_submit = custom_ids(mine)
        t1, t2, _ = custom_ids(theirs)
        await stack.fake.click(m1, values=["A"], message_id=int(mine["id"]), user=MEMBER)
        await stack.fake.click(t1, values=["D"], message_id=int(theirs["id"]), user=OWNER)
        await stack.fake.click(t2, values=["D"], message_id=int(theirs["id"]), user=OWNER)
        await stack.fake.click(m2, values=["B"], message_id=int(mine["id"]), user=MEMBER)
        done = await reply(stack.fake, await stack.fake.click(m_submit, message_id=int(mine["id"]),
                                                              user=MEMBER))  # fmt: skip
        assert "Correct!" in done["text"]
        assert await stack.rows("SELECT answer FROM attempts") == [("A B",)]


async def test_submitting_with_a_blank_left_costs_nothing(tmp_path: Path) -> None:
    async with stack_of(tmp_path, [FILL_BANK]) as stack:
        message = await post(stack)
        picker = await open_picker(stack, message, MEMBER)
        blank1, _, submit = custom_ids(picker)
        await stack.fake.click(blank1, values=["A"], message_id=int(picker["id"]), user=MEMBER)
        early = await reply(stack.fake, await stack.fake.click(submit, message_id=int(picker["id"]),
                                                               user=MEMBER))  # fmt: skip
        assert "Pick an option for blank [2] first." in early["text"]
        assert await stack.rows("SELECT COUNT(*) FROM attempts") == [(0,)]


# --- ids that cannot be trusted, and restarts ----------------------------------------------------


async def stale_message(stack: Stack, *items: discord.ui.Item[Any]) -> dict[str, Any]:
    """A message in #general whose buttons point at rounds this server does not have (left by
    a wiped database, or copied from another server)."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    channel = stack.bot.get_channel(GENERAL_ID)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("an old question", view=view)
    return stack.fake.messages[sent.id]


async def test_stale_and_foreign_custom_ids_get_a_polite_error(stack: Stack) -> None:
    foreign = await stack.quiz.rounds.post_daily(ChannelRef("discord", "42", "7"))
    message = await stale_message(
        stack,
        AnswerButton(999_999, "A"),
        FillButton(999_998),
        AnswerButton(foreign.round.id, "A"),
    )
    for custom_id in custom_ids(message):
        answer = await reply(stack.fake, await stack.fake.click(custom_id, user=MEMBER))
        assert "doesn't exist here" in answer["text"], custom_id
        assert answer["data"]["flags"] & EPHEMERAL
    assert await stack.rows("SELECT COUNT(*) FROM attempts") == [(0,)]


async def test_a_custom_id_that_is_not_on_the_message_changes_nothing(stack: Stack) -> None:
    message = await post(stack)
    round_id = round_id_of(message)
    # discord.py drops a component interaction whose custom_id is not on its message (Discord
    # then shows "This interaction failed"), so a hand-made "E" never reaches quizbot.
    forged = await stack.fake.click_forged(
        f"quiz:a:{round_id}:E", message_id=int(message["id"]), user=MEMBER
    )
    # Gateway events are handled in order: once a later click is answered, the forged one is done.
    real = await stack.fake.click(custom_ids(message)[1], user=MEMBER)
    assert "Not quite" in (await reply(stack.fake, real))["text"]
    assert stack.fake.callbacks_for(forged) == []
    assert await stack.rows("SELECT answer FROM attempts") == [("B",)]


async def test_buttons_work_after_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    async with FakeDiscord() as fake:
        async with quiz_on(db, [CHOICE_BANK]) as quiz, running_client(fake, lambda: make_bot(quiz)):
            sent = await fake.slash("quiz-admin", "post-now", user=ADMIN, channel_id=GENERAL_ID)
            await fake.wait_for_followup(sent)
        message = fake.messages_in(GENERAL_ID, include_ephemeral=False)[-1]
        # A new process: new store, new client, same database.
        async with quiz_on(db, [CHOICE_BANK]) as quiz, running_client(fake, lambda: make_bot(quiz)):
            clicked = await fake.click(custom_ids(message)[0], user=MEMBER)
            assert "Correct! +10 points" in (await reply(fake, clicked))["text"]


# --- practice, tests, boards ---------------------------------------------------------------------


async def test_practice_is_private_and_never_on_the_board(stack: Stack) -> None:
    sent = await stack.fake.slash("quiz", "practice", user=MEMBER, channel_id=GENERAL_ID)
    shown = await reply(stack.fake, sent)
    assert shown["data"]["flags"] & EPHEMERAL and "Practice" in shown["text"]
    practice = stack.fake.response_message(sent)
    assert practice is not None
    answer = await reply(stack.fake, await stack.fake.click(custom_ids(practice)[0], user=MEMBER))
    assert "Correct! (1st attempt · practice: not counted)" in answer["text"]
    assert "+10 points" not in answer["text"]
    board = await reply(stack.fake, await stack.fake.slash("quiz", "leaderboard", user=MEMBER))
    assert "No points yet." in board["text"]
    assert stack.fake.messages_in(GENERAL_ID, include_ephemeral=False) == []


async def test_a_test_run_goes_through_ten_questions_to_a_score(tmp_path: Path) -> None:
    async with stack_of(tmp_path, [TEST_BANK]) as stack:
        sent = await stack.fake.slash(
            "quiz", "test", options={"bank": "tenq"}, user=MEMBER, channel_id=GENERAL_ID
        )
        first = await reply(stack.fake, sent)
        assert "10 questions, one attempt each" in first["text"] and "1/10" in first["text"]
        message = stack.fake.response_message(sent)
        texts = []
        for position in range(10):
            assert message is not None
            letter = "A" if position % 2 == 0 else "B"  # every generated answer is A
            choice = next(cid for cid in custom_ids(message) if cid.endswith(f":{letter}"))
            clicked = await stack.fake.click(choice, message_id=int(message["id"]), user=MEMBER)
            texts.append((await reply(stack.fake, clicked))["text"])
            message = stack.fake.response_message(clicked)
        assert "Test finished: Ten questions" in texts[-1]
        assert "Score: 5/10 (50%)" in texts[-1]
        assert "2/10" in texts[0]


async def test_leaderboard_and_stats(stack: Stack) -> None:
    message = await post(stack)
    await reply(stack.fake, await stack.fake.click(custom_ids(message)[0], user=MEMBER))
    board = await reply(stack.fake, await stack.fake.slash("quiz", "leaderboard", user=OWNER))
    assert "1. Pat — 10 points (1 solve)" in board["text"]
    server = await reply(
        stack.fake,
        await stack.fake.slash("quiz", "leaderboard", options={"period": "all", "scope": "server"}),
    )
    assert "Everyone here · all time" in server["text"] and "Pat — 10 points" in server["text"]
    stats = await reply(stack.fake, await stack.fake.slash("quiz", "stats", user=MEMBER))
    assert "Points: 10 · solved 1/1 (100%) · streak 1 (best 1)" in stats["text"]


async def test_teams_join_and_board(stack: Stack) -> None:
    created = await stack.fake.slash("quiz-admin", "team", "create", options={"name": "Red"},
                                     user=ADMIN)  # fmt: skip
    assert "Created **Red**." in (await reply(stack.fake, created))["text"]
    joined = await stack.fake.slash("quiz", "team", "join", options={"name": "red"}, user=MEMBER)
    assert "You joined **Red**." in (await reply(stack.fake, joined))["text"]
    message = await post(stack)
    await reply(stack.fake, await stack.fake.click(custom_ids(message)[0], user=MEMBER))
    teams = await reply(
        stack.fake, await stack.fake.slash("quiz", "leaderboard", options={"teams": True})
    )
    assert "1. Red — 10 points (1/1 active" in teams["text"]


# --- admin commands: allowed to admins, refused to members, checked on the server ---------------

ADMIN_CALLS: list[tuple[tuple[str, ...], dict[str, Any], str]] = [
    (("post-now",), {}, "SELECT COUNT(*) FROM rounds"),
    (("reveal-now",), {}, "SELECT COUNT(*) FROM rounds WHERE closed_at IS NOT NULL"),
    (
        ("schedule", "set"),
        {"channel": GENERAL_ID, "time": "09:30", "timezone": "Europe/Berlin"},
        "SELECT COUNT(*) FROM schedules",
    ),
    (("schedule", "pause"), {}, "SELECT COUNT(*) FROM schedules WHERE paused = 1"),
    (("schedule", "remove"), {}, "SELECT COUNT(*) FROM schedules"),
    (("banks", "disable"), {"bank": "demo"}, "SELECT COUNT(*) FROM bank_settings"),
    (("team", "create"), {"name": "Blue"}, "SELECT COUNT(*) FROM teams"),
]


@pytest.mark.parametrize(("path", "options", "probe"), ADMIN_CALLS, ids=lambda v: str(v))
async def test_admin_commands_are_refused_to_members(
    stack: Stack, path: tuple[str, ...], options: dict[str, Any], probe: str
) -> None:
    general = ChannelRef("discord", str(GUILD_ID), str(GENERAL_ID))
    await stack.quiz.schedules.set(make_schedule(general, "08:00", "UTC"))
    before = await stack.rows(probe)
    sent = await stack.fake.slash("quiz-admin", *path, options=options, user=MEMBER,
                                  channel_id=GENERAL_ID)  # fmt: skip
    refused = await reply(stack.fake, sent)
    assert NOT_ADMIN in refused["text"] and refused["data"]["flags"] & EPHEMERAL
    assert await stack.rows(probe) == before
    assert stack.fake.messages_in(GENERAL_ID, include_ephemeral=False) == []


@pytest.mark.parametrize("who", [ADMIN, QUIZ_ADMIN], ids=["manage-server", "quiz-admin-role"])
async def test_admins_by_permission_or_role_may_schedule(stack: Stack, who: FakeUser) -> None:
    sent = await stack.fake.slash(
        "quiz-admin", "schedule", "set",
        options={"channel": GENERAL_ID, "time": "9:30", "timezone": "Europe/Berlin",
                 "days": "mon,wed,fri", "difficulty": "hard"},
        user=who, channel_id=GENERAL_ID,
    )  # fmt: skip
    done = await reply(stack.fake, sent)
    assert "09:30 Europe/Berlin, Mon, Wed, Fri, hard" in done["text"]
    assert await stack.rows("SELECT post_time, timezone, days, difficulty FROM schedules") == [
        ("09:30", "Europe/Berlin", "0,2,4", "hard")
    ]
    shown = await reply(stack.fake, await stack.fake.slash("quiz-admin", "schedule", "show",
                                                           user=who))  # fmt: skip
    assert f"<#{GENERAL_ID}>: 09:30 Europe/Berlin" in shown["text"]


async def test_bad_schedule_input_gets_a_clear_private_answer(stack: Stack) -> None:
    sent = await stack.fake.slash(
        "quiz-admin", "schedule", "set",
        options={"channel": GENERAL_ID, "time": "25:99", "timezone": "Mars/Base"},
        user=ADMIN,
    )  # fmt: skip
    answer = await reply(stack.fake, sent)
    assert "'25:99' is not a time of day" in answer["text"]
    assert await stack.rows("SELECT COUNT(*) FROM schedules") == [(0,)]


async def test_admin_post_and_reveal_in_another_channel(stack: Stack) -> None:
    guild = stack.bot.get_guild(GUILD_ID)
    assert guild is not None
    other = next(channel for channel in guild.text_channels if channel.id != GENERAL_ID)
    sent = await stack.fake.slash("quiz-admin", "post-now", options={"channel": other.id},
                                  user=ADMIN, channel_id=GENERAL_ID)  # fmt: skip
    assert f"in <#{other.id}>" in await followup_text(stack.fake, sent)
    assert stack.fake.messages_in(other.id, include_ephemeral=False)
    assert stack.bot.application_id == APP_ID


BANK_SWITCHES = "SELECT enabled FROM bank_settings"
TEAM_NAMES = "SELECT name FROM teams ORDER BY name"
TEAM_MEMBERS = "SELECT COUNT(*) FROM team_members"
ALLOWED_CALLS: list[tuple[tuple[str, ...], dict[str, Any], str, str]] = [
    (("post-now",), {}, "Posted **", "SELECT COUNT(*) FROM rounds WHERE closed_at IS NULL"),
    (("reveal-now",), {}, "Revealed.", "SELECT COUNT(*) FROM rounds WHERE closed_at IS NOT NULL"),
    (("schedule", "show"), {}, "09:00 UTC, Mon-Fri", "SELECT COUNT(*) FROM schedules"),
    (("schedule", "pause"), {}, "Paused:", "SELECT paused FROM schedules"),
    (("schedule", "resume"), {}, "Resumed:", "SELECT paused FROM schedules"),
    (("schedule", "remove"), {}, "Schedule removed.", "SELECT COUNT(*) FROM schedules"),
    (("banks", "list"), {}, "✅ **demo**", "SELECT COUNT(*) FROM bank_settings"),
    (("banks", "disable"), {"bank": "demo"}, "**demo** is disabled", BANK_SWITCHES),
    (("banks", "enable"), {"bank": "demo"}, "**demo** is enabled", BANK_SWITCHES),
    (("team", "create"), {"name": "Blue"}, "Created **Blue**.", TEAM_NAMES),
    (("team", "rename"), {"name": "Red", "new_name": "Green"}, "Renamed to **Green**.", TEAM_NAMES),
    (("team", "delete"), {"name": "Red"}, "Deleted **Red**.", "SELECT COUNT(*) FROM teams"),
    (("team", "add"), {"member": MEMBER.id, "team": "Red"}, "is in **Red**.", TEAM_MEMBERS),
    (("team", "remove"), {"member": OWNER.id}, "left **Red**.", TEAM_MEMBERS),
]  # fmt: skip


@pytest.mark.parametrize(("path", "options", "says", "probe"), ALLOWED_CALLS, ids=lambda v: str(v))
async def test_every_admin_command_works_for_an_admin(
    stack: Stack, path: tuple[str, ...], options: dict[str, Any], says: str, probe: str
) -> None:
    general = ChannelRef("discord", str(GUILD_ID), str(GENERAL_ID))
    await stack.quiz.schedules.set(make_schedule(general, "09:00", "UTC"))
    await stack.quiz.teams.create("discord", str(GUILD_ID), "Red")
    owner = UserRef("discord", str(GUILD_ID), str(OWNER.id), "olive")
    await stack.quiz.teams.join(owner, "Red")
    if path == ("reveal-now",):
        await post(stack)
    if path == ("schedule", "resume"):
        await stack.quiz.schedules.pause(general)
    before = await stack.rows(probe)
    sent = await stack.fake.slash("quiz-admin", *path, options=options, user=ADMIN,
                                  channel_id=GENERAL_ID)  # fmt: skip
    answer = await reply(stack.fake, sent)
    text = answer["text"]
    if not text.strip():
        text = await followup_text(stack.fake, sent)
    assert says in text
    if path not in {("schedule", "show"), ("banks", "list")}:
        assert await stack.rows(probe) != before, "an allowed admin command changed nothing"


async def test_a_refused_token_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeDiscord(token="the-right-token") as fake:
        monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
        settings = Settings(discord_token="MTIz.a-wrong.token")  # type: ignore[call-arg]
        app = App(quiz=None, store=None, bank_issues=[])  # type: ignore[arg-type]
        with pytest.raises(StartupError, match="DISCORD_TOKEN was refused by Discord"):
            await run_discord(app, settings)


async def test_start_up_logs_the_invite_url_with_what_the_bot_needs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="bot.adapters.discord.bot")
    async with stack_of(tmp_path, [CHOICE_BANK]):
        pass
    (line,) = [r.getMessage() for r in caplog.records if "invite quizbot" in r.getMessage()]
    assert f"client_id={APP_ID}" in line
    assert "scope=bot+applications.commands" in line
    permissions = discord.Permissions(int(line.split("permissions=")[1].split("&")[0]))
    assert permissions.send_messages and permissions.embed_links and permissions.view_channel
    assert not permissions.administrator and not permissions.manage_guild


async def test_schedule_show_tells_admins_what_was_skipped_or_disabled(stack: Stack) -> None:
    general = ChannelRef("discord", str(GUILD_ID), str(GENERAL_ID))
    await stack.quiz.schedules.set(make_schedule(general, "09:00", "UTC"))
    store = stack.quiz.context.store
    claim = await store.claim_post(general, "2026-11-30", T0)  # type: ignore[attr-defined]
    await store.update_claim(replace(claim, status="skipped", detail="quizbot was down"))  # type: ignore[attr-defined]
    await store.disable_schedule(general, "posting failed for good: 403 Missing Access")  # type: ignore[attr-defined]
    shown = await reply(stack.fake, await stack.fake.slash("quiz-admin", "schedule", "show",
                                                           user=ADMIN))  # fmt: skip
    assert "⚠️ 2026-11-30: quizbot was down" in shown["text"]
    assert "disabled: posting failed for good: 403 Missing Access" in shown["text"]
