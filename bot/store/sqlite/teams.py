"""Teams and per-workspace bank switches."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from bot.core.ports import Team
from bot.store.sqlite.base import StoreBase


class TeamQueries(StoreBase):
    async def _team(self, where: str, params: Sequence[Any]) -> Team | None:
        row = await self._row(f"SELECT t.id, t.name FROM teams t {where}", params)
        return Team(row[0], row[1]) if row else None

    async def find_team(self, platform: str, workspace: str, name: str) -> Team | None:
        return await self._team(
            "WHERE t.platform = ? AND t.workspace = ? AND t.name_key = ?",
            (platform, workspace, name.casefold()),
        )

    async def team_of(self, user_id: int) -> Team | None:
        return await self._team(
            "JOIN team_members m ON m.team_id = t.id WHERE m.user_id = ?", (user_id,)
        )

    async def create_team(self, platform: str, workspace: str, name: str) -> Team | None:
        def create(conn: sqlite3.Connection) -> int | None:
            row = conn.execute(
                """
                INSERT INTO teams (platform, workspace, name, name_key) VALUES (?, ?, ?, ?)
                ON CONFLICT DO NOTHING RETURNING id
                """,
                (platform, workspace, name, name.casefold()),
            ).fetchone()
            return int(row[0]) if row else None

        team_id = await self.writer.run(create)
        return Team(team_id, name) if team_id is not None else None

    async def rename_team(self, team_id: int, name: str) -> bool:
        def rename(conn: sqlite3.Connection) -> bool:
            try:
                conn.execute(
                    "UPDATE teams SET name = ?, name_key = ? WHERE id = ?",
                    (name, name.casefold(), team_id),
                )
            except sqlite3.IntegrityError:
                return False
            return True

        return await self.writer.run(rename)

    async def delete_team(self, team_id: int) -> None:
        await self.writer.run(
            lambda conn: conn.execute("DELETE FROM teams WHERE id = ?", (team_id,))
        )

    async def set_team(self, user_id: int, team_id: int | None) -> None:
        def assign(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM team_members WHERE user_id = ?", (user_id,))
            if team_id is not None:
                conn.execute("INSERT INTO team_members VALUES (?, ?)", (user_id, team_id))

        await self.writer.run(assign)

    async def teams(self, platform: str, workspace: str) -> list[Team]:
        rows = await self._rows(
            """
            SELECT t.id, t.name,
                   GROUP_CONCAT(CASE WHEN u.name = '' THEN u.user_ref ELSE u.name END, char(31))
            FROM teams t
            LEFT JOIN team_members m ON m.team_id = t.id LEFT JOIN users u ON u.id = m.user_id
            WHERE t.platform = ? AND t.workspace = ?
            GROUP BY t.id ORDER BY t.name_key
            """,
            (platform, workspace),
        )
        return [
            Team(team_id, name, tuple(sorted(members.split("\x1f"))) if members else ())
            for team_id, name, members in rows
        ]

    # --- banks per workspace ------------------------------------------------------------------

    async def disabled_banks(self, platform: str, workspace: str) -> set[str]:
        rows = await self._rows(
            "SELECT bank FROM bank_settings WHERE platform = ? AND workspace = ? AND enabled = 0",
            (platform, workspace),
        )
        return {bank for (bank,) in rows}

    async def set_bank_enabled(
        self, platform: str, workspace: str, bank: str, enabled: bool
    ) -> None:
        await self.writer.run(
            lambda conn: conn.execute(
                """
                INSERT INTO bank_settings VALUES (?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET enabled = excluded.enabled
                """,
                (platform, workspace, bank, int(enabled)),
            )
        )
