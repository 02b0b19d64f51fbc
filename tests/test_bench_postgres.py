"""`quizbot bench clicks --store postgres` runs and prints its figures (small sizes: figures
live in the bench), on the server QUIZBOT_DATABASE_URL names."""

from __future__ import annotations

from pathlib import Path

from conftest import run_quizbot


def test_bench_clicks_on_postgres_prints_the_ratio_and_the_two_process_audit(
    postgres_server: str, tmp_path: Path
) -> None:
    done = run_quizbot(
        tmp_path, "bench", "clicks", "--store", "postgres", "--concurrency", "10",
        "--clicks", "150", "--rounds", "2", "--people", "30",
        QUIZBOT_DATABASE_URL=postgres_server,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "bare asyncpg clicks/s" in out
    assert "median ratio " in out and "worst p99 " in out
    assert "over the limit: 0;" in out
    assert "two quizbot processes on one database" in out
    assert out.rstrip().endswith("over the limit: 0")
    assert "quizbot:quizbot@" not in out, "the password is never printed"
