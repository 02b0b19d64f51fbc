"""Players' reports of questions (``ReportStore``)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from bot.core.reports import NewReport, StoredReport
from bot.store.rows import REPORT as _REPORT
from bot.store.rows import report as _report
from bot.store.sqlite.base import StoreBase


def _place(platform: str | None, workspace: str | None) -> tuple[str, list[Any]]:
    where, params = "", []
    if platform is not None:
        where += " AND u.platform = ?"
        params.append(platform)
    if workspace is not None:
        where += " AND u.workspace = ?"
        params.append(workspace)
    return where, params


class ReportQueries(StoreBase):
    async def add_report(self, report: NewReport) -> int | None:
        def add(conn: sqlite3.Connection) -> int | None:
            row = conn.execute(
                """
                INSERT INTO question_reports
                    (question_id, user_id, round_id, shown_order, kind, text, created_at)
                SELECT q.id, ?, ?, ?, ?, ?, ? FROM questions q WHERE q.bank = ? AND q.qid = ?
                ON CONFLICT (question_id, user_id) DO NOTHING
                RETURNING id
                """,
                (
                    report.user_id,
                    report.round_id,
                    report.shown_order,
                    report.kind.value,
                    report.text,
                    report.at.isoformat(),
                    report.question.bank,
                    report.question.id,
                ),
            ).fetchone()
            return int(row[0]) if row else None

        return await self.writer.run(add)

    async def open_reports(
        self, platform: str | None = None, workspace: str | None = None
    ) -> list[StoredReport]:
        where, params = _place(platform, workspace)
        rows = await self._rows(
            _REPORT + " WHERE r.resolved_at IS NULL" + where + " ORDER BY r.id", params
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
        where, params = _place(platform, workspace)

        def resolve(conn: sqlite3.Connection) -> bool:
            changed = conn.execute(
                f"""
                UPDATE question_reports SET resolved_at = ?, resolved_by = ?
                WHERE id = ? AND resolved_at IS NULL AND user_id IN (
                    SELECT u.id FROM users u WHERE 1 = 1 {where})
                """,
                (at.isoformat(), by, report_id, *params),
            ).rowcount
            return changed > 0

        if not await self.writer.run(resolve):
            return None
        row = await self._row(_REPORT + " WHERE r.id = ?", (report_id,))
        return _report(row) if row else None

    async def last_answered_round(self, user_id: int) -> int | None:
        row = await self._row(
            # participations, not attempts: it is indexed by person.
            "SELECT round_id FROM participations WHERE user_id = ?"
            " ORDER BY COALESCE(finished_at, first_at) DESC, round_id DESC LIMIT 1",
            (user_id,),
        )
        return int(row[0]) if row else None
