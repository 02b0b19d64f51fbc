"""`quizbot bench fanout` runs and prints its figures (small sizes: figures live in the bench)."""

from __future__ import annotations

import re
import subprocess

import pytest
from conftest import run_quizbot


@pytest.fixture(scope="module")
def fanout(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    return run_quizbot(tmp_path_factory.mktemp("fanout"), "bench", "fanout", "--channels", "40")


def test_bench_fanout_prints_time_floor_duplicates_and_peak_rss(
    fanout: subprocess.CompletedProcess[str],
) -> None:
    assert fanout.returncode == 0, fanout.stderr
    out = fanout.stdout
    assert "posting to 40 Discord channels" in out
    timing = re.search(
        r"^total (\d+\.\d\d) s; floor (\d+\.\d\d) s \(40 / 50/s\); ratio (\d+\.\d{3}) "
        r"\(target <= 1\.1\)$",
        out,
        re.M,
    )
    assert timing is not None, out
    assert float(timing[1]) > 0 and float(timing[2]) == 0.8
    counts = re.search(r"^posted (\d+); 429s (\d+); duplicates (\d+); skipped (\d+);", out, re.M)
    assert counts is not None, out
    assert int(counts[3]) == 0
    assert int(counts[1]) + int(counts[4]) == 40  # every channel got one message or none
    assert re.search(
        r"^10,000 schedules saved in [\d.]+ s; due_schedules returned 10,000", out, re.M
    )
    rss = re.search(
        r"^peak RSS of the process (\d+\.\d) MB .*target <= 150 MB (met|MISSED)$", out, re.M
    )
    assert rss is not None and float(rss[1]) > 0, out


def test_bench_fanout_posts_in_every_channel(fanout: subprocess.CompletedProcess[str]) -> None:
    out = fanout.stdout
    assert re.search(r"^posted 40; 429s \d+; duplicates 0; skipped 0;", out, re.M), out
    assert "failed with an exception" not in out
    assert re.search(r"^fanout: target met", out, re.M), out
