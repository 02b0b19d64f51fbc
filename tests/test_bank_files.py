"""Bank files an operator or author gets wrong: empty or missing folders, YAML tags, aliases,
and banks too large for a careless limit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from conftest import run_quizbot

from bot.core.banks import BankLoadError, load_banks, parse_bank


@pytest.fixture(params=["CSafeLoader", "SafeLoader"])
def yaml_loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run with libyaml's loader and with the pure-Python one (where libyaml is missing)."""
    loader = getattr(yaml, request.param, None)
    if loader is None:
        pytest.skip(f"yaml.{request.param} is not available")
    monkeypatch.setattr("bot.core.banks._Loader", loader)


def issues_of(text: str) -> list[str]:
    with pytest.raises(BankLoadError) as failure:
        parse_bank(text, "banks/t.yaml")
    return [str(issue) for issue in failure.value.issues]


def question(number: int, prompt: str = "Pick one") -> str:
    return f"""\
  - id: q{number}
    type: choice
    difficulty: easy
    prompt: {prompt}
    options: {{A: one, B: two, C: three, D: four}}
    answer: A
    hint: Think
"""


HEAD = "bank: demo\ntitle: Demo\nquestions:\n"


# --- folders and paths -----------------------------------------------------------------------


def test_checking_an_empty_folder_fails_and_says_why(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    done = run_quizbot(tmp_path, "banks", "check", "empty")

    assert done.returncode == 1
    assert f"{empty}: no bank files (*.yaml, *.yml) in this folder" in done.stdout
    assert "0 banks" not in done.stdout


def test_a_wrong_banks_setting_names_the_variable_and_the_absolute_path(tmp_path: Path) -> None:
    checked = run_quizbot(tmp_path, "banks", "check", QUIZBOT_BANKS="nowhere")
    started = run_quizbot(tmp_path, "console", stdin="", QUIZBOT_BANKS="nowhere")

    assert checked.returncode == 1
    assert f"{tmp_path / 'nowhere'}: no such file or directory" in checked.stdout
    assert "QUIZBOT_BANKS='nowhere'" in checked.stdout
    assert started.returncode == 2
    assert str(tmp_path / "nowhere") in started.stderr
    assert "QUIZBOT_BANKS='nowhere'" in started.stderr
    assert "Traceback" not in started.stderr


def test_a_relative_missing_path_is_reported_absolute(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _, issues = load_banks([Path("gone")])
    assert [issue.path for issue in issues] == [str(tmp_path / "gone")]


# --- tags ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("yaml_loader")
@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("!!binary aGVsbG8=", "!!binary"),
        ("!!python/str hello", "!!python/str"),
        ("!custom hello", "!custom"),
        ("!!str hello", "!!str"),
        ("! hello", "!"),
    ],
)
def test_a_tagged_value_is_refused_with_its_line(written: str, shown: str) -> None:
    text = HEAD + question(1, prompt=written)

    assert issues_of(text) == [
        f"banks/t.yaml:7: YAML tags are not allowed (found {shown}): write the value as plain text"
    ]


@pytest.mark.usefixtures("yaml_loader")
def test_tags_on_lists_and_maps_are_refused_too() -> None:
    text = HEAD + question(1).replace("options: {", "options: !!map {")
    assert issues_of(text) == [
        "banks/t.yaml:8: YAML tags are not allowed (found !!map): write the value as plain text"
    ]


@pytest.mark.usefixtures("yaml_loader")
def test_an_exclamation_mark_in_text_is_just_text() -> None:
    bank = parse_bank(HEAD + question(1, prompt='"Pick one!"'), "banks/t.yaml")
    assert bank.questions[0].prompt == "Pick one!"


# --- aliases and size ------------------------------------------------------------------------


@pytest.mark.usefixtures("yaml_loader")
def test_aliases_that_expand_into_a_huge_tree_are_refused() -> None:
    laughs = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        laughs.append(f"{level}: &{level} [{', '.join([f'*{previous}'] * 9)}]")
    text = "\n".join(laughs) + "\n" + HEAD + question(1)

    assert issues_of(text) == ["banks/t.yaml:1: aliases expand to more than 200000 values"]


@pytest.mark.usefixtures("yaml_loader")
def test_a_few_aliases_are_fine() -> None:
    text = HEAD + question(1).replace("hint: Think", "hint: &hint Think")
    text += question(2).replace("hint: Think", "hint: *hint")
    assert [q.hint for q in parse_bank(text, "banks/t.yaml").questions] == ["Think", "Think"]


def test_ten_thousand_full_size_questions_load(tmp_path: Path) -> None:
    full = """\
  - id: q{n}
    type: choice
    difficulty: medium
    prompt: Which learning rate schedule keeps question {n} stable after warm-up ends?
    code: |
      scheduler = get_scheduler("cosine", optimizer, warmup_steps=100)
      for step in range(1000):
          optimizer.step()
          scheduler.step()
    options:
      A: Cosine decay to zero after a linear warm-up
      B: A constant rate with no warm-up at all
      C: Doubling the rate every epoch
      D: A random rate drawn at every step
    answer: A
    hint: Think about what happens right after warm-up.
    explanations:
      B: Without warm-up the first updates are too large.
      C: Doubling diverges quickly.
    mistakes:
      - Forgetting to call scheduler.step()
      - Warming up for longer than the whole run
    solution:
      steps:
        - title: Warm up
          text: The rate rises linearly for the first 100 steps.
        - title: Decay
          text: It then follows a cosine down to zero.
      final: Cosine decay after a linear warm-up
      check: The rate never jumps.
"""
    path = tmp_path / "big.yaml"
    path.write_text(HEAD + "".join(full.format(n=n) for n in range(10_000)), encoding="utf-8")

    started = time.perf_counter()
    banks, issues = load_banks([path])
    elapsed = time.perf_counter() - started

    assert issues == []
    assert len(banks[0].questions) == 10_000
    print(f"10,000 full-size questions loaded in {elapsed:.1f} s")
