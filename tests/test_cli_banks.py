"""`quizbot banks check [--strict]` and `quizbot banks audit` as a bank author runs them: exit
codes and the lines they print."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import REPO, run_quizbot

# The key is strictly the longest option in both questions, and q2's hint restates it.
GUESSABLE = """\
bank: guessable
title: Guessable
questions:
  - id: q1
    type: choice
    difficulty: easy
    prompt: Why warm the learning rate up?
    options: {A: so that Adam's early moments do not blow up the update, B: speed, C: habit}
    answer: A
    hint: Think of the optimizer state.
  - id: q2
    type: choice
    difficulty: easy
    prompt: What stops exploding gradients?
    options: {A: more epochs, B: gradient clipping, C: a GPU}
    answer: B
    hint: Try gradient clipping.
"""

FAIR = """\
bank: fair
title: Fair
questions:
  - id: q1
    type: choice
    difficulty: easy
    prompt: What stops exploding gradients?
    options: {A: gradient clipping, B: a larger batch, C: more epochs of training}
    answer: A
    hint: Bound the norm.
  - id: q2
    type: choice
    difficulty: easy
    prompt: Which optimizer keeps two moments per weight?
    options: {A: SGD, B: AdamW, C: Adafactor}
    answer: B
    hint: The one most fine-tuning scripts default to.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def quizbot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_quizbot(tmp_path, "banks", *args)


def test_check_warns_on_a_guessable_bank_and_still_passes(tmp_path: Path) -> None:
    bank = write(tmp_path, "guessable.yaml", GUESSABLE)
    done = quizbot(tmp_path, "check", str(bank))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"warning: {bank}:17: question 'q2': hint gives away the key option" in done.stdout
    assert f"warning: {bank}:1: the key is strictly the longest option in 2 of 2" in done.stdout
    assert done.stdout.splitlines()[-1] == (
        "2 warning(s); `quizbot banks check --strict` fails on them."
    )


def test_strict_check_fails_with_file_line_and_question(tmp_path: Path) -> None:
    bank = write(tmp_path, "guessable.yaml", GUESSABLE)
    done = quizbot(tmp_path, "check", "--strict", str(bank))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert (
        f"{bank}:17: question 'q2': hint gives away the key option ('gradient clipping')" in lines
    )
    assert lines[-1] == (
        "2 problem(s) found; fix them and run `quizbot banks check --strict` again."
    )
    assert "Traceback" not in done.stdout + done.stderr


def test_strict_check_passes_a_fair_bank(tmp_path: Path) -> None:
    done = quizbot(tmp_path, "check", "--strict", str(write(tmp_path, "fair.yaml", FAIR)))
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines()[-1] == "No guessability problem found."


def test_audit_fails_a_bank_whose_longest_option_wins(tmp_path: Path) -> None:
    done = quizbot(tmp_path, "audit", str(write(tmp_path, "guessable.yaml", GUESSABLE)))
    assert done.returncode == 1, done.stdout + done.stderr
    verdict = done.stdout.splitlines()[-1]
    assert verdict.startswith("verdict: guessable, ")
    assert "longest option on choice 100.0% vs 33.3%" in verdict


def test_audit_passes_a_fair_bank(tmp_path: Path) -> None:
    done = quizbot(tmp_path, "audit", "--seeds", "50", str(write(tmp_path, "fair.yaml", FAIR)))
    assert done.returncode == 0, done.stdout
    assert "longest option" in done.stdout and "fill_blank" in done.stdout
    assert (
        done.stdout.splitlines()[-1] == "verdict: fair, every strategy within 10 points of chance"
    )


def test_audit_of_a_broken_bank_lists_its_problems(tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.yaml", FAIR.replace("answer: B", "answer: E"))
    done = quizbot(tmp_path, "audit", str(broken))
    assert done.returncode == 1
    assert f"{broken}:" in done.stdout and "'E' is not one of the options" in done.stdout
    assert done.stdout.splitlines()[-1].endswith("run `quizbot banks audit` again.")


def test_audit_refuses_zero_seeds(tmp_path: Path) -> None:
    done = quizbot(tmp_path, "audit", "--seeds", "0", str(REPO / "banks"))
    assert done.returncode == 2
    assert "--seeds" in done.stderr
