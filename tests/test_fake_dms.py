"""The fakes' private messages, through the real libraries: DM channels, and people who
refuse them (what the review reminders meet)."""

from __future__ import annotations

import discord
import pytest
from slack_sdk.errors import SlackApiError

from bot.testing.discord import MEMBER, FakeDiscord, running_client
from bot.testing.slack import MEMBER as SLACK_MEMBER
from bot.testing.slack import FakeSlack, web_client


def plain_client() -> discord.Client:
    return discord.Client(intents=discord.Intents.none(), guild_ready_timeout=0.05)


async def test_discord_dm_channels_and_a_user_who_blocks_dms() -> None:
    async with FakeDiscord() as fake, running_client(fake, plain_client) as client:
        channel = await client.create_dm(discord.Object(id=MEMBER.id))
        await channel.send("hello")
        assert [m["content"] for m in fake.dms_to(MEMBER.id)] == ["hello"]

        fake.block_dms(MEMBER.id)
        with pytest.raises(discord.Forbidden) as refused:
            await channel.send("again")
        assert refused.value.code == 50007
        assert "Cannot send messages to this user" in refused.value.text
        assert len(fake.dms_to(MEMBER.id)) == 1


async def test_slack_dm_through_conversations_open_and_a_refusing_user() -> None:
    async with FakeSlack() as fake:
        client = web_client(fake)
        opened = await client.conversations_open(users=SLACK_MEMBER.id)
        channel = opened["channel"]["id"]
        await client.chat_postMessage(channel=channel, text="hello")
        assert [m["text"] for m in fake.dms_to(SLACK_MEMBER.id)] == ["hello"]

        fake.refuse_dms(SLACK_MEMBER.id, "cannot_dm_bot")
        with pytest.raises(SlackApiError) as refused:
            await client.chat_postMessage(channel=channel, text="again")
        assert refused.value.response["error"] == "cannot_dm_bot"
        assert len(fake.dms_to(SLACK_MEMBER.id)) == 1
