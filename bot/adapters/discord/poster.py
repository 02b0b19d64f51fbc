"""The scheduler's Discord side: put a scheduled round in its channel, reveal it later."""

from __future__ import annotations

import discord

from bot.adapters.discord import render
from bot.adapters.discord.bot import QuizBot, discord_nonce
from bot.adapters.discord.views import round_view
from bot.core.outcomes import Posted, Reveal
from bot.core.reminders import DirectRefused, RemindNotReady
from bot.core.rounds import UserRef
from bot.core.scheduler import ChannelUnavailable, NotReady

# "Cannot send messages to this user": DMs closed, the bot blocked, or no shared server left.
CANNOT_DM = 50007


class DiscordPoster:
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    async def _channel(self, channel_id: str) -> discord.abc.Messageable:
        if not self.bot.is_ready():
            raise NotReady
        found = self.bot.get_channel(int(channel_id))
        if found is None:
            try:
                found = await self.bot.fetch_channel(int(channel_id))
            except (discord.NotFound, discord.Forbidden) as exc:
                raise ChannelUnavailable(f"{exc.status} {exc.text or 'channel not found'}") from exc
        if not isinstance(found, discord.abc.Messageable):
            raise ChannelUnavailable(f"channel {channel_id} cannot hold messages")
        return found

    async def post(self, posted: Posted, nonce: str) -> str:
        """Post with a nonce Discord enforces: a retry after a crash returns the first message
        instead of posting a second one."""
        channel = await self._channel(posted.round.channel.channel)
        title = self.bot.quiz.library.bank(posted.question.bank).title
        try:
            message = await channel.send(
                embed=render.question_embed(posted.question, title, posted.round),
                view=round_view(posted.round, posted.question),
                nonce=discord_nonce(nonce),
            )
        except (discord.NotFound, discord.Forbidden) as exc:
            raise ChannelUnavailable(f"{exc.status} {exc.text or 'refused'}") from exc
        return str(message.id)

    async def reveal(self, reveal: Reveal) -> None:
        channel = await self._channel(reveal.round.channel.channel)
        try:
            await self.bot.show_reveal(channel, reveal)
        except (discord.NotFound, discord.Forbidden) as exc:
            raise ChannelUnavailable(f"{exc.status} {exc.text or 'refused'}") from exc

    async def send_reminder(self, user: UserRef, due: int, nonce: str) -> None:
        """A DM saying how many reviews are due, sent once per nonce (Discord enforces it)."""
        if not self.bot.is_ready():
            raise RemindNotReady
        try:
            channel = await self.bot.create_dm(discord.Object(id=int(user.user)))
            await channel.send(embed=render.reminder_embed(due), nonce=discord_nonce(nonce))
        except discord.Forbidden as exc:
            if exc.code == CANNOT_DM:
                raise DirectRefused(f"{exc.code} {exc.text or 'Cannot send messages'}") from exc
            raise
        except discord.NotFound as exc:
            raise DirectRefused(f"{exc.code} {exc.text or 'unknown user'}") from exc
