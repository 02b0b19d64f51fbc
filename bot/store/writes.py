"""Write transactions, as functions of the writer's connection (see ``writer.py``).

Each function is a whole unit of work: the writer runs it inside its batch's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.models import Question, QuestionKey
from bot.core.ports import Judge, NewRound
from bot.core.rounds import AttemptState, Decision, RoundKind, UserRef, Verdict

# What never changes about a round after it is opened; cached by the writer thread.
_ROUND_FACTS = """
SELECT r.kind, c.platform, c.workspace, c.channel, r.owner_id, q.bank, q.qid,
       r.attempts_allowed, r.closes_at, r.test_run_id
FROM rounds r
JOIN channels c ON c.id = r.channel_id
JOIN questions q ON q.id = r.question_id
WHERE r.id = ?
"""

_ATTEMPT_STATE = """
SELECT r.closed_at, p.attempts_used, p.solved, p.points
FROM rounds r
LEFT JOIN participations p ON p.round_id = r.id AND p.user_id = ?
WHERE r.id = ?
"""

_INSERT_ATTEMPT = "INSERT INTO attempts VALUES (?, ?, ?, ?, ?, ?)"

_UPSERT_PARTICIPATION = """
INSERT INTO participations VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (round_id, user_id) DO UPDATE SET
    attempts_used = excluded.attempts_used,
    solved = excluded.solved,
    points = excluded.points,
    finished_at = excluded.finished_at
"""

# Run once per row with executemany: a multi-row VALUES upsert measured twice as slow.
_UPSERT_BOARD = """
INSERT INTO board VALUES (?, ?, ?, ?, 1)
ON CONFLICT (scope, period, user_id) DO UPDATE SET
    points = points + excluded.points,
    solved = solved + 1
"""


@dataclass(frozen=True, slots=True)
class RoundFacts:
    kind: RoundKind
    platform: str
    workspace: str
    owner_id: int | None
    question: QuestionKey
    attempts_allowed: int
    closes_at: datetime | None
    test_run_id: int | None
    scopes: tuple[int, int]


class RoundFactsCache:
    """Round facts by id. They are immutable once a round exists, so caching them is safe even
    with other processes on the same file; whether a round is closed is always read afresh."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._facts: dict[int, RoundFacts] = {}

    def get(self, conn: sqlite3.Connection, round_id: int) -> RoundFacts | None:
        found = self._facts.get(round_id)
        if found is not None:
            return found
        row = conn.execute(_ROUND_FACTS, (round_id,)).fetchone()
        if row is None:
            return None
        kind, platform, workspace, channel, owner_id, bank, qid, allowed, closes_at, test_run = row
        found = RoundFacts(
            kind=RoundKind(kind),
            platform=platform,
            workspace=workspace,
            owner_id=owner_id,
            question=QuestionKey(bank, qid),
            attempts_allowed=allowed,
            closes_at=datetime.fromisoformat(closes_at) if closes_at else None,
            test_run_id=test_run,
            scopes=(
                scope_id(conn, f"{platform}:{workspace}:{channel}"),
                scope_id(conn, f"{platform}:{workspace}"),
            ),
        )
        if len(self._facts) >= self._size:
            self._facts.pop(next(iter(self._facts)))
        self._facts[round_id] = found
        return found


def record_attempt(
    conn: sqlite3.Connection,
    facts_cache: RoundFactsCache,
    round_id: int,
    user_id: int,
    answer: str,
    at: datetime,
    periods: tuple[int, int, int],
    judge: Judge,
) -> tuple[AttemptState, Decision]:
    """The hot path: read the (round, user) state, judge, and write, in one transaction."""
    facts = facts_cache.get(conn, round_id)
    row = conn.execute(_ATTEMPT_STATE, (user_id, round_id)).fetchone() if facts else None
    if facts is None or row is None:
        state = AttemptState(found=False, round_id=round_id)
        return state, judge(state)
    closed_at, used, solved, points = row
    state = AttemptState(
        found=True,
        round_id=round_id,
        kind=facts.kind,
        platform=facts.platform,
        workspace=facts.workspace,
        owner_id=facts.owner_id,
        question=facts.question,
        attempts_allowed=facts.attempts_allowed,
        closed=closed_at is not None,
        closes_at=facts.closes_at,
        attempts_used=used or 0,
        solved=bool(solved),
        points=points or 0,
        test_run_id=facts.test_run_id,
    )
    decision = judge(state)
    if decision.verdict is not Verdict.RECORDED:
        return state, decision
    stamp = at.isoformat()
    conn.execute(
        _INSERT_ATTEMPT,
        (round_id, user_id, decision.attempt_no, answer, int(decision.correct), stamp),
    )
    conn.execute(
        _UPSERT_PARTICIPATION,
        (
            round_id,
            user_id,
            decision.attempt_no,
            int(decision.correct),
            decision.points,
            stamp,
            stamp if decision.finished else None,
        ),
    )
    # Only a solve changes the board; wrong tries live in attempts and participations.
    if decision.counts_for_board and decision.correct:
        conn.executemany(
            _UPSERT_BOARD,
            [
                (scope, period, user_id, decision.points)
                for scope in facts.scopes
                for period in periods
            ],
        )
    return state, decision


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
    conn.execute("UPDATE questions SET active = 0 WHERE last_seen < ?", (stamp,))


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
                            seq, cycle, owner_id, test_run_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
        ),
    ).fetchone()
    return int(row[0])


def close_round(conn: sqlite3.Connection, round_id: int, at: datetime) -> tuple[bool, tuple[
        int, int, str | None, tuple[tuple[str, int], ...]]] | None:  # fmt: skip
    """Close (idempotent) and count: (newly closed, (participants, solved, first, wrong))."""
    exists = conn.execute("SELECT closed_at FROM rounds WHERE id = ?", (round_id,)).fetchone()
    if exists is None:
        return None
    newly = exists[0] is None
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
    return newly, (
        int(participants),
        int(solved),
        first[0] if first else None,
        tuple((str(answer), int(count)) for answer, count in wrong),
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
