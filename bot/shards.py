"""DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS: which Discord shards a process runs.

Discord routes a server's events to shard ``(guild_id >> 22) % shard_count``; each process of a
deployment runs a range of the shards (discord.py's ``AutoShardedClient``), all on one database.
"""

from __future__ import annotations

AUTO = "auto"
# Discord asks for a shard per 2,500 servers; past some thousands a count is surely a typo.
MAX_SHARDS = 10_000


def parse_shards(count_text: str, ids_text: str) -> tuple[int | None, list[int] | None] | None:
    """``(count, ids)`` for the client; ``count`` None: Discord's recommended count (``auto``);
    ``ids`` None: every shard of the count. None when neither is set. ValueError names the
    variable and what is wrong (pydantic turns it into one line at start)."""
    count_text, ids_text = count_text.strip().lower(), ids_text.strip()
    if not count_text and not ids_text:
        return None
    if not count_text or count_text == AUTO:
        if ids_text:
            raise ValueError(
                "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the number of shards across all "
                "processes), e.g. DISCORD_SHARD_COUNT=4 DISCORD_SHARD_IDS=0-1"
            )
        return None, None
    if not count_text.isdigit() or not 1 <= int(count_text) <= MAX_SHARDS:
        raise ValueError(
            f"DISCORD_SHARD_COUNT: '{count_text}' is not a number of shards from 1 to "
            f"{MAX_SHARDS} (or auto: Discord's recommended count)"
        )
    count = int(count_text)
    if not ids_text:
        return count, None
    ids: list[int] = []
    for part in (piece.strip() for piece in ids_text.split(",")):
        first, dash, last = part.partition("-")
        if not first.strip().isdigit() or (dash and not last.strip().isdigit()):
            raise ValueError(
                f"DISCORD_SHARD_IDS: '{part}' is not a shard id or a range (e.g. 0-3 or 0,2)"
            )
        low, high = int(first), int(last) if dash else int(first)
        if low > high:
            raise ValueError(f"DISCORD_SHARD_IDS: the range '{part}' runs backwards")
        if high >= count:
            raise ValueError(
                f"DISCORD_SHARD_IDS: shard {high} does not exist with DISCORD_SHARD_COUNT={count} "
                f"(ids run from 0 to {count - 1})"
            )
        ids.extend(shard for shard in range(low, high + 1) if shard not in ids)
    return count, sorted(ids)


def shard_of(guild_id: int, count: int) -> int:
    """The shard Discord sends a server's events on."""
    return (guild_id >> 22) % count
