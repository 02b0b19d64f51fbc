"""Leaderboard periods and the keys that aggregate points into them."""

from __future__ import annotations

from datetime import datetime, tzinfo
from enum import StrEnum


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"

    @classmethod
    def parse(cls, text: str | None) -> Period:
        if not text:
            return cls.WEEK
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"unknown period '{text}': use week, month or all") from None


def period_key(period: Period, at: datetime, tz: tzinfo) -> int:
    """The bucket ``at`` falls in, as a number: 0 for all time, ``YYYYMM`` for a month and
    ``-YYYYWW`` for an ISO week (Monday first), in the board's time zone."""
    local = at.astimezone(tz)
    if period is Period.WEEK:
        year, week, _ = local.isocalendar()
        return -(year * 100 + week)
    if period is Period.MONTH:
        return local.year * 100 + local.month
    return 0


def period_label(key: int) -> str:
    """``2026-W48``, ``2026-11`` or ``all time``."""
    if key == 0:
        return "all time"
    if key < 0:
        return f"{-key // 100}-W{-key % 100:02d}"
    return f"{key // 100}-{key % 100:02d}"


def period_keys(at: datetime, tz: tzinfo) -> tuple[int, int, int]:
    """(week, month, all) keys for a moment."""
    return (
        period_key(Period.WEEK, at, tz),
        period_key(Period.MONTH, at, tz),
        0,
    )
