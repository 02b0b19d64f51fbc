"""Cards on Discord: a PNG attachment in the command's own (ephemeral) reply, and on the public
reveal where the channel lets quizbot attach files."""

from __future__ import annotations

import io
import logging

import discord

from bot.adapters.discord.views import quiz_bot, user_ref
from bot.cards import CardRenderer, caption, filename
from bot.core.cards import Card
from bot.core.outcomes import QuizError, Reveal
from bot.core.periods import Period
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef, UserRef

log = logging.getLogger(__name__)


def channel_ref(guild_id: int | None, channel_id: int) -> ChannelRef:
    # As bot.channel_ref (bot.py imports this module, so it cannot be imported from there).
    return ChannelRef("discord", str(guild_id or "dm"), str(channel_id))


def card_file(png: bytes, name: str) -> discord.File:
    return discord.File(io.BytesIO(png), filename=name)


async def reply_with_card(
    interaction: discord.Interaction, renderer: CardRenderer, card: Card, caption: str
) -> None:
    """The card as the reply to a deferred command (the deferral was ephemeral: so is this)."""
    rendered = await renderer.render(card)
    await interaction.followup.send(
        content=caption, file=card_file(rendered.png, filename(card)), ephemeral=True
    )


def can_attach(channel: discord.abc.Messageable) -> bool:
    """Whether quizbot may attach files here (without Attach Files the whole reveal would be
    refused: it then goes out without its card)."""
    guild = getattr(channel, "guild", None)
    if guild is None or not isinstance(channel, discord.abc.GuildChannel):
        return True
    me = guild.me
    return me is None or channel.permissions_for(me).attach_files


async def reveal_file(
    quiz: Quiz, renderer: CardRenderer, channel: discord.abc.Messageable, result: Reveal
) -> discord.File | None:
    """The reveal's card, or None (no question left, no right to attach, or it failed to draw:
    the reveal matters more than its picture)."""
    if not can_attach(channel):
        return None
    try:
        card = await quiz.cards.reveal(result)
        if card is None:
            return None
        rendered = await renderer.render(card)
    except QuizError as exc:  # the store is busy: the reveal goes out without its card
        log.warning("no reveal card for round %d: %s", result.round.id, exc)
        return None
    except (OSError, ValueError):
        log.exception("could not draw the reveal card of round %d", result.round.id)
        return None
    return card_file(rendered.png, filename(card))


async def board_image(
    interaction: discord.Interaction, period: Period, scope: str, teams: bool
) -> None:
    """``/quiz leaderboard ... image:true``: the board as a card, to the caller only."""
    # Drawing may wait behind other cards: answer Discord first (it voids the token after 3 s).
    await interaction.response.defer(ephemeral=True, thinking=True)
    bot = quiz_bot(interaction)
    cards = bot.quiz.cards
    guild = str(interaction.guild_id)
    viewer = user_ref(interaction)
    if teams:
        card = await cards.team_board("discord", guild, viewer, period)
    elif scope == "server":
        card = await cards.workspace_board("discord", guild, viewer, period)
    else:
        channel = channel_ref(interaction.guild_id, interaction.channel_id or 0)
        card = await cards.channel_board(channel, viewer, period)
    await reply_with_card(interaction, bot.cards, card, caption(card))


async def stats_image(interaction: discord.Interaction, who: UserRef) -> None:
    """``/quiz stats [user] image:true``: the progress card, to the caller only."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    bot = quiz_bot(interaction)
    card = await bot.quiz.cards.progress(who)
    await reply_with_card(interaction, bot.cards, card, caption(card))
