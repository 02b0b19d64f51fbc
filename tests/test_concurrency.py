"""The attempt limit under a storm of concurrent clicks: nobody gets an extra attempt, scores
twice, or leaves the leaderboard out of step with the rounds, even with two processes (two
stores, two writer threads) on one file."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Sequence
from contextlib import closing
from datetime import UTC
from pathlib import Path

from conftest import T0, make_bank, make_question
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.clock import FakeClock
from bot.core.library import BankLibrary
from bot.core.models import Difficulty, Question
from bot.core.outcomes import (
    AlreadyFinished,
    AlreadyTried,
    Correct,
    Exhausted,
    Invalid,
    Outcome,
    Posted,
    Wrong,
)
from bot.core.periods import period_keys
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef, UserRef
from bot.store.sqlite import SqliteStore

CLICKS_PER_PAIR = 10
# One bank per channel, so each channel's round has a known attempt limit and difficulty.
LIMITS = [
    (1, Difficulty.EASY),
    (2, Difficulty.HARD),
    (3, Difficulty.MEDIUM),
    (3, Difficulty.HARD),
    (5, Difficulty.EASY),
    (10, Difficulty.MEDIUM),
]
BANKS = [
    make_bank(f"c{n}", [make_question("q", answer=["B"], attempts=limit, difficulty=level)])
    for n, (limit, level) in enumerate(LIMITS)
]
LIBRARY = BankLibrary(BANKS)


def channel(n: int) -> ChannelRef:
    return ChannelRef("console", "local", f"channel-{n}")


def clicks(rng: random.Random, question: Question) -> list[list[str]]:
    """Ten submissions: mostly wrong, some right, a few invalid; some pairs never get it."""
    right = rng.random() < 0.7
    letters = [letter for letter in question.letters if letter not in question.answer]
    picks = []
    for _ in range(CLICKS_PER_PAIR):
        roll = rng.random()
        if roll < 0.1:
            picks.append(["Z"])
        elif right and roll < 0.35:
            picks.append(list(question.answer))
        else:
            picks.append([rng.choice(letters)])
    return picks


async def storm(
    quizzes: Sequence[Quiz], rounds: Sequence[Posted], users: Sequence[UserRef], seed: int
) -> list[Outcome]:
    """Every user clicks ten times at once on every round, through any of the quizzes."""
    rng = random.Random(seed)
    calls = [
        rng.choice(quizzes).rounds.answer(posted.round.id, who, letters)
        for posted in rounds
        for who in users
        for letters in clicks(rng, posted.question)
    ]
    rng.shuffle(calls)
    return list(await asyncio.gather(*calls))


def assert_consistent(path: Path, outcomes: Sequence[Outcome]) -> int:
    """Check the database against the attempt rules; returns the number of (round, user) pairs."""
    with closing(sqlite3.connect(path)) as conn:
        pairs = conn.execute(
            """
            SELECT r.attempts_allowed, p.attempts_used, p.solved, p.points,
                   COUNT(a.attempt_no), COALESCE(SUM(a.correct), 0), MAX(a.attempt_no),
                   MAX(a.correct * a.attempt_no)
            FROM participations p
            JOIN rounds r ON r.id = p.round_id
            LEFT JOIN attempts a ON a.round_id = p.round_id AND a.user_id = p.user_id
            GROUP BY p.round_id, p.user_id
            """
        ).fetchall()
        repeats = conn.execute(
            """
            SELECT COUNT(*) FROM (
                SELECT 1 FROM attempts WHERE NOT correct
                GROUP BY round_id, user_id, answer HAVING COUNT(*) > 1
            )
            """
        ).fetchone()[0]
        orphans = conn.execute(
            """
            SELECT COUNT(*) FROM attempts a LEFT JOIN participations p
            ON p.round_id = a.round_id AND p.user_id = a.user_id WHERE p.round_id IS NULL
            """
        ).fetchone()[0]
        board = {
            (key, period, user_id): (points, solved)
            for key, period, user_id, points, solved in conn.execute(
                "SELECT s.key, b.period, b.user_id, b.points, b.solved "
                "FROM board b JOIN scopes s ON s.id = b.scope"
            )
        }
        periods = period_keys(T0, UTC)
        expected: Counter[tuple[str, int, int]] = Counter()
        solves: Counter[tuple[str, int, int]] = Counter()
        for platform, workspace, chan, user_id, points in conn.execute(
            """
            SELECT c.platform, c.workspace, c.channel, p.user_id, p.points
            FROM participations p JOIN rounds r ON r.id = p.round_id
            JOIN channels c ON c.id = r.channel_id
            WHERE p.solved = 1 AND r.kind = 'daily'
            """
        ):
            for key in (f"{platform}:{workspace}:{chan}", f"{platform}:{workspace}"):
                for period in periods:
                    expected[key, period, user_id] += points
                    solves[key, period, user_id] += 1

    assert orphans == 0
    assert repeats == 0, "the same wrong answer was counted twice"
    for allowed, used, solved, points, rows, correct, last, solved_on in pairs:
        assert rows <= allowed, "more attempts than the round allows"
        assert correct <= 1, "more than one correct answer"
        assert rows == used == last
        assert solved == correct
        if solved:
            assert solved_on == used, "an attempt was recorded after the solve"
        assert (points > 0) == bool(solved)
    assert board == {key: (points, solves[key]) for key, points in expected.items()}

    # What people were told matches what was stored.
    kinds = Counter(type(outcome) for outcome in outcomes)
    assert kinds[Correct] == sum(solved for _, _, solved, *_ in pairs)
    assert sum(o.points for o in outcomes if isinstance(o, Correct)) == sum(
        points for _, _, _, points, *_ in pairs
    )
    assert kinds[Correct] + kinds[Wrong] + kinds[Exhausted] == sum(row[4] for row in pairs)
    assert kinds[Exhausted] == sum(1 for p in pairs if not p[2] and p[1] == p[0])
    assert set(kinds) <= {Correct, Wrong, Exhausted, AlreadyTried, AlreadyFinished, Invalid}
    return len(pairs)


async def open_quiz(path: Path, seed: int = 1) -> tuple[SqliteStore, Quiz]:
    store = await SqliteStore.open(path)
    quiz = Quiz(store, LIBRARY, FakeClock(T0), rng=random.Random(seed))
    await quiz.start()
    return store, quiz


async def post_rounds(quiz: Quiz) -> list[Posted]:
    return [
        await quiz.rounds.post_daily(channel(n), banks=[bank.id]) for n, bank in enumerate(BANKS)
    ]


USERS = [UserRef("console", "local", f"user{n}", f"User {n}") for n in range(50)]


async def test_ten_clicks_at_once_on_300_pairs_never_break_the_attempt_limit(db_path: Path):
    store, quiz = await open_quiz(db_path)
    try:
        rounds = await post_rounds(quiz)
        outcomes = await storm([quiz], rounds, USERS, seed=7)
    finally:
        await store.close()

    assert len(outcomes) == 6 * 50 * CLICKS_PER_PAIR
    assert assert_consistent(db_path, outcomes) == 300
    assert Counter(type(o) for o in outcomes)[AlreadyFinished] > 0
    assert Counter(type(o) for o in outcomes)[AlreadyTried] > 0


async def test_two_stores_on_one_file_racing_keep_the_attempt_limit(db_path: Path):
    first_store, first = await open_quiz(db_path)
    second_store, second = await open_quiz(db_path, seed=2)
    try:
        rounds = await post_rounds(first)
        outcomes = await storm([first, second], rounds, USERS, seed=11)
    finally:
        await first_store.close()
        await second_store.close()

    assert len(outcomes) == 3000
    assert assert_consistent(db_path, outcomes) == 300


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), people=st.integers(1, 6))
def test_any_mix_of_concurrent_clicks_keeps_the_attempt_limit(
    tmp_path: Path, seed: int, people: int
):
    # Hypothesis runs many examples in one test: each gets a database of its own.
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "storm.db"

    async def scenario() -> list[Outcome]:
        store, quiz = await open_quiz(path, seed)
        try:
            rounds = await post_rounds(quiz)
            return await storm([quiz], rounds, USERS[:people], seed)
        finally:
            await store.close()

    outcomes = asyncio.run(scenario())

    assert assert_consistent(path, outcomes) <= 6 * people
