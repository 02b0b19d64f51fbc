"""The hot path: recording answers, a whole run of clicks at a time.

The writer hands over every click queued together. They are judged one after the other, in
arrival order, by the core's rule (each request carries its ``judge``), on states read with one
query and kept up to date in memory as the run goes; then each table gets one ``executemany``.
All of it happens inside the writer's transaction, so the attempt limit holds as if the clicks
had been recorded one by one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from bot.core.models import QuestionKey
from bot.core.ports import Judge
from bot.core.rounds import AttemptState, Decision, RoundKind, Verdict
from bot.store.writes import scope_id

# What never changes about a round after it is opened; cached by the writer thread.
_ROUND_FACTS = """
SELECT r.kind, c.platform, c.workspace, c.channel, r.owner_id, q.bank, q.qid,
       r.attempts_allowed, r.closes_at, r.test_run_id
FROM rounds r
JOIN channels c ON c.id = r.channel_id
JOIN questions q ON q.id = r.question_id
WHERE r.id = ?
"""

_INSERT_ATTEMPT = "INSERT INTO attempts VALUES (?, ?, ?, ?, ?, ?)"

# first_at keeps the value of the first insert.
_UPSERT_PARTICIPATION = """
INSERT INTO participations VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (round_id, user_id) DO UPDATE SET
    attempts_used = excluded.attempts_used,
    solved = excluded.solved,
    points = excluded.points,
    finished_at = excluded.finished_at
"""

_UPSERT_BOARD = """
INSERT INTO board VALUES (?, ?, ?, ?, ?)
ON CONFLICT (scope, period, user_id) DO UPDATE SET
    points = points + excluded.points,
    solved = solved + excluded.solved
"""

# States of many (round, user) pairs in one query; chunked to stay far below SQLite's limit on
# bound parameters.
_STATE_CHUNK = 250


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
    """Round facts by id, used by the writer thread only. Facts never change once a round is
    committed; the writer clears the cache whenever it rolls back, so nothing read inside an
    undone transaction survives. Whether a round is closed is always read afresh."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._facts: dict[int, RoundFacts] = {}

    @property
    def facts(self) -> dict[int, RoundFacts]:
        return self._facts

    def clear(self) -> None:
        self._facts.clear()

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


class AttemptRequest(NamedTuple):
    """One click on its way to the writer (a tuple: one is made per click)."""

    round_id: int
    user_id: int
    answer: str
    at: datetime
    periods: tuple[int, int, int]
    judge: Judge


# (round exists, closed_at, attempts_used, solved, points) of a (round, user) pair.
_Live = tuple[bool, str | None, int, int, int]


def _live_states(conn: sqlite3.Connection, pairs: Sequence[tuple[int, int]]) -> dict[
        tuple[int, int], _Live]:  # fmt: skip
    found: dict[tuple[int, int], _Live] = {}
    for start in range(0, len(pairs), _STATE_CHUNK):
        chunk = pairs[start : start + _STATE_CHUNK]
        values = ", ".join(["(?, ?)"] * len(chunk))
        sql = f"""
            WITH pairs (round_id, user_id) AS (VALUES {values})
            SELECT pairs.round_id, pairs.user_id, r.closed_at,
                   p.attempts_used, p.solved, p.points
            FROM pairs
            JOIN rounds r ON r.id = pairs.round_id
            LEFT JOIN participations p
                ON p.round_id = pairs.round_id AND p.user_id = pairs.user_id
            """
        params = [value for pair in chunk for value in pair]
        for round_id, user_id, closed_at, used, solved, points in conn.execute(sql, params):
            found[(round_id, user_id)] = (True, closed_at, used or 0, solved or 0, points or 0)
    return found


def record_attempts(
    conn: sqlite3.Connection, requests: list[AttemptRequest], *, cache: RoundFactsCache
) -> list[tuple[AttemptState, Decision]]:
    pairs = list(dict.fromkeys((request.round_id, request.user_id) for request in requests))
    live = _live_states(conn, pairs)
    attempts: list[tuple[int, int, int, str, int, str]] = []
    participations: dict[tuple[int, int], list[object]] = {}
    board: dict[tuple[int, int, int], list[int]] = {}
    results: list[tuple[AttemptState, Decision]] = []
    facts_by_round = cache.facts
    for request in requests:
        pair = (request.round_id, request.user_id)
        facts = facts_by_round.get(request.round_id) or cache.get(conn, request.round_id)
        now = live.get(pair)
        if facts is None or now is None:
            state = AttemptState(found=False, round_id=request.round_id)
            results.append((state, request.judge(state)))
            continue
        _, closed_at, used, solved, points = now
        # Positional, in field order: this runs for every click.
        state = AttemptState(
            True,
            request.round_id,
            facts.kind,
            facts.platform,
            facts.workspace,
            facts.owner_id,
            facts.question,
            facts.attempts_allowed,
            closed_at is not None,
            facts.closes_at,
            used,
            bool(solved),
            points,
            facts.test_run_id,
        )
        decision = request.judge(state)
        results.append((state, decision))
        if decision.verdict is not Verdict.RECORDED:
            continue
        stamp = request.at.isoformat()
        correct = int(decision.correct)
        attempts.append((*pair, decision.attempt_no, request.answer, correct, stamp))
        finished = stamp if decision.finished else None
        row = participations.get(pair)
        if row is None:
            participations[pair] = [*pair, decision.attempt_no, correct, decision.points, stamp,
                                    finished]  # fmt: skip
        else:
            row[2:5] = [decision.attempt_no, correct, decision.points]
            row[6] = finished
        live[pair] = (True, closed_at, decision.attempt_no, correct, decision.points)
        # Only a solve changes the board; wrong tries live in attempts and participations.
        if decision.counts_for_board and decision.correct:
            for scope in facts.scopes:
                for period in request.periods:
                    total = board.setdefault((scope, period, request.user_id), [0, 0])
                    total[0] += decision.points
                    total[1] += 1
    if attempts:
        conn.executemany(_INSERT_ATTEMPT, attempts)
        conn.executemany(_UPSERT_PARTICIPATION, list(participations.values()))
    if board:
        conn.executemany(_UPSERT_BOARD, [(*key, *total) for key, total in board.items()])
    return results
