"""Reports of a question: kinds, text limits, one per person per question, admins resolve."""

from __future__ import annotations

import pytest
from conftest import ANN, BOB, CHANNEL, MakeQuiz, make_bank, make_question

from bot.core.quiz import Quiz
from bot.core.reports import (
    MAX_REPORT_TEXT,
    AlreadyReported,
    Reported,
    ReportError,
    ReportKind,
    report_line,
)
from bot.core.rounds import UserRef

pytestmark = pytest.mark.both_stores


async def shuffled_quiz(make_quiz: MakeQuiz) -> Quiz:
    return await make_quiz(make_bank("demo", [make_question("q1", shuffle=True)]), seed=3)


async def test_a_report_is_stored_once_with_the_rounds_shown_order(make_quiz: MakeQuiz):
    quiz = await shuffled_quiz(make_quiz)
    posted = await quiz.rounds.post_daily(CHANNEL)
    await quiz.rounds.answer(posted.round.id, ANN, ("A",))
    done = await quiz.reports.report(posted.round.id, ANN, "wrong-key", "  C is right  ")
    assert done == Reported(posted.round.question, ReportKind.WRONG_KEY)
    again = await quiz.reports.report(posted.round.id, ANN, ReportKind.TYPO, "and a typo")
    assert again == AlreadyReported(posted.round.question)
    # Someone else may report the same question.
    assert isinstance(await quiz.reports.report(posted.round.id, BOB, "unclear", ""), Reported)
    found = await quiz.reports.open("console", "local")
    assert [(r.reporter, r.kind, r.text) for r in found] == [
        ("Ann", ReportKind.WRONG_KEY, "C is right"),
        ("Bob", ReportKind.UNCLEAR, ""),
    ]
    assert found[0].shown_order == posted.round.order != "ABCD"
    assert report_line(found[0]).startswith(f"#{found[0].id} demo/q1 · Wrong answer key (shown ")


async def test_bad_reports_are_one_clear_line_and_store_nothing(quiz: Quiz):
    posted = await quiz.rounds.post_daily(CHANNEL)
    with pytest.raises(ReportError, match="not a kind of report"):
        await quiz.reports.report(posted.round.id, ANN, "rude", "x")
    with pytest.raises(ReportError, match=f"keep it to {MAX_REPORT_TEXT}"):
        await quiz.reports.report(posted.round.id, ANN, "typo", "x" * (MAX_REPORT_TEXT + 1))
    with pytest.raises(ReportError, match="needs a few words"):
        await quiz.reports.report(posted.round.id, ANN, "other", "   ")
    with pytest.raises(ReportError, match="no longer known"):
        await quiz.reports.report(posted.round.id + 99, ANN, "typo", "")
    # Another workspace's round is refused like an unknown one.
    elsewhere = UserRef("console", "other", "ann", "Ann")
    with pytest.raises(ReportError, match="no longer known"):
        await quiz.reports.report(posted.round.id, elsewhere, "typo", "")
    assert await quiz.reports.open() == []


async def test_the_console_reports_the_last_question_answered(quiz: Quiz):
    with pytest.raises(ReportError, match="Answer a question first"):
        await quiz.reports.report_last(ANN, ["typo", "x"])
    first = await quiz.rounds.post_daily(CHANNEL)
    await quiz.rounds.answer(first.round.id, ANN, ("A",))
    second = await quiz.rounds.post_daily(CHANNEL)
    await quiz.rounds.answer(second.round.id, ANN, ("B",))
    done = await quiz.reports.report_last(ANN, ["the", "prompt", "is", "vague"])
    assert done == Reported(second.round.question, ReportKind.OTHER)
    (stored,) = await quiz.reports.open()
    assert stored.text == "the prompt is vague"


async def test_admins_resolve_reports_of_their_own_workspace_only(quiz: Quiz):
    posted = await quiz.rounds.post_daily(CHANNEL)
    await quiz.reports.report(posted.round.id, ANN, "typo", "teh")
    (report,) = await quiz.reports.open()
    with pytest.raises(ReportError, match=f"no open report #{report.id}"):
        await quiz.reports.resolve(report.id, "mallory", "discord", "123")
    done = await quiz.reports.resolve(report.id, "admin", "console", "local")
    assert done.resolved_by == "admin" and done.resolved_at is not None
    assert await quiz.reports.open() == []
    with pytest.raises(ReportError, match="no open report"):
        await quiz.reports.resolve(report.id, "admin")
