"""Bulk synthetic history for benchmarks: rounds, attempts, participations and board rows."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.core.models import Question
from bot.core.periods import period_keys
from bot.core.rounds import ChannelRef
from bot.core.scoring import points_for
from bot.store.sqlite.writes import scope_id

ATTEMPTS_PER_ROUND = 500


def seed_board_history(
    conn: sqlite3.Connection,
    channel: ChannelRef,
    questions: Sequence[Question],
    *,
    attempts: int,
    users: int,
    now: datetime,
    seed: int = 7,
) -> None:
    """About ``attempts`` attempts by ``users`` people over the last year, one round a day."""
    rng = random.Random(seed)
    conn.executemany(
        "INSERT INTO users (platform, workspace, user_ref, name) VALUES (?, ?, ?, ?)",
        [(channel.platform, channel.workspace, f"seed{n}", f"seeded {n}") for n in range(users)],
    )
    first_user = conn.execute("SELECT MIN(id) FROM users WHERE user_ref = 'seed0'").fetchone()[0]
    channel_id = conn.execute(
        "INSERT INTO channels (platform, workspace, channel) VALUES (?, ?, ?) RETURNING id",
        (channel.platform, channel.workspace, channel.channel),
    ).fetchone()[0]
    question_ids = dict(conn.execute("SELECT bank || '/' || qid, id FROM questions").fetchall())
    rounds = max(1, attempts // ATTEMPTS_PER_ROUND)
    board: dict[tuple[int, int, int], list[int]] = {}
    scopes = (scope_id(conn, channel.scope), scope_id(conn, channel.workspace_scope))
    for number in range(rounds):
        question = questions[number % len(questions)]
        opened = now - timedelta(days=rounds - number)
        round_id = conn.execute(
            """
            INSERT INTO rounds (kind, channel_id, question_id, attempts_allowed, opened_at,
                                closed_at, seq, cycle)
            VALUES ('daily', ?, ?, 3, ?, ?, ?, 1) RETURNING id
            """,
            (channel_id, question_ids[str(question.key)], opened.isoformat(),
             (opened + timedelta(hours=23)).isoformat(), number + 1),
        ).fetchone()[0]  # fmt: skip
        attempt_rows = []
        participation_rows = []
        made = 0
        keys = period_keys(opened, UTC)
        for user in rng.sample(range(users), k=min(users, ATTEMPTS_PER_ROUND)):
            if made >= ATTEMPTS_PER_ROUND:
                break
            used = rng.randint(1, 3)
            solved = rng.random() < 0.7
            points = points_for(question.difficulty, used) if solved else 0
            for attempt_no in range(1, used + 1):
                correct = int(solved and attempt_no == used)
                attempt_rows.append(
                    (round_id, first_user + user, attempt_no, "B" if correct else "A", correct,
                     opened.isoformat())
                )  # fmt: skip
            made += used
            participation_rows.append(
                (round_id, first_user + user, used, int(solved), points, opened.isoformat(),
                 opened.isoformat())
            )  # fmt: skip
            if not solved:
                continue
            for scope in scopes:
                for period in keys:
                    row = board.setdefault((scope, period, first_user + user), [0, 0])
                    row[0] += points
                    row[1] += 1
        conn.executemany("INSERT INTO attempts VALUES (?, ?, ?, ?, ?, ?)", attempt_rows)
        conn.executemany(
            "INSERT INTO participations VALUES (?, ?, ?, ?, ?, ?, ?)", participation_rows
        )
    conn.executemany(
        "INSERT INTO board VALUES (?, ?, ?, ?, ?)",
        [(scope, period, user, *values) for (scope, period, user), values in board.items()],
    )
