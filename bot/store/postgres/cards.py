"""The cards' reads on PostgreSQL (``bot.core.cards.CardStore``), with the same results as
``bot/store/sqlite/cards.py``: board rows with ids, one person's place on a board, streaks of
the people shown, a person's days of play, a round's picks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.core.ports import BoardPosition, ChannelStreak, DayActivity, RankedEntry
from bot.store.postgres.base import PgBase
from bot.store.rows import channel_streaks

_NAME = "CASE WHEN u.name = '' THEN u.user_ref ELSE u.name END"
_SCOPE = "(SELECT id FROM scopes WHERE key = $1)"


class CardQueries(PgBase):
    async def board_top(self, scope: str, period: int, limit: int) -> list[RankedEntry]:
        rows = await self._rows(
            f"""
            SELECT b.user_id, {_NAME}, b.points, b.solved
            FROM board b JOIN users u ON u.id = b.user_id
            WHERE b.scope = {_SCOPE} AND b.period = $2
            ORDER BY b.points DESC, b.user_id
            LIMIT $3
            """,
            scope,
            period,
            limit,
        )
        return [RankedEntry(*row) for row in rows]

    async def board_position(self, scope: str, period: int, user_id: int) -> BoardPosition | None:
        # The count reads the board_top index (scope, period, points DESC): a range, not a scan.
        row = await self._row(
            f"""
            SELECT 1 + (SELECT COUNT(*) FROM board o
                        WHERE o.scope = b.scope AND o.period = b.period AND o.points > b.points),
                   {_NAME}, b.points, b.solved
            FROM board b JOIN users u ON u.id = b.user_id
            WHERE b.scope = {_SCOPE} AND b.period = $2 AND b.user_id = $3
            """,
            scope,
            period,
            user_id,
        )
        return BoardPosition(int(row[0]), row[1], row[2], row[3]) if row else None

    async def board_size(self, scope: str, period: int) -> int:
        row = await self._row(
            f"SELECT COUNT(*) FROM board WHERE scope = {_SCOPE} AND period = $2", scope, period
        )
        return int(row[0]) if row else 0

    async def streaks_of(
        self, user_ids: Sequence[int], scope: str
    ) -> dict[int, tuple[ChannelStreak, ...]]:
        if not user_ids:
            return {}
        solved = await self._rows(
            """
            SELECT p.user_id, r.channel_id, r.seq
            FROM participations p
            JOIN rounds r ON r.id = p.round_id JOIN channels c ON c.id = r.channel_id
            WHERE p.user_id = ANY($1::bigint[]) AND r.kind = 'daily' AND p.solved = 1
              AND (c.platform || ':' || c.workspace = $2
                   OR c.platform || ':' || c.workspace || ':' || c.channel = $2)
            ORDER BY p.user_id, r.channel_id, r.seq
            """,
            list(user_ids),
            scope,
        )
        seqs: dict[tuple[int, int], list[int]] = {}
        for user_id, channel_id, seq in solved:
            seqs.setdefault((user_id, channel_id), []).append(seq)
        channel_ids = sorted({channel_id for _, channel_id in seqs})
        if not channel_ids:
            return {}
        latest = {
            channel_id: (daily_seq, open_seq)
            for channel_id, daily_seq, open_seq in await self._rows(
                """
                SELECT c.id, c.daily_seq, (SELECT r.seq FROM rounds r WHERE r.channel_id = c.id
                                           AND r.kind = 'daily' AND r.closed_at IS NULL)
                FROM channels c WHERE c.id = ANY($1::bigint[])
                """,
                channel_ids,
            )
        }
        return channel_streaks(seqs, latest)

    async def activity_since(self, user_id: int, since: datetime) -> list[DayActivity]:
        # Practice and tests show as days played, for no points: they go on no board.
        rows = await self._rows(
            """
            SELECT COALESCE(p.finished_at, p.first_at),
                   CASE WHEN r.kind = 'daily' THEN p.points ELSE 0 END
            FROM participations p JOIN rounds r ON r.id = p.round_id
            WHERE p.user_id = $1 AND p.first_at >= $2
            """,
            user_id,
            since.astimezone(UTC).isoformat(),
        )
        return [DayActivity(datetime.fromisoformat(at), int(points)) for at, points in rows]

    async def round_picks(self, round_id: int) -> list[tuple[str, int]]:
        rows = await self._rows(
            "SELECT answer, COUNT(*) FROM attempts WHERE round_id = $1 GROUP BY answer"
            ' ORDER BY answer COLLATE "C"',
            round_id,
        )
        return [(str(answer), int(count)) for answer, count in rows]
