"""Channel schedules."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from bot.core.rounds import ChannelRef
from bot.core.schedule import PostClaim, Schedule
from bot.store.rows import CLAIM_COLUMNS, SCHEDULE_COLUMNS, schedule_values
from bot.store.rows import claim as claim_of
from bot.store.rows import schedule as schedule_of
from bot.store.rows import when as _when
from bot.store.sqlite.base import StoreBase


class ScheduleQueries(StoreBase):
    async def save_schedule(self, schedule: Schedule) -> None:
        values = schedule_values(schedule)
        await self.writer.run(
            lambda conn: conn.execute(
                f"INSERT OR REPLACE INTO schedules ({SCHEDULE_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
        )

    async def schedule(self, channel: ChannelRef) -> Schedule | None:
        row = await self._row(
            f"SELECT {SCHEDULE_COLUMNS} FROM schedules"
            " WHERE platform = ? AND workspace = ? AND channel = ?",
            (channel.platform, channel.workspace, channel.channel),
        )
        return schedule_of(row) if row else None

    async def schedules(self, platform: str, workspace: str) -> list[Schedule]:
        rows = await self._rows(
            f"SELECT {SCHEDULE_COLUMNS} FROM schedules WHERE platform = ? AND workspace = ?"
            " ORDER BY channel",
            (platform, workspace),
        )
        return [schedule_of(row) for row in rows]

    async def remove_schedule(self, channel: ChannelRef) -> None:
        await self.writer.run(
            lambda conn: conn.execute(
                "DELETE FROM schedules WHERE platform = ? AND workspace = ? AND channel = ?",
                (channel.platform, channel.workspace, channel.channel),
            )
        )


class SchedulerQueries(StoreBase):
    """The scheduler's durable state: due times and one claim per (channel, day)."""

    async def due_schedules(self, before: datetime) -> list[Schedule]:
        rows = await self._rows(
            f"SELECT {SCHEDULE_COLUMNS} FROM schedules WHERE paused = 0 AND disabled_reason IS NULL"
            " AND next_post_at IS NOT NULL AND next_post_at <= ? ORDER BY next_post_at",
            (before.isoformat(),),
        )
        return [schedule_of(row) for row in rows]

    async def next_wakeup(self) -> datetime | None:
        row = await self._row(
            """
            SELECT MIN(at) FROM (
                SELECT MIN(next_post_at) AS at FROM schedules
                WHERE paused = 0 AND disabled_reason IS NULL
                UNION ALL
                SELECT MIN(reveal_at) FROM schedule_posts
                WHERE status = 'posted' AND revealed_at IS NULL
            )
            """
        )
        return _when(row[0]) if row else None

    async def claim_post(self, channel: ChannelRef, local_date: str, due_at: datetime) -> PostClaim:
        key = (channel.platform, channel.workspace, channel.channel, local_date)

        def claim(conn: sqlite3.Connection) -> Any:
            conn.execute(
                "INSERT INTO schedule_posts (platform, workspace, channel, local_date, due_at,"
                " status) VALUES (?, ?, ?, ?, ?, 'claimed') ON CONFLICT DO NOTHING",
                (*key, due_at.isoformat()),
            )
            return conn.execute(
                f"SELECT {CLAIM_COLUMNS} FROM schedule_posts WHERE platform = ? AND workspace = ?"
                " AND channel = ? AND local_date = ?",
                key,
            ).fetchone()

        return claim_of(await self.writer.run(claim))

    async def update_claim(self, claim: PostClaim) -> None:
        channel = claim.channel
        values = (
            claim.status,
            claim.round_id,
            claim.message_ref,
            claim.reveal_at.isoformat() if claim.reveal_at else None,
            claim.revealed_at.isoformat() if claim.revealed_at else None,
            claim.detail,
            channel.platform,
            channel.workspace,
            channel.channel,
            claim.local_date,
        )
        await self.writer.run(
            lambda conn: conn.execute(
                "UPDATE schedule_posts SET status = ?, round_id = ?, message_ref = ?,"
                " reveal_at = ?, revealed_at = ?, detail = ? WHERE platform = ?"
                " AND workspace = ? AND channel = ? AND local_date = ?",
                values,
            )
        )

    async def due_reveals(self, before: datetime) -> list[PostClaim]:
        rows = await self._rows(
            f"SELECT {CLAIM_COLUMNS} FROM schedule_posts WHERE status = 'posted'"
            " AND revealed_at IS NULL AND reveal_at <= ? ORDER BY reveal_at",
            (before.isoformat(),),
        )
        return [claim_of(row) for row in rows]

    async def recent_posts(self, channel: ChannelRef, limit: int = 7) -> list[PostClaim]:
        rows = await self._rows(
            f"SELECT {CLAIM_COLUMNS} FROM schedule_posts WHERE platform = ? AND workspace = ?"
            " AND channel = ? ORDER BY local_date DESC LIMIT ?",
            (channel.platform, channel.workspace, channel.channel, limit),
        )
        return [claim_of(row) for row in rows]

    async def advance_schedule(self, channel: ChannelRef, next_post_at: datetime) -> None:
        await self._set(channel, "next_post_at = ?", next_post_at.isoformat())

    async def disable_schedule(self, channel: ChannelRef, reason: str) -> None:
        await self._set(channel, "disabled_reason = ?", reason)

    async def _set(self, channel: ChannelRef, assignment: str, value: object) -> None:
        await self.writer.run(
            lambda conn: conn.execute(
                f"UPDATE schedules SET {assignment}"
                " WHERE platform = ? AND workspace = ? AND channel = ?",
                (value, channel.platform, channel.workspace, channel.channel),
            )
        )
