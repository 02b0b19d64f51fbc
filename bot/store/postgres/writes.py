"""Write transactions of the PostgreSQL store, as functions of a connection inside a
transaction: the same units of work as bot/store/sqlite/writes.py, in PostgreSQL's dialect."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.models import Question, QuestionKey
from bot.core.ports import NewRound
from bot.core.rounds import RoundKind, UserRef
from bot.store.postgres.base import Connection

ClosedCounts = tuple[int, int, str | None, tuple[tuple[str, int], ...]]

_SCOPE = (
    "INSERT INTO scopes (key) VALUES ($1)"
    " ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id"
)

_USER = """
INSERT INTO users (platform, workspace, user_ref, name) VALUES ($1, $2, $3, $4)
ON CONFLICT (platform, workspace, user_ref) DO UPDATE SET
    name = CASE WHEN excluded.name = '' THEN users.name ELSE excluded.name END
RETURNING id
"""


async def scope_id(conn: Connection, key: str) -> int:
    return int(await conn.fetchval(_SCOPE, key))


async def sync_questions(conn: Connection, questions: Sequence[Question], at: datetime) -> None:
    stamp = at.isoformat()
    await conn.executemany(
        """
        INSERT INTO questions (bank, qid, type, difficulty, first_seen, last_seen, active)
        VALUES ($1, $2, $3, $4, $5, $6, 1)
        ON CONFLICT (bank, qid) DO UPDATE SET
            type = excluded.type, difficulty = excluded.difficulty,
            last_seen = excluded.last_seen, active = 1
        """,
        [(q.bank, q.id, q.type.value, q.difficulty.value, stamp, stamp) for q in questions],
    )
    # Questions no longer in any bank keep their rows (and so their history), marked inactive.
    await conn.execute("UPDATE questions SET active = 0 WHERE last_seen != $1", stamp)


async def user_id(conn: Connection, user: UserRef) -> int:
    return int(await conn.fetchval(_USER, user.platform, user.workspace, user.user, user.name))


async def question_id(conn: Connection, key: QuestionKey) -> int:
    found = await conn.fetchval(
        "SELECT id FROM questions WHERE bank = $1 AND qid = $2", key.bank, key.id
    )
    if found is None:
        raise LookupError(f"question {key} is not registered; sync the banks first")
    return int(found)


async def open_round(conn: Connection, new: NewRound) -> int | None:
    """Insert a round; None when the channel already has an open daily round."""
    # The upsert locks the channel's row until commit: openings in one channel take turns,
    # whichever process they come from.
    channel = await conn.fetchrow(
        """
        INSERT INTO channels (platform, workspace, channel) VALUES ($1, $2, $3)
        ON CONFLICT (platform, workspace, channel) DO UPDATE SET channel = excluded.channel
        RETURNING id, cycle, daily_seq
        """,
        new.channel.platform,
        new.channel.workspace,
        new.channel.channel,
    )
    assert channel is not None
    channel_id, cycle, daily_seq = channel
    question = await question_id(conn, new.question)
    # The board's scopes exist from the round's first moment, committed with it.
    await scope_id(conn, new.channel.scope)
    await scope_id(conn, new.channel.workspace_scope)
    seq: int | None = None
    round_cycle: int | None = None
    if new.kind is RoundKind.DAILY:
        busy = await conn.fetchval(
            "SELECT 1 FROM rounds WHERE channel_id = $1 AND kind = 'daily' AND closed_at IS NULL",
            channel_id,
        )
        if busy is not None:
            return None
        seq = daily_seq + 1
        round_cycle = max(cycle, new.cycle or cycle)
        await conn.execute(
            "UPDATE channels SET daily_seq = $1, cycle = $2 WHERE id = $3",
            seq,
            round_cycle,
            channel_id,
        )
    opened = await conn.fetchval(
        """
        INSERT INTO rounds (kind, channel_id, question_id, attempts_allowed, opened_at, closes_at,
                            seq, cycle, owner_id, test_run_id, option_order)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        RETURNING id
        """,
        new.kind.value,
        channel_id,
        question,
        new.attempts_allowed,
        new.opened_at.isoformat(),
        new.closes_at.isoformat() if new.closes_at else None,
        seq,
        round_cycle,
        new.owner_id,
        new.test_run_id,
        new.order,
    )
    return int(opened)


async def close_round(
    conn: Connection, round_id: int, at: datetime
) -> tuple[bool, bool, ClosedCounts] | None:
    """Close (idempotent) and count: (newly closed, reveal posted already, (participants,
    solved, first, wrong))."""
    # FOR UPDATE waits for the clicks being judged (they hold the row FOR SHARE) and makes the
    # later ones see the round closed.
    exists = await conn.fetchrow(
        "SELECT closed_at, revealed_at FROM rounds WHERE id = $1 FOR UPDATE", round_id
    )
    if exists is None:
        return None
    newly = exists[0] is None
    announced = exists[1] is not None
    if newly:
        await conn.execute(
            "UPDATE rounds SET closed_at = $1 WHERE id = $2", at.isoformat(), round_id
        )
    counts = await conn.fetchrow(
        "SELECT COUNT(*), COALESCE(SUM(solved), 0) FROM participations WHERE round_id = $1",
        round_id,
    )
    assert counts is not None
    participants, solved = counts
    first = await conn.fetchval(
        """
        SELECT CASE WHEN u.name = '' THEN u.user_ref ELSE u.name END
        FROM participations p JOIN users u ON u.id = p.user_id
        WHERE p.round_id = $1 AND p.solved = 1
        ORDER BY p.finished_at, p.user_id LIMIT 1
        """,
        round_id,
    )
    wrong = await conn.fetch(
        "SELECT answer, COUNT(*) FROM attempts WHERE round_id = $1 AND correct = 0"
        " GROUP BY answer ORDER BY answer",
        round_id,
    )
    return (
        newly,
        announced,
        (
            int(participants),
            int(solved),
            first,
            tuple((str(answer), int(count)) for answer, count in wrong),
        ),
    )


async def create_test_run(
    conn: Connection,
    user: int,
    bank: str,
    questions: Sequence[QuestionKey],
    at: datetime,
) -> int:
    run_id = int(
        await conn.fetchval(
            "INSERT INTO test_runs (user_id, bank, created_at) VALUES ($1, $2, $3) RETURNING id",
            user,
            bank,
            at.isoformat(),
        )
    )
    rows = [
        (run_id, position, await question_id(conn, key)) for position, key in enumerate(questions)
    ]
    await conn.executemany("INSERT INTO test_run_questions VALUES ($1, $2, $3)", rows)
    return run_id
