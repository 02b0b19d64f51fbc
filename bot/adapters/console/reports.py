"""The console's ``/quiz report [KIND] TEXT``: a report about the last question answered."""

from __future__ import annotations

from rich.text import Text

from bot.core.quiz import Quiz
from bot.core.reports import ALREADY, THANKS, AlreadyReported
from bot.core.rounds import UserRef

HELP_LINE = (
    "  /quiz report [wrong-key|unclear|typo|other] TEXT   report a problem with the last\n"
    "                                 question you answered"
)


async def report(quiz: Quiz, user: UserRef, args: list[str]) -> Text:
    done = await quiz.reports.report_last(user, args)
    if isinstance(done, AlreadyReported):
        return Text(f"{ALREADY} ({done.question})", style="yellow")
    return Text(f"{THANKS} ({done.question}, {done.kind.label.lower()})", style="green")
