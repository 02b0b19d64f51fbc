"""The daily runner: posts and reveals on time, exactly once per channel and day.

Every post, reveal, skip and error is one log line of key=value pairs (event, channel, day,
round), so that a day's activity can be grepped or shipped to a log store as it is.

Rules live here; the store keeps the durable state (each schedule's next post time, and one
claim per (channel, day) made before posting), and posters put rounds on a platform. After a
restart, a post due less than the grace window ago is posted now; an older one is skipped with
a log line and an entry admins see.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Collection
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock
from bot.core.outcomes import Posted, QuizError, Reveal
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef
from bot.core.schedule import PostClaim, Schedule

log = logging.getLogger(__name__)

GRACE = timedelta(hours=2)
REVEAL_AT_MOST_AFTER = timedelta(hours=23)
REVEAL_BEFORE_NEXT = timedelta(minutes=1)
RETRY_AFTER = timedelta(seconds=30)
MAX_SLEEP = timedelta(hours=1)
# How long the runner sleeps at most before reading the store's next wake-up again: another
# process on the database (the one that served an admin's schedule command, or someone's
# reminder setting) cannot wake this one, so what it writes is found within this time.
RECHECK = timedelta(seconds=5)
FAN_OUT = 32


class ChannelUnavailable(Exception):
    """The platform refuses the channel for good (deleted, no access, app removed)."""


class NotReady(Exception):
    """The platform is not connected yet: try again later, nothing is wrong."""


class Poster(Protocol):
    async def post(self, posted: Posted, nonce: str) -> str:
        """Put the round in its channel; the message reference. A repeat with the same nonce
        must not post twice."""
        ...

    async def reveal(self, reveal: Reveal) -> None: ...


class SchedulerStore(Protocol):
    async def due_schedules(self, before: datetime) -> list[Schedule]: ...
    async def next_wakeup(self) -> datetime | None: ...
    async def claim_post(
        self, channel: ChannelRef, local_date: str, due_at: datetime
    ) -> PostClaim: ...
    async def update_claim(self, claim: PostClaim) -> None: ...
    async def due_reveals(self, before: datetime) -> list[PostClaim]: ...
    async def unrevealed_rounds(
        self, platforms: Collection[str], closed_before: datetime
    ) -> list[tuple[int, ChannelRef]]:
        """Daily rounds of these platforms closed before ``closed_before`` whose reveal was
        never posted (it failed, or quizbot stopped between closing and posting), oldest
        first."""
        ...

    async def advance_schedule(self, channel: ChannelRef, next_post_at: datetime) -> None: ...
    async def disable_schedule(self, channel: ChannelRef, reason: str) -> None: ...
    async def set_message_ref(self, round_id: int, ref: str) -> None: ...


def reveal_time(schedule: Schedule, posted_at: datetime) -> datetime:
    """The schedule's reveal policy: a delay after posting, a wall time after posting, or by
    default one minute before the next post when that is the next day and 23 hours after this
    one when the next post is further away (over a weekend)."""
    if schedule.reveal_after is not None:
        return posted_at + schedule.reveal_after
    if schedule.reveal_at is not None:
        local = posted_at.astimezone(schedule.zone)
        for offset in range(0, 2):
            moment = datetime.combine(
                local.date() + timedelta(days=offset), schedule.reveal_at, tzinfo=schedule.zone
            )
            if moment > posted_at:
                return moment
    following = schedule.next_post(posted_at)
    if following - posted_at <= timedelta(hours=24):
        return following - REVEAL_BEFORE_NEXT
    return posted_at + REVEAL_AT_MOST_AFTER


class Scheduler:
    def __init__(
        self,
        quiz: Quiz,
        store: SchedulerStore,
        posters: dict[str, Poster],
        clock: Clock,
        *,
        grace: timedelta = GRACE,
    ) -> None:
        self.quiz = quiz
        self.store = store
        self.posters = posters
        self.clock = clock
        self.grace = grace
        self._changed = asyncio.Event()
        quiz.schedules.on_change = self._changed.set
        quiz.review.reminders.on_change = self._changed.set

    async def tick(self) -> bool:
        """Do everything due now; whether anything failed and should be tried again later.

        Channels are handled side by side, at most FAN_OUT at a time per platform: a slow or
        failing channel never holds up the others, and the platform clients pace the requests
        (discord.py keeps to Discord's limits and waits out 429s; the Slack client retries
        after Retry-After)."""
        now = self.clock.now()
        gates: dict[str, asyncio.Semaphore] = {}

        async def gated(platform: str, work: Awaitable[bool]) -> bool:
            gate = gates.setdefault(platform, asyncio.Semaphore(FAN_OUT))
            async with gate:
                return await work

        posts = [
            gated(schedule.channel.platform, self._post(schedule, now))
            for schedule in await self.store.due_schedules(now)
        ]
        outcomes = list(await asyncio.gather(*posts))
        due = await self.store.due_reveals(now)
        reveals = [gated(claim.channel.platform, self._reveal(claim)) for claim in due]
        outcomes += await asyncio.gather(*reveals)
        # Reveals that failed after their round was closed (by an earlier tick, or by an
        # admin's post or reveal): posted now, late rather than never. Those tried a moment
        # ago (closed in this tick, or due above) wait for the next tick.
        tried = {claim.round_id for claim in due}
        unrevealed = await self.store.unrevealed_rounds(list(self.posters), closed_before=now)
        late = [
            gated(channel.platform, self._reveal_round(round_id, channel))
            for round_id, channel in unrevealed
            if round_id not in tried
        ]
        outcomes += await asyncio.gather(*late)
        # Review reminders: private messages through the posters that can send them.
        outcomes.append(await self.quiz.review.reminders.tick(self.posters))
        return not all(outcomes)

    async def run(self) -> None:
        """Sleep until the earliest due post or reveal; wake early when a schedule changes here,
        and look again every RECHECK for what other processes changed."""
        while True:
            # Cleared before the work, not after: a change landing while the runner ticks or
            # reads its next wake-up must wake the sleep below, not be cleared with it.
            self._changed.clear()
            failed = await self.tick()
            now = self.clock.now()
            wake = await self.store.next_wakeup()
            reminder = await self.quiz.review.reminders.next_wakeup(self.posters)
            if reminder is not None and (wake is None or reminder < wake):
                wake = reminder
            delay = MAX_SLEEP if wake is None else max(wake - now, timedelta(0))
            if failed:
                delay = max(min(delay, MAX_SLEEP), RETRY_AFTER)
            await self._sleep(delay)

    async def _sleep(self, delay: timedelta) -> None:
        """Until ``delay`` has passed, a change here wakes it, or the store's next wake-up,
        read again every RECHECK, comes sooner than the one it slept for."""
        deadline = asyncio.get_running_loop().time() + min(delay, MAX_SLEEP).total_seconds()
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            # Waking on a change or on time are both normal: the next tick sorts it out.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, RECHECK.total_seconds()))
                return
            if await self._sooner_than(deadline):
                return

    async def _sooner_than(self, deadline: float) -> bool:
        """Whether something now due or due before ``deadline`` (loop time) was written since."""
        wake = await self.store.next_wakeup()
        reminder = await self.quiz.review.reminders.next_wakeup(self.posters)
        soonest = min((when for when in (wake, reminder) if when is not None), default=None)
        if soonest is None:
            return False
        in_seconds = (soonest - self.clock.now()).total_seconds()
        return asyncio.get_running_loop().time() + in_seconds < deadline

    # --- posting ------------------------------------------------------------------------------

    async def _post(self, schedule: Schedule, now: datetime) -> bool:
        due = schedule.next_post_at
        assert due is not None
        channel = schedule.channel
        local_date = due.astimezone(schedule.zone).date().isoformat()
        following = schedule.next_post(due)
        claim = await self.store.claim_post(channel, local_date, due)
        if claim.status in {"posted", "skipped"}:
            await self.store.advance_schedule(channel, following)
            return True
        if claim.status == "claimed" and claim.round_id is None and now - due > self.grace:
            late = now - due
            detail = (
                f"skipped the post due {due:%Y-%m-%d %H:%M} UTC: quizbot was down for "
                f"{int(late.total_seconds() // 60)} minutes, longer than the grace window"
            )
            log.warning("event=skip channel=%s day=%s reason=%r", channel.scope, local_date, detail)
            await self.store.update_claim(replace(claim, status="skipped", detail=detail))
            await self.store.advance_schedule(channel, schedule.next_post(now))
            return True
        poster = self.posters.get(channel.platform)
        if poster is None:
            return True  # that platform is not running in this process
        try:
            posted = await self._round_for(claim, schedule)
            claim = replace(claim, round_id=posted.round.id)
            await self.store.update_claim(claim)
            if posted.previous is not None:
                # Recorded first: if this reveal fails, the next try reuses the round, and the
                # previous round's reveal goes out with the due reveals.
                await self._announce(poster, posted.previous)
            ref = await poster.post(posted, claim.nonce)
        except ChannelUnavailable as exc:
            reason = f"posting failed for good: {exc}"
            log.warning(
                "event=disable channel=%s day=%s reason=%r", channel.scope, local_date, reason
            )
            await self.store.update_claim(replace(claim, status="failed", detail=reason))
            await self.store.disable_schedule(channel, reason)
            return True
        except NotReady:
            log.info("event=wait channel=%s reason=%r", channel.scope, "platform not connected yet")
            return False
        except QuizError as exc:
            log.warning(
                "event=fail channel=%s day=%s reason=%r", channel.scope, local_date, str(exc)
            )
            await self.store.update_claim(replace(claim, status="failed", detail=str(exc)))
            await self.store.advance_schedule(channel, following)
            return True
        except Exception:
            log.exception(
                "event=error channel=%s day=%s round=%s", channel.scope, local_date, claim.round_id
            )
            return False
        await self.quiz.context.store.set_message_ref(posted.round.id, ref)
        await self.store.update_claim(
            replace(claim, status="posted", message_ref=ref, reveal_at=reveal_time(schedule, due))
        )
        await self.store.advance_schedule(channel, following)
        log.info(
            "event=post channel=%s day=%s round=%d question=%s message=%s",
            channel.scope, local_date, posted.round.id, posted.question.key, ref,
        )  # fmt: skip
        return True

    async def _round_for(self, claim: PostClaim, schedule: Schedule) -> Posted:
        """The claimed round, created on the first try only. An open round that never reached
        the channel (an admin's post the platform refused, or a post before the channel was
        disabled) is posted now rather than revealed unseen: every post here records its
        message."""
        if claim.round_id is not None:
            found = await self.quiz.rounds.round(claim.round_id)
            if found is not None and found[1] is not None:
                return Posted(found[0], found[1])
        day = claim.due_at.astimezone(schedule.zone).date()
        return await self.quiz.rounds.post_daily(
            claim.channel,
            difficulty=schedule.difficulty_on(day),
            banks=list(schedule.banks) or None,
            reuse_unposted=True,
        )

    async def _announce(self, poster: Poster, reveal: Reveal) -> None:
        async with self.quiz.rounds.announcing(reveal) as mine:
            if mine:
                await poster.reveal(reveal)

    async def _reveal(self, claim: PostClaim) -> bool:
        if claim.round_id is None:
            return True
        done = await self._reveal_round(claim.round_id, claim.channel)
        if done and claim.channel.platform in self.posters:
            await self.store.update_claim(replace(claim, revealed_at=self.clock.now()))
        return done

    async def _reveal_round(self, round_id: int, channel: ChannelRef) -> bool:
        """Close the round (if open) and post its reveal unless it was posted already."""
        poster = self.posters.get(channel.platform)
        if poster is None:
            return True  # that platform is not running in this process
        try:
            await self._announce(poster, await self.quiz.rounds.close(round_id))
        except NotReady:
            return False
        except ChannelUnavailable as exc:
            # Nowhere to post it, ever: settled, rather than tried again every tick.
            log.warning(
                "event=drop channel=%s round=%d reason=%r", channel.scope, round_id, str(exc)
            )
            await self.quiz.rounds.reveal_dropped(round_id)
            return True
        except Exception:
            log.exception("event=error channel=%s round=%s step=reveal", channel.scope, round_id)
            return False
        log.info("event=reveal channel=%s round=%d", channel.scope, round_id)
        return True
