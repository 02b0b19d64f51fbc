"""Admins' modal (/quiz admin): schedule, post or reveal now, pause, resume, banks, teams.

Every action and submission checks the admin rule again on the server: a block_actions payload
can be forged as easily as a slash command."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import blocks
from bot.adapters.slack.cards import share_reveal
from bot.adapters.slack.context import SlackDeps, channel_ref, team_of
from bot.adapters.slack.reports import report_button
from bot.adapters.text import POST_NOW_WARNING, posted_over, refusal_text, refused_text
from bot.core.outcomes import Posted, QuizError, Reveal
from bot.core.permissions import NOT_ADMIN
from bot.core.rounds import ChannelRef
from bot.core.schedule import WEEKDAYS, Schedule, ScheduleError, make_schedule

log = logging.getLogger(__name__)

CALLBACK = "quiz_admin"
CHANNEL, TIME, ZONE, DAYS, LEVEL, TEAM = (
    "admin_channel", "admin_time", "admin_zone", "admin_days", "admin_level", "admin_team",
)  # fmt: skip
ROTATION, REVEAL, BANKS = "admin_rotation", "admin_reveal", "admin_banks"
REVEAL_EVENT = "quizbot_reveal"
REVEAL_LOOKBACK = 200  # replies in a round's thread searched for an earlier reveal
MESSAGE_GONE = frozenset({"message_not_found", "thread_not_found"})
ACTIONS = ("admin_post_now", "admin_reveal_now", "admin_pause", "admin_resume")
# Slack asks before running the action: posting closes the open question for everyone.
POST_NOW_CONFIRM = {
    "title": {"type": "plain_text", "text": "Post the next question now?"},
    "text": {"type": "plain_text", "text": POST_NOW_WARNING},
    "confirm": {"type": "plain_text", "text": "Post now"},
    "deny": {"type": "plain_text", "text": "Cancel"},
}


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def _input(block_id: str, label: str, element: dict[str, Any], optional: bool = False) -> Any:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": block_id},
    }


async def admin_modal(deps: SlackDeps, team: str, channel: ChannelRef) -> dict[str, Any]:
    quiz = deps.quiz
    current = await quiz.context.store.schedule(channel)
    days = current.days if current else frozenset(range(5))
    off = await quiz.context.store.disabled_banks("slack", team)
    day_options = [_option(name.capitalize(), str(i)) for i, name in enumerate(WEEKDAYS)]
    levels = [_option("any", "any")] + [_option(x, x) for x in ("easy", "medium", "hard")]
    level = current.difficulty.value if current and current.difficulty else "any"
    body: list[dict[str, Any]] = [
        _input(
            CHANNEL,
            "Channel",
            {
                "type": "conversations_select",
                "initial_conversation": channel.channel,
                "filter": {"include": ["public", "private"]},
            },
        ),
        _input(
            TIME,
            "Post at",
            {
                "type": "timepicker",
                "initial_time": current.post_time.strftime("%H:%M") if current else "09:00",
            },
        ),
        _input(
            ZONE,
            "Time zone (IANA, e.g. Europe/Berlin)",
            {"type": "plain_text_input", "initial_value": current.timezone if current else "UTC"},
        ),
        _input(
            DAYS,
            "Weekdays",
            {
                "type": "checkboxes",
                "options": day_options,
                "initial_options": [day_options[d] for d in sorted(days)],
            },
        ),
        _input(
            LEVEL,
            "Difficulty",
            {
                "type": "static_select",
                "options": levels,
                "initial_option": next(o for o in levels if o["value"] == level),
            },
        ),
        _input(
            ROTATION,
            "Or a weekly rotation (e.g. mon:easy,wed:medium,fri:hard)",
            {"type": "plain_text_input"}
            | ({"initial_value": _rotation_text(current)} if current and current.rotation else {}),
            optional=True,
        ),
        _input(
            REVEAL,
            "Reveal (a delay like 4h, a time like 17:00; empty: before the next post)",
            {"type": "plain_text_input"},
            optional=True,
        ),
        _input(
            BANKS,
            "Only these banks (comma-separated ids; empty: all enabled banks)",
            {"type": "plain_text_input"}
            | ({"initial_value": ",".join(current.banks)} if current and current.banks else {}),
            optional=True,
        ),
        _input(TEAM, "Create a team (optional)", {"type": "plain_text_input"}, optional=True),
        {
            "type": "actions",
            "block_id": "admin_now",
            "elements": [
                {"type": "button", "action_id": action, "text": blocks._plain(label)}
                | ({"confirm": POST_NOW_CONFIRM} if action == "admin_post_now" else {})
                for action, label in zip(
                    ACTIONS, ("Post now", "Reveal now", "Pause", "Resume"), strict=True
                )
            ],
        },
    ]
    for bank in quiz.library.banks:
        enabled = bank.id not in off
        body.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"{'✅' if enabled else '⛔'} *{bank.title}*"},
                "accessory": {
                    "type": "button",
                    "action_id": f"admin_bank:{'disable' if enabled else 'enable'}",
                    "text": blocks._plain("Disable" if enabled else "Enable"),
                    "value": bank.id,
                },
            }
        )
    return {
        "type": "modal",
        "callback_id": CALLBACK,
        "private_metadata": channel.channel,
        "title": {"type": "plain_text", "text": "Quiz admin"},
        "submit": {"type": "plain_text", "text": "Save schedule"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": body,
    }


def _rotation_text(schedule: Schedule) -> str:
    return ",".join(f"{WEEKDAYS[day]}:{level.value}" for day, level in schedule.rotation)


def _chosen_channel(body: dict[str, Any]) -> str:
    view = body.get("view") or {}
    values = (view.get("state") or {}).get("values") or {}
    picked = (values.get(CHANNEL) or {}).get(CHANNEL) or {}
    return str(picked.get("selected_conversation") or view.get("private_metadata") or "")


async def post_round(client: AsyncWebClient, deps: SlackDeps, team: str, channel_id: str) -> Posted:
    """Post the channel's next question (revealing the open one first)."""
    quiz = deps.quiz
    posted = await quiz.rounds.post_daily(channel_ref(team, channel_id), reuse_unposted=True)
    if posted.previous is not None:
        await announce(client, deps, posted.previous)
    title = deps.title(posted.question.bank)
    sent = await client.chat_postMessage(
        channel=channel_id,
        text=f"Daily question: {posted.question.prompt}",
        blocks=blocks.question_blocks(posted.question, title, posted.round),
    )
    await quiz.context.store.set_message_ref(posted.round.id, str(sent["ts"]))
    return posted


