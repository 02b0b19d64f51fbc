"""The hot path: recording answers, a whole run of clicks at a time.

The writer hands over every click queued together. They are judged one after the other, in
arrival order, by the core's rule (each request carries its ``judge``), on states kept in the
writer's memory (``ClickCache``: only pairs it does not know yet are read, with one query) and
updated as the run goes; then each table gets one ``executemany``.
All of it happens inside the writer's transaction, so the attempt limit holds as if the clicks
had been recorded one by one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

from bot.core.models import QuestionKey
from bot.core.ports import Judge, ReviewStep
from bot.core.rounds import AttemptState, Decision, RoundKind, UserRef, Verdict
from bot.store.rows import when
from bot.store.sqlite import writes
from bot.store.sqlite.review import CardRequest, update_cards
from bot.store.sqlite.writes import scope_id

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
_STATE_CHUNK = 256


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
    scopes: tuple[int, int] | None
    """The board scopes (channel, workspace), None until someone scores in the round: a click
    that counts nothing must not create them."""
    head: tuple[object, ...]
    """The first fields of every AttemptState of the round, in field order."""


class _LiveRound:
    """What the writer knows of one round's live state: whether it is closed and the
    (attempts_used, solved, points, wrong answers tried) of its people. ``complete`` says
    every participant is in ``users`` (the round was opened by this writer), so a missing user
    has not answered yet."""

    __slots__ = ("closed", "complete", "users")

    def __init__(self, closed: bool, complete: bool) -> None:
        self.closed = closed
        self.complete = complete
        self.users: dict[int, tuple[int, bool, int, tuple[str, ...]]] = {}


_FRESH: tuple[int, bool, int, tuple[str, ...]] = (0, False, 0, ())
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ClickCache:
    """The writer thread's memory of the click path.

    Round facts never change once a round is committed. Live states (closed, attempts used,
    solved, points) are written through by every batch of clicks, so only their first click
    reads the database; they are trusted only while every write to the file since went through
    this cache. Each batch checks that with two counters: the connection's ``total_changes``
    (any other work of this writer changed rows) and ``PRAGMA data_version`` (another connection
    committed); either one moving drops them. The writer clears everything whenever it rolls
    back, so nothing read or written inside an undone transaction survives."""

    def __init__(self, size: int = 4096, max_pairs: int = 200_000) -> None:
        self._size = size
        self._max_pairs = max_pairs
        self._facts: dict[int, RoundFacts] = {}
        self._live: dict[int, _LiveRound] = {}
        self.pairs = 0
        """Live pairs known, roughly: past ``max_pairs`` the live states are dropped."""
        self._version = -1
        self._changes = -1
        self._second: tuple[int, str] = (-1, "")

    @property
    def facts(self) -> dict[int, RoundFacts]:
        return self._facts

    def clear(self) -> None:
        self._facts.clear()
        self._forget()

    def _forget(self) -> None:
        self._live.clear()
        self.pairs = 0
        self._changes = -1

    def live_states(self, conn: sqlite3.Connection, changes: int) -> dict[int, _LiveRound]:
        """The live states, dropped first if anything but this cache may have changed them."""
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version or changes != self._changes:
            self._forget()
            self._version = version
        return self._live

    def settle(self, conn: sqlite3.Connection) -> None:
        """This cache's own writes are done: they are part of what it knows."""
        self._changes = conn.total_changes
        if self.pairs > self._max_pairs:
            self._live.clear()
            self.pairs = 0

    def opened(self, conn: sqlite3.Connection, round_id: int, changes_before: int) -> None:
        """In the transaction that inserted ``round_id``: nobody has answered it yet."""
        self.live_states(conn, changes_before)[round_id] = _LiveRound(closed=False, complete=True)
        self.settle(conn)

    def closed(self, conn: sqlite3.Connection, round_id: int, changes_before: int) -> None:
        """In the transaction that closed ``round_id``."""
        known = self.live_states(conn, changes_before).get(round_id)
        if known is not None:
            known.closed = True
        self.settle(conn)

    def stamp(self, at: datetime) -> str:
        """``at.isoformat()``, faster for UTC moments: the text up to the second is reused for
        a whole second (isoformat is much of a click's Python time)."""
        if at.tzinfo is not UTC:
            return at.isoformat()
        since = at - _EPOCH
        second = since.days * 86400 + since.seconds
        known, text = self._second
        if known != second:
            text = at.replace(microsecond=0, tzinfo=None).isoformat()
            self._second = (second, text)
        micro = at.microsecond
        return f"{text}.{micro:06d}+00:00" if micro else f"{text}+00:00"

    def get(self, conn: sqlite3.Connection, round_id: int) -> RoundFacts | None:
        found = self._facts.get(round_id)
        if found is not None:
            return found
        row = conn.execute(_ROUND_FACTS, (round_id,)).fetchone()
        if row is None:
            return None
        kind, platform, workspace, channel, owner_id, bank, qid, allowed, closes_at, test_run = row
        question = QuestionKey(bank, qid)
        found = RoundFacts(
            kind=RoundKind(kind),
            platform=platform,
            workspace=workspace,
            owner_id=owner_id,
            question=question,
            attempts_allowed=allowed,
            closes_at=when(closes_at),
            test_run_id=test_run,
            scopes=_known_scopes(
                conn, f"{platform}:{workspace}:{channel}", f"{platform}:{workspace}"
            ),
            head=(
                True,
                round_id,
                RoundKind(kind),
                platform,
                workspace,
                owner_id,
                question,
                allowed,
            ),
        )
        if len(self._facts) >= self._size:
            self._facts.pop(next(iter(self._facts)))
        self._facts[round_id] = found
        return found

    def scopes(self, conn: sqlite3.Connection, round_id: int, facts: RoundFacts) -> tuple[int, int]:
        """The round's board scopes, created now if nobody had scored in them yet."""
        if facts.scopes is not None:
            return facts.scopes
        platform, workspace, channel = conn.execute(
            "SELECT c.platform, c.workspace, c.channel FROM rounds r"
            " JOIN channels c ON c.id = r.channel_id WHERE r.id = ?",
            (round_id,),
        ).fetchone()
        scopes = (
            scope_id(conn, f"{platform}:{workspace}:{channel}"),
            scope_id(conn, f"{platform}:{workspace}"),
        )
        self._facts[round_id] = replace(facts, scopes=scopes)
        return scopes

    def load(
        self,
        conn: sqlite3.Connection,
        pairs: Sequence[tuple[int, int]],
        more_rounds: Sequence[int] = (),
    ) -> None:
        """Read what is not known yet of ``pairs``: their rounds' closed state, then their
        participations (most first clicks have none); and the state of ``more_rounds``."""
        live = self._live
        rounds = list(
            dict.fromkeys(
                round_id
                for round_id in [*(round_id for round_id, _ in pairs), *more_rounds]
                if round_id not in live
            )
        )
        for chunk in _chunks(rounds, 1):
            sql = f"SELECT id, closed_at FROM rounds WHERE id IN ({', '.join(['?'] * len(chunk))})"
            for round_id, closed_at in conn.execute(sql, chunk):
                live[round_id] = _LiveRound(closed_at is not None, complete=False)
        wanted = [pair for pair in pairs if pair[0] in live and not live[pair[0]].complete]
        for chunk in _chunks(wanted, 2):
            values = ", ".join(["(?, ?)"] * (len(chunk) // 2))
            sql = f"""
                WITH pairs (round_id, user_id) AS (VALUES {values})
                SELECT p.round_id, p.user_id, p.attempts_used, p.solved, p.points,
                       (SELECT group_concat(a.answer, '|') FROM attempts a
                        WHERE a.round_id = p.round_id AND a.user_id = p.user_id
                          AND NOT a.correct)
                FROM pairs
                JOIN participations p
                    ON p.round_id = pairs.round_id AND p.user_id = pairs.user_id
                """
            for round_id, user_id, used, solved, points, tried in conn.execute(sql, chunk):
                wrong = tuple(tried.split("|")) if tried else ()
                live[round_id].users[user_id] = (used, bool(solved), points, wrong)
        for round_id, user_id in wanted:
            users = live[round_id].users
            if user_id not in users:
                users[user_id] = _FRESH
        self.pairs += len(wanted)


def _known_scopes(conn: sqlite3.Connection, channel: str, workspace: str) -> tuple[int, int] | None:
    found = dict(
        conn.execute("SELECT key, id FROM scopes WHERE key IN (?, ?)", (channel, workspace))
    )
    if channel in found and workspace in found:
        return int(found[channel]), int(found[workspace])
    return None


def _resolve(
    conn: sqlite3.Connection, requests: list[AttemptRequest], new_ids: dict[Person, int]
) -> list[AttemptRequest]:
    """Requests of people the engine did not know, with their id if they are in ``users`` by
    now (another click of theirs was recorded meanwhile); the rest keep None."""
    resolved = []
    for request in requests:
        user = request.register
        if request.user_id is None and user is not None:
            found = new_ids.get(_person(user))
            if found is None:
                row = conn.execute(
                    "SELECT id FROM users WHERE platform = ? AND workspace = ? AND user_ref = ?",
                    (user.platform, user.workspace, user.user),
                ).fetchone()
                found = int(row[0]) if row else None
            if found is not None:
                request = request._replace(user_id=found)
        resolved.append(request)
    return resolved


def _chunks(items: Sequence[Any], width: int) -> list[list[Any]]:
    """Bound parameters for ``IN`` lists of ``items`` (``width`` values each), chunked below
    SQLite's limit and padded with repeats to a multiple of 16 items, so that a few prepared
    statements serve every batch size."""
    chunks = []
    for start in range(0, len(items), _STATE_CHUNK):
        chunk = list(items[start : start + _STATE_CHUNK])
        chunk += [chunk[0]] * (-len(chunk) % 16)
        chunks.append([value for item in chunk for value in item] if width > 1 else chunk)
    return chunks


class AttemptRequest(NamedTuple):
    """One click on its way to the writer (a tuple: one is made per click)."""

    round_id: int
    user_id: int | None
    """None: someone never recorded (see ``register``)."""
    answer: str
    at: datetime
    periods: tuple[int, int, int]
    judge: Judge
    register: UserRef | None = None
    """Who to store (or rename) with the attempt, if it is recorded."""
    review: ReviewStep | None = None
    """The person's card update, if the click finishes the question."""


Person = tuple[str, str, str]


def _person(user: UserRef | None) -> Person:
    """A person's key among the ids made in a run (their display name plays no part)."""
    assert user is not None  # only people the engine did not know have no id
    return (user.platform, user.workspace, user.user)


_new_state = tuple.__new__
_RECORDED = Verdict.RECORDED


def record_attempts(
    conn: sqlite3.Connection, requests: list[AttemptRequest], *, cache: ClickCache
) -> list[tuple[AttemptState, Decision]]:
    live = cache.live_states(conn, conn.total_changes)
    # People met for the first time in this run: (platform, workspace, user) -> their new id.
    new_ids: dict[Person, int] = {}
    if any(request[1] is None for request in requests):
        requests = _resolve(conn, requests, new_ids)
    missing = []
    strangers = []  # rounds clicked by people not in users: only the round's state is needed
    for request in requests:
        known = live.get(request.round_id)
        if request.user_id is None:
            if known is None:
                strangers.append(request.round_id)
        elif known is None or not (known.complete or request.user_id in known.users):
            missing.append((request.round_id, request.user_id))
    if missing or strangers:
        cache.load(conn, list(dict.fromkeys(missing)), strangers)
    attempts: list[tuple[int, int, int, str, bool, str]] = []
    cards: list[CardRequest] = []
    participations: dict[tuple[int, int], list[object]] = {}
    board: dict[tuple[int, int, int], list[int]] = {}
    results: list[tuple[AttemptState, Decision]] = []
    facts_by_round = cache.facts
    stamp_of = cache.stamp
    for request in requests:
        round_id, user_id = request[0], request[1]
        facts = facts_by_round.get(round_id) or cache.get(conn, round_id)
        known = live.get(round_id)
        if facts is None or known is None:
            missing_round = AttemptState(found=False, round_id=round_id)
            results.append((missing_round, request.judge(missing_round)))
            continue
        if user_id is None:
            user_id = new_ids.get(_person(request.register))
        users = known.users
        now = users.get(user_id) if user_id is not None else _FRESH
        if now is None:
            now = _FRESH
            cache.pairs += 1
        used, solved, points, tried = now
        # Built straight from field-order tuples: this runs for every click.
        state: AttemptState = _new_state(
            AttemptState,
            # A concatenation builds one tuple; unpacking would build a list first.
            facts.head  # noqa: RUF005
            + (known.closed, facts.closes_at, used, solved, points, facts.test_run_id, tried),
        )
        decision = request.judge(state)
        results.append((state, decision))
        if decision[0] is not _RECORDED:
            continue
        _, correct, points, attempt_no, finished, counts_for_board, _ = decision
        if request.register is not None:
            # Stored (or renamed) with their first counted answer, in its transaction.
            user_id = writes.user_id(conn, request.register)
            new_ids[_person(request.register)] = user_id
        assert user_id is not None
        stamp = stamp_of(request.at)
        attempts.append((round_id, user_id, attempt_no, request.answer, correct, stamp))
        if finished and request.review is not None and state.question is not None:
            update = request.review(state, decision)
            if update is not None:
                cards.append(CardRequest(user_id, state.question, update))
        pair = (round_id, user_id)
        row = participations.get(pair)
        if row is None:
            participations[pair] = [round_id, user_id, attempt_no, correct, points, stamp,
                                    stamp if finished else None]  # fmt: skip
        else:
            row[2:5] = attempt_no, correct, points
            row[6] = stamp if finished else None
        users[user_id] = (
            attempt_no,
            correct,
            points,
            tried if correct else (*tried, request.answer),
        )
        # Only a solve changes the board; wrong tries live in attempts and participations.
        if correct and counts_for_board:
            for scope in facts.scopes or cache.scopes(conn, round_id, facts):
                for period in request.periods:
                    total = board.setdefault((scope, period, user_id), [0, 0])
                    total[0] += points
                    total[1] += 1
    if attempts:
        conn.executemany(_INSERT_ATTEMPT, attempts)
        conn.executemany(_UPSERT_PARTICIPATION, list(participations.values()))
    if board:
        conn.executemany(_UPSERT_BOARD, [(*key, *total) for key, total in board.items()])
    if cards:
        update_cards(conn, cards)
    cache.settle(conn)
    return results
