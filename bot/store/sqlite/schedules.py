"""Channel schedules."""

from __future__ import annotations

import sqlite3
from datetime import datetime, time, timedelta
from typing import Any

from bot.core.models import Difficulty
from bot.core.rounds import ChannelRef
from bot.core.schedule import PostClaim, Schedule
from bot.store.sqlite.base import StoreBase

_COLUMNS = (
    "platform, workspace, channel, post_time, timezone, days, difficulty, paused, "
    "next_post_at, disabled_reason, rotation, reveal_after_minutes, reveal_at, banks"
)


def _schedule(row: Any) -> Schedule:
    (platform, workspace, channel, post_time, timezone, days, difficulty, paused, next_post_at,
     disabled_reason, rotation, reveal_after, reveal_at, banks) = row  # fmt: skip
    hour, minute = (int(part) for part in post_time.split(":"))
    return Schedule(
        channel=ChannelRef(platform, workspace, channel),
        post_time=time(hour, minute),
        timezone=timezone,
        days=frozenset(int(day) for day in days.split(",") if day),
        difficulty=Difficulty(difficulty) if difficulty else None,
        paused=bool(paused),
        next_post_at=datetime.fromisoformat(next_post_at) if next_post_at else None,
        disabled_reason=disabled_reason,
        rotation=tuple(
            (int(day), Difficulty(level))
            for day, _, level in (part.partition(":") for part in (rotation or "").split(","))
            if level
        ),
        reveal_after=timedelta(minutes=reveal_after) if reveal_after is not None else None,
        reveal_at=time.fromisoformat(reveal_at) if reveal_at else None,
        banks=tuple(bank for bank in (banks or "").split(",") if bank),
    )


class ScheduleQueries(StoreBase):
    async def save_schedule(self, schedule: Schedule) -> None:
        channel = schedule.channel
        values = (
            channel.platform,
            channel.workspace,
            channel.channel,
            schedule.post_time.strftime("%H:%M"),
            schedule.timezone,
            ",".join(str(day) for day in sorted(schedule.days)),
            schedule.difficulty.value if schedule.difficulty else None,
            int(schedule.paused),
            schedule.next_post_at.isoformat() if schedule.next_post_at else None,
            schedule.disabled_reason,
            ",".join(f"{day}:{level.value}" for day, level in schedule.rotation) or None,
            int(schedule.reveal_after.total_seconds() // 60) if schedule.reveal_after else None,
            schedule.reveal_at.strftime("%H:%M") if schedule.reveal_at else None,
            ",".join(schedule.banks) or None,
        )
        await self.writer.run(
            lambda conn: conn.execute(
                f"INSERT OR REPLACE INTO schedules ({_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
        )

    async def schedule(self, channel: ChannelRef) -> Schedule | None:
        row = await self._row(
            f"SELECT {_COLUMNS} FROM schedules"
            " WHERE platform = ? AND workspace = ? AND channel = ?",
            (channel.platform, channel.workspace, channel.channel),
        )
        return _schedule(row) if row else None

    async def schedules(self, platform: str, workspace: str) -> list[Schedule]:
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM schedules WHERE platform = ? AND workspace = ?"
            " ORDER BY channel",
            (platform, workspace),
        )
        return [_schedule(row) for row in rows]

    async def remove_schedule(self, channel: ChannelRef) -> None:
        await self.writer.run(
            lambda conn: conn.execute(
                "DELETE FROM schedules WHERE platform = ? AND workspace = ? AND channel = ?",
                (channel.platform, channel.workspace, channel.channel),
            )
        )


_CLAIM = (
    "platform, workspace, channel, local_date, due_at, status, round_id, message_ref, "
    "reveal_at, revealed_at, detail"
)


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _claim(row: Any) -> PostClaim:
    (platform, workspace, channel, local_date, due_at, status, round_id, message_ref, reveal_at,
     revealed_at, detail) = row  # fmt: skip
    due = _when(due_at)
    assert due is not None
    return PostClaim(
        channel=ChannelRef(platform, workspace, channel),
        local_date=local_date,
        due_at=due,
        status=status,
        round_id=round_id,
        message_ref=message_ref,
        reveal_at=_when(reveal_at),
        revealed_at=_when(revealed_at),
        detail=detail,
    )


class SchedulerQueries(StoreBase):
    """The scheduler's durable state: due times and one claim per (channel, day)."""

    async def due_schedules(self, before: datetime) -> list[Schedule]:
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM schedules WHERE paused = 0 AND disabled_reason IS NULL"
            " AND next_post_at IS NOT NULL AND next_post_at <= ? ORDER BY next_post_at",
            (before.isoformat(),),
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
                f"SELECT {_CLAIM} FROM schedule_posts WHERE platform = ? AND workspace = ?"
                " AND channel = ? AND local_date = ?",
                key,
            ).fetchone()

        return _claim(await self.writer.run(claim))

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
            f"SELECT {_CLAIM} FROM schedule_posts WHERE status = 'posted'"
            " AND revealed_at IS NULL AND reveal_at <= ? ORDER BY reveal_at",
            (before.isoformat(),),
        )
        return [_claim(row) for row in rows]

    async def recent_posts(self, channel: ChannelRef, limit: int = 7) -> list[PostClaim]:
        rows = await self._rows(
            f"SELECT {_CLAIM} FROM schedule_posts WHERE platform = ? AND workspace = ?"
            " AND channel = ? ORDER BY local_date DESC LIMIT ?",
            (channel.platform, channel.workspace, channel.channel, limit),
        )
        return [_claim(row) for row in rows]

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
