"""Buttons and pickers. Custom ids carry only a round id and a letter, never the answer; they
survive restarts as DynamicItems, and everything else is read back from the store."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.adapters.discord import render
from bot.adapters.text import DISCORD, outcome_text, refusal_text
from bot.core.models import Question, QuestionType
from bot.core.outcomes import (
    AlreadyFinished,
    Closed,
    Correct,
    Exhausted,
    Gone,
    NotFound,
    Outcome,
    QuizError,
    TestQuestion,
    TestResult,
)
from bot.core.rounds import Round, UserRef
from bot.metrics import METRICS

if TYPE_CHECKING:
    from bot.adapters.discord.bot import QuizBot

log = logging.getLogger(__name__)

# Discord kills an interaction that is not acknowledged within 3 s; past this, defer first.
ACK_BUDGET_S = 2.0
CONTENT_LIMIT = 2000  # Discord's limit for a message's text
FINAL = (Correct, Exhausted, AlreadyFinished, Closed, NotFound, Gone)


def quiz_bot(interaction: discord.Interaction) -> QuizBot:
    return cast("QuizBot", interaction.client)


def user_ref(interaction: discord.Interaction) -> UserRef:
    user = interaction.user
    return UserRef("discord", str(interaction.guild_id or "dm"), str(user.id), user.display_name)


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"quiz:a:(?P<round>[0-9]{1,18}):(?P<choice>[A-E])",
):
    """One option of a choice question."""

    def __init__(self, round_id: int, choice: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=choice,
                style=discord.ButtonStyle.secondary,
                custom_id=f"quiz:a:{round_id}:{choice}",
                disabled=disabled,
            )
        )
        self.round_id = round_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AnswerButton:
        return cls(int(match["round"]), match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await answer_and_reply(interaction, self.round_id, (self.choice,))


class FillButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"quiz:f:(?P<round>[0-9]{1,18})",
):
    """Opens a private picker for a fill-in-the-blank question: picks are never attempts."""

    def __init__(self, round_id: int, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Answer",
                emoji="✏️",
                style=discord.ButtonStyle.primary,
                custom_id=f"quiz:f:{round_id}",
                disabled=disabled,
            )
        )
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> FillButton:
        return cls(int(match["round"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            found = await quiz_bot(interaction).quiz.rounds.viewable(
                self.round_id, user_ref(interaction)
            )
        except QuizError as exc:
            await reply_error(interaction, refusal_text(exc))
            return
        if not isinstance(found, tuple):
            # Another guild's round, someone else's practice, a closed one: nothing of it shown.
            await interaction.response.send_message(
                embed=render.outcome_embed(found), ephemeral=True
            )
            return
        round_, question = found
        picker = BlankPicker(round_, question)
        await interaction.response.send_message(
            embed=render.note(f"{question.prompt}\n\nPick an option for every blank, then Submit."),
            view=picker,
            ephemeral=True,
        )


class BlankPicker(discord.ui.View):
    """One person's private picks for one fill-in-the-blank round."""

    def __init__(self, round_: Round, question: Question) -> None:
        super().__init__(timeout=15 * 60)
        self.round_id = round_.id
        self.picks: list[str | None] = [None] * question.blanks
        for blank in range(question.blanks):
            select: discord.ui.Select[BlankPicker] = discord.ui.Select(
                placeholder=f"Blank [{blank + 1}]",
                options=[
                    discord.SelectOption(label=f"{letter}: {text}"[:100], value=letter)
                    for letter, text in question.options.items()
                ],
                row=blank,
            )
            select.callback = self._picked(blank, select)  # type: ignore[method-assign]
            self.add_item(select)
        submit: discord.ui.Button[BlankPicker] = discord.ui.Button(
            label="Submit", style=discord.ButtonStyle.success, row=min(question.blanks, 4)
        )
        submit.callback = self._submit  # type: ignore[method-assign]
        self.add_item(submit)

    def _picked(self, blank: int, select: discord.ui.Select[BlankPicker]) -> Any:
        async def picked(interaction: discord.Interaction) -> None:
            self.picks[blank] = select.values[0] if select.values else None
            await interaction.response.defer()  # picking is not an attempt

        return picked

    async def _submit(self, interaction: discord.Interaction) -> None:
        if any(pick is None for pick in self.picks):
            missing = ", ".join(f"[{i + 1}]" for i, pick in enumerate(self.picks) if pick is None)
            await interaction.response.send_message(
                embed=render.note(f"Pick an option for blank {missing} first."), ephemeral=True
            )
            return
        letters = tuple(pick for pick in self.picks if pick is not None)
        try:
            outcome = await quiz_bot(interaction).quiz.rounds.answer(
                self.round_id, user_ref(interaction), letters
            )
        except QuizError as exc:
            await reply_error(interaction, refusal_text(exc))  # the picks stay for a retry
            return
        if isinstance(outcome, FINAL):
            self.stop()
        after = report_view_for(self.round_id, outcome) if isinstance(outcome, FINAL) else self
        await interaction.response.edit_message(embeds=outcome_embeds(outcome), view=after)


