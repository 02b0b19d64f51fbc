"""The benchmark command runs and prints its figures (small sizes: figures live in the bench)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from conftest import run_quizbot

from bot.bench.common import alternating


def test_bench_clicks_prints_rates_latencies_and_the_ratio(tmp_path: Path) -> None:
    done = run_quizbot(
        tmp_path, "bench", "clicks", "--concurrency", "10", "--clicks", "300",
        "--board-attempts", "3000", "--board-users", "100", "--rounds", "2",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "bare sqlite3 clicks/s" in out
    assert "median ratio " in out and "worst p99 " in out
    assert "answers refused over the limit: 0" in out
    assert "leaderboard top-10 with 3,000 attempts" in out


def _take_empty(folder: Path) -> bool:
    """True if ``folder`` is an empty folder; leaves a file in it for the next side to see."""
    empty = folder.is_dir() and not any(folder.iterdir())
    (folder / "left-behind").touch()
    return empty


async def test_every_side_leads_in_turn_and_starts_in_its_own_empty_folder() -> None:
    calls: list[tuple[str, Path]] = []

    def side(name: str) -> Callable[[Path], Awaitable[str]]:
        async def run(folder: Path) -> str:
            assert await asyncio.to_thread(_take_empty, folder)
            calls.append((name, folder))
            return f"{name}{len(calls)}"

        return run

    results = await alternating(3, "quizbot-test-", (side("q"), side("b"), side("a")))

    assert [name for name, _ in calls] == ["q", "b", "a", "b", "a", "q", "a", "q", "b"]
    # Figures come back in the order of the sides, whichever ran first.
    assert results == [("q1", "b2", "a3"), ("q6", "b4", "a5"), ("q8", "b9", "a7")]
    assert len({folder for _, folder in calls}) == 9
