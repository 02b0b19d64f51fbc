"""The benchmark command runs and prints its figures (small sizes: figures live in the bench)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_bench_clicks_prints_rates_latencies_and_the_ratio(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "bench", "clicks", "--concurrency", "10",
         "--clicks", "300", "--board-attempts", "3000", "--board-users", "100",
         "--rounds", "2"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
        env={**os.environ, "COLUMNS": "160", "QUIZBOT_LOG_LEVEL": "WARNING"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "bare sqlite3 clicks/s" in out
    assert "median ratio " in out and "worst p99 " in out
    assert "answers refused over the limit: 0" in out
    assert "leaderboard top-10 with 3,000 attempts" in out
