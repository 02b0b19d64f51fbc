"""Starting quizbot on Discord."""

from __future__ import annotations

import logging

import discord
import yarl
from discord.gateway import DiscordWebSocket

from bot.adapters.discord.bot import QuizBot
from bot.adapters.discord.poster import DiscordPoster
from bot.adapters.network import host_of, until_reachable
from bot.app import App, StartupError
from bot.config import Settings
from bot.core.permissions import AdminPolicy
from bot.core.scheduler import Poster
from bot.health import PLATFORMS

log = logging.getLogger(__name__)

TOKEN_HELP = (
    "DISCORD_TOKEN was refused by Discord: copy the bot token again from "
    "https://discord.com/developers/applications (your app -> Bot -> Reset Token)"
)


def make_client(app: App, settings: Settings) -> QuizBot:
    shards = settings.discord_shards
    if shards is not None:
        # DISCORD_SHARD_COUNT (and IDS): this process runs those shards of the bot.
        from bot.adapters.discord.sharded import ShardedQuizBot

        count, ids = shards
        return ShardedQuizBot(
            app.quiz,
            guild_ids=settings.guild_ids,
            admins=AdminPolicy.from_settings(settings.admin_roles),
            shard_count=count,
            shard_ids=ids,
        )
    return QuizBot(
        app.quiz,
        guild_ids=settings.guild_ids,
        admins=AdminPolicy.from_settings(settings.admin_roles),
    )


async def run_discord(
    app: App, settings: Settings, posters: dict[str, Poster] | None = None
) -> None:
    assert settings.discord_token is not None
    client = make_client(app, settings)
    if posters is not None:
        posters["discord"] = DiscordPoster(client)
    PLATFORMS.register("discord", client.is_ready)
    token = settings.discord_token.get_secret_value()
    if settings.discord_api_url:
        # discord.py builds every REST URL, interaction callbacks included, from this.
        discord.http.Route.BASE = settings.discord_api_url.rstrip("/")
    if settings.discord_gateway_url:
        # Where the (unsharded or counted) client opens its gateway websocket; with
        # DISCORD_SHARD_COUNT=auto discord.py asks the REST API for the gateway instead.
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
    try:
        # Logging in is retried while Discord cannot be reached; once in, discord.py reconnects
        # the gateway by itself, with its own backoff.
        await until_reachable(
            lambda: client.login(token),
            host_of(discord.http.Route.BASE),
            after_failure=client.reset_http,
            also=(discord.DiscordServerError,),
        )
        await client.connect(reconnect=True)
    except discord.LoginFailure:
        raise StartupError(TOKEN_HELP) from None
    except discord.PrivilegedIntentsRequired:
        raise StartupError("Discord refused the bot's intents; quizbot needs none") from None
    finally:
        if not client.is_closed():
            await client.close()
