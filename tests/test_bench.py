"""The benchmark command runs and prints its figures (small sizes: figures live in the bench)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_quizbot


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
