"""Two Discord servers whose events come on different shards of 2, as the fake Discord holds
them, and what a member does in one: an admin posts, the member clicks the answer."""

from __future__ import annotations

from bot.testing.discord import (
    ADMIN,
    DEFAULT_EVERYONE,
    MANAGE_GUILD,
    MEMBER,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    FakeRole,
)

# Snowflakes whose shard of 2 is 0 and 1: (id >> 22) % 2.
GUILD_ON_0 = 2_000_000 << 22
GUILD_ON_1 = 2_000_001 << 22


def guild(guild_id: int, name: str) -> FakeGuild:
    admin_role = guild_id + 1
    return FakeGuild(
        id=guild_id,
        name=name,
        owner_id=ADMIN.id,
        roles=[
            FakeRole(guild_id, "@everyone", DEFAULT_EVERYONE),
            FakeRole(admin_role, "Admin", MANAGE_GUILD, position=1),
        ],
        channels=[FakeChannel(guild_id + 10, "general")],
        members=[FakeMember(ADMIN, (admin_role,)), FakeMember(MEMBER)],
    )


async def post_and_click(fake: FakeDiscord, guild_id: int) -> str:
    """An admin posts in the guild's channel, the member clicks A (the answer): the reply."""
    channel_id = guild_id + 10
    sent = await fake.slash("quiz-admin", "post-now", user=ADMIN, guild_id=guild_id,
                            channel_id=channel_id)  # fmt: skip
    await fake.wait_for_followup(sent)
    message = fake.messages_in(channel_id, include_ephemeral=False)[-1]
    custom_id = message["components"][0]["components"][0]["custom_id"]
    click = await fake.click(custom_id, user=MEMBER)
    callback = await fake.wait_for_callback(click)
    return str(callback.json["data"].get("content") or callback.json["data"])