def round_view(round_: Round, question: Question, *, disabled: bool = False) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if question.type is QuestionType.FILL_BLANK:
        view.add_item(FillButton(round_.id, disabled=disabled))
    else:
        for letter in question.letters:
            view.add_item(AnswerButton(round_.id, letter, disabled=disabled))
    return view


def outcome_embeds(outcome: Outcome) -> list[discord.Embed]:
    embeds = [render.outcome_embed(outcome)]
    step = getattr(outcome, "test", None)
    if isinstance(step, TestQuestion):
        embeds.append(
            render.question_embed(
                step.question, f"{step.position}/{step.total}", step.round, heading="🧪 Test"
            )
        )
    elif isinstance(step, TestResult):
        embeds.append(render.test_result_embed(step))
    return embeds


def outcome_view(outcome: Outcome) -> discord.ui.View | None:
    step = getattr(outcome, "test", None)
    if isinstance(step, TestQuestion):
        return round_view(step.round, step.question)
    return None


async def answer_and_reply(
    interaction: discord.Interaction, round_id: int, letters: tuple[str, ...]
) -> None:
    """Answer, and reply privately. If the store is slow to answer, a timer defers first (one
    timer per click is far cheaper than a task and a wait, and this runs for every click)."""
    received = time.perf_counter()
    quiz = quiz_bot(interaction).quiz
    deferring: asyncio.Task[Any] | None = None

    def defer_now() -> None:
        nonlocal deferring
        deferring = asyncio.ensure_future(interaction.response.defer(ephemeral=True, thinking=True))

    timer = asyncio.get_running_loop().call_later(ACK_BUDGET_S, defer_now)
    try:
        outcome = await quiz.rounds.answer(round_id, user_ref(interaction), letters)
    except QuizError as exc:
        timer.cancel()
        if deferring is not None:
            await deferring
        await reply_error(interaction, refusal_text(exc))
        METRICS.acked("discord", received)
        return
    timer.cancel()
    if deferring is None:
        await send_private(interaction, outcome, report_view_for(round_id, outcome))
        METRICS.acked("discord", received)
        return
    await deferring
    METRICS.acked("discord", received)
    await interaction.followup.send(
        embeds=outcome_embeds(outcome),
        view=outcome_view(outcome) or report_view_for(round_id, outcome) or discord.utils.MISSING,
        ephemeral=True,
    )


def report_view_for(round_id: int, outcome: Outcome) -> discord.ui.View | None:
    """A "Report a problem" button under a finished answer (not under a test's next step)."""
    if not isinstance(outcome, (Correct, Exhausted)) or outcome.test is not None:
        return None
    from bot.adapters.discord.reports import report_view

    return report_view(round_id)


async def send_private(
    interaction: discord.Interaction, outcome: Outcome, report: discord.ui.View | None = None
) -> None:
    view = outcome_view(outcome)
    text = outcome_text(outcome, DISCORD)
    if view is None and getattr(outcome, "test", None) is None and len(text) <= CONTENT_LIMIT:
        # A plain markdown message: what most answers are, and far lighter than an embed for
        # discord.py and Discord to build and parse on every click.
        if report is not None:
            await interaction.response.send_message(text, view=report, ephemeral=True)
            return
        await interaction.response.send_message(text, ephemeral=True)
    elif view is None:
        await interaction.response.send_message(
            embeds=outcome_embeds(outcome), view=report or discord.utils.MISSING, ephemeral=True
        )
    else:
        await interaction.response.send_message(
            embeds=outcome_embeds(outcome), view=view, ephemeral=True
        )


async def reply_error(interaction: discord.Interaction, message: str) -> None:
    embed = render.note(message)
    if interaction.response.is_done():
        await interaction.followup.send(embed=embed, ephemeral=True)
    else:
        await interaction.response.send_message(embed=embed, ephemeral=True)
