"""`quizbot banks audit`'s strategies (bot.core.audit) on crafted banks whose answers are known."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.audit import AuditReport, Score, audit, chance, shown_options
from bot.core.models import Bank, Difficulty, Question, QuestionType


def question(
    qid: str,
    options: dict[str, str],
    answer: tuple[str, ...] = ("A",),
    *,
    prompt: str = "Which one?",
    shuffle: bool = True,
) -> Question:
    kind = QuestionType.CHOICE if len(answer) == 1 else QuestionType.FILL_BLANK
    return Question(
        bank="demo",
        id=qid,
        type=kind,
        difficulty=Difficulty.EASY,
        prompt=prompt,
        options=options,
        answer=answer,
        hint="Think",
        attempts=3,
        shuffle=shuffle,
    )


def scores(report: AuditReport, name: str) -> dict[str, Score]:
    (result,) = [r for r in report.strategies if r.name == name]
    return dict(result.scores())


# Four choice questions of four options each: the key is the longest in two, the shortest in one.
LENGTHS = [
    question("q1", {"A": "the longest text", "B": "bb", "C": "ccc", "D": "dddd"}),
    question("q2", {"A": "a long one, too", "B": "bb", "C": "ccc", "D": "dddd"}),
    question("q3", {"A": "a", "B": "bb", "C": "ccc", "D": "dddd"}),
    question("q4", {"A": "ccc", "B": "bb", "C": "a", "D": "dddd"}),
]


def test_longest_and_shortest_win_exactly_as_often_as_the_key_stands_out() -> None:
    report = audit([Bank("demo", "Demo", tuple(LENGTHS))], seeds=7)
    assert scores(report, "longest option")["choice"] == Score(4, 0.5, 0.25)
    assert scores(report, "shortest option")["choice"] == Score(4, 0.25, 0.25)
    assert [name for name, scope, _ in report.unfair()] == ["longest option", "longest option"]
    assert {scope for _, scope, _ in report.unfair()} == {"choice", "all"}


def test_first_shown_sees_the_shuffled_order_players_see() -> None:
    always_a = [replace(q, id=f"x{i}") for i, q in enumerate(LENGTHS * 5)]
    shuffled = scores(
        audit([Bank("demo", "Demo", tuple(always_a))], seeds=20), "first option shown"
    )
    assert 0.15 < shuffled["choice"].accuracy < 0.35  # the key is A in the file, not on screen
    fixed = [replace(q, shuffle=False) for q in always_a]
    kept = scores(audit([Bank("demo", "Demo", tuple(fixed))], seeds=3), "first option shown")
    assert kept["choice"] == Score(20, 1.0, 0.25)


def test_the_option_sharing_most_words_with_the_prompt() -> None:
    echo = question(
        "echo",
        {"A": "lower the learning rate", "B": "more data", "C": "a bigger batch"},
        prompt="The loss spikes: what about the learning rate?",
    )
    other = replace(echo, id="other", answer=("B",))
    report = audit([Bank("demo", "Demo", (echo, other))], seeds=5)
    assert scores(report, "most words shared with the prompt")["choice"] == Score(2, 0.5, 1 / 3)


def test_fill_blank_in_shown_order_against_one_over_n_to_the_k() -> None:
    options = {"A": "step", "B": "zero_grad", "C": "backward"}
    in_order = question("f1", options, ("A", "B"), shuffle=False)
    reversed_ = question("f2", options, ("B", "A"), shuffle=False)
    report = audit([Bank("demo", "Demo", (in_order, reversed_))], seeds=4)
    assert scores(report, "options in shown order (fill_blank)") == {
        "fill_blank": Score(2, 0.5, 1 / 9),
        "all": Score(2, 0.5, 1 / 9),
    }
    # The single-option strategies do not play a question of two blanks.
    assert scores(report, "longest option") == {}


def test_chance_of_a_one_blank_fill_and_a_choice_is_one_over_n() -> None:
    assert chance(question("c", {"A": "x", "B": "y", "C": "z", "D": "w"})) == 0.25
    assert chance(question("f", {"A": "x", "B": "y"}, ("A", "A"))) == 0.25


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_a_seed_always_shows_the_same_order(seed: int) -> None:
    first = shown_options(LENGTHS[0], seed)
    assert first == shown_options(LENGTHS[0], seed)
    assert sorted(first) == sorted(LENGTHS[0].options.items())


def test_a_fair_bank_passes() -> None:
    report = audit([Bank("demo", "Demo", tuple(LENGTHS[1:]))], seeds=20)
    assert report.unfair() == []
