"""`quizbot banks check`'s guessability checks (bot.core.bankcheck) on crafted banks: each one
fires where a bank gives its key away, names the file, line and question, and stays quiet on a
fair bank."""

from __future__ import annotations

from textwrap import dedent, indent

import pytest

from bot.core.bankcheck import CheckReport, Kind, check_banks, contains_key
from bot.core.banks import parse_bank_source

PATH = "banks/t.yaml"


def bank(*questions: str, slug: str = "demo") -> str:
    head = f"bank: {slug}\ntitle: Demo\nquestions:\n"
    return head + "".join(indent(dedent(q).strip("\n") + "\n", "  ") for q in questions)


def choice(
    qid: str, options: str, answer: str = "A", hint: str = "Think it through", extra: str = ""
) -> str:
    """A choice question; line 1 is its id, 5 its options, 7 its hint, then ``extra``."""
    lines = [
        f"- id: {qid}",
        "  type: choice",
        "  difficulty: easy",
        "  prompt: Which one is right?",
        f"  options: {options}",
        f"  answer: {answer}",
        f"  hint: {hint}",
    ]
    lines += [f"  {line}" for line in dedent(extra).strip("\n").splitlines()]
    return "\n".join(lines)


def report(*texts: str) -> CheckReport:
    return check_banks([parse_bank_source(text, f"banks/{i}.yaml") for i, text in enumerate(texts)])


def found(*questions: str) -> list[str]:
    return [str(finding.issue) for finding in report(bank(*questions)).findings]


# Lengths 5/3/3, 3/5/3, 3/3/5 with the key at A: longest once, shortest never, in between twice.
FAIR = (
    choice("q1", "{A: alpha, B: pi, C: mu}"),
    choice("q2", "{A: pi, B: alpha, C: omega}"),
    choice("q3", "{A: eta, B: alpha, C: mu}"),
)


def test_a_fair_bank_has_no_finding() -> None:
    checked = report(bank(*FAIR))
    assert checked.findings == ()
    (shape,) = checked.banks
    assert (shape.choice, shape.key_longest, shape.key_shortest) == (3, ("q1",), ("q2",))


def test_key_longest_in_most_choice_questions_is_reported_with_its_questions() -> None:
    checked = report(
        bank(
            choice("q1", "{A: the long one, B: pi, C: mu}"),
            choice("q2", "{A: also longer, B: pi, C: mu}"),
            choice("q3", "{A: pi, B: alpha, C: mu}"),
        )
    )
    (finding,) = checked.findings
    assert finding.kind is Kind.BIAS
    assert str(finding.issue) == (
        "banks/0.yaml:1: the key is strictly the longest option in 2 of 3 choice questions "
        "(67%, over 35%): q1, q2"
    )


def test_key_shortest_is_reported_and_ties_are_not_strict() -> None:
    messages = found(
        choice("q1", "{A: pi, B: alpha, C: omega}"),
        choice("q2", "{A: mu, B: alpha, C: omega}"),
        choice("q3", "{A: alpha, B: omega, C: gamma}"),  # all the same length: neither
    )
    assert len(messages) == 1
    assert "strictly the shortest option in 2 of 3" in messages[0]


def test_the_whole_set_is_judged_too() -> None:
    biased = bank(choice("q1", "{A: the long one, B: pi}"), slug="one")
    checked = report(biased, bank(*FAIR, slug="two"))
    assert [f.issue.path for f in checked.findings] == ["banks/0.yaml", "all banks"]
    assert checked.total.choice == 4 and checked.total.key_longest == ("q1", "q1")
    assert checked.findings[-1].issue.message == (
        "the key is strictly the longest option in 2 of 4 choice questions (50%, over 35%)"
    )


def test_hint_restating_the_key_is_reported_on_its_line() -> None:
    messages = found(
        *FAIR,
        choice(
            "q4",
            "{A: a much longer option text, B: pi, C: gradient clipping}",
            "C",
            "Try gradient  Clipping.",
        ),
    )
    assert messages == [
        "banks/0.yaml:31: question 'q4': hint gives away the key option ('gradient clipping')"
    ]


