"""The hot path on PostgreSQL: one click, one transaction, whichever process it reaches.

A person's clicks on one round are judged one after the other across every process sharing the
database: the transaction first takes ``pg_advisory_xact_lock(round, person)`` (released at
COMMIT), then reads their state; so a second click, even on another process, waits and then
reads what the first wrote. The round's row is read FOR SHARE, so closing the round (FOR UPDATE)
waits for the clicks being judged, and a later click sees it closed. The attempt, the
participation and the board rows are written by one statement, in the same transaction, and a
finishing click's review card right after it (``review.apply_card``); a batch of clicks takes
the cards' locks with its others and writes the cards in that one statement.

Round trips per click: BEGIN with the lock (one simple query), the state, the writes, COMMIT.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from bot.core.models import QuestionKey
from bot.core.ports import Judge, ReviewStep
from bot.core.review_cards import ReviewCard
from bot.core.rounds import AttemptState, Decision, RoundKind, UserRef, Verdict
from bot.store.postgres import writes
from bot.store.postgres.base import Connection
from bot.store.postgres.locks import REVIEW_LOCK
from bot.store.postgres.locks import lock_key as _lock_key
from bot.store.postgres.locks import person_key as _person_key
from bot.store.postgres.review import CARD_CONFLICT, CARD_INSERT, CardJob, apply_card
from bot.store.rows import CARD_COLUMNS, card_values, when
from bot.store.rows import card as stored_card

log = logging.getLogger(__name__)

_ROUND_FACTS = """
SELECT r.kind, c.platform, c.workspace, c.channel, r.owner_id, q.bank, q.qid,
       r.attempts_allowed, r.closes_at, r.test_run_id,
       (SELECT id FROM scopes WHERE key = c.platform || ':' || c.workspace || ':' || c.channel),
       (SELECT id FROM scopes WHERE key = c.platform || ':' || c.workspace)
