"""Answer buttons, blank pickers and Submit. Replies are ephemeral; values hold only ids."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.adapters.slack import blocks
from bot.adapters.slack.context import SlackDeps, team_of, user_ref
from bot.adapters.slack.reports import report_button
from bot.adapters.text import refusal_text
from bot.core.outcomes import Correct, Exhausted, NotFound, Outcome, QuizError


def _round_id(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 18 else None


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def answer(body: dict[str, Any], round_id: int | None, letters: tuple[str, ...]) -> None:
        user = body["user"]
        who = user_ref(team_of(body), str(user["id"]), str(user.get("username") or ""))
        outcome: Outcome
        if round_id is None:
            outcome = NotFound()
        else:
            try:
                outcome = await deps.quiz.rounds.answer(round_id, who, letters)
            except QuizError as exc:
                await deps.reply(body.get("response_url", ""), text=refusal_text(exc))
                return
        shown = blocks.outcome_blocks(outcome, deps.title)
        if round_id is not None and isinstance(outcome, (Correct, Exhausted)) and not outcome.test:
            shown.append(report_button(round_id))  # "Report a problem" once it is answered
        await deps.reply(body.get("response_url", ""), blocks=shown, text="quizbot")

    @app.action({"action_id": re.compile(f"^{blocks.ANSWER}:[A-E]$")})
    async def pressed(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        round_text, _, letter = str(action.get("value", "")).partition(":")
        await answer(body, _round_id(round_text), (letter,))

    @app.action({"action_id": re.compile(f"^{blocks.PICK}:[1-3]$")})
    async def picked(ack: Any) -> None:
        await ack()  # picking is not an attempt: the picks are read at Submit

    @app.action(blocks.SUBMIT)
    async def submitted(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        round_id = _round_id(str(action.get("value", "")))
        values = (body.get("state") or {}).get("values") or {}
        picks = values.get(f"{blocks.BLANKS_BLOCK}:{round_id}") or {}
        chosen: dict[int, str] = {}
        for action_id, state in picks.items():
            option = (state or {}).get("selected_option") or {}
            blank = action_id.rpartition(":")[2]
            if option.get("value") and blank.isdigit():
                chosen[int(blank)] = str(option["value"])
        if not chosen or sorted(chosen) != list(range(1, max(chosen) + 1)):
            await deps.reply(
                body.get("response_url", ""), text="Pick an option for every blank first."
            )
            return
        await answer(body, round_id, tuple(chosen[n] for n in sorted(chosen)))
