"""Slack OAuth on SQLite: the workspaces' installations and bots (JSON as the adapter wrote
them) and the OAuth states in flight (migration 0011)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from bot.core.ports import InstallationKey
from bot.store.sqlite.base import StoreBase


def _utc(at: datetime) -> str:
    # One zone and one format, so that the text compares as the times do.
    return at.astimezone(UTC).isoformat()


def _where(key: InstallationKey) -> tuple[str, list[str]]:
    """The rows of ``key``: an empty enterprise matches any (team ids are unique)."""
    if key.enterprise:
        return "app = ? AND team = ? AND enterprise = ?", [key.app, key.team, key.enterprise]
    return "app = ? AND team = ?", [key.app, key.team]


def _save_bot(conn: sqlite3.Connection, key: InstallationKey, bot: dict[str, Any], at: str) -> None:
    conn.execute(
        """
        INSERT INTO slack_bots (app, enterprise, team, installed_at, data) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET installed_at = excluded.installed_at, data = excluded.data
        """,
        (key.app, key.enterprise, key.team, at, json.dumps(bot)),
    )


class InstallationQueries(StoreBase):
    async def save_installation(
        self,
        key: InstallationKey,
        user: str,
        installation: dict[str, Any],
        bot: dict[str, Any] | None,
        at: datetime,
    ) -> None:
        data, when = json.dumps(installation), _utc(at)

        def save(conn: sqlite3.Connection) -> None:
            conn.execute(
                """
                INSERT INTO slack_installations
                    (app, enterprise, team, user_ref, installed_at, data)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET installed_at = excluded.installed_at,
                                          data = excluded.data
                """,
                (key.app, key.enterprise, key.team, user, when, data),
            )
            if bot is not None:
                _save_bot(conn, key, bot, when)

        await self.writer.run(save)

    async def save_bot(self, key: InstallationKey, bot: dict[str, Any], at: datetime) -> None:
        when = _utc(at)
        await self.writer.run(lambda conn: _save_bot(conn, key, bot, when))

    async def find_installation(
        self, key: InstallationKey, user: str | None = None
    ) -> dict[str, Any] | None:
        where, params = _where(key)
        if user is not None:
            where, params = where + " AND user_ref = ?", [*params, user]
        row = await self._row(
            f"SELECT data FROM slack_installations WHERE {where}"
            " ORDER BY installed_at DESC LIMIT 1",
            params,
        )
        return _loaded(row)

    async def find_bot(self, key: InstallationKey) -> dict[str, Any] | None:
        where, params = _where(key)
        row = await self._row(
            f"SELECT data FROM slack_bots WHERE {where} ORDER BY installed_at DESC LIMIT 1", params
        )
        return _loaded(row)

    async def delete_bot(self, key: InstallationKey) -> None:
        where, params = _where(key)
        await self.writer.run(
            lambda conn: conn.execute(f"DELETE FROM slack_bots WHERE {where}", params)
        )

    async def delete_installations(self, key: InstallationKey, user: str | None = None) -> None:
        where, params = _where(key)
        if user is not None:
            where, params = where + " AND user_ref = ?", [*params, user]
        await self.writer.run(
            lambda conn: conn.execute(f"DELETE FROM slack_installations WHERE {where}", params)
        )

    async def issue_oauth_state(self, state: str, expires_at: datetime, now: datetime) -> None:
        def issue(conn: sqlite3.Connection) -> None:
            # Abandoned installs leave their states behind: each new one sweeps the expired.
            conn.execute("DELETE FROM oauth_states WHERE expires_at <= ?", (_utc(now),))
            conn.execute("INSERT INTO oauth_states VALUES (?, ?)", (state, _utc(expires_at)))

        await self.writer.run(issue)

    async def consume_oauth_state(self, state: str, now: datetime) -> bool:
        def consume(conn: sqlite3.Connection) -> bool:
            # One statement: of two requests with the same state, only one gets the row.
            row = conn.execute(
                "DELETE FROM oauth_states WHERE state = ? RETURNING expires_at", (state,)
            ).fetchone()
            return row is not None and str(row[0]) > _utc(now)

        return await self.writer.run(consume)


def _loaded(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    data = json.loads(row[0])
    return data if isinstance(data, dict) else None
