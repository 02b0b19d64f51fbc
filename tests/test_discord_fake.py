"""The fake Discord against a minimal real discord.py bot: if these pass, the fake speaks
enough of Discord for the adapter's end-to-end tests."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.testing.discord import (
    ADMIN,
    APP_ID,
    EPHEMERAL,
    GENERAL_ID,
    GUILD_ID,
    LOADING,
    MEMBER,
    OWNER,
    QUIZ_ADMIN,
    FakeDiscord,
    FakeUser,
    running_client,
)

BANKS = ["demo", "deep-learning", "fine-tuning"]


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"quiz:answer:(?P<round>\d+):(?P<choice>[A-E])",
):
    """A restart-proof answer button: the custom_id carries only ids."""

    def __init__(self, round_id: int, choice: str) -> None:
        super().__init__(
            discord.ui.Button(label=choice, custom_id=f"quiz:answer:{round_id}:{choice}")
        )
        self.round_id, self.choice = round_id, choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> AnswerButton:
        return cls(int(match["round"]), match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"round {self.round_id}: {self.choice}", ephemeral=True
        )


class PingView(discord.ui.View):
    @discord.ui.button(label="Again", custom_id="ping:again")
    async def again(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="pong again", view=None)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    text = discord.ui.TextInput(label="What was unclear?", custom_id="feedback:text")

    def __init__(self) -> None:
        super().__init__(custom_id="feedback")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)


def quiz_commands() -> app_commands.Group:
    quiz = app_commands.Group(name="quiz", description="Quiz commands")
    admin = app_commands.Group(name="admin", description="Quiz admin commands", parent=quiz)

    @quiz.command(description="Is the bot alive?")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong", ephemeral=True, view=PingView())

    @quiz.command(description="Answer after some work")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("done")

    @quiz.command(description="Answer too late")
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.1)
        # Discord has already shown "The application did not respond": 404 Unknown interaction.
        with contextlib.suppress(discord.NotFound):
            await interaction.response.send_message("too late")

    @quiz.command(description="Post a question")
    @app_commands.describe(round="Round number", bank="Question bank")
    async def post(interaction: discord.Interaction, round: int, bank: str = "demo") -> None:
        await interaction.response.send_message("posted", ephemeral=True)
        view = discord.ui.View(timeout=None)
        for choice in "ABCD":
            view.add_item(AnswerButton(round, choice))
        assert isinstance(interaction.channel, discord.TextChannel)
        await interaction.channel.send(f"Round {round} from {bank}", view=view)

    @post.autocomplete("bank")
    async def bank_choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=b, value=b) for b in BANKS if b.startswith(current)]

    @quiz.command(description="Tell us what was unclear")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())

    @admin.command(description="May you manage the guild?")
    async def check(interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        cached = interaction.guild.get_member(interaction.user.id)
        assert cached is not None
        await interaction.response.send_message(
            f"interaction={interaction.permissions.manage_guild} "
            f"guild={cached.guild_permissions.manage_guild}",
            ephemeral=True,
        )

    return quiz


class PingBot(commands.Bot):
    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.members = True  # so guild.get_member sees everyone, not only the bot
        super().__init__(
            command_prefix=commands.when_mentioned, intents=intents, guild_ready_timeout=0.05
        )

    async def setup_hook(self) -> None:
        guild = discord.Object(GUILD_ID)
        self.tree.add_command(quiz_commands(), guild=guild)
        self.add_dynamic_items(AnswerButton)
        await self.tree.sync(guild=guild)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as started:
        yield started
        assert not started.unhandled, [f"{r.method} {r.path}" for r in started.unhandled]


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[PingBot]:
    async with running_client(fake, PingBot) as client:
        yield client


async def test_start_up_reaches_ready_and_syncs_the_command_tree(
    fake: FakeDiscord, bot: PingBot
) -> None:
    assert [(r.method, r.path) for r in fake.requests[:3]] == [
        ("GET", "/users/@me"),
        ("GET", "/oauth2/applications/@me"),
        ("PUT", f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"),
    ]
    (quiz,) = fake.requests[2].json
    assert quiz["name"] == "quiz"
    options = {option["name"]: option for option in quiz["options"]}
    assert {name: option["type"] for name, option in options.items()} == {
        "ping": 1,
        "slow": 1,
        "late": 1,
        "post": 1,
        "feedback": 1,
        "admin": 2,
    }
    assert [o["name"] for o in options["admin"]["options"]] == ["check"]
    assert [o["name"] for o in options["post"]["options"]] == ["round", "bank"]
    assert fake.synced_commands(GUILD_ID)[0]["id"]
    assert fake.identify is not None and fake.identify["intents"] == bot.intents.value

    guild = bot.get_guild(GUILD_ID)
    assert guild is not None and guild.get_channel(GENERAL_ID) is not None
    assert bot.user is not None and bot.user.id == APP_ID


async def test_slash_command_gets_an_ephemeral_reply(fake: FakeDiscord, bot: PingBot) -> None:
    sent = await fake.slash("quiz", "ping")

    callback = await fake.wait_for_callback(sent)
    assert callback.query["with_response"] == "1"
    assert callback.json["type"] == 4
    assert callback.json["data"]["content"] == "pong"
    assert callback.json["data"]["flags"] & EPHEMERAL
    assert callback.response["interaction"]["response_message_ephemeral"] is True
    reply = fake.response_message(sent)
    assert reply is not None and reply["content"] == "pong"
    assert fake.messages_in(GENERAL_ID, include_ephemeral=False) == []


async def test_button_reaches_the_view_callback(fake: FakeDiscord, bot: PingBot) -> None:
    ping = await fake.slash("quiz", "ping")
    await fake.wait_for_callback(ping)

    click = await fake.click("ping:again")

    callback = await fake.wait_for_callback(click)
    assert callback.json["type"] == 7  # update the message the button is on
    reply = fake.response_message(ping)
    assert reply is not None
    assert reply["content"] == "pong again" and reply["components"] == []


async def test_button_reaches_a_dynamic_item_on_a_posted_message(
    fake: FakeDiscord, bot: PingBot
) -> None:
    post = await fake.slash("quiz", "post", options={"round": 7})
    posted = await fake.wait_for(method="POST", path=f"/channels/{GENERAL_ID}/messages")
    assert posted.response["content"] == "Round 7 from demo"

    click = await fake.click("quiz:answer:7:B", user=ADMIN)

    callback = await fake.wait_for_callback(click)
    assert callback.json["data"]["content"] == "round 7: B"
    assert len(fake.callbacks_for(click)) == 1
    assert fake.callbacks_for(post)[0].json["data"]["content"] == "posted"


async def test_deferred_response_then_follow_up(fake: FakeDiscord, bot: PingBot) -> None:
    sent = await fake.slash("quiz", "slow")

    deferred = await fake.wait_for_callback(sent)
    followup = await fake.wait_for_followup(sent)

    assert deferred.json["type"] == 5
    assert deferred.response["interaction"]["response_message_loading"] is True
    assert followup.json["content"] == "done"
    reply = fake.response_message(sent)
    assert reply is not None and reply["content"] == "done"
    assert reply["flags"] & EPHEMERAL and not reply["flags"] & LOADING
    assert [m["id"] for m in fake.messages_in(GENERAL_ID)] == [reply["id"]]


async def test_channel_message_post_edit_and_nonce(fake: FakeDiscord, bot: PingBot) -> None:
    channel = bot.get_channel(GENERAL_ID)
    assert isinstance(channel, discord.TextChannel)

    message = await channel.send("hello", nonce=42)
    again = await channel.send("hello", nonce=42)
    await message.edit(content="bye")

    assert again.id == message.id
    (stored,) = fake.messages_in(GENERAL_ID)
    assert stored["content"] == "bye" and stored["edited_timestamp"]
    fetched = await channel.fetch_message(message.id)
    assert fetched.content == "bye" and fetched.author.id == APP_ID


@pytest.mark.parametrize(
    ("user", "allowed"),
    [(ADMIN, True), (OWNER, True), (QUIZ_ADMIN, False), (MEMBER, False)],
    ids=["admin-role", "owner", "quiz-admin-role", "plain-member"],
)
async def test_member_permissions_come_from_roles(
    fake: FakeDiscord, bot: PingBot, user: FakeUser, allowed: bool
) -> None:
    sent = await fake.slash("quiz", "admin", "check", user=user)

    callback = await fake.wait_for_callback(sent)
    assert callback.json["data"]["content"] == f"interaction={allowed} guild={allowed}"


async def test_autocomplete_and_modal_round_trip(fake: FakeDiscord, bot: PingBot) -> None:
    typing = await fake.autocomplete(
        "quiz", "post", focused="bank", options={"round": 1, "bank": "de"}
    )
    choices = await fake.wait_for_callback(typing)
    assert choices.json == {
        "type": 8,
        "data": {
            "choices": [
                {"name": "demo", "value": "demo"},
                {"name": "deep-learning", "value": "deep-learning"},
            ]
        },
    }

    opened = await fake.slash("quiz", "feedback", user=QUIZ_ADMIN)
    assert (await fake.wait_for_callback(opened)).json["type"] == 9
    submitted = await fake.submit_modal("feedback", {"feedback:text": "question 3"})
    callback = await fake.wait_for_callback(submitted)
    assert callback.json["data"]["content"] == "thanks: question 3"


async def test_rate_limit_answers_429_and_discord_py_retries(
    fake: FakeDiscord, bot: PingBot
) -> None:
    channel = bot.get_channel(GENERAL_ID)
    assert isinstance(channel, discord.TextChannel)
    mark = len(fake.requests)
    fake.rate_limit(2, per=0.1)

    await asyncio.gather(*(channel.send(f"fan-out {n}") for n in range(4)))

    statuses = [r.status for r in fake.requests[mark:]]
    assert 429 in statuses and statuses.count(200) == 4
    limited = next(r for r in fake.requests[mark:] if r.status == 429)
    assert limited.response["global"] is True and limited.response["retry_after"] <= 0.1
    assert sorted(m["content"] for m in fake.messages_in(GENERAL_ID)) == [
        f"fan-out {n}" for n in range(4)
    ]


async def test_gateway_resumes_after_a_dropped_connection(fake: FakeDiscord, bot: PingBot) -> None:
    resumed = asyncio.ensure_future(bot.wait_for("resumed", timeout=5))

    await fake.disconnect(code=4000)
    await resumed

    assert [p["op"] for p in fake.gateway_received].count(6) == 1  # RESUME
    sent = await fake.slash("quiz", "ping")
    assert (await fake.wait_for_callback(sent)).json["data"]["content"] == "pong"


async def test_running_client_reraises_what_killed_connect(fake: FakeDiscord) -> None:
    with pytest.raises(discord.ConnectionClosed) as closed:
        async with running_client(fake, PingBot) as client:
            disconnected = asyncio.ensure_future(client.wait_for("disconnect", timeout=5))
            await fake.disconnect(code=4004)
            await disconnected
    assert closed.value.code == 4004
    assert discord.http.Route.BASE == "https://discord.com/api/v10"


async def test_a_wrong_token_fails_login() -> None:
    async with FakeDiscord(token="the-right-one") as fake:
        with pytest.raises(discord.LoginFailure):
            async with running_client(fake, PingBot, token="a-wrong-one"):
                pass
        assert fake.requests[0].status == 401


async def test_a_response_after_the_deadline_is_refused() -> None:
    async with FakeDiscord(interaction_deadline=0.05) as fake, running_client(fake, PingBot):
        sent = await fake.slash("quiz", "late")

        callback = await fake.wait_for_callback(sent)

    assert callback.status == 404 and callback.response["code"] == 10062
    assert fake.response_message(sent) is None
