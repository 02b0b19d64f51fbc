"""Slack OAuth on PostgreSQL (migration 0011): the workspaces' installations and bots (JSON text
as the adapter wrote them) and the OAuth states in flight; the same results as
``bot/store/sqlite/installs.py``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.core.ports import InstallationKey
from bot.store.postgres.base import Connection, PgBase


def _utc(at: datetime) -> str:
    # One zone and one format, so that the text compares as the times do.
    return at.astimezone(UTC).isoformat()


def _where(key: InstallationKey) -> tuple[str, list[str]]:
    """The rows of ``key`` ($1...): an empty enterprise matches any (team ids are unique)."""
    if key.enterprise:
        return "app = $1 AND team = $2 AND enterprise = $3", [key.app, key.team, key.enterprise]
    return "app = $1 AND team = $2", [key.app, key.team]


def _with_user(key: InstallationKey, user: str | None) -> tuple[str, list[str]]:
    where, params = _where(key)
    if user is not None:
        where, params = where + f" AND user_ref = ${len(params) + 1}", [*params, user]
    return where, params


async def _save_bot(conn: Connection, key: InstallationKey, bot: dict[str, Any], at: str) -> None:
    await conn.execute(
        """
        INSERT INTO slack_bots (app, enterprise, team, installed_at, data)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (app, team, enterprise) DO UPDATE SET
            installed_at = excluded.installed_at, data = excluded.data
        """,
        key.app,
        key.enterprise,
        key.team,
        at,
        json.dumps(bot),
    )


def _loaded(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    data = json.loads(row[0])
    return data if isinstance(data, dict) else None


class InstallationQueries(PgBase):
    async def save_installation(
        self,
        key: InstallationKey,
        user: str,
        installation: dict[str, Any],
        bot: dict[str, Any] | None,
        at: datetime,
    ) -> None:
        data, when = json.dumps(installation), _utc(at)
        async with self._transaction() as conn:
            await conn.execute(
                """
                INSERT INTO slack_installations
                    (app, enterprise, team, user_ref, installed_at, data)
                VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (app, team, enterprise, user_ref) DO UPDATE SET
                    installed_at = excluded.installed_at, data = excluded.data
                """,
                key.app,
                key.enterprise,
                key.team,
                user,
                when,
                data,
            )
            if bot is not None:
                await _save_bot(conn, key, bot, when)

    async def save_bot(self, key: InstallationKey, bot: dict[str, Any], at: datetime) -> None:
        async with self._transaction() as conn:
            await _save_bot(conn, key, bot, _utc(at))

    async def find_installation(
        self, key: InstallationKey, user: str | None = None
    ) -> dict[str, Any] | None:
        where, params = _with_user(key, user)
        row = await self._row(
            f"SELECT data FROM slack_installations WHERE {where}"
            " ORDER BY installed_at DESC LIMIT 1",
            *params,
        )
        return _loaded(row)

    async def find_bot(self, key: InstallationKey) -> dict[str, Any] | None:
        where, params = _where(key)
        row = await self._row(
            f"SELECT data FROM slack_bots WHERE {where} ORDER BY installed_at DESC LIMIT 1",
            *params,
        )
        return _loaded(row)

    async def delete_bot(self, key: InstallationKey) -> None:
        where, params = _where(key)
        await self._execute(f"DELETE FROM slack_bots WHERE {where}", *params)

    async def delete_installations(self, key: InstallationKey, user: str | None = None) -> None:
        where, params = _with_user(key, user)
        await self._execute(f"DELETE FROM slack_installations WHERE {where}", *params)

    async def issue_oauth_state(self, state: str, expires_at: datetime, now: datetime) -> None:
        async with self._transaction() as conn:
            # Abandoned installs leave their states behind: each new one sweeps the expired.
            await conn.execute("DELETE FROM oauth_states WHERE expires_at <= $1", _utc(now))
            await conn.execute(
                "INSERT INTO oauth_states (state, expires_at) VALUES ($1, $2)",
                state,
                _utc(expires_at),
            )

    async def consume_oauth_state(self, state: str, now: datetime) -> bool:
        # One statement: of two requests with the same state, only one gets the row.
        row = await self._row(
            "DELETE FROM oauth_states WHERE state = $1 RETURNING expires_at", state
        )
        return row is not None and str(row[0]) > _utc(now)