async def announce(client: AsyncWebClient, deps: SlackDeps, result: Reveal) -> None:
    """Post the reveal unless it went out already (see ``QuizEngine.announcing``)."""
    async with deps.quiz.rounds.announcing(result) as mine:
        if mine:
            await show_reveal(client, deps, result)


def _is_reveal_of(round_id: int, message: dict[str, Any]) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return bool(metadata.get("event_type") == REVEAL_EVENT and payload.get("round") == round_id)


async def show_reveal(client: AsyncWebClient, deps: SlackDeps, result: Reveal) -> None:
    """Remove the round's actions, then post the reveal in its thread and in the channel.

    Once: a retry after a crash (the reveal went out, its record did not) finds the first
    reveal in the round's thread by its metadata."""
    thread_ts, revealed = await _close_message(client, deps, result)
    if revealed:
        return
    await client.chat_postMessage(
        channel=result.round.channel.channel,
        thread_ts=thread_ts,
        reply_broadcast=thread_ts is not None,
        text="The answer",
        blocks=[*blocks.reveal_blocks(result), report_button(result.round.id)],
        metadata={"event_type": REVEAL_EVENT, "event_payload": {"round": result.round.id}},
    )
    await share_reveal(client, deps, result, thread_ts)


async def _close_message(
    client: AsyncWebClient, deps: SlackDeps, result: Reveal
) -> tuple[str | None, bool]:
    """Take the actions off the round's message: (the thread to reveal in, or None for the
    channel; whether that thread holds the reveal already)."""
    channel, ts = result.round.channel.channel, result.round.message_ref
    if not ts:
        return None, False
    title = deps.title(result.round.question.bank)
    try:
        await client.chat_update(
            channel=channel,
            ts=ts,
            text="Closed",
            blocks=blocks.closed_blocks(result.question, title, result.round),
        )
        thread = await client.conversations_replies(
            channel=channel, ts=ts, include_all_metadata=True, limit=REVEAL_LOOKBACK
        )
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error not in MESSAGE_GONE:
            raise
        # Someone deleted the question: the reveal still goes out, in the channel.
        log.warning("round %d: message gone (%s), revealing in the channel", result.round.id, error)
        return None, False
    replies = thread.get("messages") or []
    return ts, any(_is_reveal_of(result.round.id, reply) for reply in replies)


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def tell(client: AsyncWebClient, body: dict[str, Any], text: str) -> None:
        channel = _chosen_channel(body)
        user = body["user"]["id"]
        if channel:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)

    async def allowed(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> bool:
        """Ack, then check the clicker: a block_actions payload is as easy to forge as any."""
        await ack()
        if await deps.is_admin(client, body["user"]["id"]):
            return True
        await tell(client, body, NOT_ADMIN)
        return False

    @app.action({"action_id": re.compile("^admin_(post_now|reveal_now|pause|resume)$")})
    async def admin_action(
        ack: Any, body: dict[str, Any], client: AsyncWebClient, action: Any
    ) -> None:
        if not await allowed(ack, body, client):
            return
        team = team_of(body)
        channel = _chosen_channel(body)
        target = channel_ref(team, channel)
        name = action["action_id"]
        try:
            if name == "admin_post_now":
                posted = await post_round(client, deps, team, channel)
                text = f"{posted_over(posted)}Posted {posted.question.key} in <#{channel}>."
            elif name == "admin_reveal_now":
                await announce(client, deps, await deps.quiz.rounds.close_open(target))
                text = f"Revealed in <#{channel}>."
            else:
                paused = name == "admin_pause"
                done = await deps.quiz.schedules.pause(target, paused=paused)
                text = ("Paused: " if paused else "Resumed: ") + blocks.describe_schedule(done)
        except QuizError as exc:
            text = refusal_text(exc)
        except SlackApiError as exc:
            log.warning("admin %s in %s: Slack refused a call", name, channel, exc_info=exc)
            text = refused_text("Slack", str(exc.response.get("error", "no reason")))
        await tell(client, body, text)

    @app.action({"action_id": re.compile("^admin_bank:(enable|disable)$")})
    async def admin_bank(
        ack: Any, body: dict[str, Any], client: AsyncWebClient, action: Any
    ) -> None:
        if not await allowed(ack, body, client):
            return
        team = team_of(body)
        try:
            bank = deps.quiz.library.bank(str(action.get("value", "")))
        except QuizError as exc:
            await tell(client, body, refusal_text(exc))
            return
        enable = action["action_id"].endswith(":enable")
        await deps.quiz.context.store.set_bank_enabled("slack", team, bank.id, enable)
        channel = channel_ref(team, _chosen_channel(body))
        await client.views_update(
            view_id=body["view"]["id"], view=await admin_modal(deps, team, channel)
        )

    @app.view(CALLBACK)
    async def admin_submit(
        ack: Any, body: dict[str, Any], client: AsyncWebClient, view: Any
    ) -> None:
        user = body["user"]["id"]
        if not await deps.is_admin(client, user):
            await ack(response_action="errors", errors={CHANNEL: NOT_ADMIN})
            return
        values = view["state"]["values"]
        team = team_of(body)

        def value(block: str) -> dict[str, Any]:
            return dict(values.get(block, {}).get(block) or {})

        channel = str(value(CHANNEL).get("selected_conversation") or "")
        days = ",".join(
            ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[int(option["value"])]
            for option in value(DAYS).get("selected_options") or []
        )
        level = (value(LEVEL).get("selected_option") or {}).get("value")
        rotation = str(value(ROTATION).get("value") or "").strip()
        reveal = str(value(REVEAL).get("value") or "").strip() or None
        chosen_banks = str(value(BANKS).get("value") or "").strip() or None
        errors: dict[str, str] = {}
        if not days:
            errors[DAYS] = "Pick at least one weekday."
        schedule = None
        try:
            schedule = make_schedule(
                channel_ref(team, channel),
                str(value(TIME).get("selected_time") or ""),
                str(value(ZONE).get("value") or ""),
                days or None,
                rotation or level,
                reveal,
                chosen_banks,
            )
        except ScheduleError as exc:
            message = str(exc)
            if "time zone" in message:
                errors[ZONE] = message
            elif "rotation" in message or "weekday" in message:
                errors[ROTATION] = message
            elif "reveal" in message:
                errors[REVEAL] = message
            else:
                errors[TIME] = message
        team_name = str(value(TEAM).get("value") or "").strip()
        if errors or schedule is None:
            await ack(response_action="errors", errors=errors)
            return
        try:
            schedule = await deps.quiz.schedules.set(schedule)
        except ScheduleError as exc:
            await ack(response_action="errors", errors={BANKS: str(exc)})
            return
        await ack()
        note = f"Scheduled {blocks.describe_schedule(schedule)}"
        if team_name:
            try:
                created = await deps.quiz.teams.create("slack", team, team_name)
                note += f"\nCreated team *{created.name}*."
            except QuizError as exc:
                note += f"\n{refusal_text(exc)}"
        await client.chat_postEphemeral(channel=channel, user=user, text=note)
