"""Write transactions, as functions of the writer's connection (see ``writer.py``).

Each function is a whole unit of work: the writer runs it inside its batch's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from bot.core.models import Question, QuestionKey
from bot.core.ports import NewRound
from bot.core.rounds import RoundKind, UserRef


def scope_id(conn: sqlite3.Connection, key: str) -> int:
    row = conn.execute(
        "INSERT INTO scopes (key) VALUES (?)"
        " ON CONFLICT (key) DO UPDATE SET key = key RETURNING id",
        (key,),
    ).fetchone()
    return int(row[0])


def sync_questions(conn: sqlite3.Connection, questions: Sequence[Question], at: datetime) -> None:
    stamp = at.isoformat()
    conn.executemany(
        """
        INSERT INTO questions (bank, qid, type, difficulty, first_seen, last_seen, active)
        VALUES (?, ?, ?, ?, ?, ?, 1)
        ON CONFLICT (bank, qid) DO UPDATE SET
            type = excluded.type, difficulty = excluded.difficulty,
            last_seen = excluded.last_seen, active = 1
        """,
        [(q.bank, q.id, q.type.value, q.difficulty.value, stamp, stamp) for q in questions],
    )
    # Questions no longer in any bank keep their rows (and so their history), marked inactive.
    conn.execute("UPDATE questions SET active = 0 WHERE last_seen != ?", (stamp,))


def user_id(conn: sqlite3.Connection, user: UserRef) -> int:
    row = conn.execute(
        """
        INSERT INTO users (platform, workspace, user_ref, name) VALUES (?, ?, ?, ?)
        ON CONFLICT (platform, workspace, user_ref) DO UPDATE SET
            name = CASE WHEN excluded.name = '' THEN name ELSE excluded.name END
        RETURNING id
        """,
        (user.platform, user.workspace, user.user, user.name),
    ).fetchone()
    return int(row[0])


def _channel_id(conn: sqlite3.Connection, new: NewRound) -> tuple[int, int, int]:
    row = conn.execute(
        """
        INSERT INTO channels (platform, workspace, channel) VALUES (?, ?, ?)
        ON CONFLICT (platform, workspace, channel) DO UPDATE SET channel = channel
        RETURNING id, cycle, daily_seq
        """,
        (new.channel.platform, new.channel.workspace, new.channel.channel),
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def _question_id(conn: sqlite3.Connection, key: QuestionKey) -> int:
    row = conn.execute(
        "SELECT id FROM questions WHERE bank = ? AND qid = ?", (key.bank, key.id)
    ).fetchone()
    if row is None:
        raise LookupError(f"question {key} is not registered; sync the banks first")
    return int(row[0])


def open_round(conn: sqlite3.Connection, new: NewRound) -> int | None:
    """Insert a round; None when the channel already has an open daily round."""
    channel_id, cycle, daily_seq = _channel_id(conn, new)
    question_id = _question_id(conn, new.question)
    # The board's scopes exist from the round's first moment, committed with it.
    scope_id(conn, new.channel.scope)
    scope_id(conn, new.channel.workspace_scope)
    seq: int | None = None
    round_cycle: int | None = None
    if new.kind is RoundKind.DAILY:
        busy = conn.execute(
            "SELECT 1 FROM rounds WHERE channel_id = ? AND kind = 'daily' AND closed_at IS NULL",
            (channel_id,),
        ).fetchone()
        if busy is not None:
            return None
        seq = daily_seq + 1
        round_cycle = max(cycle, new.cycle or cycle)
        conn.execute(
            "UPDATE channels SET daily_seq = ?, cycle = ? WHERE id = ?",
            (seq, round_cycle, channel_id),
        )
    row = conn.execute(
        """
        INSERT INTO rounds (kind, channel_id, question_id, attempts_allowed, opened_at, closes_at,
                            seq, cycle, owner_id, test_run_id, option_order)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        RETURNING id
        """,
        (
            new.kind.value,
            channel_id,
            question_id,
            new.attempts_allowed,
            new.opened_at.isoformat(),
            new.closes_at.isoformat() if new.closes_at else None,
            seq,
            round_cycle,
            new.owner_id,
            new.test_run_id,
            new.order,
        ),
    ).fetchone()
    return int(row[0])


def close_round(conn: sqlite3.Connection, round_id: int, at: datetime) -> tuple[bool, bool, tuple[
        int, int, str | None, tuple[tuple[str, int], ...]]] | None:  # fmt: skip
    """Close (idempotent) and count: (newly closed, reveal posted already, (participants,
    solved, first, wrong))."""
    exists = conn.execute(
        "SELECT closed_at, revealed_at FROM rounds WHERE id = ?", (round_id,)
    ).fetchone()
    if exists is None:
        return None
    newly = exists[0] is None
    announced = exists[1] is not None
    if newly:
        conn.execute("UPDATE rounds SET closed_at = ? WHERE id = ?", (at.isoformat(), round_id))
    participants, solved = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(solved), 0) FROM participations WHERE round_id = ?",
        (round_id,),
    ).fetchone()
    first = conn.execute(
        """
        SELECT CASE WHEN u.name = '' THEN u.user_ref ELSE u.name END
        FROM participations p JOIN users u ON u.id = p.user_id
        WHERE p.round_id = ? AND p.solved = 1
        ORDER BY p.finished_at, p.user_id LIMIT 1
        """,
        (round_id,),
    ).fetchone()
    wrong = conn.execute(
        "SELECT answer, COUNT(*) FROM attempts WHERE round_id = ? AND correct = 0 GROUP BY answer",
        (round_id,),
    ).fetchall()
    return (
        newly,
        announced,
        (
            int(participants),
            int(solved),
            first[0] if first else None,
            tuple((str(answer), int(count)) for answer, count in wrong),
        ),
    )


def create_test_run(
    conn: sqlite3.Connection,
    user_id: int,
    bank: str,
    questions: Sequence[QuestionKey],
    at: datetime,
) -> int:
    row = conn.execute(
        "INSERT INTO test_runs (user_id, bank, created_at) VALUES (?, ?, ?) RETURNING id",
        (user_id, bank, at.isoformat()),
    ).fetchone()
    run_id = int(row[0])
    conn.executemany(
        "INSERT INTO test_run_questions VALUES (?, ?, ?)",
        [(run_id, position, _question_id(conn, key)) for position, key in enumerate(questions)],
    )
    return run_id
