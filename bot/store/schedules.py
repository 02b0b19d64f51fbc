"""Channel schedules."""

from __future__ import annotations

from datetime import time
from typing import Any

from bot.core.models import Difficulty
from bot.core.rounds import ChannelRef
from bot.core.schedule import Schedule
from bot.store.base import StoreBase

_COLUMNS = "platform, workspace, channel, post_time, timezone, days, difficulty, paused"


def _schedule(row: Any) -> Schedule:
    platform, workspace, channel, post_time, timezone, days, difficulty, paused = row
    hour, minute = (int(part) for part in post_time.split(":"))
    return Schedule(
        channel=ChannelRef(platform, workspace, channel),
        post_time=time(hour, minute),
        timezone=timezone,
        days=frozenset(int(day) for day in days.split(",") if day),
        difficulty=Difficulty(difficulty) if difficulty else None,
        paused=bool(paused),
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
        )
        await self.writer.run(
            lambda conn: conn.execute(
                f"INSERT OR REPLACE INTO schedules ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
