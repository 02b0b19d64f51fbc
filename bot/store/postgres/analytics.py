"""Counts behind the question analytics on PostgreSQL (``AnalyticsStore``), with the same
results as ``bot/store/sqlite/analytics.py``; the rates are the core's."""

from __future__ import annotations

from typing import Any

from bot.core.analytics import AttemptRecord, QuestionCounts, StatsFilter
from bot.store.postgres.base import PgBase
from bot.store.rows import attempt_record, question_counts


def _rounds_where(wanted: StatsFilter) -> tuple[str, list[Any]]:
    """Conditions on ``r`` (rounds), ``c`` (channels) and ``q`` (questions), numbered from $1."""
    where: list[str] = []
    params: list[Any] = []
    if wanted.since is not None:
        params.append(wanted.since.isoformat())
        where.append(f"r.opened_at >= ${len(params)}")
    if wanted.until is not None:
        params.append(wanted.until.isoformat())
        where.append(f"r.opened_at < ${len(params)}")
    for column, value in (
        ("c.platform", wanted.platform),
        ("c.workspace", wanted.workspace),
        ("c.channel", wanted.channel),
        ("q.bank", wanted.bank),
    ):
        if value is not None:
            params.append(value)
            where.append(f"{column} = ${len(params)}")
    return (" AND ".join(where) or "1 = 1"), params


class AnalyticsQueries(PgBase):
    async def question_counts(self, wanted: StatsFilter) -> list[QuestionCounts]:
        where, params = _rounds_where(wanted)
        rounds = f"""
            SELECT r.id, r.question_id FROM rounds r
            JOIN channels c ON c.id = r.channel_id JOIN questions q ON q.id = r.question_id
            WHERE {where}
        """
        per_question = await self._rows(
            f"""
            WITH picked AS ({rounds})
            SELECT picked.question_id, COUNT(DISTINCT picked.id), COUNT(DISTINCT p.user_id),
                   COUNT(p.user_id), COALESCE(SUM(p.solved), 0),
                   COUNT(*) FILTER (WHERE p.solved = 1 AND p.attempts_used = 1),
                   COALESCE(SUM(p.attempts_used), 0)
            FROM picked LEFT JOIN participations p ON p.round_id = picked.id
            GROUP BY picked.question_id
            """,
            *params,
        )
        wrong = await self._rows(
            f"""
            WITH picked AS ({rounds})
            SELECT picked.question_id, a.answer, COUNT(*)
            FROM picked JOIN attempts a ON a.round_id = picked.id
            WHERE a.correct = 0
            GROUP BY picked.question_id, a.answer
            ORDER BY COUNT(*) DESC, a.answer COLLATE "C"
            """,
            *params,
        )
        # Reports are about the question, whenever they were made; the place is the reporter's.
        report_where: list[str] = []
        report_params: list[Any] = []
        for column, value in (("u.platform", wanted.platform), ("u.workspace", wanted.workspace)):
            if value is not None:
                report_params.append(value)
                report_where.append(f" AND {column} = ${len(report_params)}")
        reports = await self._rows(
            "SELECT r.question_id, COUNT(*) FROM question_reports r"
            " JOIN users u ON u.id = r.user_id WHERE r.resolved_at IS NULL"
            + "".join(report_where)
            + " GROUP BY r.question_id",
            *report_params,
        )
        bank_where, bank_params = ("AND bank = $1", [wanted.bank]) if wanted.bank else ("", [])
        questions = await self._rows(
            f"SELECT id, bank, qid, difficulty, active FROM questions WHERE 1 = 1 {bank_where}"
            " ORDER BY id",
            *bank_params,
        )
        return question_counts(questions, per_question, wrong, reports)

    async def attempt_records(self, wanted: StatsFilter) -> list[AttemptRecord]:
        where, params = _rounds_where(wanted)
        rows = await self._rows(
            f"""
            SELECT a.at, r.kind, c.platform, c.workspace, c.channel, u.user_ref, q.bank, q.qid,
                   r.option_order, a.answer, a.correct,
                   CASE WHEN a.correct = 1 THEN COALESCE(p.points, 0) ELSE 0 END
            FROM attempts a
            JOIN rounds r ON r.id = a.round_id
            JOIN channels c ON c.id = r.channel_id
            JOIN questions q ON q.id = r.question_id
            JOIN users u ON u.id = a.user_id
            LEFT JOIN participations p ON p.round_id = a.round_id AND p.user_id = a.user_id
            WHERE {where}
            ORDER BY a.at, a.round_id, a.user_id, a.attempt_no
            """,
            *params,
        )
        return [attempt_record(row) for row in rows]
