"""`quizbot bench slack` runs and prints its figures (small sizes: figures live in the bench)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import run_quizbot


def test_bench_slack_prints_rates_latencies_and_the_ratio(tmp_path: Path) -> None:
    done = run_quizbot(
        tmp_path, "bench", "slack", "--clicks", "200", "--users", "50", "--rounds", "1"
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "200 signed block_actions requests from 50 users" in out
    assert "quizbot/s" in out and "bare/s" in out and "answering/s" in out
    ours = re.search(r"^quizbot: median ([\d,]+) requests/s, .* p99 ([\d.]+) ms .*$", out, re.M)
    bare = re.search(r"^bare bolt: median ([\d,]+) requests/s, .* p99 ([\d.]+) ms .*$", out, re.M)
    assert ours is not None and bare is not None, out
    assert float(ours[1].replace(",", "")) > 0 and float(bare[1].replace(",", "")) > 0
    assert float(ours[2]) > 0 and float(bare[2]) > 0
    assert ours[0].endswith("lost: 0; over the limit: 0"), ours[0]
    assert bare[0].endswith("lost: 0"), bare[0]
    assert re.search(r"^median ratio \d+\.\d\d \(target >= 0\.8\)", out, re.M), out
    # The app that answers every click delivered every answer, and its ratio is printed.
    answering = re.search(
        r"^bare bolt answering every click: median ([\d,]+) requests/s, p99 [\d.]+ ms; "
        r"lost: 0; median ratio to the bare app that only acks (\d+\.\d\d)",
        out,
        re.M,
    )
    assert answering is not None, out
    assert float(answering[1].replace(",", "")) > 0 and float(answering[2]) > 0
    assert re.search(r"^quizbot against the answering app: median ratio \d+\.\d\d", out, re.M)
    assert "WARNING" not in done.stderr, done.stderr


def test_bench_slack_refuses_more_clicks_than_users_can_make(tmp_path: Path) -> None:
    done = run_quizbot(tmp_path, "bench", "slack", "--clicks", "201", "--users", "50")
    assert done.returncode == 2
    assert "--clicks must be 1 to 4 x --users" in done.stdout
