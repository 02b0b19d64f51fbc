"""quizbot on a range of Discord shards (DISCORD_SHARD_COUNT, DISCORD_SHARD_IDS).

Discord sends each server's events on one shard; a process runs some of them with discord.py's
``AutoShardedClient`` and every process shares the database, so a click answered on any shard
counts in the same store. Posting needs no shard (REST), so the scheduler's leader posts in
every server whichever shards it runs.
"""

from __future__ import annotations

import logging

import discord

from bot.adapters.discord.bot import QuizBot

log = logging.getLogger(__name__)


class ShardedQuizBot(QuizBot, discord.AutoShardedClient):
    """``QuizBot`` on ``shard_ids`` of ``shard_count`` shards (both None: every shard of the
    count Discord recommends)."""

    async def on_shard_ready(self, shard_id: int) -> None:
        log.info("Discord shard %d of %s ready", shard_id, self.shard_count)

    async def on_ready(self) -> None:
        shards = ", ".join(str(shard) for shard in sorted(self.shards))
        log.info(
            "connected to Discord as %s in %d servers on shards %s of %s",
            self.user,
            len(self.guilds),
            shards,
            self.shard_count,
        )
