"""`quizbot bench cards` and `quizbot cards demo` run and print what they say (small sizes:
the figures live in the bench, never in a test)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_quizbot


def test_bench_cards_prints_each_card_and_ends_with_the_result(tmp_path: Path) -> None:
    done = run_quizbot(
        tmp_path, "bench", "cards", "--samples", "2", "--people", "40", "--clicks", "60",
        "--concurrency", "5", "--rounds", "1",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    for card in ("leaderboard", "progress", "reveal"):
        assert sum(card in line for line in lines) >= 2, done.stdout  # 10 people and 40
    assert "with 50 cards" in done.stdout
    assert lines[-1].startswith("result: leaderboard card p99 "), lines[-1]


def test_cards_demo_writes_the_readme_pictures(tmp_path: Path) -> None:
    done = run_quizbot(tmp_path, "cards", "demo", "out")
    assert done.returncode == 0, done.stderr
    written = sorted(Path(line).name for line in done.stdout.split())
    assert len(written) == 8 and "card-leaderboard-dark.png" in written
    assert all((tmp_path / "out" / name).stat().st_size > 1000 for name in written)
