"""`quizbot bench slack` runs and prints its figures (small sizes: figures live in the bench)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import run_quizbot


def test_bench_slack_prints_every_side_both_ratios_and_a_result_line(tmp_path: Path) -> None:
    done = run_quizbot(
        tmp_path, "bench", "slack", "--clicks", "200", "--users", "50", "--rounds", "1"
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "200 signed block_actions requests from 50 users" in out
    pids = re.search(r"^measured process (\d+); harness process (\d+)$", out, re.M)
    assert pids is not None and pids[1] != pids[2], out
    for side in ("quizbot", "bare bolt answering (reference)", "bare bolt ack only",
                 "no app (harness ceiling)"):  # fmt: skip
        row = re.search(rf"^\s*{re.escape(side)} │\s+([\d,]+) │.*│\s+(\d+) │\s+(\d+) │\s+([\d.]+)",
                        out, re.M)  # fmt: skip
        assert row is not None, (side, out)
        assert int(row[1].replace(",", "")) > 0 and float(row[4]) > 0, row[0]
        assert row[2] == "0" and row[3] == "0", row[0]  # nothing lost, nothing over the limit
    assert re.search(r"^harness headroom [\d.]+x the fastest side", out, re.M), out
    assert re.search(r"^median ratio \d+\.\d\d \(target >= 0\.85\); median CPU ratio", out, re.M)
    # Latency, lost and over come from a paced phase at half the reference's burst rate.
    rate = re.search(
        r"^paced phase: .*half the reference's burst rate in each round: ([\d,]+) ", out, re.M
    )
    assert rate is not None and int(rate[1].replace(",", "")) > 0, out
    for side in ("quizbot paced", "bare bolt answering paced"):
        row = re.search(rf"^\s*{re.escape(side)} │\s+([\d,]+) │.*│\s+(\d+) │\s+(\d+) │", out, re.M)
        assert row is not None and row[2] == "0" and row[3] == "0", (side, out)
    last = out.strip().splitlines()[-1]
    assert re.fullmatch(
        r"result: ratio=\d+\.\d\d cpu_ratio=\d+\.\d\d p99_ms=[\d.]+ lost=0 over=0", last
    ), last
    assert "WARNING" not in done.stderr, done.stderr


def test_bench_slack_refuses_more_clicks_than_users_can_make(tmp_path: Path) -> None:
    done = run_quizbot(tmp_path, "bench", "slack", "--clicks", "201", "--users", "50")
    assert done.returncode == 2
    assert "--clicks must be 1 to 4 x --users" in done.stdout
