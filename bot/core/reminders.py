"""Opt-in review reminders: a private message on days with reviews due, at most once a day.

The scheduler drives them (``Scheduler.tick``). Each (person, local day) is claimed in the store
before the message is sent, and the message carries the claim's nonce, so a restart between
claiming and sending neither loses the day's reminder nor sends it twice. A person who does not
accept private messages is switched off with one log line, never retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from bot.core.context import QuizContext
from bot.core.outcomes import QuizError
from bot.core.review_cards import Reminder, day_end
from bot.core.rounds import UserRef
from bot.core.schedule import parse_time, parse_timezone

log = logging.getLogger(__name__)

DEFAULT_TIME = time(9, 0)
USAGE = "Usage: /quiz remind on [HH:MM] [zone] | /quiz remind off"


class DirectRefused(Exception):
    """The person does not take private messages from the bot (blocked, DMs closed, gone):
    trying again will not help."""


class RemindNotReady(Exception):
    """The platform is not connected yet: try again later, nothing is wrong."""


@runtime_checkable
class Messenger(Protocol):
    """A platform's way to a person's private messages (the scheduler's posters have one)."""

    async def send_reminder(self, user: UserRef, due: int, nonce: str) -> None:
        """Tell ``user`` that ``due`` reviews are due. A repeat with the same nonce must not
        send twice; DirectRefused when they take no private messages."""
        ...


def next_reminder(remind_at: time, zone: ZoneInfo, after: datetime) -> datetime:
    """The first moment after ``after`` that is ``remind_at`` in ``zone``, in UTC."""
    local = after.astimezone(zone)
    for offset in range(0, 3):
        day: date = local.date() + timedelta(days=offset)
        moment = datetime.combine(day, remind_at, tzinfo=zone).astimezone(UTC)
        if moment > after:
            return moment
    raise AssertionError("a time of day recurs within three days")  # pragma: no cover


def _able(messengers: Mapping[str, object]) -> list[str]:
    """The platforms running here that can send private messages."""
    return [name for name, found in messengers.items() if isinstance(found, Messenger)]


class Reminders:
    def __init__(self, context: QuizContext) -> None:
        self.context = context
        self.on_change: Callable[[], None] | None = None
        """Wakes the scheduler when someone turns reminders on."""

    def _default_zone(self) -> str:
        return str(getattr(self.context.tz, "key", "UTC"))

    async def set_from_args(self, user: UserRef, args: Sequence[str]) -> Reminder | None:
        """``on [HH:MM] [zone]`` or ``off``; the reminder as it now is (None: off)."""
        words = [arg for arg in args if arg]
        action = words[0].lower() if words else ""
        if action == "off" and len(words) == 1:
            await self.turn_off(user)
            return None
        if action != "on" or len(words) > 3:
            raise QuizError(USAGE)
        rest = words[1:]
        # The time is optional: "on Europe/Berlin" keeps 09:00 in that zone.
        at = parse_time(rest.pop(0)) if rest and rest[0][:1].isdigit() else DEFAULT_TIME
        zone = parse_timezone(rest.pop(0)) if rest else self._default_zone()
        if rest:
            raise QuizError(USAGE)
        return await self.turn_on(user, at, zone)

    async def turn_on(self, user: UserRef, at: time, zone: str) -> Reminder:
        ctx = self.context
        user_id = await ctx.user_id(user)
        first = next_reminder(at, ZoneInfo(zone), ctx.clock.now())
        await ctx.store.save_reminder(user_id, at, zone, first)
        if self.on_change is not None:
            self.on_change()
        return Reminder(user, user_id, at, zone, True, first)

    async def turn_off(self, user: UserRef) -> None:
        ctx = self.context
        await ctx.store.disable_reminder(await ctx.user_id(user), None)

    async def get(self, user: UserRef) -> Reminder | None:
        ctx = self.context
        return await ctx.store.reminder(await ctx.user_id(user))

    async def next_wakeup(self, messengers: Mapping[str, object]) -> datetime | None:
        return await self.context.store.next_reminder_at(_able(messengers))

    async def tick(self, messengers: Mapping[str, object]) -> bool:
        """Send the reminders due now; whether all went well (False: try again soon)."""
        ctx = self.context
        now = ctx.clock.now()
        fine = True
        for reminder in await ctx.store.due_reminders(now, _able(messengers)):
            messenger = messengers[reminder.user.platform]
            assert isinstance(messenger, Messenger)
            fine = await self._remind(reminder, messenger, now) and fine
        return fine

    async def _remind(self, reminder: Reminder, messenger: Messenger, now: datetime) -> bool:
        store = self.context.store
        assert reminder.next_at is not None
        zone = ZoneInfo(reminder.zone)
        local_date = reminder.next_at.astimezone(zone).date().isoformat()
        following = next_reminder(reminder.remind_at, zone, max(now, reminder.next_at))
        user_id = reminder.user_id
        claim = await store.claim_reminder(
            user_id, local_date, f"remind-{user_id}-{local_date}", now
        )
        if claim.status != "claimed":
            await store.advance_reminder(user_id, following)
            return True
        today = now.astimezone(zone).date()
        if today.isoformat() != local_date:
            # That day is over (quizbot was down): none for it; today's, if its time has come.
            await store.settle_reminder(user_id, local_date, "nothing")
            today_at = datetime.combine(today, reminder.remind_at, tzinfo=zone).astimezone(UTC)
            if reminder.next_at < today_at <= now:
                await store.advance_reminder(user_id, today_at)
                return await self._remind(replace(reminder, next_at=today_at), messenger, now)
            await store.advance_reminder(user_id, following)
            return True
        summary = await store.review_summary(user_id, now, day_end(now, zone))
        if not summary.due_today:
            await store.settle_reminder(user_id, local_date, "nothing")
            await store.advance_reminder(user_id, following)
            return True
        try:
            await messenger.send_reminder(reminder.user, summary.due_today, claim.nonce)
        except DirectRefused as exc:
            log.warning(
                "event=remind-off user=%s:%s:%s reason=%r",
                reminder.user.platform, reminder.user.workspace, reminder.user.user, str(exc),
            )  # fmt: skip
            await store.settle_reminder(user_id, local_date, "refused")
            await store.disable_reminder(user_id, f"private messages refused: {exc}")
            return True
        except RemindNotReady:
            return False
        except Exception:
            # The claim stays: the next tick sends it with the same nonce.
            log.exception("event=error user_id=%d day=%s step=remind", user_id, local_date)
            return False
        await store.settle_reminder(user_id, local_date, "sent")
        await store.advance_reminder(user_id, following)
        log.info("event=remind user_id=%d day=%s due=%d", user_id, local_date, summary.due_today)
        return True
