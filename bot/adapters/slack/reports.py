"""Slack: "Report a problem" (a button opening a modal; ids only in values) and the admins'
side: ``/quiz admin reports``, ``/quiz admin export`` (the question table as a CSV file in a DM,
``files_upload_v2``) and the open reports on an admin's App Home. Every admin action checks the
admin rule again on the server."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import blocks
from bot.adapters.slack.context import SlackDeps, team_of, user_ref
from bot.adapters.text import refusal_text
from bot.core.analytics import period_filter, stats_csv
from bot.core.outcomes import QuizError
from bot.core.permissions import NOT_ADMIN
from bot.core.reports import (
    ALREADY,
    MAX_REPORT_TEXT,
    THANKS,
    AlreadyReported,
    ReportKind,
    StoredReport,
    report_line,
)

log = logging.getLogger(__name__)

REPORT = "quiz_report"
"""The button's action id; its value is the round id."""
FORM = "quiz_report_form"
KIND, TEXT = "report_kind", "report_text"
RESOLVE = "quiz_report_resolve"
"""An admin's Resolve button; its value is the report id."""
ADMIN_WORDS = frozenset({"reports", "export"})
MAX_LISTED = 20  # reports with a Resolve button each in one message (50 blocks at most)
CSV_NAME = "quizbot-questions.csv"


def report_button(round_id: int) -> blocks.Block:
    return {
        "type": "actions",
        "block_id": f"{REPORT}:{round_id}",
        "elements": [
            {
                "type": "button",
                "action_id": REPORT,
                "text": {"type": "plain_text", "text": "🚩 Report a problem", "emoji": True},
                "value": str(round_id),
            }
        ],
    }


def report_modal(round_id: int) -> dict[str, Any]:
    options = [
        {"text": {"type": "plain_text", "text": kind.label}, "value": kind.value}
        for kind in ReportKind
    ]
    return {
        "type": "modal",
        "callback_id": FORM,
        "private_metadata": str(round_id),
        "title": {"type": "plain_text", "text": "Report a problem"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": KIND,
                "label": {"type": "plain_text", "text": "What is wrong?"},
                "element": {"type": "static_select", "action_id": KIND, "options": options},
            },
            {
                "type": "input",
                "block_id": TEXT,
                "optional": True,
                "label": {"type": "plain_text", "text": "Details"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": TEXT,
                    "multiline": True,
                    "max_length": MAX_REPORT_TEXT,
                },
            },
        ],
    }


def _done_view(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Report a problem"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [blocks.section(text)],
    }


def report_blocks(found: list[StoredReport]) -> list[blocks.Block]:
    """Open reports, each with a Resolve button (its value the report id only)."""
    if not found:
        return [blocks.section("No open reports.")]
    listed: list[blocks.Block] = [blocks.section(f"*Open reports* ({len(found)})")]
    for report in found[:MAX_LISTED]:
        listed.append(
            {
                "type": "section",
                "block_id": f"report:{report.id}",
                "text": {"type": "mrkdwn", "text": report_line(report)},
                "accessory": {
                    "type": "button",
                    "action_id": RESOLVE,
                    "text": {"type": "plain_text", "text": "Resolve"},
                    "value": str(report.id),
                },
            }
        )
    if len(found) > MAX_LISTED:
        listed.append(blocks.section(f"… and {len(found) - MAX_LISTED} more"))
    return listed


async def admin_home_blocks(
    deps: SlackDeps, client: AsyncWebClient, team: str, user_id: str
) -> list[blocks.Block]:
    """The App Home's admin part: open reports, for admins only."""
    if not await deps.is_admin(client, user_id):
        return []
    found = await deps.quiz.reports.open("slack", team)
    return [{"type": "divider"}, *report_blocks(found)]


async def admin_command(
    deps: SlackDeps, client: AsyncWebClient, args: list[str], user: Any
) -> list[blocks.Block]:
    """``/quiz admin reports [resolve ID]`` and ``/quiz admin export [DAYS]`` (the caller has
    been checked)."""
    quiz = deps.quiz
    action = args[0].lower()
    rest = args[1:]
    if action == "reports":
        if len(rest) == 2 and rest[0].lower() == "resolve" and rest[1].lstrip("#").isdigit():
            done = await quiz.reports.resolve(
                int(rest[1].lstrip("#")), f"slack:{user.user}", "slack", user.workspace
            )
            return [blocks.section(f"Resolved {report_line(done)}")]
        if rest:
            raise QuizError("Usage: /quiz admin reports [resolve ID]")
        return report_blocks(await quiz.reports.open("slack", user.workspace))
    if len(rest) > 1 or (rest and not rest[0].isdigit()):
        raise QuizError("Usage: /quiz admin export [DAYS]")
    days = int(rest[0]) if rest else None
    wanted = period_filter(
        quiz.context.clock.now(), days=days, platform="slack", workspace=user.workspace
    )
    table = await quiz.analytics.questions(wanted)
    # To the admin alone: a DM with the app, not the channel the command was typed in.
    opened = await client.conversations_open(users=user.user)
    dm = str((opened.get("channel") or {}).get("id", ""))
    await client.files_upload_v2(
        channel=dm,
        filename=CSV_NAME,
        title="quizbot question analytics",
        content=stats_csv(table),
        initial_comment=f"Question analytics: {len(table)} questions.",
    )
    return [blocks.section(f"Sent you {CSV_NAME} ({len(table)} questions) in a DM.")]


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.action(REPORT)
    async def open_form(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        value = str((body.get("actions") or [{}])[0].get("value", ""))
        if not value.isdigit() or len(value) > 18:
            return  # a forged value: no form to open
        await client.views_open(trigger_id=body["trigger_id"], view=report_modal(int(value)))

    @app.view(FORM)
    async def submitted(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = (view.get("state") or {}).get("values") or {}
        kind = ((values.get(KIND, {}).get(KIND) or {}).get("selected_option") or {}).get("value")
        text = str((values.get(TEXT, {}).get(TEXT) or {}).get("value") or "")
        round_text = str(view.get("private_metadata") or "")
        user = body["user"]
        who = user_ref(team_of(body), str(user["id"]), str(user.get("username") or ""))
        try:
            if not round_text.isdigit() or len(round_text) > 18:
                raise QuizError("That question is no longer known; nothing was reported.")
            done = await deps.quiz.reports.report(int(round_text), who, str(kind or ""), text)
        except QuizError as exc:
            await ack(response_action="errors", errors={TEXT: refusal_text(exc)})
            return
        said = ALREADY if isinstance(done, AlreadyReported) else THANKS
        await ack(response_action="update", view=_done_view(said))

    @app.action(RESOLVE)
    async def resolve(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user_id = str(body["user"]["id"])
        team = team_of(body)
        response_url = str(body.get("response_url") or "")
        if not await deps.is_admin(client, user_id):
            text = NOT_ADMIN
        else:
            value = str((body.get("actions") or [{}])[0].get("value", ""))
            try:
                if not value.isdigit():
                    raise QuizError("There is no such report.")
                done = await deps.quiz.reports.resolve(
                    int(value), f"slack:{user_id}", "slack", team
                )
                text = f"Resolved {report_line(done)}"
            except QuizError as exc:
                text = refusal_text(exc)
        if response_url:
            await deps.reply(response_url, text=text)
        elif (body.get("view") or {}).get("type") == "home":
            from bot.adapters.slack.events import home_view

            home = await home_view(deps, team, user_id)
            home["blocks"] += await admin_home_blocks(deps, client, team, user_id)
            await client.views_publish(user_id=user_id, view=home)
