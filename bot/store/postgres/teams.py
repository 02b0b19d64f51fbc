"""Teams and per-workspace bank switches on PostgreSQL (see bot/store/sqlite/teams.py)."""

from __future__ import annotations

from typing import Any

import asyncpg

from bot.core.ports import Team
from bot.store.postgres.base import PgBase


class TeamQueries(PgBase):
    async def _team(self, where: str, *params: Any) -> Team | None:
        row = await self._row(f"SELECT t.id, t.name FROM teams t {where}", *params)
        return Team(row[0], row[1]) if row else None

    async def find_team(self, platform: str, workspace: str, name: str) -> Team | None:
        return await self._team(
            "WHERE t.platform = $1 AND t.workspace = $2 AND t.name_key = $3",
            platform,
            workspace,
            name.casefold(),
        )

    async def team_of(self, user_id: int) -> Team | None:
        return await self._team(
            "JOIN team_members m ON m.team_id = t.id WHERE m.user_id = $1", user_id
        )

    async def create_team(self, platform: str, workspace: str, name: str) -> Team | None:
        team_id = await self._row(
            """
            INSERT INTO teams (platform, workspace, name, name_key) VALUES ($1, $2, $3, $4)
            ON CONFLICT DO NOTHING RETURNING id
            """,
            platform,
            workspace,
            name,
            name.casefold(),
        )
        return Team(team_id[0], name) if team_id is not None else None

    async def rename_team(self, team_id: int, name: str) -> bool:
        try:
            await self._execute(
                "UPDATE teams SET name = $1, name_key = $2 WHERE id = $3",
                name,
                name.casefold(),
                team_id,
            )
        except asyncpg.UniqueViolationError:
            return False
        return True

    async def delete_team(self, team_id: int) -> None:
        await self._execute("DELETE FROM teams WHERE id = $1", team_id)

    async def set_team(self, user_id: int, team_id: int | None) -> None:
        async with self._transaction() as conn:
            await conn.execute("DELETE FROM team_members WHERE user_id = $1", user_id)
            if team_id is not None:
                await conn.execute("INSERT INTO team_members VALUES ($1, $2)", user_id, team_id)

    async def teams(self, platform: str, workspace: str) -> list[Team]:
        rows = await self._rows(
            """
            SELECT t.id, t.name,
                   array_remove(array_agg(CASE WHEN u.name = '' THEN u.user_ref ELSE u.name END),
                                NULL)
            FROM teams t
            LEFT JOIN team_members m ON m.team_id = t.id LEFT JOIN users u ON u.id = m.user_id
            WHERE t.platform = $1 AND t.workspace = $2
            GROUP BY t.id ORDER BY t.name_key
            """,
            platform,
            workspace,
        )
        return [Team(team_id, name, tuple(sorted(members))) for team_id, name, members in rows]

    # --- banks per workspace ------------------------------------------------------------------

    async def disabled_banks(self, platform: str, workspace: str) -> set[str]:
        rows = await self._rows(
            "SELECT bank FROM bank_settings WHERE platform = $1 AND workspace = $2 AND enabled = 0",
            platform,
            workspace,
        )
        return {bank for (bank,) in rows}

    async def set_bank_enabled(
        self, platform: str, workspace: str, bank: str, enabled: bool
    ) -> None:
        await self._execute(
            """
            INSERT INTO bank_settings VALUES ($1, $2, $3, $4)
            ON CONFLICT (platform, workspace, bank) DO UPDATE SET enabled = excluded.enabled
            """,
            platform,
            workspace,
            bank,
            int(enabled),
        )
