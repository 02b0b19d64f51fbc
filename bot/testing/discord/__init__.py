"""A fake Discord (REST + gateway websocket) on 127.0.0.1 that real discord.py talks to.

Nothing here mocks discord.py: the library runs as in production and only the platform is
fake, so a test covers our adapter, discord.py's parsing and the wire format together, with no
network and no token (background: /work/shared/PLATFORM-TESTING.md).

    from bot.testing.discord import ADMIN, EPHEMERAL, FakeDiscord, running_client

    async with FakeDiscord() as fake, running_client(fake, make_bot) as bot:
        sent = await fake.slash("quiz", "ping")             # /quiz ping, as the plain member
        callback = await fake.wait_for_callback(sent)       # the bot's interaction response
        assert callback.json["data"]["flags"] & EPHEMERAL
        click = await fake.click("quiz:answer:7:B", user=ADMIN)  # newest message with it
        assert fake.response_message(click)["content"] == "..."

The world is plain data: ``default_guild()`` has #general and #quiz, an owner (OWNER), an
"Admin" role with MANAGE_GUILD (ADMIN), a "Quiz Admin" role without it (QUIZ_ADMIN) and a
plain MEMBER; pass ``guilds=[...]`` for another. Member permissions in interactions are
computed from roles and channel overwrites as Discord does.

Driving: ``slash``, ``autocomplete``, ``click``, ``submit_modal`` build and dispatch an
INTERACTION_CREATE and return a ``SentInteraction``; ``dispatch(event, data)`` sends any
gateway event, ``send_raw(op)`` any op, ``disconnect(code)`` drops the socket (discord.py then
RESUMEs). Looking: ``requests`` (every REST call, ``Recorded``), ``unhandled`` (unknown routes,
404), ``wait_for(...)``, ``wait_for_callback``, ``wait_for_followup``, ``callbacks_for``,
``followups_for``, ``response_message``, ``messages_in``, ``synced_commands``, ``identify``,
``gateway_received``, ``http_peers`` (one per HTTP connection). ``rate_limit(n, per)`` turns
on a 429-answering limiter.

Shards: ``recommended_shards`` is what ``GET /gateway/bot`` answers; a client that IDENTIFYs
with ``shard: [id, count]`` (discord.py's ``AutoShardedClient``) gets READY and GUILD_CREATE
for its guilds only, and ``dispatch`` sends a guild's events only to the connection of shard
``(guild_id >> 22) % count`` (events of no guild to shard 0), as Discord does; several clients
may connect at once, each with its shards.

Like Discord, the fake refuses a second response to an interaction (40060), one after
``interaction_deadline`` seconds (10062), a response type the interaction does not allow,
a follow-up before any response (10015), a click on a disabled or absent component and a
command that was never synced; the first follow-up after a deferred response fills in the
"thinking" message; a repeated ``nonce`` with ``enforce_nonce`` returns the earlier message;
with ``token=`` set, a wrong token gets 401 (REST) or close code 4004 (gateway).

Not modelled: MESSAGE_CREATE for the bot's own messages (``dispatch`` one if needed), resolved
data for user/role/channel selects, threads, reactions, polls, per-route rate-limit buckets,
message history (``GET /channels/{id}/messages``) and everything else under ``unhandled``.

Modules: ``world`` (users, roles, channels, members, guilds, ids, permission bits), ``wire``
(recorded requests, sent interactions, JSON helpers), ``state`` (the fake's state, lookups,
waiting and looking), ``rest`` (REST routes), ``gateway`` (the websocket), ``interactions``
(building interactions), ``server`` (``FakeDiscord``: the app, recording, rate limiting) and
``client`` (``running_client``). Import from this package, not from the modules.
"""

from bot.testing.discord.client import running_client
from bot.testing.discord.server import FakeDiscord
from bot.testing.discord.wire import SELECT_TYPES, Recorded, SentInteraction, iso_now
from bot.testing.discord.world import (
    ADMIN,
    ADMIN_ROLE_ID,
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    API_PREFIX,
    APP_ID,
    BOT_USER,
    DEFAULT_EVERYONE,
    DISCORD_EPOCH_MS,
    EPHEMERAL,
    GATEWAY_PATH,
    GENERAL_ID,
    GUILD_ID,
    LOADING,
    MANAGE_GUILD,
    MEMBER,
    OWNER,
    QUIZ_ADMIN,
    QUIZ_ADMIN_ROLE_ID,
    QUIZ_CHANNEL_ID,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeOverwrite,
    FakeRole,
    FakeUser,
    default_guild,
)

__all__ = [
    "ADMIN",
    "ADMINISTRATOR",
    "ADMIN_ROLE_ID",
    "ALL_PERMISSIONS",
    "API_PREFIX",
    "APP_ID",
    "BOT_USER",
    "DEFAULT_EVERYONE",
    "DISCORD_EPOCH_MS",
    "EPHEMERAL",
    "GATEWAY_PATH",
    "GENERAL_ID",
    "GUILD_ID",
    "LOADING",
    "MANAGE_GUILD",
    "MEMBER",
    "OWNER",
    "QUIZ_ADMIN",
    "QUIZ_ADMIN_ROLE_ID",
    "QUIZ_CHANNEL_ID",
    "SELECT_TYPES",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeOverwrite",
    "FakeRole",
    "FakeUser",
    "Recorded",
    "SentInteraction",
    "default_guild",
    "iso_now",
    "running_client",
]
