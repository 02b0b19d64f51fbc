"""Slash commands: /quiz for everyone, /quiz-admin for admins (checked on every call)."""

from __future__ import annotations

import logging
from typing import Literal
from zoneinfo import available_timezones

import discord
from discord import app_commands

from bot.adapters.discord import render
from bot.adapters.discord.bot import channel_ref
from bot.adapters.discord.cards import board_image, stats_image
from bot.adapters.discord.views import quiz_bot, round_view, user_ref
from bot.adapters.review_text import reminder_text, review_heading
from bot.adapters.text import posted_over
from bot.core.models import Difficulty
from bot.core.periods import Period
from bot.core.permissions import NOT_ADMIN, AdminFacts
from bot.core.review import NothingDue
from bot.core.rounds import UserRef
from bot.core.schedule import Schedule, make_schedule

log = logging.getLogger(__name__)

HELP = """\
**/quiz practice** [bank] [difficulty] — a private question; misses come back first
**/quiz test** bank — "test this pattern": 10 questions across easy, medium and hard
**/quiz leaderboard** [week|month|all] [channel|server] [teams]
**/quiz stats** [user] — points, accuracy, streaks
**/quiz review** — your due review questions, one at a time (spaced repetition)
**/quiz remind** on [HH:MM] [zone] | off — a DM on days with reviews due
**/quiz team** join|leave|list
Daily questions: click an option (or ✏️ Answer for blanks). Answers and hints are private; \
the reveal is public when the question closes.
Something wrong with a question? 🚩 Report a problem, under your answer or the reveal.
Admins: **/quiz-admin** post-now, reveal-now, schedule, banks, team, reports, export."""

MAX_CHOICES = 25
_ZONES = sorted(available_timezones())

PeriodName = Literal["week", "month", "all"]
DifficultyName = Literal["easy", "medium", "hard"]


