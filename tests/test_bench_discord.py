"""`quizbot bench discord` runs and prints its figures (small sizes: figures live in the bench)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import run_quizbot


def test_bench_discord_prints_both_sides_both_ratios_and_a_result_line(tmp_path: Path) -> None:
    done = run_quizbot(
        tmp_path, "bench", "discord", "--clicks", "200", "--users", "50", "--rounds", "1"
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "200 clicks by 50 users" in out
    pids = re.search(r"^measured process (\d+); harness process (\d+)$", out, re.M)
    assert pids is not None and pids[1] != pids[2], out
    for side in ("quizbot", "bare discord.py (reference)"):
        row = re.search(rf"^\s*{re.escape(side)} │\s+([\d,]+) │.*│\s+(\d+) │\s+(\d+) │\s+([\d.]+)",
                        out, re.M)  # fmt: skip
        assert row is not None, (side, out)
        assert int(row[1].replace(",", "")) > 0 and float(row[4]) > 0, row[0]
        assert row[2] == "0" and row[3] == "0", row[0]
    assert re.search(r"^round 1: quizbot [\d,]+/s, [\d,]+/s for the bare bot; ratio", out, re.M)
    assert re.search(r"^median ratio \d+\.\d\d \(target >= 0\.85\); median CPU ratio", out, re.M)
    # Latency, lost and over come from a paced phase at half the reference's burst rate.
    rate = re.search(
        r"^paced phase: .*half the reference's burst rate in each round: ([\d,]+) ", out, re.M
    )
    assert rate is not None and int(rate[1].replace(",", "")) > 0, out
    for side in ("quizbot paced", "bare discord.py paced"):
        row = re.search(rf"^\s*{re.escape(side)} │\s+([\d,]+) │.*│\s+(\d+) │\s+(\d+) │", out, re.M)
        assert row is not None and row[2] == "0" and row[3] == "0", (side, out)
    last = out.strip().splitlines()[-1]
    assert re.fullmatch(
        r"result: ratio=\d+\.\d\d cpu_ratio=\d+\.\d\d p99_ms=[\d.]+ lost=0 over=0", last
    ), last
