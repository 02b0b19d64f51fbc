"""`quizbot bench discord` runs and prints its figures (small sizes: figures live in the bench)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import run_quizbot


def test_bench_discord_prints_rates_latencies_and_the_ratio(tmp_path: Path) -> None:
    done = run_quizbot(
        tmp_path, "bench", "discord", "--clicks", "200", "--users", "50", "--rounds", "1"
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "200 clicks by 50 users" in out
    assert "quizbot/s" in out and "bare/s" in out
    ours = re.search(r"^quizbot: median ([\d,]+) acks/s, .* p99 ([\d.]+) ms .*$", out, re.M)
    bare = re.search(
        r"^bare discord\.py: median ([\d,]+) acks/s, .* p99 ([\d.]+) ms .*$", out, re.M
    )
    assert ours is not None and bare is not None, out
    assert float(ours[1].replace(",", "")) > 0 and float(bare[1].replace(",", "")) > 0
    assert ours[0].endswith("lost: 0; over the limit: 0"), ours[0]
    assert bare[0].endswith("lost: 0"), bare[0]
    assert re.search(r"^median ratio \d+\.\d\d \(target >= 0\.8\)", out, re.M), out
