"""The console's /quiz report: about the last question the person answered, once."""

from __future__ import annotations

import io

from conftest import MakeQuiz, make_bank, make_question
from rich.console import Console

from bot.adapters.console.channel import ConsoleChannel


async def test_report_the_last_answered_question_once(make_quiz: MakeQuiz):
    quiz = await make_quiz(make_bank("demo", [make_question("q1")]))
    out = io.StringIO()
    channel = ConsoleChannel(quiz, Console(file=out, width=200), user="Ann")
    await channel.handle("/quiz report typo nothing answered yet")
    assert "Answer a question first" in out.getvalue()
    await channel.handle("/quiz post")
    await channel.handle("A")
    await channel.handle('/quiz report wrong-key "B is also right"')
    await channel.handle("/quiz report typo another one")
    await channel.handle("/as Bob")
    await channel.handle("B")
    await channel.handle(f"/quiz report typo {'x' * 600}")
    text = out.getvalue()
    assert "Thanks — your report is in" in text and "demo/q1, wrong answer key" in text
    assert "You have already reported this question" in text
    assert "keep it to 500" in text  # and nothing stored for Bob
    (report,) = await quiz.reports.open()
    assert (report.reporter, report.kind.value) == ("Ann", "wrong_key")
    assert report.text == "B is also right"
    await channel.handle("/help")
    assert "/quiz report [wrong-key|unclear|typo|other] TEXT" in out.getvalue()
