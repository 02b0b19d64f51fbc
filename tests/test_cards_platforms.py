"""The cards on the three channels, through the real libraries: discord.py against the fake
Discord, bolt with signed requests against the fake Slack (files_upload_v2), the console."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import re
from pathlib import Path
from typing import Any

import discord
import pytest
from conftest import platform_banks
from PIL import Image
from test_discord import Stack as DiscordStack
from test_discord import custom_ids, make_bot, quiz_on, reply
from test_discord import post as discord_post
from test_discord import stack_of as discord_stack_of
from test_slack import SECRET, command, text_of
from test_slack import Stack as SlackStack
from test_slack import click as slack_click
from test_slack import post as slack_post
from test_slack import stack_of as slack_stack_of

from bot.adapters.console.channel import ConsoleChannel
from bot.adapters.slack.admin import show_reveal
from bot.adapters.slack.cards import BOARD, SENT, STATS
from bot.adapters.slack.context import channel_ref
from bot.core.quiz import Quiz
from bot.testing.discord import (
    ADMIN,
    EPHEMERAL,
    GENERAL_ID,
    MEMBER,
    OWNER,
    FakeDiscord,
    running_client,
)
from bot.testing.discord.world import DEFAULT_EVERYONE, default_guild
from bot.testing.slack import GENERAL_ID as SLACK_GENERAL
from bot.testing.slack import MEMBER as SLACK_MEMBER
from bot.testing.slack import OWNER as SLACK_OWNER
from bot.testing.slack import (
    TEAM_ID,
    app_home_opened_request,
    block_actions_request,
    button_action,
    post_to_app,
)
from bot.testing.slack.world import dm_channel_id

CHOICE_BANK, _, _ = platform_banks()


@pytest.fixture
async def stack(tmp_path: Path) -> Any:
    async with discord_stack_of(tmp_path, [CHOICE_BANK]) as found:
        yield found


@pytest.fixture
async def slack_stack(tmp_path: Path) -> Any:
    async with slack_stack_of(tmp_path, [CHOICE_BANK]) as found:
        yield found


def png_size(data: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG"
    return image.size


# --- Discord -----------------------------------------------------------------------------------


async def test_discord_leaderboard_image_is_an_attachment_in_the_ephemeral_reply(
    stack: DiscordStack,
) -> None:
    message = await discord_post(stack)
    await reply(stack.fake, await stack.fake.click(custom_ids(message)[0], user=MEMBER))
    sent = await stack.fake.slash("quiz", "leaderboard", options={"image": True}, user=OWNER)
    deferred = await stack.fake.wait_for_callback(sent)
    assert deferred.json["type"] == 5 and deferred.json["data"]["flags"] & EPHEMERAL
    followup = await stack.fake.wait_for_followup(sent)
    assert followup.json["flags"] & EPHEMERAL
    assert followup.json["content"].startswith("This channel · week")
    ((name, data),) = followup.files
    assert name == "quizbot-leaderboard.png" and png_size(data)[0] == 800
    assert [a["filename"] for a in followup.json["attachments"]] == ["quizbot-leaderboard.png"]
    # Nobody else sees it: nothing public was posted besides the question.
    assert len(stack.fake.messages_in(GENERAL_ID, include_ephemeral=False)) == 1


async def test_discord_stats_image_of_someone_else_and_the_same_board_twice(
    stack: DiscordStack,
) -> None:
    message = await discord_post(stack)
    await reply(stack.fake, await stack.fake.click(custom_ids(message)[0], user=MEMBER))
    sent = await stack.fake.slash(
        "quiz", "stats", options={"user": MEMBER, "image": True}, user=OWNER
    )
    followup = await stack.fake.wait_for_followup(sent)
    assert followup.json["content"] == "Progress of Pat"
    ((name, data),) = followup.files
    assert name == "quizbot-progress.png" and png_size(data)[0] == 800
    # The same board asked twice is drawn once: the second reply carries the same bytes.
    first = await stack.fake.slash("quiz", "leaderboard", options={"image": True}, user=OWNER)
    second = await stack.fake.slash("quiz", "leaderboard", options={"image": True}, user=OWNER)
    one = (await stack.fake.wait_for_followup(first)).files[0][1]
    two = (await stack.fake.wait_for_followup(second)).files[0][1]
    assert one == two


async def test_discord_reveal_carries_its_card(stack: DiscordStack) -> None:
    message = await discord_post(stack)
    ids = custom_ids(message)
    await reply(stack.fake, await stack.fake.click(ids[1], user=MEMBER))
    await reply(stack.fake, await stack.fake.click(ids[0], user=MEMBER))
    sent = await stack.fake.slash("quiz-admin", "reveal-now", user=ADMIN, channel_id=GENERAL_ID)
    await stack.fake.wait_for_followup(sent)
    posts = [
        r
        for r in stack.fake.requests
        if r.method == "POST" and r.path == f"/channels/{GENERAL_ID}/messages"
    ]
    assert [bool(r.files) for r in posts] == [False, True]  # the question, then the reveal
    ((name, data),) = posts[-1].files
    assert name == "quizbot-reveal.png" and png_size(data)[0] == 800
    public = stack.fake.messages_in(GENERAL_ID, include_ephemeral=False)[-1]
    assert "Answer:" in public["embeds"][0]["description"]
    assert public["embeds"][0]["image"]["url"] == "attachment://quizbot-reveal.png"
    assert [a["filename"] for a in public["attachments"]] == ["quizbot-reveal.png"]


# --- Slack ---------------------------------------------------------------------------------------


def button_of(body: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in body.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return dict(element)
    raise AssertionError(f"no {action_id} button in {body}")


async def press(
    stack: SlackStack, action_id: str, value: str, *, response_url: str = "", user: Any = None
) -> None:
    request = block_actions_request(
        SECRET,
        [button_action(action_id, value)],
        user=user or SLACK_MEMBER,
        response_url=response_url,
    )
    status, _ = await post_to_app(stack.url, request)
    assert status == 200


async def test_slack_board_show_as_image_goes_to_the_persons_dm(slack_stack: SlackStack) -> None:
    stack = slack_stack
    message = await slack_post(stack)
    await slack_click(stack, message, "A")
    board = await command(stack, "leaderboard")
    button = button_of(board, BOARD)
    assert button["value"] == f"week:channel:{SLACK_GENERAL}"
    respond_to = stack.fake.response_url(channel=SLACK_GENERAL)
    await press(stack, BOARD, button["value"], response_url=respond_to)
    answered = await stack.fake.wait_for_response(response_url=respond_to)
    assert text_of(dict(answered.body)) == SENT
    assert [call.method for call in stack.fake.requests if call.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    (shared,) = stack.fake.shared_files()
    assert shared.channel == dm_channel_id(SLACK_MEMBER.id)  # private: the person's DM
    assert shared.filename == "quizbot-leaderboard.png" and shared.content is not None
    assert png_size(shared.content)[0] == 800
    assert shared.title is not None and shared.title.startswith("This channel · week")


async def test_slack_stats_and_app_home_buttons(slack_stack: SlackStack) -> None:
    stack = slack_stack
    message = await slack_post(stack)
    await slack_click(stack, message, "A")
    stats = await command(stack, f"stats <@{SLACK_MEMBER.id}>", user=SLACK_OWNER)
    assert button_of(stats, STATS)["value"] == SLACK_MEMBER.id
    await post_to_app(stack.url, app_home_opened_request(SECRET, SLACK_OWNER))
    home = await stack.fake.wait_for(method="views.publish")
    blocks = home.args["view"]["blocks"]
    values = {
        (element["action_id"], element["value"])
        for block in blocks
        for element in block.get("elements") or []
        if str(element.get("action_id", "")).startswith("quiz_card:")
    }
    assert {(STATS, SLACK_OWNER.id), (BOARD, "week:workspace"), (BOARD, "all:workspace")} <= values
    # From the App Home there is no response_url: the DM is the only answer.
    await press(stack, STATS, SLACK_MEMBER.id, user=SLACK_OWNER)
    completed = await stack.fake.wait_for(method="files.completeUploadExternal")
    assert completed is not None
    (shared,) = stack.fake.shared_files()
    assert shared.channel == dm_channel_id(SLACK_OWNER.id)
    assert shared.filename == "quizbot-progress.png"


async def test_slack_a_forged_button_value_draws_nothing(slack_stack: SlackStack) -> None:
    stack = slack_stack
    respond_to = stack.fake.response_url(channel=SLACK_GENERAL)
    await press(stack, BOARD, "week:channel:<script>", response_url=respond_to)
    answered = await stack.fake.wait_for_response(response_url=respond_to)
    assert "out of date" in text_of(dict(answered.body))
    assert stack.fake.shared_files() == []


async def test_slack_reveal_card_goes_into_the_rounds_thread(slack_stack: SlackStack) -> None:
    stack = slack_stack
    message = await slack_post(stack)
    await slack_click(stack, message, "B")
    await slack_click(stack, message, "A", user=SLACK_OWNER)
    reveal = await stack.quiz.rounds.close_open(channel_ref(TEAM_ID, SLACK_GENERAL))
    await show_reveal(stack.app.client, stack.app.deps, reveal)  # type: ignore[attr-defined]
    (shared,) = stack.fake.shared_files(SLACK_GENERAL)
    assert shared.thread_ts == message["ts"]  # public, where the reveal is
    assert shared.filename == "quizbot-reveal.png" and shared.content is not None
    assert png_size(shared.content)[0] == 800


# --- console -------------------------------------------------------------------------------------


async def test_console_image_flags_write_pngs_and_print_where(quiz: Quiz, tmp_path: Path) -> None:
    from rich.console import Console

    out = io.StringIO()
    channel = ConsoleChannel(quiz, Console(file=out, width=200), user="Ann")
    channel.cards_folder = tmp_path / "cards"
    script = (
        "/quiz post\nA\n/quiz leaderboard all --image\n/quiz stats --image\n"
        "/quiz stats Nobody --image\n"
    )
    await channel.run(io.StringIO(script))
    channel.cards.close()
    said = out.getvalue()
    paths = re.findall(r"(/\S+\.png)", said)
    assert len(paths) == 2, said
    assert "This channel · all time: " in said and "Progress of Ann: " in said
    assert "Nobody called 'Nobody' has played here yet." in said
    for path in paths:
        assert Path(path).parent == tmp_path / "cards"
        assert png_size(await asyncio.to_thread(Path(path).read_bytes))[0] == 800


async def test_discord_reveal_without_attach_files_goes_out_without_its_card(
    tmp_path: Path,
) -> None:
    guild = default_guild()
    everyone = guild.roles[0]
    no_files = DEFAULT_EVERYONE & ~discord.Permissions(attach_files=True).value
    guild.roles[0] = dataclasses.replace(everyone, permissions=no_files)
    db = tmp_path / "quiz.db"
    async with (
        FakeDiscord(guilds=[guild]) as fake,
        quiz_on(db, [CHOICE_BANK]) as quiz,
        running_client(fake, lambda: make_bot(quiz)) as bot,
    ):
        await discord_post(DiscordStack(fake, bot, quiz, db))
        sent = await fake.slash("quiz-admin", "reveal-now", user=ADMIN, channel_id=GENERAL_ID)
        await fake.wait_for_followup(sent)
        public = fake.messages_in(GENERAL_ID, include_ephemeral=False)[-1]
        assert "Answer:" in public["embeds"][0]["description"]
        assert not public.get("attachments") and "image" not in public["embeds"][0]
