"""Core values as Discord embeds. Presentation only."""

from __future__ import annotations

import discord

from bot.adapters.review_text import nothing_due_text, reminder_message
from bot.adapters.text import (
    DISCORD,
    board_text,
    how_to_answer,
    outcome_text,
    question_text,
    reveal_text,
    stats_text,
    test_result_text,
)
from bot.core.models import Question
from bot.core.outcomes import (
    Board,
    Closed,
    Correct,
    Exhausted,
    NotFound,
    Outcome,
    Reveal,
    TestResult,
    UserStats,
    Wrong,
)
from bot.core.periods import Period
from bot.core.review import NothingDue
from bot.core.rounds import Round

EMBED_LIMIT = 4000  # Discord allows 4096 characters in an embed description

COLOURS = {
    Correct: discord.Colour.green(),
    Wrong: discord.Colour.orange(),
    Exhausted: discord.Colour.red(),
    Closed: discord.Colour.dark_grey(),
    NotFound: discord.Colour.dark_grey(),
}


def _clip(text: str) -> str:
    return text if len(text) <= EMBED_LIMIT else text[: EMBED_LIMIT - 1] + "…"


def question_embed(
    question: Question, title: str, round_: Round, *, heading: str = "📝 Daily question"
) -> discord.Embed:
    embed = discord.Embed(
        title=f"{heading} · {title}",
        description=_clip(question_text(question, DISCORD)),
        colour=discord.Colour.blurple(),
    )
    closes = ""
    if round_.closes_at is not None:
        closes = f" · closes <t:{int(round_.closes_at.timestamp())}:R>"
    embed.add_field(
        name=f"{question.difficulty.value.capitalize()} · {question.type.value.replace('_', ' ')}",
        value=how_to_answer(question) + closes,
        inline=False,
    )
    attempts = round_.attempts_allowed
    embed.set_footer(text=f"Attempts: {attempts} · answers are private · #{round_.id}")
    return embed


def outcome_embed(result: Outcome) -> discord.Embed:
    return discord.Embed(
        description=_clip(outcome_text(result, DISCORD)),
        colour=COLOURS.get(type(result), discord.Colour.light_grey()),
    )


def reveal_embed(result: Reveal) -> discord.Embed:
    return discord.Embed(
        title="Reveal",
        description=_clip(reveal_text(result, DISCORD)),
        colour=discord.Colour.gold(),
    )


def board_embed(result: Board, period: Period) -> discord.Embed:
    return discord.Embed(description=_clip(board_text(result, period, DISCORD)))


def stats_embed(result: UserStats) -> discord.Embed:
    return discord.Embed(description=_clip(stats_text(result, DISCORD)))


def test_result_embed(result: TestResult) -> discord.Embed:
    return discord.Embed(
        description=test_result_text(result, DISCORD), colour=discord.Colour.gold()
    )


def note(text: str) -> discord.Embed:
    return discord.Embed(description=_clip(text))


def reminder_embed(due: int) -> discord.Embed:
    return discord.Embed(description=reminder_message(due), colour=discord.Colour.blurple())


def review_nothing_embed(result: NothingDue) -> discord.Embed:
    return discord.Embed(description=nothing_due_text(result))
