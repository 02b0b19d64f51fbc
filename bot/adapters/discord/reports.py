"""Discord: "Report a problem" (a persistent button opening a modal) and the admins' side,
``/quiz-admin reports`` and ``/quiz-admin export``. The button's custom id carries only the
round id; the modal's answer is judged by the core."""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord import render
from bot.adapters.discord.views import quiz_bot, user_ref
from bot.adapters.text import refusal_text
from bot.core.analytics import period_filter, stats_csv
from bot.core.outcomes import QuizError
from bot.core.reports import (
    ALREADY,
    MAX_REPORT_TEXT,
    THANKS,
    AlreadyReported,
    ReportKind,
    report_line,
)

log = logging.getLogger(__name__)

MAX_LISTED = 25  # reports in one /quiz-admin reports answer (an embed holds 4096 characters)
CSV_NAME = "quizbot-questions.csv"


class ReportButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"quiz:r:(?P<round>[0-9]{1,18})",
):
    """Opens the report form for a round's question."""

    def __init__(self, round_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Report a problem",
                emoji="🚩",
                style=discord.ButtonStyle.secondary,
                custom_id=f"quiz:r:{round_id}",
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
    ) -> ReportButton:
        return cls(int(match["round"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(ReportModal(self.round_id))


class ReportModal(discord.ui.Modal):
    def __init__(self, round_id: int) -> None:
        super().__init__(title="Report a problem", custom_id=f"quiz:report:{round_id}")
        self.round_id = round_id
        self.kind: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="kind",
            options=[discord.SelectOption(label=k.label, value=k.value) for k in ReportKind],
        )
        self.details: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="text",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=MAX_REPORT_TEXT,
        )
        self.add_item(discord.ui.Label(text="What is wrong?", component=self.kind))
        self.add_item(
            discord.ui.Label(
                text="Details", description="Which option, which word...", component=self.details
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        kind = self.kind.values[0] if self.kind.values else ""
        try:
            done = await quiz_bot(interaction).quiz.reports.report(
                self.round_id, user_ref(interaction), kind, self.details.value
            )
        except QuizError as exc:
            text = refusal_text(exc)
        else:
            text = ALREADY if isinstance(done, AlreadyReported) else THANKS
        await interaction.response.send_message(embed=render.note(text), ephemeral=True)


def report_view(round_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ReportButton(round_id))
    return view


def admin_commands() -> list[app_commands.Command[Any, Any, Any]]:
    """``/quiz-admin reports`` and ``/quiz-admin export``, made for one bot (a command belongs to
    one group); the group's check admits admins only."""

    @app_commands.command(name="reports", description="Players' open reports of questions")
    @app_commands.describe(resolve="The number (#) of a report to mark resolved")
    async def reports(interaction: discord.Interaction, resolve: int | None = None) -> None:
        quiz = quiz_bot(interaction).quiz
        guild = str(interaction.guild_id)
        if resolve is not None:
            done = await quiz.reports.resolve(
                resolve, f"discord:{interaction.user.id}", "discord", guild
            )
            note = f"Resolved {report_line(done)}"
            await interaction.response.send_message(embed=render.note(note), ephemeral=True)
            return
        found = await quiz.reports.open("discord", guild)
        if not found:
            note = "No open reports."
        else:
            lines = [report_line(report) for report in found[:MAX_LISTED]]
            if len(found) > MAX_LISTED:
                lines.append(f"… and {len(found) - MAX_LISTED} more")
            lines.append("Resolve one with `/quiz-admin reports resolve:#`.")
            note = "**Open reports**\n" + "\n".join(lines)
        await interaction.response.send_message(embed=render.note(note), ephemeral=True)

    @app_commands.command(name="export", description="The question analytics of this server (CSV)")
    @app_commands.describe(days="Only the last N days (default: all time)")
    async def export(
        interaction: discord.Interaction, days: app_commands.Range[int, 1, 3650] | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        quiz = quiz_bot(interaction).quiz
        wanted = period_filter(
            quiz.context.clock.now(),
            days=days,
            platform="discord",
            workspace=str(interaction.guild_id),
        )
        table = await quiz.analytics.questions(wanted)
        data = stats_csv(table).encode("utf-8")
        await interaction.followup.send(
            embed=render.note(f"Question analytics: {len(table)} questions."),
            file=discord.File(io.BytesIO(data), filename=CSV_NAME),
            ephemeral=True,
        )

    return [reports, export]


def register(tree: app_commands.CommandTree[Any], client: discord.Client) -> None:
    """The report button (persistent) and the admin commands, on the ``/quiz-admin`` group."""
    client.add_dynamic_items(ReportButton)
    admin = tree.get_command("quiz-admin")
    if not isinstance(admin, app_commands.Group):
        raise RuntimeError("register the /quiz-admin group before the report commands")
    for command in admin_commands():
        admin.add_command(command)
