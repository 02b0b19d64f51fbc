"""Core values as Block Kit (plain dicts from small functions). Presentation only.

Action values and block ids hold only ids (a round, a letter, a blank number), never an answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.adapters.text import (
    SLACK,
    board_text,
    how_to_answer,
    outcome_text,
    reveal_text,
    stats_text,
)
from bot.core.models import Question, QuestionType
from bot.core.outcomes import Board, Outcome, Reveal, TestQuestion, TestResult, UserStats
from bot.core.periods import Period
from bot.core.rounds import Round
from bot.core.schedule import Schedule

Block = dict[str, Any]
TEXT_LIMIT = 2900  # Slack allows 3000 characters in a section

ANSWER = "quiz_answer"
PICK = "quiz_pick"
SUBMIT = "quiz_submit"
BLANKS_BLOCK = "quiz_blanks"


def _text(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text[:TEXT_LIMIT]}


def section(text: str) -> Block:
    return {"type": "section", "text": _text(text)}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:150], "emoji": True}


def question_blocks(
    question: Question, title: str, round_: Round, *, heading: str = "📝 Daily question"
) -> list[Block]:
    blocks: list[Block] = [
        {"type": "header", "text": _plain(f"{heading} · {title}")},
        {
            "type": "context",
            "elements": [
                _text(
                    f"{question.difficulty.value} · {question.type.value.replace('_', ' ')} · "
                    f"attempts: {round_.attempts_allowed} · answers are private"
                )
            ],
        },
        section(question.prompt),
    ]
    if question.code:
        blocks.append(section(SLACK.code(question.code)))
    blocks.append(
        section("\n".join(f"*{letter}*  {text}" for letter, text in question.options.items()))
    )
    if question.type is QuestionType.FILL_BLANK:
        options = [
            {"text": _plain(f"{letter}: {text}"[:75]), "value": letter}
            for letter, text in question.options.items()
        ]
        blocks.append(
            {
                "type": "actions",
                "block_id": f"{BLANKS_BLOCK}:{round_.id}",
                "elements": [
                    {
                        "type": "static_select",
                        "action_id": f"{PICK}:{blank}",
                        "placeholder": _plain(f"Blank [{blank}]"),
                        "options": options,
                    }
                    for blank in range(1, question.blanks + 1)
                ]
                + [
                    {
                        "type": "button",
                        "action_id": SUBMIT,
                        "text": _plain("Submit"),
                        "style": "primary",
                        "value": str(round_.id),
                    }
                ],
            }
        )
    else:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"quiz_round:{round_.id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"{ANSWER}:{letter}",
                        "text": _plain(letter),
                        "value": f"{round_.id}:{letter}",
                    }
                    for letter in question.letters
                ],
            }
        )
    blocks.append({"type": "context", "elements": [_text(how_to_answer(question))]})
    return blocks


def closed_blocks(question: Question | None, title: str, round_: Round) -> list[Block]:
    """The round message once closed: the question stays, the actions go."""
    if question is None:
        return [section("This question is closed.")]
    kept = [b for b in question_blocks(question, title, round_) if b["type"] != "actions"]
    return [
        *kept[:-1],
        {"type": "context", "elements": [_text("Closed · see the reveal in the thread")]},
    ]


def outcome_blocks(outcome: Outcome, title: Callable[[str], str]) -> list[Block]:
    """An answer's outcome; a test's next question under its bank's ``title``."""
    blocks = [section(outcome_text(outcome, SLACK))]
    step = getattr(outcome, "test", None)
    if isinstance(step, TestQuestion):
        blocks += question_blocks(
            step.question,
            f"{title(step.question.bank)} {step.position}/{step.total}",
            step.round,
            heading="🧪 Test",
        )
    elif isinstance(step, TestResult):
        from bot.adapters.text import test_result_text

        blocks.append(section(test_result_text(step, SLACK)))
    return blocks


def reveal_blocks(result: Reveal) -> list[Block]:
    return [section(reveal_text(result, SLACK))]


def board_blocks(result: Board, period: Period) -> list[Block]:
    return [section(board_text(result, period, SLACK))]


def stats_blocks(result: UserStats) -> list[Block]:
    return [section(stats_text(result, SLACK))]


def describe_schedule(schedule: Schedule) -> str:
    state = " (paused)" if schedule.paused else ""
    if schedule.disabled_reason:
        state += f" — ⛔ disabled: {schedule.disabled_reason}; resume to try again"
    return (
        f"<#{schedule.channel.channel}>: {schedule.post_time:%H:%M} {schedule.timezone}, "
        f"{schedule.describe_days()}, {schedule.describe_difficulty()}, "
        f"{schedule.describe_banks()}, {schedule.describe_reveal()}{state}"
    )
