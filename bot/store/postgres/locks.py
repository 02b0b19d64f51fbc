"""The advisory lock keys of the PostgreSQL store's writers (clicks and review cards)."""

from __future__ import annotations

import zlib

from bot.core.rounds import UserRef

_INT4 = 2**31
# "rev" and 0: the first key of the two-key advisory lock of a person's cards.
REVIEW_LOCK = 0x72657600


def lock_key(value: int) -> int:
    """A number into the signed 32-bit range of pg_advisory_xact_lock's two-key form (two
    people sharing a key only wait for each other)."""
    return value % (2 * _INT4) - _INT4


def person_key(user: UserRef) -> int:
    """The key of someone not stored yet, from who they are."""
    text = f"{user.platform}\x1f{user.workspace}\x1f{user.user}".encode()
    return zlib.crc32(text) - _INT4
