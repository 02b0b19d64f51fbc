"""The Discord client: wiring, command sync, posting and revealing rounds in channels."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import Sequence

import aiohttp
import discord
from discord import app_commands

from bot.adapters.discord import render
from bot.adapters.discord.cards import reveal_file
from bot.adapters.discord.reports import report_view
from bot.adapters.discord.views import AnswerButton, FillButton, round_view
from bot.adapters.text import refusal_text, refused_text
from bot.cards import CardRenderer
from bot.core.outcomes import Posted, QuizError, Reveal
from bot.core.permissions import AdminPolicy
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef

log = logging.getLogger(__name__)

# What the bot needs in a channel: read it, post embeds, and edit its own messages.
PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, embed_links=True, read_message_history=True
)
PERMISSIONS.attach_files = True  # the reveal's card
SCOPES = ("bot", "applications.commands")
HTTP_CONNECTIONS = int(os.environ.get("QUIZBOT_DISCORD_CONNECTIONS", "32"))
NONCE_LENGTH = 25  # Discord's limit for a message nonce

# The tasks discord.py runs a click or a slash command in (views, dynamic items, the command
# tree): on close, those already received finish before the HTTP session they answer through
# closes. Discord voids an interaction not answered within 3 s, so longer is never worth it.
IN_FLIGHT_TASKS = ("discord-ui-", "CommandTree-invoker")
FINISH_IN_FLIGHT_S = 3.0

# quizbot has no voice: discord.py's start-up warnings that its voice libraries (PyNaCl, davey)
# are missing would only tell an operator to install something quizbot never uses.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False


def discord_nonce(key: str) -> str:
    """A nonce Discord enforces (discord.py sends enforce_nonce with it): a second message with
    it in the same channel, minutes later, returns the first instead of posting again."""
    return hashlib.sha256(key.encode()).hexdigest()[:NONCE_LENGTH]


def channel_ref(guild_id: int | None, channel_id: int) -> ChannelRef:
    return ChannelRef("discord", str(guild_id or "dm"), str(channel_id))


class QuizBot(discord.Client):
    def __init__(
        self,
        quiz: Quiz,
        *,
        guild_ids: Sequence[int] = (),
        admins: AdminPolicy | None = None,
        **options: object,
    ) -> None:
        # A bounded pool: under a burst of clicks an unbounded one opens a connection per reply
        # in flight, and the event loop drowns in connection setup (bench discord: 1,600
        # connections and 200 acks/s unbounded).
        options.setdefault("connector", aiohttp.TCPConnector(limit=HTTP_CONNECTIONS))
        # Slash commands and components need no privileged intents.
        super().__init__(intents=discord.Intents.default(), **options)  # type: ignore[arg-type]
        self.quiz = quiz
        self.guild_ids = list(guild_ids)
        self.admins = admins or AdminPolicy()
        self.tree = app_commands.CommandTree(self)
        self.cards = CardRenderer()

    async def close(self) -> None:
        """Let the clicks and commands already received finish (answered, and their attempts
        written), then close: stopping loses no click that reached quizbot."""
        if not self.is_closed():
            current = asyncio.current_task()
            in_flight = [
                task
                for task in asyncio.all_tasks()
                if task is not current
                and not task.done()
                and task.get_name().startswith(IN_FLIGHT_TASKS)
            ]
            if in_flight:
                log.info("stopping: finishing %d click(s) and command(s) first", len(in_flight))
                await asyncio.wait(in_flight, timeout=FINISH_IN_FLIGHT_S)
        self.cards.close()
        await super().close()

    async def reset_http(self) -> None:
        """After a login that could not reach Discord: close the HTTP session discord.py opened
        for it (its pool with it), so that the next try starts on a fresh pool."""
        await self.http.close()
        self.http.connector = aiohttp.TCPConnector(limit=HTTP_CONNECTIONS)

    async def setup_hook(self) -> None:
        from bot.adapters.discord.commands import AdminGroup, QuizGroup
        from bot.adapters.discord.reports import register as register_reports

        self.add_dynamic_items(AnswerButton, FillButton)
        self.tree.add_command(QuizGroup())
        self.tree.add_command(AdminGroup())
        register_reports(self.tree, self)
        self.tree.error(self._on_command_error)
        if self.guild_ids:
            # Guild commands appear at once: for development.
            for guild_id in self.guild_ids:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()
        if self.application_id is not None:
            log.info(
                "invite quizbot with: %s",
                discord.utils.oauth_url(
                    self.application_id, permissions=PERMISSIONS, scopes=SCOPES
                ),
            )

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s in %d servers", self.user, len(self.guilds))

    async def _on_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CheckFailure):
            return  # the check has answered already (not an admin)
        original = getattr(error, "original", error)
        if isinstance(original, QuizError):
            text = refusal_text(original)  # a refusal written for the person who asked
        elif isinstance(original, discord.HTTPException):
            name = interaction.command.qualified_name if interaction.command else "?"
            log.warning("command /%s: Discord refused a call", name, exc_info=original)
            text = refused_text("Discord", f"{original.status}: {original.text or 'no reason'}")
        else:
            name = interaction.command.qualified_name if interaction.command else "?"
            log.error("command /%s failed", name, exc_info=error)
            text = "Something went wrong on our side; the admins can find it in the logs."
        if interaction.response.is_done():
            await interaction.followup.send(embed=render.note(text), ephemeral=True)
        else:
            await interaction.response.send_message(embed=render.note(text), ephemeral=True)

    # --- posting and revealing ----------------------------------------------------------------

    async def post_round(self, channel: discord.abc.Messageable, guild_id: int) -> Posted:
        """Post the channel's next daily question (closing and revealing the open one first)."""
        channel_id = getattr(channel, "id", 0)
        posted = await self.quiz.rounds.post_daily(
            channel_ref(guild_id, channel_id), reuse_unposted=True
        )
        if posted.previous is not None:
            await self.announce(channel, posted.previous)
        bank = self.quiz.library.bank(posted.question.bank)
        message = await channel.send(
            embed=render.question_embed(posted.question, bank.title, posted.round),
            view=round_view(posted.round, posted.question),
        )
        await self.quiz.context.store.set_message_ref(posted.round.id, str(message.id))
        return posted

    async def reveal(self, channel: discord.abc.Messageable, guild_id: int) -> Reveal:
        channel_id = getattr(channel, "id", 0)
        result = await self.quiz.rounds.close_open(channel_ref(guild_id, channel_id))
        await self.announce(channel, result)
        return result

    async def announce(self, channel: discord.abc.Messageable, result: Reveal) -> None:
        """Post the reveal unless it went out already (see ``QuizEngine.announcing``)."""
        async with self.quiz.rounds.announcing(result) as mine:
            if mine:
                await self.show_reveal(channel, result)

    async def show_reveal(self, channel: discord.abc.Messageable, result: Reveal) -> None:
        """Disable the round's buttons and post the reveal in its channel."""
        question = result.question
        ref = result.round.message_ref
        if ref and question is not None and isinstance(channel, discord.abc.GuildChannel):
            message = channel.get_partial_message(int(ref))  # type: ignore[attr-defined]
            try:
                await message.edit(view=round_view(result.round, question, disabled=True))
            except discord.HTTPException:
                log.warning("could not disable the buttons of round %d", result.round.id)
        embed = render.reveal_embed(result)
        card = await reveal_file(self.quiz, self.cards, channel, result)
        # Once: a retry after a crash (the reveal went out, its record did not) gets the first.
        nonce = discord_nonce(f"reveal:{result.round.id}")
        view = report_view(result.round.id)
        if card is None:
            await channel.send(embed=embed, nonce=nonce, view=view)
        else:
            embed.set_image(url=f"attachment://{card.filename}")
            await channel.send(embed=embed, nonce=nonce, file=card, view=view)
