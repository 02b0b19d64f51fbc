"""/quiz: one slash command with subcommands; every answer is private."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.args import bank_and_difficulty
from bot.adapters.review_text import reminder_text
from bot.adapters.slack import blocks, review
from bot.adapters.slack.admin import admin_modal
from bot.adapters.slack.cards import board_button, stats_button
from bot.adapters.slack.context import SlackDeps, channel_ref, user_ref
from bot.adapters.slack.reports import ADMIN_WORDS, admin_command
from bot.adapters.text import refusal_text
from bot.core.outcomes import QuizError
from bot.core.periods import Period
from bot.core.permissions import NOT_ADMIN

USAGE = """\
*/quiz practice* [bank] [easy|medium|hard] — a private question; misses come back first
*/quiz test* BANK — "test this pattern": 10 questions across easy, medium and hard
*/quiz leaderboard* [week|month|all] [teams|workspace]
*/quiz stats* [@someone] — points, accuracy, streaks
*/quiz review* — your due review questions, one at a time (spaced repetition)
*/quiz remind* on [HH:MM] [zone] | off — a DM on days with reviews due
*/quiz team* join NAME | leave | list
*/quiz admin* — schedule, post or reveal now, banks and teams (workspace admins)
*/quiz admin team* create NAME | rename OLD NEW | delete NAME | add @someone NAME | \
remove @someone
*/quiz admin reports* [resolve ID] — players' open reports; */quiz admin export* [DAYS] — \
the question analytics as a CSV file"""

_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.command("/quiz")
    async def quiz_command(ack: Any, command: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        words = (command.get("text") or "").split()
        team = str(command.get("team_id", ""))
        user = user_ref(team, str(command["user_id"]), str(command.get("user_name", "")))
        channel = channel_ref(team, str(command.get("channel_id", "")))
        head = words[0].lower() if words else "help"
        try:
            found = await _dispatch(deps, client, command, head, words[1:], user, channel)
        except QuizError as exc:
            found = [blocks.section(refusal_text(exc))]
        if found is not None:
            await deps.reply(str(command.get("response_url", "")), blocks=found, text="quizbot")


async def _dispatch(
    deps: SlackDeps,
    client: AsyncWebClient,
    command: dict[str, Any],
    head: str,
    args: list[str],
    user: Any,
    channel: Any,
) -> list[blocks.Block] | None:
    quiz = deps.quiz
    if head == "help":
        return [blocks.section(USAGE)]
    if head == "practice":
        bank, difficulty = bank_and_difficulty(
            args, "Usage: /quiz practice [bank] [easy|medium|hard]"
        )
        result = await quiz.practice.practice(user, channel, bank=bank, difficulty=difficulty)
        heading = "🎯 Practice" + (" · you missed this one before" if result.missed_before else "")
        title = deps.title(result.question.bank)
        return blocks.question_blocks(result.question, title, result.round, heading=heading)
    if head == "test":
        if len(args) != 1:
            raise QuizError("Usage: /quiz test BANK")
        step = await quiz.practice.start_test(user, channel, args[0])
        title = deps.title(step.question.bank)
        return blocks.question_blocks(
            step.question, f"{title} {step.position}/{step.total}", step.round, heading="🧪 Test"
        )
    if head == "review":
        return review.review_blocks(deps, await quiz.review.start(user, channel))
    if head == "remind":
        reminder = await quiz.review.reminders.set_from_args(user, args)
        return [blocks.section(reminder_text(reminder))]
    if head == "leaderboard":
        return await _leaderboard(deps, args, user, channel)
    if head == "stats":
        who = user
        if args:
            mention = _MENTION.match(args[0])
            if mention is None:
                raise QuizError("Usage: /quiz stats [@someone]")
            who = user_ref(user.workspace, mention.group(1))
        return [*blocks.stats_blocks(await quiz.boards.stats(who)), stats_button(who.user)]
    if head == "team":
        return await _team(deps, args, user)
    if head == "admin":
        if not await deps.is_admin(client, user.user):
            return [blocks.section(NOT_ADMIN)]
        if args and args[0].lower() == "team":
            return await _admin_team(deps, args[1:], user)
        if args and args[0].lower() in ADMIN_WORDS:
            return await admin_command(deps, client, args, user)
        await client.views_open(
            trigger_id=command["trigger_id"], view=await admin_modal(deps, user.workspace, channel)
        )
        return None
    raise QuizError(f"Unknown command '/quiz {head}'.\n{USAGE}")


async def _leaderboard(
    deps: SlackDeps, args: list[str], user: Any, channel: Any
) -> list[blocks.Block]:
    words = [arg.lower() for arg in args]
    teams = "teams" in words
    everyone = "workspace" in words
    rest = [w for w in words if w not in {"teams", "workspace", "channel"}]
    if len(rest) > 1:
        raise QuizError("Usage: /quiz leaderboard [week|month|all] [teams|workspace]")
    try:
        period = Period.parse(rest[0] if rest else None)
    except ValueError as exc:
        raise QuizError(str(exc)) from None
    boards = deps.quiz.boards
    if teams:
        board = await boards.teams("slack", user.workspace, period)
    elif everyone:
        board = await boards.workspace("slack", user.workspace, period)
    else:
        board = await boards.channel(channel, period)
    kind = "teams" if teams else "workspace" if everyone else "channel"
    return [*blocks.board_blocks(board, period), board_button(period, kind, channel.channel)]


async def _team(deps: SlackDeps, args: list[str], user: Any) -> list[blocks.Block]:
    teams = deps.quiz.teams
    action = args[0].lower() if args else "list"
    name = " ".join(args[1:])
    if action == "join" and name:
        team = await teams.join(user, name)
        return [blocks.section(f"You joined *{team.name}*.")]
    if action == "leave":
        team = await teams.leave(user)
        return [blocks.section(f"You left *{team.name}*.")]
    if action == "list":
        found = await teams.list("slack", user.workspace)
        lines = [f"*{t.name}*: {', '.join(t.members) or 'no members'}" for t in found]
        return [blocks.section("\n".join(lines) or "No teams yet.")]
    raise QuizError("Usage: /quiz team join NAME | leave | list")


async def _admin_team(deps: SlackDeps, args: list[str], user: Any) -> list[blocks.Block]:
    """Team management for admins (the caller has been checked)."""
    teams = deps.quiz.teams
    team_id = user.workspace
    action = args[0].lower() if args else ""
    rest = args[1:]
    if action == "create" and rest:
        made = await teams.create("slack", team_id, " ".join(rest))
        return [blocks.section(f"Created *{made.name}*.")]
    if action == "rename" and len(rest) == 2:
        renamed = await teams.rename("slack", team_id, rest[0], rest[1])
        return [blocks.section(f"Renamed to *{renamed.name}*.")]
    if action == "delete" and rest:
        gone = await teams.delete("slack", team_id, " ".join(rest))
        return [blocks.section(f"Deleted *{gone.name}*.")]
    if action in {"add", "remove"} and rest and _MENTION.match(rest[0]):
        mention = _MENTION.match(rest[0])
        assert mention is not None
        member = user_ref(team_id, mention.group(1))
        if action == "add" and len(rest) > 1:
            joined = await teams.join(member, " ".join(rest[1:]))
            return [blocks.section(f"<@{member.user}> is in *{joined.name}*.")]
        if action == "remove":
            left = await teams.leave(member)
            return [blocks.section(f"<@{member.user}> left *{left.name}*.")]
    raise QuizError(
        "Usage: /quiz admin team create NAME | rename OLD NEW | delete NAME | "
        "add @someone NAME | remove @someone"
    )