FROM rounds r
JOIN channels c ON c.id = r.channel_id
JOIN questions q ON q.id = r.question_id
WHERE r.id = $1
"""


# A click's statements look rows up by key, and each connection plans them once: the plan
# cached after the fifth run is made from the table sizes of that moment. On a new database
# those are a few hundred rows, and a hash join over a sequential scan of participations and
# review cards was cached, then kept while the tables grew: by 10,000 people every batch read
# both tables whole (``quizbot bench clicks --store postgres``: a third of the server's CPU
# per click, and a p99 that grew through the run). Inside the click's transaction only, the
# planner may use nothing but index lookups, which is right at every size.
_BEGIN = (
    "BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off;"
    " SET LOCAL enable_mergejoin = off"
)

_FIND_USER = "SELECT id FROM users WHERE platform = $1 AND workspace = $2 AND user_ref = $3"

_RECORDED = Verdict.RECORDED


@dataclass(frozen=True, slots=True)
class RoundFacts:
    """What never changes about a round once it is opened (the scopes aside: None until the
    round's scopes exist)."""

    kind: RoundKind
    platform: str
    workspace: str
    channel: str
    owner_id: int | None
    question: QuestionKey
    attempts_allowed: int
    closes_at: datetime | None
    test_run_id: int | None
    scopes: tuple[int, int] | None


class FactsCache:
    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._facts: dict[int, RoundFacts] = {}

    async def get(self, conn: Connection, round_id: int) -> RoundFacts | None:
        found = self._facts.get(round_id)
        if found is not None:
            return found
        row = await conn.fetchrow(_ROUND_FACTS, round_id)
        if row is None:
            return None
        (kind, platform, workspace, channel, owner_id, bank, qid, allowed, closes_at, test_run,
         channel_scope, workspace_scope) = row  # fmt: skip
        found = RoundFacts(
            kind=RoundKind(kind),
            platform=platform,
            workspace=workspace,
            channel=channel,
            owner_id=owner_id,
            question=QuestionKey(bank, qid),
            attempts_allowed=allowed,
            closes_at=when(closes_at),
            test_run_id=test_run,
            scopes=(channel_scope, workspace_scope)
            if channel_scope is not None and workspace_scope is not None
            else None,
        )
        if found.scopes is not None:
            if len(self._facts) >= self._size:
                self._facts.pop(next(iter(self._facts)))
            self._facts[round_id] = found
        return found


async def record_attempt(
    conn: Connection,
    cache: FactsCache,
    round_id: int,
    user_id: int | None,
    answer: str,
    at: datetime,
    periods: tuple[int, int, int],
    judge: Judge,
    register: UserRef | None,
    review: ReviewStep | None = None,
) -> tuple[AttemptState, Decision]:
    facts = await cache.get(conn, round_id)
    if facts is None:
        missing = AttemptState(found=False, round_id=round_id)
        return missing, judge(missing)
    round_key = _lock_key(round_id)
    if user_id is None and register is not None:
        # Not known when the click arrived: lock on who they are, then look again (another
        # click of theirs may have stored them meanwhile) and take their id's lock too.
        await conn.execute(
            f"{_BEGIN}; SELECT pg_advisory_xact_lock({round_key}, {_person_key(register)})"
        )
    elif user_id is not None:
        await conn.execute(
            f"{_BEGIN}; SELECT pg_advisory_xact_lock({round_key}, {_lock_key(user_id)})"
        )
    else:
        await conn.execute(_BEGIN)
    try:
        if user_id is None and register is not None:
            found = await conn.fetchval(
                _FIND_USER, register.platform, register.workspace, register.user
            )
            if found is not None:
                user_id = int(found)
                await conn.execute(
                    "SELECT pg_advisory_xact_lock($1, $2)", round_key, _lock_key(user_id)
                )
        unknown = user_id is None
        # Read after the locks, so it sees every earlier click of this person committed.
        row = await conn.fetchrow(_STATES, [round_id], [user_id])
        if row is None:  # deleted meanwhile: never, but judged as missing all the same
            missing = AttemptState(found=False, round_id=round_id)
            await conn.execute("COMMIT")
            return missing, judge(missing)
        _, _, closed, used, solved, points, tried = row[:_CARD_AT]
        state = AttemptState(
            True,
            round_id,
            facts.kind,
            facts.platform,
            facts.workspace,
            facts.owner_id,
            facts.question,
            facts.attempts_allowed,
            closed,
            facts.closes_at,
            used or 0,
            bool(solved),
            points or 0,
            facts.test_run_id,
            tuple(tried.split("|")) if tried else (),
        )
        decision = judge(state)
        if decision[0] is _RECORDED:
            _, correct, gained, attempt_no, finished, counts_for_board, _ = decision
            if register is not None:
                # Stored (or renamed) with their counted answer, in its transaction.
                stored_id = await writes.user_id(conn, register)
                if unknown:
                    # Not in the database when this click read its state, but another process
                    # may have stored them since and be judging a click of theirs under the
                    # (round, id) lock: take it, and judge again if an attempt came meanwhile.
                    await conn.execute(
                        "SELECT pg_advisory_xact_lock($1, $2)", round_key, _lock_key(stored_id)
                    )
                    again = await conn.fetchrow(_STATES, [round_id], [stored_id])
                    if again is None or (again[3] or 0) != (used or 0):
                        raise _JudgeAgain(stored_id)
                user_id = stored_id
            assert user_id is not None
            scopes: tuple[int, ...] = ()
            if correct and counts_for_board:
                scopes = facts.scopes or (
                    await writes.scope_id(
                        conn, f"{facts.platform}:{facts.workspace}:{facts.channel}"
                    ),
                    await writes.scope_id(conn, f"{facts.platform}:{facts.workspace}"),
                )
            stamp = at.isoformat()
            # The batch's statement, with one click in it.
            board = [(scope, period) for scope in scopes for period in periods]
            await conn.execute(
                _WRITE_MANY,
                [round_id], [user_id], [attempt_no], [answer], [int(correct)], [stamp],
                [round_id], [user_id], [attempt_no], [int(correct)], [gained], [stamp],
                [stamp if finished else None],
                [scope for scope, _ in board], [period for _, period in board],
                [user_id] * len(board), [gained] * len(board), [1] * len(board),
                *_NO_CARDS,
            )  # fmt: skip
            update = review(state, decision) if finished and review is not None else None
            if update is not None and facts.question is not None:
                await apply_card(conn, CardJob(user_id, facts.question, update))
        await conn.execute("COMMIT")
    except _JudgeAgain as again:
        await conn.execute("ROLLBACK")
        return await record_attempt(
            conn, cache, round_id, again.user_id, answer, at, periods, judge, register, review
        )
    except BaseException:
        if not conn.is_closed():
            await conn.execute("ROLLBACK")
        raise
    return state, decision


class _JudgeAgain(Exception):
    """The person was stored by another process while this click was judged as theirs first."""

    def __init__(self, user_id: int) -> None:
        super().__init__(user_id)
        self.user_id = user_id


# --- many clicks in one transaction (``batching.Batcher``) -----------------------------------

_STATES = f"""
SELECT k.round_id, k.user_id, r.closed_at IS NOT NULL, p.attempts_used, p.solved, p.points,
       (SELECT string_agg(a.answer, '|' ORDER BY a.attempt_no) FROM attempts a
        WHERE a.round_id = k.round_id AND a.user_id = k.user_id AND a.correct = 0),
       {CARD_COLUMNS}
FROM unnest($1::bigint[], $2::bigint[]) AS k(round_id, user_id)
JOIN rounds r ON r.id = k.round_id
JOIN questions q ON q.id = r.question_id
LEFT JOIN participations p ON p.round_id = k.round_id AND p.user_id = k.user_id
LEFT JOIN review_cards c ON c.user_id = k.user_id AND c.question_id = r.question_id
FOR SHARE OF r
"""
_CARD_AT = 7  # where a state row's card columns start (NULL state: no card yet)

# first_at keeps the value of the first insert; a pair (and a card) appears once per statement.
_NO_CARDS: tuple[list[Any], ...] = tuple([] for _ in range(12))
_WRITE_MANY = f"""
WITH attempt AS (
    INSERT INTO attempts
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::integer[], $4::text[], $5::integer[],
                         $6::text[])
), participation AS (
    INSERT INTO participations
    SELECT * FROM unnest($7::bigint[], $8::bigint[], $9::integer[], $10::integer[],
                         $11::integer[], $12::text[], $13::text[])
    ON CONFLICT (round_id, user_id) DO UPDATE SET
        attempts_used = excluded.attempts_used,
        solved = excluded.solved,
        points = excluded.points,
        finished_at = excluded.finished_at
), card AS (
    {CARD_INSERT}
    SELECT k.user_id, q.id, k.state, k.step, k.stability, k.difficulty, k.due, k.last_review,
           k.reps, k.lapses, k.recalls
    FROM unnest($19::bigint[], $20::text[], $21::text[], $22::integer[], $23::integer[],
                $24::double precision[], $25::double precision[], $26::text[], $27::text[],
                $28::integer[], $29::integer[], $30::integer[])
        AS k(user_id, bank, qid, state, step, stability, difficulty, due, last_review, reps,
             lapses, recalls)
    JOIN questions q ON q.bank = k.bank AND q.qid = k.qid
    {CARD_CONFLICT}
)
INSERT INTO board (scope, period, user_id, points, solved)
SELECT * FROM unnest($14::bigint[], $15::integer[], $16::bigint[], $17::integer[],
                     $18::integer[])
ON CONFLICT (scope, period, user_id) DO UPDATE SET
    points = board.points + excluded.points,
    solved = board.solved + excluded.solved
"""


async def warm(conn: Connection) -> None:
    """A new connection runs the click's statements once, on no rows, in a transaction it rolls
    back: the first click on a fresh connection otherwise waited ~20 ms while the server loaded
    the tables' catalog entries and both statements were prepared (a cold pool made the first
    batch of a burst 30-60 ms)."""
    await conn.execute(_BEGIN)
    try:
        await conn.fetch(_STATES, [], [])
        await conn.execute(_WRITE_MANY, *([] for _ in range(30)))
    except asyncpg.ReadOnlySQLTransactionError:
        # A read-only standby takes no writes, warm or not; /health says it is one.
        log.debug("PostgreSQL is read-only: the click's writes are not warmed")
    finally:
        await conn.execute("ROLLBACK")


@dataclass(frozen=True, slots=True)
class Click:
    """One click of a person already stored (``register`` None): what a batch can take."""

    round_id: int
    user_id: int
    answer: str
    at: datetime
    periods: tuple[int, int, int]
    judge: Judge
    review: ReviewStep | None = None


async def record_attempts(
    conn: Connection, cache: FactsCache, batch: list[Click]
) -> list[tuple[AttemptState, Decision]]:
    """Many stored people's clicks in one transaction, judged in arrival order as if they had
    come one by one: BEGIN with every (round, person) lock and the review locks, taken in one
    sorted order (two batches never wait for each other in a circle), one query for their
    states and cards, one statement for every write, cards included, COMMIT. A person's second
    click in the batch is judged on the state the first left. The caller runs each click alone
    if this raises."""
    facts: dict[int, RoundFacts | None] = {}
    for click in batch:
        if click.round_id not in facts:
            facts[click.round_id] = await cache.get(conn, click.round_id)
    live = sorted(
        {(click.round_id, click.user_id) for click in batch if facts[click.round_id] is not None}
    )
    # The clicks' locks, then the review locks of those whose finish writes a card: the order
    # a click alone takes them in (``record_attempt``, then ``review.apply_card``).
    keys = sorted({(_lock_key(round_id), _lock_key(user_id)) for round_id, user_id in live})
    keys += sorted(
        {
            (REVIEW_LOCK, _lock_key(click.user_id))
            for click in batch
            if click.review is not None and facts[click.round_id] is not None
        }
    )
    if keys:
        locks = ", ".join(f"({a}, {b})" for a, b in keys)
        await conn.execute(
            f"{_BEGIN}; SELECT pg_advisory_xact_lock(a, b) FROM (VALUES {locks}) AS k(a, b)"
        )
    else:
        await conn.execute(_BEGIN)
    try:
        states: dict[tuple[int, int], list[Any]] = {}
        known_cards: dict[tuple[int, QuestionKey], ReviewCard | None] = {}
        if live:
            rows = await conn.fetch(_STATES, [pair[0] for pair in live], [pair[1] for pair in live])
            for found in rows:
                round_id, user_id, closed, used, solved, points, tried = found[:_CARD_AT]
                states[(round_id, user_id)] = [
                    closed, used or 0, bool(solved), points or 0,
                    tuple(tried.split("|")) if tried else (),
                ]  # fmt: skip
                card_row = found[_CARD_AT:]
                known_cards[(user_id, QuestionKey(card_row[0], card_row[1]))] = (
                    stored_card(card_row) if card_row[2] is not None else None
                )
        results: list[tuple[AttemptState, Decision]] = []
        attempts: list[tuple[int, int, int, str, int, str]] = []
        participations: dict[tuple[int, int], list[Any]] = {}
        board: dict[tuple[int, int, int], list[int]] = {}
        cards: dict[tuple[int, QuestionKey], ReviewCard | None] = {}
        for click in batch:
            round_facts = facts[click.round_id]
            now = states.get((click.round_id, click.user_id))
            if round_facts is None or now is None:
                missing = AttemptState(found=False, round_id=click.round_id)
                results.append((missing, click.judge(missing)))
                continue
            closed, used, solved, points, tried = now
            state = AttemptState(
                True,
                click.round_id,
                round_facts.kind,
                round_facts.platform,
                round_facts.workspace,
                round_facts.owner_id,
                round_facts.question,
                round_facts.attempts_allowed,
                closed,
                round_facts.closes_at,
                used,
                solved,
                points,
                round_facts.test_run_id,
                tried,
            )
            decision = click.judge(state)
            results.append((state, decision))
            if decision[0] is not _RECORDED:
                continue
            _, correct, gained, attempt_no, finished, counts_for_board, _ = decision
            stamp = click.at.isoformat()
            attempts.append(
                (click.round_id, click.user_id, attempt_no, click.answer, int(correct), stamp)
            )
            if finished and click.review is not None:
                update = click.review(state, decision)
                if update is not None:
                    # The same card twice in a batch: the second update sees the first's.
                    card_key = (click.user_id, round_facts.question)
                    known_cards[card_key] = update(known_cards.get(card_key))
                    cards[card_key] = known_cards[card_key]
            pair = (click.round_id, click.user_id)
            row = participations.get(pair)
            if row is None:
                participations[pair] = [click.round_id, click.user_id, attempt_no, int(correct),
                                        gained, stamp, stamp if finished else None]  # fmt: skip
            else:
                row[2:5] = attempt_no, int(correct), gained
                row[6] = stamp if finished else None
            now[1:5] = attempt_no, correct, gained, tried if correct else (*tried, click.answer)
            if correct and counts_for_board:
                scopes = round_facts.scopes or (
                    await writes.scope_id(
                        conn,
                        f"{round_facts.platform}:{round_facts.workspace}:{round_facts.channel}",
                    ),
                    await writes.scope_id(conn, f"{round_facts.platform}:{round_facts.workspace}"),
                )
                for scope in scopes:
                    for period in click.periods:
                        total = board.setdefault((scope, period, click.user_id), [0, 0])
                        total[0] += gained
                        total[1] += 1
        if attempts:
            rows_p = list(participations.values())
            board_keys = list(board)
            await conn.execute(
                _WRITE_MANY,
                *(list(column) for column in zip(*attempts, strict=True)),
                *(list(column) for column in zip(*rows_p, strict=True)),
                [key[0] for key in board_keys],
                [key[1] for key in board_keys],
                [key[2] for key in board_keys],
                [board[key][0] for key in board_keys],
                [board[key][1] for key in board_keys],
                *_card_columns(cards),
            )
        await conn.execute("COMMIT")
    except BaseException:
        if not conn.is_closed():
            await conn.execute("ROLLBACK")
        raise
    return results


def _card_columns(cards: dict[tuple[int, QuestionKey], ReviewCard | None]) -> list[list[Any]]:
    """The cards a batch writes, as the write statement's twelve card columns."""
    written = [card_values(user_id, card) for (user_id, _), card in cards.items() if card]
    if not written:
        return [list(column) for column in _NO_CARDS]
    return [list(column) for column in zip(*written, strict=True)]
