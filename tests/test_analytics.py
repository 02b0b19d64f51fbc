"""Question analytics on a small crafted history: every column, flags, periods, CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from conftest import (
    ANN,
    BOB,
    CAT,
    CHANNEL,
    OTHER_CHANNEL,
    T0,
    MakeQuiz,
    make_bank,
    make_question,
    user,
)

from bot.core.analytics import (
    ATTEMPT_COLUMNS,
    STATS_COLUMNS,
    StatsFilter,
    period_filter,
    stats_csv,
    write_attempts_csv,
)
from bot.core.clock import FakeClock
from bot.core.models import Difficulty, QuestionKey
from bot.core.outcomes import Correct, QuizError
from bot.core.quiz import Quiz

pytestmark = pytest.mark.both_stores

Q1, Q2, Q3 = QuestionKey("demo", "q1"), QuestionKey("demo", "q2"), QuestionKey("demo", "q3")


def bank():
    return make_bank(
        "demo",
        [
            make_question("q1"),  # easy, answer A
            make_question("q2", difficulty=Difficulty.HARD),
            make_question("q3", difficulty=Difficulty.HARD),
        ],
    )


async def history(quiz: Quiz, clock: FakeClock) -> None:
    """q1 asked twice: Ann first try, Bob on his second, Cat never (B, C, D); Ann again in
    another channel, first try. Bob reports it. q2 never asked."""
    first = await quiz.rounds.post_daily(CHANNEL, question_key=Q1)
    await quiz.rounds.answer(first.round.id, ANN, ("A",))
    await quiz.rounds.answer(first.round.id, BOB, ("B",))
    await quiz.rounds.answer(first.round.id, BOB, ("A",))
    for letter in "BCD":
        await quiz.rounds.answer(first.round.id, CAT, (letter,))
    await quiz.reports.report(first.round.id, BOB, "unclear", "which alpha?")
    clock.advance(days=2)
    second = await quiz.rounds.post_daily(OTHER_CHANNEL, question_key=Q1)
    await quiz.rounds.answer(second.round.id, ANN, ("A",))


async def test_every_column_on_a_crafted_history(make_quiz: MakeQuiz, clock: FakeClock):
    quiz = await make_quiz(bank())
    await history(quiz, clock)
    table = {s.question: s for s in await quiz.analytics.questions(StatsFilter())}
    q1 = table[Q1]
    c = q1.counts
    assert (c.times_asked, c.participants, c.answers) == (2, 3, 4)
    assert (c.solved, c.first_try, c.attempts) == (3, 2, 7)
    assert q1.solve_rate == 0.75 and q1.first_try_rate == 0.5 and q1.mean_attempts == 1.75
    assert c.wrong_picks == (("B", 2), ("C", 1), ("D", 1))
    assert c.open_reports == 1
    assert c.difficulty is Difficulty.EASY and q1.measured is Difficulty.MEDIUM
    assert q1.flag == ""  # 3 participants: too few to flag
    q2 = table[Q2]
    assert q2.counts.times_asked == 0 and q2.solve_rate is None and q2.measured is None
    # Resolved reports are not open.
    (report,) = await quiz.reports.open()
    await quiz.reports.resolve(report.id, "admin")
    table = {s.question: s for s in await quiz.analytics.questions(StatsFilter())}
    assert table[Q1].counts.open_reports == 0


async def test_a_period_and_a_channel_narrow_the_numbers(make_quiz: MakeQuiz, clock: FakeClock):
    quiz = await make_quiz(bank())
    await history(quiz, clock)
    wanted = period_filter(clock.now(), days=1)
    (q1,) = [s for s in await quiz.analytics.questions(wanted) if s.question == Q1]
    assert (q1.counts.times_asked, q1.counts.answers, q1.first_try_rate) == (1, 1, 1.0)
    by_channel = StatsFilter(channel=CHANNEL.channel)
    (q1,) = [s for s in await quiz.analytics.questions(by_channel) if s.question == Q1]
    assert (q1.counts.times_asked, q1.counts.answers, q1.solve_rate) == (1, 3, pytest.approx(2 / 3))
    elsewhere = StatsFilter(platform="discord")
    (q1,) = [s for s in await quiz.analytics.questions(elsewhere) if s.question == Q1]
    assert q1.counts.times_asked == 0 and q1.counts.open_reports == 0
    assert [s.question for s in await quiz.analytics.questions(StatsFilter(bank="nope"))] == []


def test_bad_periods_are_one_clear_line():
    with pytest.raises(QuizError, match="not a date"):
        period_filter(T0, since="yesterday")
    with pytest.raises(QuizError, match="not both"):
        period_filter(T0, since="2026-11-01", days=3)
    with pytest.raises(QuizError, match="after --since"):
        period_filter(T0, since="2026-11-02", until="2026-11-01")
    assert period_filter(T0, days=7).since == T0 - timedelta(days=7)


async def test_labels_that_do_not_match_are_flagged_from_20_participants(make_quiz: MakeQuiz):
    quiz = await make_quiz(bank())
    hard = await quiz.rounds.post_daily(CHANNEL, question_key=Q3)
    people = [user(f"p{n}") for n in range(20)]
    for person in people[:19]:
        await quiz.rounds.answer(hard.round.id, person, ("A",))
    (q3,) = [s for s in await quiz.analytics.questions(StatsFilter()) if s.question == Q3]
    assert q3.measured is Difficulty.EASY and q3.flag == ""  # 19 participants
    await quiz.rounds.answer(hard.round.id, people[19], ("A",))
    easy = await quiz.rounds.post_daily(CHANNEL, question_key=Q1)
    for person in people:
        await quiz.rounds.answer(easy.round.id, person, ("B",))
    table = {s.question: s for s in await quiz.analytics.questions(StatsFilter())}
    assert table[Q3].flag == "labelled hard, mostly solved first try"
    assert table[Q1].flag == "labelled easy, mostly missed first try"
    assert table[Q1].measured is Difficulty.HARD
    # The flags hold a comma: quoted in the CSV, and read back whole.
    text = stats_csv(table.values())
    assert '"labelled hard, mostly solved first try"' in text
    flags = {row["question"]: row["flag"] for row in csv.DictReader(io.StringIO(text))}
    assert flags["demo/q3"] == "labelled hard, mostly solved first try"


async def test_the_stats_csv_has_a_header_and_quotes_what_needs_it(
    make_quiz: MakeQuiz, clock: FakeClock
):
    quiz = await make_quiz(bank())
    await history(quiz, clock)
    text = stats_csv(await quiz.analytics.questions(StatsFilter()))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == STATS_COLUMNS and "solve_rate" in STATS_COLUMNS
    q1 = next(row for row in rows if row["question"] == "demo/q1")
    assert q1["solve_rate"] == "0.750" and q1["first_try_rate"] == "0.500"
    assert q1["mean_attempts"] == "1.75" and q1["wrong_picks"] == "B:2 C:1 D:1"
    assert (q1["times_asked"], q1["participants"], q1["answers"]) == ("2", "3", "4")
    assert (q1["difficulty"], q1["measured"], q1["open_reports"]) == ("easy", "medium", "1")
    q2 = next(row for row in rows if row["question"] == "demo/q2")
    assert q2["solve_rate"] == "" and q2["times_asked"] == "0"


async def test_the_attempts_export_names_shown_and_canonical_answers(
    make_quiz: MakeQuiz, clock: FakeClock
):
    quiz = await make_quiz(make_bank("demo", [make_question("s1", shuffle=True)]), seed=5)
    posted = await quiz.rounds.post_daily(CHANNEL)
    order = posted.round.order
    assert order is not None and order != "ABCD"
    shown_key = "ABCD"[order.index("A")]  # where the canonical answer A is shown
    shown_wrong = next(letter for letter in "ABCD" if letter != shown_key)
    await quiz.rounds.answer(posted.round.id, ANN, (shown_wrong,))
    clock.advance(seconds=5)
    correct = await quiz.rounds.answer(posted.round.id, ANN, (shown_key,))
    assert isinstance(correct, Correct)
    out = io.StringIO()
    written = write_attempts_csv(await quiz.context.store.attempt_records(StatsFilter()), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert written == 2 and tuple(rows[0]) == ATTEMPT_COLUMNS
    wrong, right = rows
    assert wrong["shown_answer"] == shown_wrong
    assert wrong["canonical_answer"] == order["ABCD".index(shown_wrong)]
    assert (wrong["correct"], wrong["points"]) == ("0", "0")
    assert (right["shown_answer"], right["canonical_answer"]) == (shown_key, "A")
    assert (right["correct"], right["points"]) == ("1", str(correct.points))
    assert right["platform"] == "console" and right["workspace"] == "local"
    assert right["channel"] == "general" and right["user_id"] == "ann"
    assert right["question"] == "demo/s1" and right["kind"] == "daily"
    assert right["time"] == (T0 + timedelta(seconds=5)).isoformat()