async def bank_names(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    typed = current.casefold()
    return [
        app_commands.Choice(name=f"{bank.title} ({bank.id})"[:100], value=bank.id)
        for bank in quiz_bot(interaction).quiz.library.banks
        if typed in bank.id or typed in bank.title.casefold()
    ][:MAX_CHOICES]


async def zone_names(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    typed = current.casefold()
    return [
        app_commands.Choice(name=zone, value=zone) for zone in _ZONES if typed in zone.casefold()
    ][:MAX_CHOICES]


async def team_names(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    teams = await quiz_bot(interaction).quiz.teams.list("discord", str(interaction.guild_id))
    return [
        app_commands.Choice(name=team.name, value=team.name)
        for team in teams
        if current.casefold() in team.name.casefold()
    ][:MAX_CHOICES]


def member_ref(interaction: discord.Interaction, member: discord.abc.User) -> UserRef:
    return UserRef("discord", str(interaction.guild_id), str(member.id), member.display_name)


async def private(interaction: discord.Interaction, embed: discord.Embed) -> None:
    if interaction.response.is_done():
        await interaction.followup.send(embed=embed, ephemeral=True)
    else:
        await interaction.response.send_message(embed=embed, ephemeral=True)


@app_commands.guild_only()
class QuizGroup(app_commands.Group):
    team = app_commands.Group(name="team", description="Join, leave or list teams")

    def __init__(self) -> None:
        super().__init__(name="quiz", description="The daily fine-tuning quiz")

    @app_commands.command(description="A private practice question (misses come back first)")
    @app_commands.describe(bank="Which pattern to practise", difficulty="easy, medium or hard")
    @app_commands.autocomplete(bank=bank_names)
    async def practice(
        self,
        interaction: discord.Interaction,
        bank: str | None = None,
        difficulty: DifficultyName | None = None,
    ) -> None:
        quiz = quiz_bot(interaction).quiz
        result = await quiz.practice.practice(
            user_ref(interaction),
            channel_ref(interaction.guild_id, interaction.channel_id or 0),
            bank=bank,
            difficulty=Difficulty(difficulty) if difficulty else None,
        )
        title = quiz.library.bank(result.question.bank).title
        heading = "🎯 Practice" + (" · you missed this one before" if result.missed_before else "")
        await interaction.response.send_message(
            embed=render.question_embed(result.question, title, result.round, heading=heading),
            view=round_view(result.round, result.question),
            ephemeral=True,
        )

    @app_commands.command(description="Test this pattern: 10 questions, one attempt each")
    @app_commands.describe(bank="The pattern to test")
    @app_commands.autocomplete(bank=bank_names)
    async def test(self, interaction: discord.Interaction, bank: str) -> None:
        quiz = quiz_bot(interaction).quiz
        step = await quiz.practice.start_test(
            user_ref(interaction),
            channel_ref(interaction.guild_id, interaction.channel_id or 0),
            bank,
        )
        await interaction.response.send_message(
            content=f"🧪 **{quiz.library.bank(bank).title}** — {step.total} questions, "
            "one attempt each.",
            embed=render.question_embed(
                step.question, f"{step.position}/{step.total}", step.round, heading="🧪 Test"
            ),
            view=round_view(step.round, step.question),
            ephemeral=True,
        )

    @app_commands.command(description="Who leads this week, this month or all time")
    @app_commands.describe(scope="This channel or the whole server", teams="Show teams instead")
    @app_commands.describe(image="As a picture")
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        period: PeriodName = "week",
        scope: Literal["channel", "server"] = "channel",
        teams: bool = False,
        image: bool = False,
    ) -> None:
        boards = quiz_bot(interaction).quiz.boards
        chosen = Period(period)
        if image:
            await board_image(interaction, chosen, scope, teams)
            return
        guild = str(interaction.guild_id)
        if teams:
            board = await boards.teams("discord", guild, chosen)
        elif scope == "server":
            board = await boards.workspace("discord", guild, chosen)
        else:
            channel = channel_ref(interaction.guild_id, interaction.channel_id or 0)
            board = await boards.channel(channel, chosen)
        await interaction.response.send_message(
            embed=render.board_embed(board, chosen), ephemeral=True
        )

    @app_commands.command(description="Points, accuracy and streaks")
    @app_commands.describe(image="As a picture: 12 weeks of play, accuracy, streaks")
    async def stats(
        self,
        interaction: discord.Interaction,
        user: discord.Member | None = None,
        image: bool = False,
    ) -> None:
        who = member_ref(interaction, user) if user else user_ref(interaction)
        if image:
            await stats_image(interaction, who)
            return
        result = await quiz_bot(interaction).quiz.boards.stats(who)
        await interaction.response.send_message(embed=render.stats_embed(result), ephemeral=True)

    @app_commands.command(description="Your due review questions, most overdue first")
    async def review(self, interaction: discord.Interaction) -> None:
        quiz = quiz_bot(interaction).quiz
        result = await quiz.review.start(
            user_ref(interaction), channel_ref(interaction.guild_id, interaction.channel_id or 0)
        )
        if isinstance(result, NothingDue):
            await private(interaction, render.review_nothing_embed(result))
            return
        title = quiz.library.bank(result.question.bank).title
        await interaction.response.send_message(
            embed=render.question_embed(
                result.question, title, result.round, heading=review_heading(result)
            ),
            view=round_view(result.round, result.question),
            ephemeral=True,
        )

    @app_commands.command(description="A DM on days with reviews due (on or off)")
    @app_commands.describe(time="HH:MM (default 09:00)", zone="IANA time zone, e.g. Europe/Berlin")
    @app_commands.autocomplete(zone=zone_names)
    async def remind(
        self,
        interaction: discord.Interaction,
        switch: Literal["on", "off"],
        time: str | None = None,
        zone: str | None = None,
    ) -> None:
        args = [switch, *(word for word in (time, zone) if word)]
        reminders = quiz_bot(interaction).quiz.review.reminders
        reminder = await reminders.set_from_args(user_ref(interaction), args)
        await private(interaction, render.note(reminder_text(reminder)))

    @app_commands.command(description="How quizbot works")
    async def help(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(embed=render.note(HELP), ephemeral=True)

    @team.command(name="join", description="Join a team (one team per person)")
    @app_commands.autocomplete(name=team_names)
    async def team_join(self, interaction: discord.Interaction, name: str) -> None:
        team = await quiz_bot(interaction).quiz.teams.join(user_ref(interaction), name)
        await private(interaction, render.note(f"You joined **{team.name}**."))

    @team.command(name="leave", description="Leave your team")
    async def team_leave(self, interaction: discord.Interaction) -> None:
        team = await quiz_bot(interaction).quiz.teams.leave(user_ref(interaction))
        await private(interaction, render.note(f"You left **{team.name}**."))

    @team.command(name="list", description="Teams and their members")
    async def team_list(self, interaction: discord.Interaction) -> None:
        teams = await quiz_bot(interaction).quiz.teams.list("discord", str(interaction.guild_id))
        lines = [f"**{t.name}**: {', '.join(t.members) or 'no members'}" for t in teams]
        await private(interaction, render.note("\n".join(lines) or "No teams yet."))


@app_commands.guild_only()
class AdminGroup(app_commands.Group):
    schedule = app_commands.Group(name="schedule", description="The channel's daily schedule")
    banks = app_commands.Group(name="banks", description="Question banks on this server")
    team = app_commands.Group(name="team", description="Create and manage teams")

    def __init__(self) -> None:
        super().__init__(name="quiz-admin", description="Quiz admin commands")

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Every admin call is checked here, on the server, whatever the client shows."""
        member = interaction.user
        roles = getattr(member, "roles", [])
        facts = AdminFacts(
            manages_workspace=interaction.permissions.manage_guild
            or interaction.permissions.administrator,
            role_ids=frozenset(str(role.id) for role in roles),
            role_names=frozenset(role.name for role in roles),
            user_id=str(member.id),
        )
        if quiz_bot(interaction).admins.allows(facts):
            return True
        await private(interaction, render.note(NOT_ADMIN))
        return False

    @app_commands.command(
        name="post-now",
        description="Post the next question now (an open one is closed and revealed first)",
    )
    async def post_now(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = channel or interaction.channel
        bot = quiz_bot(interaction)
        posted = await bot.post_round(target, interaction.guild_id or 0)  # type: ignore[arg-type]
        mention = getattr(target, "mention", "the channel")
        note = f"{posted_over(posted)}Posted **{posted.question.key}** in {mention}."
        await interaction.followup.send(embed=render.note(note), ephemeral=True)

    @app_commands.command(name="reveal-now", description="Close the open question and reveal it")
    async def reveal_now(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = channel or interaction.channel
        await quiz_bot(interaction).reveal(target, interaction.guild_id or 0)  # type: ignore[arg-type]
        await interaction.followup.send(embed=render.note("Revealed."), ephemeral=True)

    def _target(self, interaction: discord.Interaction, channel: discord.abc.GuildChannel | None):  # type: ignore[no-untyped-def]
        return channel_ref(
            interaction.guild_id, channel.id if channel else interaction.channel_id or 0
        )

    @schedule.command(name="set", description="Post daily at a time in a time zone")
    @app_commands.describe(
        time="HH:MM, e.g. 09:30",
        timezone="IANA zone, e.g. Europe/Berlin",
        days="mon-fri (default), daily, weekends or a list like mon,wed,fri",
        difficulty="any (default), easy, medium, hard, or a rotation like mon:easy,fri:hard",
        reveal="when to reveal: a delay like 4h, a time like 17:00, or default",
        banks="only these banks, comma-separated ids (default: all enabled banks)",
    )
    @app_commands.autocomplete(timezone=zone_names)
    async def schedule_set(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: str,
        timezone: str,
        days: str | None = None,
        difficulty: str | None = None,
        reveal: str | None = None,
        banks: str | None = None,
    ) -> None:
        quiz = quiz_bot(interaction).quiz
        schedule = make_schedule(
            self._target(interaction, channel), time, timezone, days, difficulty, reveal, banks
        )
        await quiz.schedules.set(schedule)
        await private(
            interaction, render.note(f"Scheduled {channel.mention}: {describe(schedule)}")
        )

    @schedule.command(name="show", description="The schedules of this server")
    async def schedule_show(self, interaction: discord.Interaction) -> None:
        quiz = quiz_bot(interaction).quiz
        found = await quiz.schedules.of_workspace("discord", str(interaction.guild_id))
        lines = []
        for schedule in found:
            lines.append(f"<#{schedule.channel.channel}>: {describe(schedule)}")
            for claim in await quiz.schedules.problems(schedule.channel):
                lines.append(f"  ⚠️ {claim.local_date}: {claim.detail}")
        await private(interaction, render.note("\n".join(lines) or "No schedules yet."))

    @schedule.command(name="pause", description="Stop posting in a channel until resumed")
    async def schedule_pause(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        done = await quiz_bot(interaction).quiz.schedules.pause(self._target(interaction, channel))
        await private(interaction, render.note(f"Paused: {describe(done)}"))

    @schedule.command(name="resume", description="Post again (missed days are not posted)")
    async def schedule_resume(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        target = self._target(interaction, channel)
        done = await quiz_bot(interaction).quiz.schedules.pause(target, paused=False)
        await private(interaction, render.note(f"Resumed: {describe(done)}"))

    @schedule.command(name="remove", description="Remove a channel's schedule")
    async def schedule_remove(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        await quiz_bot(interaction).quiz.schedules.remove(self._target(interaction, channel))
        await private(interaction, render.note("Schedule removed."))

    @banks.command(name="list", description="Banks and whether they are on here")
    async def banks_list(self, interaction: discord.Interaction) -> None:
        quiz = quiz_bot(interaction).quiz
        off = await quiz.context.store.disabled_banks("discord", str(interaction.guild_id))
        lines = [
            f"{'⛔' if bank.id in off else '✅'} **{bank.id}** — {bank.title} "
            f"({len(bank.questions)} questions)"
            for bank in quiz.library.banks
        ]
        await private(interaction, render.note("\n".join(lines)))

    @banks.command(name="enable", description="Use a bank for daily questions")
    @app_commands.autocomplete(bank=bank_names)
    async def banks_enable(self, interaction: discord.Interaction, bank: str) -> None:
        await self._switch(interaction, bank, True)

    @banks.command(name="disable", description="Stop using a bank here")
    @app_commands.autocomplete(bank=bank_names)
    async def banks_disable(self, interaction: discord.Interaction, bank: str) -> None:
        await self._switch(interaction, bank, False)

    async def _switch(self, interaction: discord.Interaction, bank: str, enabled: bool) -> None:
        quiz = quiz_bot(interaction).quiz
        found = quiz.library.bank(bank)
        await quiz.context.store.set_bank_enabled(
            "discord", str(interaction.guild_id), found.id, enabled
        )
        state = "enabled" if enabled else "disabled"
        await private(interaction, render.note(f"**{found.id}** is {state} on this server."))

    @team.command(name="create", description="Create a team")
    async def team_create(self, interaction: discord.Interaction, name: str) -> None:
        team = await quiz_bot(interaction).quiz.teams.create(
            "discord", str(interaction.guild_id), name
        )
        await private(interaction, render.note(f"Created **{team.name}**."))

    @team.command(name="rename", description="Rename a team")
    @app_commands.autocomplete(name=team_names)
    async def team_rename(self, interaction: discord.Interaction, name: str, new_name: str) -> None:
        team = await quiz_bot(interaction).quiz.teams.rename(
            "discord", str(interaction.guild_id), name, new_name
        )
        await private(interaction, render.note(f"Renamed to **{team.name}**."))

    @team.command(name="delete", description="Delete a team (its members keep their points)")
    @app_commands.autocomplete(name=team_names)
    async def team_delete(self, interaction: discord.Interaction, name: str) -> None:
        team = await quiz_bot(interaction).quiz.teams.delete(
            "discord", str(interaction.guild_id), name
        )
        await private(interaction, render.note(f"Deleted **{team.name}**."))

    @team.command(name="add", description="Put a member in a team")
    @app_commands.autocomplete(team=team_names)
    async def team_add(
        self, interaction: discord.Interaction, member: discord.Member, team: str
    ) -> None:
        joined = await quiz_bot(interaction).quiz.teams.join(member_ref(interaction, member), team)
        await private(interaction, render.note(f"{member.mention} is in **{joined.name}**."))

    @team.command(name="remove", description="Take a member out of their team")
    async def team_remove(self, interaction: discord.Interaction, member: discord.Member) -> None:
        left = await quiz_bot(interaction).quiz.teams.leave(member_ref(interaction, member))
        await private(interaction, render.note(f"{member.mention} left **{left.name}**."))


def describe(schedule: Schedule) -> str:
    state = " (paused)" if schedule.paused else ""
    if schedule.disabled_reason:
        state += f" — ⛔ disabled: {schedule.disabled_reason}; resume to try again"
    return (
        f"{schedule.post_time:%H:%M} {schedule.timezone}, {schedule.describe_days()}, "
        f"{schedule.describe_difficulty()}, {schedule.describe_banks()}, "
        f"{schedule.describe_reveal()}{state}"
    )
