"""Players' reports of questions on PostgreSQL (``ReportStore``, migration 0010), with the same
results as ``bot/store/sqlite/reports.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.reports import NewReport, StoredReport
from bot.store.postgres.base import PgBase
from bot.store.rows import REPORT as _REPORT
from bot.store.rows import report as _report


def _place(platform: str | None, workspace: str | None, first: int) -> tuple[str, list[Any]]:
    """Conditions on ``u`` (users), their placeholders numbered from ``first``."""
    where, params = "", list[Any]()
    for column, value in (("u.platform", platform), ("u.workspace", workspace)):
        if value is not None:
            where += f" AND {column} = ${first + len(params)}"
            params.append(value)
    return where, params


class ReportQueries(PgBase):
    async def add_report(self, report: NewReport) -> int | None:
        row = await self._row(
            """
            INSERT INTO question_reports
                (question_id, user_id, round_id, shown_order, kind, text, created_at)
            SELECT q.id, $1, $2, $3, $4, $5, $6 FROM questions q WHERE q.bank = $7 AND q.qid = $8
            ON CONFLICT (question_id, user_id) DO NOTHING
            RETURNING id
            """,
            report.user_id,
            report.round_id,
            report.shown_order,
            report.kind.value,
            report.text,
            report.at.isoformat(),
            report.question.bank,
            report.question.id,
        )
        return int(row[0]) if row else None

    async def open_reports(
        self, platform: str | None = None, workspace: str | None = None
    ) -> list[StoredReport]:
        where, params = _place(platform, workspace, 1)
        rows = await self._rows(
            _REPORT + " WHERE r.resolved_at IS NULL" + where + " ORDER BY r.id", *params
        )
        return [_report(row) for row in rows]

    async def resolve_report(
        self,
        report_id: int,
        at: datetime,
        by: str,
        platform: str | None = None,
        workspace: str | None = None,
    ) -> StoredReport | None:
        where, params = _place(platform, workspace, 4)
        changed = await self._row(
            f"""
            UPDATE question_reports SET resolved_at = $1, resolved_by = $2
            WHERE id = $3 AND resolved_at IS NULL AND user_id IN (
                SELECT u.id FROM users u WHERE 1 = 1 {where})
            RETURNING id
            """,
            at.isoformat(),
            by,
            report_id,
            *params,
        )
        if changed is None:
            return None
        row = await self._row(_REPORT + " WHERE r.id = $1", report_id)
        return _report(row) if row else None

    async def last_answered_round(self, user_id: int) -> int | None:
        row = await self._row(
            # participations, not attempts: it is indexed by person.
            "SELECT round_id FROM participations WHERE user_id = $1"
            " ORDER BY COALESCE(finished_at, first_at) DESC, round_id DESC LIMIT 1",
            user_id,
        )
        return int(row[0]) if row else None
