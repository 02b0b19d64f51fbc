"""What every core service shares: the store, the banks, the clock, the board's time zone."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from bot.core.clock import Clock
from bot.core.library import BankLibrary
from bot.core.periods import period_keys
from bot.core.ports import Store
from bot.core.rounds import UserRef

_QUARTER = 900
_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass
class QuizContext:
    store: Store
    library: BankLibrary
    clock: Clock
    tz: tzinfo = UTC
    """The zone whose weeks and months the leaderboards use."""
    rng: random.Random = field(default_factory=random.Random)
    _user_ids: dict[tuple[str, str, str, str], int] = field(default_factory=dict, repr=False)
    _registering: dict[tuple[str, str, str, str], asyncio.Future[int]] = field(
        default_factory=dict, repr=False
    )
    # (start, end, keys): one tuple, replaced whole, so that any thread may read it.
    _periods: tuple[datetime, datetime, tuple[int, int, int]] = field(
        default=(_NEVER, _NEVER, (0, 0, 0)), repr=False
    )

    def period_keys(self, at: datetime) -> tuple[int, int, int]:
        """Board period keys for a moment, cached per UTC quarter hour (every zone's offset is a
        multiple of 15 minutes), since every click needs them."""
        start, end, keys = self._periods
        if start <= at < end:
            return keys
        start = datetime.fromtimestamp(int(at.timestamp()) // _QUARTER * _QUARTER, UTC)
        keys = period_keys(at, self.tz)
        self._periods = (start, start + timedelta(seconds=_QUARTER), keys)
        return keys

    def known_user_id(self, user: UserRef) -> int | None:
        return self._user_ids.get((user.platform, user.workspace, user.user, user.name))

    async def find_user(self, user: UserRef) -> tuple[int | None, bool]:
        """(id or None if never recorded, whether the store's name for them is out of date),
        without writing anything; a person found as they are is remembered."""
        found = await self.store.find_user(user)
        if found is None:
            return None, True
        user_id, name = found
        if name == user.name or not user.name:
            self._user_ids[(user.platform, user.workspace, user.user, user.name)] = user_id
            return user_id, False
        return user_id, True

    async def user_id(self, user: UserRef) -> int:
        # Keyed with the display name so that a renamed user gets their new name stored once.
        cache_key = (user.platform, user.workspace, user.user, user.name)
        found = self._user_ids.get(cache_key)
        if found is not None:
            return found
        # One registration per person however many of their clicks arrive meanwhile; they all
        # wait on it and resume in arrival order, so a person's answers keep their order.
        pending = self._registering.get(cache_key)
        if pending is None:
            pending = asyncio.ensure_future(self.store.user_id(user))
            self._registering[cache_key] = pending
            try:
                found = await pending
                self._user_ids[cache_key] = found
            finally:
                del self._registering[cache_key]
            return found
        return await asyncio.shield(pending)
