"""Spaced review and reminders in words, shared by every channel (no platform markup)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from bot.core.review import NothingDue, ReviewQuestion
from bot.core.review_cards import Reminder, ReviewSummary

REMIND_USAGE = "Usage: /quiz remind on [HH:MM] [zone] | /quiz remind off"


def when(moment: datetime, zone: tzinfo = UTC) -> str:
    local = moment.astimezone(zone)
    name = getattr(zone, "key", None) or local.tzname() or "UTC"
    return f"{local:%a %Y-%m-%d %H:%M} {name}"


def review_stats_line(summary: ReviewSummary | None, zone: tzinfo = UTC) -> str | None:
    """The stats' review line; None for someone with no cards yet."""
    if summary is None or not summary.cards:
        return None
    retention = "—" if summary.retention is None else f"{round(100 * summary.retention)}%"
    line = (
        f"Review: {summary.due_today} due today · {summary.learned} learned of "
        f"{summary.cards} · retention {retention}"
    )
    if not summary.due_today and summary.next_due is not None:
        line += f" · next {when(summary.next_due, zone)}"
    return line


def nothing_due_text(result: NothingDue, zone: tzinfo = UTC) -> str:
    if result.next_due is None:
        return (
            "Nothing to review yet: questions you answer (daily, practice or tests) come back "
            "here when they are due."
        )
    return f"Nothing to review right now. Your next review is due {when(result.next_due, zone)}."


def review_heading(result: ReviewQuestion) -> str:
    more = result.due - 1
    return "🔁 Review" + (f" · {more} more due" if more > 0 else " · the last one due")


def reminder_text(reminder: Reminder | None) -> str:
    if reminder is None or not reminder.enabled:
        return "Review reminders are off."
    return (
        f"Review reminders are on: a private message at {reminder.remind_at:%H:%M} "
        f"{reminder.zone} on days with reviews due."
    )


def reminder_message(due: int) -> str:
    noun = "review is" if due == 1 else "reviews are"
    return (
        f"🔁 {due} {noun} due today. Run /quiz review to go through them "
        "(/quiz remind off stops these messages)."
    )