def test_mistake_restating_the_key_is_reported_on_its_line() -> None:
    extra = """
    mistakes:
      - Forgetting the warmup.
      - Using a rank of 64 everywhere.
    """
    messages = found(
        *FAIR, choice("q4", "{A: '8', B: '16', C: '64'}", "C", "Small ranks do", extra)
    )
    assert messages == [
        "banks/0.yaml:34: question 'q4': mistake #2 gives away the key option ('64')"
    ]


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("step", "Count the steps, then stepwise decay."),  # part of another word
        ("A", "A model learns from a dataset."),  # a one-letter key
        ("none", "None of this needs a GPU."),  # a common word alone
        ("1", "Start at 1e-4 and go 10x down."),
        ("lr", "The lr_scheduler owns the schedule."),  # _ joins words
    ],
)
def test_a_short_or_common_key_inside_a_hint_does_not_count(key: str, hint: str) -> None:
    options = f"{{A: '{key}', B: x, C: a longer text}}"
    assert found(*FAIR, choice("q4", options, "A", hint)) == []


def test_fill_blank_hint_counts_only_with_every_key_option_in_order() -> None:
    def fill(hint: str) -> str:
        return dedent(
            f"""
            - id: f1
              type: fill_blank
              difficulty: easy
              prompt: "optimizer.[1](); optimizer.[2]()"
              options: {{A: step, B: zero_grad, C: backward}}
              answer: [A, B]
              hint: {hint}
            """
        )

    assert found(*FAIR, fill("First step, then zero_grad.")) == [
        "banks/0.yaml:31: question 'f1': hint gives away every key option in order "
        "('step', 'zero_grad')"
    ]
    assert found(*FAIR, fill("Call zero_grad after the step.")) == []  # the wrong order
    assert found(*FAIR, fill("Apply the update with step.")) == []  # only one of them


def test_contains_key_matches_whole_words_case_and_spacing_aside() -> None:
    question = parse_bank_source(
        bank(choice("q1", "{A: Weight Decay, B: pi}")), PATH
    ).bank.questions[0]
    assert contains_key("add weight\n decay here", question)
    assert not contains_key("add weight decays", question)


def test_duplicated_options_are_reported_on_the_second_one() -> None:
    duplicated = choice("q4", "{A: Adam, B: SGD, C: ' adam '}")
    assert found(*FAIR, duplicated) == [
        "banks/0.yaml:29: question 'q4': options A and C are the same text (' adam ')"
    ]


@pytest.mark.parametrize(
    ("extra", "line", "field", "quoted"),
    [
        ("explanations: {B: Option B forgets the warmup.}", 32, "explanations.B", "Option B"),
        ("mistakes: [Picking -> B without reading.]", 32, "mistake #1", "-> B"),
        ("solution: {final: The answer is C.}", 32, "solution.final", "answer is C"),
        ("solution:\n  steps:\n    - Rule out (B) first.", 34, "solution.steps#1.text", "(B)"),
        ("solution: {check: 'answer: A'}", 32, "solution.check", "answer: A"),
        ("mistakes: [The answer C is a trap.]", 32, "mistake #1", "answer C"),
    ],
)
def test_a_letter_named_anywhere_is_reported_on_its_line(
    extra: str, line: int, field: str, quoted: str
) -> None:
    question = choice("q4", "{A: alpha, B: pi, C: omega}", extra=extra)
    assert found(*FAIR, question) == [
        f"banks/0.yaml:{line}: question 'q4': {field} names an option by its letter "
        f"('{quoted}'); rounds shuffle the options, so name it by its text"
    ]


def test_letters_in_prompt_and_hint_are_reported() -> None:
    question = choice("q4", "{A: alpha, B: pi, C: omega}", hint="See options C and D")
    messages = found(*FAIR, question.replace("Which one is right?", "Which (A) fits?"))
    assert [m.split(": ", 2)[2][:20] for m in messages] == [
        "prompt names an opti",
        "hint names an option",
    ]
    assert [m.split(":")[1] for m in messages] == ["28", "31"]


@pytest.mark.parametrize(
    "text",
    [
        "LoRA multiplies B by A, a low-rank pair.",
        "The answer depends on f(B) and on a model (Adam).",
        "Choose a rank; options are cheap.",
        "Option A-grade data first.",
    ],
)
def test_ordinary_capitals_are_not_letter_references(text: str) -> None:
    assert found(*FAIR, choice("q4", "{A: alpha, B: pi, C: omega}", hint=text)) == []


def test_questions_that_keep_their_order_are_counted() -> None:
    checked = report(
        bank(*FAIR, choice("q4", "{A: alpha, B: pi, C: omega}", extra="shuffle: false"))
    )
    assert checked.banks[0].fixed_order == ("q4",)
    assert checked.findings == ()
