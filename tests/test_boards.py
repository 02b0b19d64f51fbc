"""Leaderboards over weeks, months and all time; a person's stats and streaks; teams."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import (
    ANN,
    BOB,
    CAT,
    CHANNEL,
    OTHER_CHANNEL,
    MakeQuiz,
    make_bank,
    user,
    wrong_letters,
)

from bot.core import outcomes
from bot.core.clock import FakeClock
from bot.core.models import Difficulty
from bot.core.outcomes import (
    Correct,
    DifficultyStats,
    Exhausted,
    TeamError,
)
from bot.core.periods import Period
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef, UserRef

# The engine and its store: run on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

EASY, MEDIUM, HARD = Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD


@pytest.fixture
async def quiz(make_quiz: MakeQuiz) -> Quiz:
    return await make_quiz(make_bank("demo", easy=12, medium=12, hard=12))


async def daily(
    quiz: Quiz,
    solvers: dict[UserRef, int],
    channel: ChannelRef = CHANNEL,
    difficulty: Difficulty | None = EASY,
) -> int:
    """Post a daily question; each solver answers right on the given attempt (0: never)."""
    posted = await quiz.rounds.post_daily(channel, difficulty=difficulty)
    question = posted.question
    for who, attempt in solvers.items():
        tries = attempt - 1 if attempt else question.attempts
        for letter in wrong_letters(question)[:tries]:
            await quiz.rounds.answer(posted.round.id, who, [letter])
        if attempt:
            outcome = await quiz.rounds.answer(posted.round.id, who, list(question.answer))
            assert isinstance(outcome, Correct)
    return posted.round.id


async def rows(quiz: Quiz, period: Period, channel: ChannelRef = CHANNEL) -> list[tuple]:
    board = await quiz.boards.channel(channel, period)
    return [(row.rank, row.name, row.points, row.solved) for row in board.rows]


async def workspace_rows(quiz: Quiz, workspace: str, period: Period = Period.ALL) -> list[tuple]:
    board = await quiz.boards.workspace("console", workspace, period)
    return [(row.name, row.points) for row in board.rows]


# --- periods ----------------------------------------------------------------------------------


async def test_boards_follow_weeks_and_months_as_the_clock_moves(quiz: Quiz, clock: FakeClock):
    # Friday of ISO week 47, November.
    clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    await daily(quiz, {ANN: 1})
    # Thursday of week 48, November.
    clock.set(datetime(2026, 11, 26, 12, tzinfo=UTC))
    await daily(quiz, {ANN: 1, BOB: 2})

    assert await rows(quiz, Period.WEEK) == [(1, "Ann", 10, 1), (2, "Bob", 6, 1)]
    assert await rows(quiz, Period.MONTH) == [(1, "Ann", 20, 2), (2, "Bob", 6, 1)]
    assert await rows(quiz, Period.ALL) == [(1, "Ann", 20, 2), (2, "Bob", 6, 1)]

    # Monday of week 49, still November.
    clock.set(datetime(2026, 11, 30, 8, tzinfo=UTC))
    assert await rows(quiz, Period.WEEK) == []
    await daily(quiz, {BOB: 1})

    assert await rows(quiz, Period.WEEK) == [(1, "Bob", 10, 1)]
    assert await rows(quiz, Period.MONTH) == [(1, "Ann", 20, 2), (2, "Bob", 16, 2)]

    # Tuesday of the same week 49, but December.
    clock.set(datetime(2026, 12, 1, 8, tzinfo=UTC))
    await daily(quiz, {ANN: 1})

    assert await rows(quiz, Period.WEEK) == [(1, "Ann", 10, 1), (1, "Bob", 10, 1)]
    assert await rows(quiz, Period.MONTH) == [(1, "Ann", 10, 1)]
    assert await rows(quiz, Period.ALL) == [(1, "Ann", 30, 3), (2, "Bob", 16, 2)]


async def test_months_and_weeks_are_those_of_the_boards_time_zone(
    make_quiz: MakeQuiz, clock: FakeClock
):
    quiz = await make_quiz(make_bank("demo", easy=3), tz=ZoneInfo("America/New_York"))
    # 03:00 UTC on 1 December is still the evening of 30 November in New York.
    clock.set(datetime(2026, 12, 1, 3, tzinfo=UTC))
    await daily(quiz, {ANN: 1})
    assert await rows(quiz, Period.MONTH) == [(1, "Ann", 10, 1)]

    clock.set(datetime(2026, 12, 1, 12, tzinfo=UTC))

    assert await rows(quiz, Period.MONTH) == []
    assert await rows(quiz, Period.WEEK) == [(1, "Ann", 10, 1)]
    assert (await quiz.boards.channel(CHANNEL, Period.MONTH)).period == "month"


async def test_channel_boards_hold_that_channel_and_workspace_boards_every_channel(quiz: Quiz):
    elsewhere = ChannelRef("console", "elsewhere", "general")
    stranger = user("cat", workspace="elsewhere")
    await daily(quiz, {ANN: 1, BOB: 3})
    await daily(quiz, {BOB: 1}, channel=OTHER_CHANNEL)
    await daily(quiz, {stranger: 1}, channel=elsewhere)

    assert await rows(quiz, Period.ALL) == [(1, "Ann", 10, 1), (2, "Bob", 3, 1)]
    assert await rows(quiz, Period.ALL, OTHER_CHANNEL) == [(1, "Bob", 10, 1)]
    assert await workspace_rows(quiz, "local") == [("Bob", 13), ("Ann", 10)]
    assert await workspace_rows(quiz, "elsewhere") == [("Cat", 10)]


async def test_equal_points_share_a_rank(quiz: Quiz):
    await daily(quiz, {ANN: 1, BOB: 1, CAT: 2, user("dan"): 2, user("eve"): 3, user("fay"): 0})

    ranked = await rows(quiz, Period.WEEK)

    assert [(rank, points) for rank, _, points, _ in ranked] == [
        (1, 10),
        (1, 10),
        (3, 6),
        (3, 6),
        (5, 3),
    ]
    assert "Fay" not in {name for _, name, _, _ in ranked}


async def test_a_board_shows_at_most_the_asked_number_of_rows(quiz: Quiz):
    await daily(quiz, {ANN: 1, BOB: 2, CAT: 3})

    top_two = await quiz.boards.channel(CHANNEL, Period.WEEK, limit=2)

    assert [row.name for row in top_two.rows] == ["Ann", "Bob"]


# --- practice stays off the boards ------------------------------------------------------------


async def test_practice_and_tests_never_change_daily_boards_or_stats(quiz: Quiz):
    await daily(quiz, {ANN: 2})
    boards_before = [await rows(quiz, period) for period in Period]
    workspace_before = await workspace_rows(quiz, "local")
    stats_before = await quiz.boards.stats(ANN)

    practice = await quiz.practice.practice(ANN, CHANNEL)
    solved = await quiz.rounds.answer(practice.round.id, ANN, list(practice.question.answer))
    step = await quiz.practice.start_test(ANN, CHANNEL, "demo")
    while isinstance(step, outcomes.TestQuestion):
        outcome = await quiz.rounds.answer(step.round.id, ANN, list(step.question.answer))
        assert isinstance(outcome, Correct)
        step = outcome.test
    stats_after = await quiz.boards.stats(ANN)

    assert isinstance(solved, Correct)
    assert solved.points > 0
    assert isinstance(step, outcomes.TestResult)
    assert step.correct == 10
    assert [await rows(quiz, period) for period in Period] == boards_before
    assert await workspace_rows(quiz, "local") == workspace_before
    assert (stats_after.points, stats_after.solved, stats_after.attempted) == (6, 1, 1)
    assert stats_after.by_difficulty == stats_before.by_difficulty
    assert (stats_after.practice_solved, stats_after.practice_attempted) == (11, 11)


# --- stats ------------------------------------------------------------------------------------


@pytest.mark.parametrize("miss", ["exhausted", "skipped"])
async def test_stats_count_points_accuracy_difficulty_and_streaks(quiz: Quiz, miss: str):
    await daily(quiz, {ANN: 1}, difficulty=EASY)
    await daily(quiz, {ANN: 2}, difficulty=HARD)
    await daily(quiz, {ANN: 0} if miss == "exhausted" else {}, difficulty=MEDIUM)
    last = await daily(quiz, {ANN: 1}, difficulty=MEDIUM)
    await quiz.rounds.close(last)

    stats = await quiz.boards.stats(ANN)

    assert stats.name == "Ann"
    assert stats.points == 10 + 18 + 20
    attempted = 4 if miss == "exhausted" else 3
    assert (stats.solved, stats.attempted) == (3, attempted)
    assert stats.accuracy == round(100 * 3 / attempted)
    assert stats.by_difficulty == (
        DifficultyStats(EASY, solved=1, attempted=1, points=10),
        DifficultyStats(MEDIUM, solved=1, attempted=attempted - 2, points=20),
        DifficultyStats(HARD, solved=1, attempted=1, points=18),
    )
    assert (stats.current_streak, stats.best_streak) == (1, 2)


async def test_a_streak_lasts_while_the_next_round_is_open_and_breaks_when_it_closes(
    quiz: Quiz,
):
    await daily(quiz, {ANN: 1})
    await daily(quiz, {ANN: 3})
    await daily(quiz, {})  # open, Ann has not answered yet

    assert (await quiz.boards.stats(ANN)).current_streak == 2

    await daily(quiz, {BOB: 1})  # closes the round Ann skipped

    stats = await quiz.boards.stats(ANN)
    assert (stats.current_streak, stats.best_streak) == (0, 2)


async def test_streaks_are_counted_per_channel(quiz: Quiz):
    await daily(quiz, {ANN: 1}, channel=CHANNEL)
    await daily(quiz, {ANN: 1}, channel=OTHER_CHANNEL)
    await daily(quiz, {ANN: 1}, channel=CHANNEL)

    stats = await quiz.boards.stats(ANN)

    assert (stats.current_streak, stats.best_streak) == (2, 2)


async def test_someone_who_never_played_has_empty_stats(quiz: Quiz):
    stats = await quiz.boards.stats(CAT)

    assert (stats.name, stats.points, stats.solved, stats.attempted) == ("Cat", 0, 0, 0)
    assert (stats.accuracy, stats.current_streak, stats.best_streak) == (0, 0, 0)
    assert stats.by_difficulty == ()
    assert stats.team is None


# --- teams ------------------------------------------------------------------------------------


async def team_rows(quiz: Quiz, period: Period = Period.WEEK) -> list[tuple]:
    board = await quiz.boards.teams("console", "local", period)
    return [
        (row.rank, row.name, row.points, row.members, row.active_members) for row in board.team_rows
    ]


async def test_the_team_board_sums_members_points_and_counts_active_members(
    quiz: Quiz, clock: FakeClock
):
    teams = quiz.teams
    await teams.create("console", "local", "Red")
    await teams.create("console", "local", "Blue")
    await teams.create("console", "local", "Green")
    await teams.create("console", "elsewhere", "Purple")
    await teams.join(ANN, "Red")
    await teams.join(BOB, "red")
    await teams.join(CAT, "Blue")
    await daily(quiz, {ANN: 1, CAT: 1, user("dan"): 1}, difficulty=EASY)
    await daily(quiz, {ANN: 2, CAT: 1}, difficulty=MEDIUM)

    assert await team_rows(quiz) == [
        (1, "Blue", 30, 1, 1),
        (2, "Red", 22, 2, 1),
        (3, "Green", 0, 0, 0),
    ]
    board = await quiz.boards.teams("console", "local", Period.WEEK)
    assert board.team_rows[1].points_per_active_member == 22

    clock.advance(days=7)
    await daily(quiz, {BOB: 1}, difficulty=EASY)

    assert await team_rows(quiz) == [
        (1, "Red", 10, 2, 1),
        (2, "Blue", 0, 1, 0),
        (2, "Green", 0, 0, 0),
    ]
    assert (await team_rows(quiz, Period.ALL))[0] == (1, "Red", 32, 2, 2)


async def test_creating_a_team_cleans_its_name_and_refuses_duplicates(quiz: Quiz):
    created = await quiz.teams.create("console", "local", "  Red   Pandas ")

    assert created.name == "Red Pandas"
    with pytest.raises(TeamError, match="already exists"):
        await quiz.teams.create("console", "local", "red pandas")
    with pytest.raises(TeamError, match="needs a name"):
        await quiz.teams.create("console", "local", "   ")
    with pytest.raises(TeamError, match="at most 32 characters"):
        await quiz.teams.create("console", "local", "x" * 33)
    other = await quiz.teams.create("console", "elsewhere", "Red Pandas")
    assert other.id != created.id
    assert [team.name for team in await quiz.teams.list("console", "local")] == ["Red Pandas"]


async def test_a_person_belongs_to_one_team_at_a_time(quiz: Quiz):
    await quiz.teams.create("console", "local", "Red")
    await quiz.teams.create("console", "local", "Blue")

    joined = await quiz.teams.join(ANN, "red")
    with pytest.raises(TeamError, match="already in 'Red'"):
        await quiz.teams.join(ANN, "Red")
    with pytest.raises(TeamError, match="Ann is in 'Red'; leave it first"):
        await quiz.teams.join(ANN, "Blue")

    assert joined.name == "Red"
    assert (await quiz.boards.stats(ANN)).team == "Red"
    teams = {team.name: team.members for team in await quiz.teams.list("console", "local")}
    assert teams == {"Blue": (), "Red": ("Ann",)}

    left = await quiz.teams.leave(ANN)
    await quiz.teams.join(ANN, "Blue")

    assert left.name == "Red"
    assert (await quiz.boards.stats(ANN)).team == "Blue"


async def test_leaving_without_a_team_and_joining_a_missing_team_are_refused(quiz: Quiz):
    with pytest.raises(TeamError, match="Ann is not in a team"):
        await quiz.teams.leave(ANN)
    with pytest.raises(TeamError, match="There is no team called 'Nope'"):
        await quiz.teams.join(ANN, " Nope ")


async def test_a_team_can_be_renamed_but_not_onto_another_teams_name(quiz: Quiz):
    await quiz.teams.create("console", "local", "Red")
    await quiz.teams.create("console", "local", "Blue")
    await quiz.teams.join(ANN, "Red")

    renamed = await quiz.teams.rename("console", "local", "red", "Crimson")
    with pytest.raises(TeamError, match="already exists"):
        await quiz.teams.rename("console", "local", "Crimson", "BLUE")
    with pytest.raises(TeamError, match="no team called 'Red'"):
        await quiz.teams.join(BOB, "Red")

    assert renamed.name == "Crimson"
    assert (await quiz.boards.stats(ANN)).team == "Crimson"
    names = [team.name for team in await quiz.teams.list("console", "local")]
    assert names == ["Blue", "Crimson"]


async def test_deleting_a_team_frees_its_members(quiz: Quiz):
    await quiz.teams.create("console", "local", "Red")
    await quiz.teams.create("console", "local", "Blue")
    await quiz.teams.join(ANN, "Red")

    deleted = await quiz.teams.delete("console", "local", "RED")

    assert deleted.name == "Red"
    assert [team.name for team in await quiz.teams.list("console", "local")] == ["Blue"]
    assert (await quiz.boards.stats(ANN)).team is None
    await quiz.teams.join(ANN, "Blue")
    assert (await quiz.boards.stats(ANN)).team == "Blue"
    with pytest.raises(TeamError, match="no team called"):
        await quiz.teams.delete("console", "local", "Red")


async def test_an_exhausted_answer_is_no_solve(quiz: Quiz):
    posted = await quiz.rounds.post_daily(CHANNEL)
    for letter in wrong_letters(posted.question)[: posted.question.attempts]:
        outcome = await quiz.rounds.answer(posted.round.id, ANN, [letter])
    assert isinstance(outcome, Exhausted)

    stats = await quiz.boards.stats(ANN)

    assert (stats.points, stats.solved, stats.attempted, stats.accuracy) == (0, 0, 1, 0)
    assert await rows(quiz, Period.ALL) == []
