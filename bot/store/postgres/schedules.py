"""Channel schedules and the scheduler's claims on PostgreSQL (rows are read and
written by the same functions as on SQLite: ``bot/store/rows.py``)."""

from __future__ import annotations

from datetime import datetime

from bot.core.rounds import ChannelRef
from bot.core.schedule import PostClaim, Schedule
from bot.store.postgres.base import PgBase
from bot.store.rows import CLAIM_COLUMNS as _CLAIM
from bot.store.rows import SCHEDULE_COLUMNS as _COLUMNS
from bot.store.rows import claim as _claim
from bot.store.rows import schedule as _schedule
from bot.store.rows import schedule_values
from bot.store.rows import when as _when

_UPSERT = f"""
INSERT INTO schedules ({_COLUMNS})
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (platform, workspace, channel) DO UPDATE SET
    post_time = excluded.post_time, timezone = excluded.timezone, days = excluded.days,
    difficulty = excluded.difficulty, paused = excluded.paused,
    next_post_at = excluded.next_post_at, disabled_reason = excluded.disabled_reason,
    rotation = excluded.rotation, reveal_after_minutes = excluded.reveal_after_minutes,
    reveal_at = excluded.reveal_at, banks = excluded.banks
"""

_CHANNEL = "platform = $1 AND workspace = $2 AND channel = $3"


class ScheduleQueries(PgBase):
    async def save_schedule(self, schedule: Schedule) -> None:
        await self._execute(_UPSERT, *schedule_values(schedule))

    async def schedule(self, channel: ChannelRef) -> Schedule | None:
        row = await self._row(
            f"SELECT {_COLUMNS} FROM schedules WHERE {_CHANNEL}",
            channel.platform,
            channel.workspace,
            channel.channel,
        )
        return _schedule(row) if row else None

    async def schedules(self, platform: str, workspace: str) -> list[Schedule]:
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM schedules WHERE platform = $1 AND workspace = $2"
            " ORDER BY channel",
            platform,
            workspace,
        )
        return [_schedule(row) for row in rows]

    async def remove_schedule(self, channel: ChannelRef) -> None:
        await self._execute(
            f"DELETE FROM schedules WHERE {_CHANNEL}",
            channel.platform,
            channel.workspace,
            channel.channel,
        )


class SchedulerQueries(PgBase):
    """The scheduler's durable state: due times and one claim per (channel, day), the claim
    being the primary key of schedule_posts, so two processes never both post a day."""

    async def due_schedules(self, before: datetime) -> list[Schedule]:
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM schedules WHERE paused = 0 AND disabled_reason IS NULL"
            " AND next_post_at IS NOT NULL AND next_post_at <= $1 ORDER BY next_post_at",
            before.isoformat(),
        )
        return [_schedule(row) for row in rows]

    async def next_wakeup(self) -> datetime | None:
        row = await self._row(
            """
            SELECT MIN(at) FROM (
                SELECT MIN(next_post_at) AS at FROM schedules
                WHERE paused = 0 AND disabled_reason IS NULL
                UNION ALL
                SELECT MIN(reveal_at) FROM schedule_posts
                WHERE status = 'posted' AND revealed_at IS NULL
            ) AS due
            """
        )
        return _when(row[0]) if row else None

    async def claim_post(self, channel: ChannelRef, local_date: str, due_at: datetime) -> PostClaim:
        key = (channel.platform, channel.workspace, channel.channel, local_date)
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO schedule_posts (platform, workspace, channel, local_date, due_at,"
                " status) VALUES ($1, $2, $3, $4, $5, 'claimed') ON CONFLICT DO NOTHING",
                *key,
                due_at.isoformat(),
            )
            row = await conn.fetchrow(
                f"SELECT {_CLAIM} FROM schedule_posts WHERE {_CHANNEL} AND local_date = $4", *key
            )
        return _claim(row)

    async def update_claim(self, claim: PostClaim) -> None:
        channel = claim.channel
        await self._execute(
            "UPDATE schedule_posts SET status = $1, round_id = $2, message_ref = $3,"
            " reveal_at = $4, revealed_at = $5, detail = $6 WHERE platform = $7"
            " AND workspace = $8 AND channel = $9 AND local_date = $10",
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

    async def due_reveals(self, before: datetime) -> list[PostClaim]:
        rows = await self._rows(
            f"SELECT {_CLAIM} FROM schedule_posts WHERE status = 'posted'"
            " AND revealed_at IS NULL AND reveal_at <= $1 ORDER BY reveal_at",
            before.isoformat(),
        )
        return [_claim(row) for row in rows]

    async def recent_posts(self, channel: ChannelRef, limit: int = 7) -> list[PostClaim]:
        rows = await self._rows(
            f"SELECT {_CLAIM} FROM schedule_posts WHERE {_CHANNEL}"
            " ORDER BY local_date DESC LIMIT $4",
            channel.platform,
            channel.workspace,
            channel.channel,
            limit,
        )
        return [_claim(row) for row in rows]

    async def advance_schedule(self, channel: ChannelRef, next_post_at: datetime) -> None:
        await self._set(channel, "next_post_at", next_post_at.isoformat())

    async def disable_schedule(self, channel: ChannelRef, reason: str) -> None:
        await self._set(channel, "disabled_reason", reason)

    async def _set(self, channel: ChannelRef, column: str, value: str) -> None:
        await self._execute(
            f"UPDATE schedules SET {column} = $4 WHERE {_CHANNEL}",
            channel.platform,
            channel.workspace,
            channel.channel,
            value,
        )
