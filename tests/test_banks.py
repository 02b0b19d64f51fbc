"""The question-bank loader: shipped banks, every validation rule, exact texts, the schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from textwrap import dedent, indent
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.banks import (
    BankIssue,
    BankLoadError,
    bank_json_schema,
    load_bank,
    load_banks,
    main,
    parse_bank,
    summarize,
    write_schema,
)
from bot.core.models import Difficulty, QuestionType, Solution, Step

REPO = Path(__file__).resolve().parent.parent
BANKS_DIR = REPO / "banks"
SHIPPED = sorted([*BANKS_DIR.glob("*.yaml"), *BANKS_DIR.glob("*.yml")])
SEED = BANKS_DIR / "fine-tuning-domains.yaml"
PATH = "banks/t.yaml"


def bank_text(*questions: str, head: str = "bank: demo\ntitle: Demo\nquestions:\n") -> str:
    """A bank file: ``head`` (3 lines by default), then the questions indented under it."""
    return head + "".join(indent(dedent(q).strip("\n") + "\n", "  ") for q in questions)


# Line 4 is "- id: q1", line 5 "type", ... line 10 "hint" once under the default head.
CHOICE = """
    - id: q1
      type: choice
      difficulty: easy
      prompt: Pick one
      options: {A: one, B: two, C: three}
      answer: A
      hint: Think
"""
FILL = """
    - id: f1
      type: fill_blank
      difficulty: medium
      prompt: Fill [1] and [2]
      options: {A: one, B: two, C: three}
      answer: [A, B]
      hint: Think
"""


def issues_of(text: str) -> list[str]:
    with pytest.raises(BankLoadError) as failure:
        parse_bank(text, PATH)
    return [str(issue) for issue in failure.value.issues]


# --- (1) every shipped bank loads ------------------------------------------------------------


def test_banks_are_shipped() -> None:
    assert SEED in SHIPPED


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_bank_loads_without_issues(path: Path) -> None:
    banks, issues = load_banks([path])
    assert [str(issue) for issue in issues] == []
    assert len(banks) == 1


def test_all_shipped_banks_load_together() -> None:
    banks, issues = load_banks([BANKS_DIR])
    assert [str(issue) for issue in issues] == []
    assert len(banks) == len(SHIPPED)


def test_seed_bank_content() -> None:
    bank = load_bank(SEED)
    assert (bank.id, bank.title, bank.category) == (
        "fine-tuning-domains",
        "Why fine-tuning adapts models to domains",
        "Prompt Engineering / GenAI",
    )
    kinds = [question.type for question in bank.questions]
    assert len(bank.questions) == 10
    assert kinds.count(QuestionType.FILL_BLANK) == 5
    assert kinds.count(QuestionType.CHOICE) == 5
    answers = [question.answer for question in bank.questions]
    assert answers == [
        ("C",),
        ("D",),
        ("B",),
        ("B", "A"),
        ("D", "C", "E"),
        ("D",),
        ("B",),
        ("B",),
        ("A",),
        ("B",),
    ]
    assert all(question.hint.strip() for question in bank.questions)
    assert [question.blanks for question in bank.questions[:5]] == [1, 1, 1, 2, 3]
    assert bank.questions[7].options["B"] == "0.27"  # a number to YAML, text to us
    assert bank.questions[4].code is not None and bank.questions[4].code.rstrip().endswith("}")
    assert len({question.id for question in bank.questions}) == 10


def test_summarize_seed() -> None:
    assert summarize([load_bank(SEED)]) == (
        "fine-tuning-domains  10 questions (5 fill_blank, 5 choice; 7 easy, 2 medium, 1 hard)"
        "  Why fine-tuning adapts models to domains\n"
        "total: 1 bank, 10 questions (5 fill_blank, 5 choice; 7 easy, 2 medium, 1 hard)"
    )


# --- (2) one failing example per rule --------------------------------------------------------

FAILURES: list[tuple[str, str, str]] = [
    (
        "missing field",
        bank_text(CHOICE.replace("      hint: Think\n", "")),
        "banks/t.yaml:4: question 'q1': missing required field 'hint'",
    ),
    (
        "missing id",
        bank_text(CHOICE.replace("- id: q1\n      type", "- type")),
        "banks/t.yaml:4: question #1: missing required field 'id'",
    ),
    (
        "missing bank field",
        bank_text(CHOICE, head="bank: demo\nquestions:\n"),
        "banks/t.yaml:1: missing required field 'title'",
    ),
    (
        "missing questions",
        "bank: demo\ntitle: Demo\n",
        "banks/t.yaml:1: missing required field 'questions'",
    ),
    (
        "no questions",
        "bank: demo\ntitle: Demo\nquestions: []\n",
        "banks/t.yaml:3: 'questions' must be a list of at least one question",
    ),
    (
        "wrong type, text",
        bank_text(CHOICE.replace("prompt: Pick one", "prompt: [a, b]")),
        "banks/t.yaml:7: question 'q1': 'prompt' must be text, not a list",
    ),
    (
        "wrong type, mapping",
        bank_text(CHOICE.replace("options: {A: one, B: two, C: three}", "options: one")),
        "banks/t.yaml:8: question 'q1': 'options' must be a mapping, not 'one'",
    ),
    (
        "wrong type, bank title",
        bank_text(CHOICE, head="bank: demo\ntitle: {a: b}\nquestions:\n"),
        "banks/t.yaml:2: 'title' must be text, not a mapping",
    ),
    (
        "empty text",
        bank_text(CHOICE.replace("hint: Think", "hint:")),
        "banks/t.yaml:10: question 'q1': 'hint' is empty",
    ),
    (
        "question not a mapping",
        bank_text("- just text"),
        "banks/t.yaml:4: question #1: a question must be a mapping of its fields, not 'just text'",
    ),
    (
        "bad bank slug",
        bank_text(CHOICE, head="bank: Demo Bank\ntitle: Demo\nquestions:\n"),
        "banks/t.yaml:1: 'bank' must be a slug (lowercase letters a-z, digits and '-'); "
        "got 'Demo Bank'",
    ),
    (
        "bad question slug",
        bank_text(CHOICE.replace("id: q1", "id: Q_1")),
        "banks/t.yaml:4: question 'Q_1': 'id' must be a slug (lowercase letters a-z, digits "
        "and '-'); got 'Q_1'",
    ),
    (
        "duplicate question id",
        bank_text(CHOICE, CHOICE),
        "banks/t.yaml:11: question 'q1': duplicate question id 'q1' (first at line 4)",
    ),
    (
        "duplicate key in a question",
        bank_text(CHOICE + "      hint: Again\n"),
        "banks/t.yaml:11: question 'q1': duplicate key 'hint' (first at line 10)",
    ),
    (
        "duplicate key in the bank",
        bank_text(CHOICE, head="bank: demo\ntitle: Demo\ntitle: Again\nquestions:\n"),
        "banks/t.yaml:3: duplicate key 'title' (first at line 2)",
    ),
    (
        "fewer than 2 options",
        bank_text(CHOICE.replace("{A: one, B: two, C: three}", "{A: one}")),
        "banks/t.yaml:8: question 'q1': 'options' must have 2 to 5 entries; got 1",
    ),
    (
        "more than 5 options",
        bank_text(CHOICE.replace("C: three}", "C: c, D: d, E: e, F: f}")),
        "banks/t.yaml:8: question 'q1': 'options' must have 2 to 5 entries; got 6",
    ),
    (
        "options with a gap",
        bank_text(CHOICE.replace("C: three", "D: four")),
        "banks/t.yaml:8: question 'q1': 'options' must be lettered A, B, C, ... in order "
        "without gaps; got A, B, D",
    ),
    (
        "answer not an option",
        bank_text(CHOICE.replace("answer: A", "answer: D")),
        "banks/t.yaml:9: question 'q1': answer 'D' is not one of the options A-C",
    ),
    (
        "answer not a letter",
        bank_text(CHOICE.replace("answer: A", "answer: a")),
        "banks/t.yaml:9: question 'q1': 'answer' must be option letters A to E; got 'a'",
    ),
    (
        "choice with 2 answer letters",
        bank_text(CHOICE.replace("answer: A", "answer: [A, B]")),
        "banks/t.yaml:9: question 'q1': a choice question has exactly one answer letter; "
        "got 2 (A, B)",
    ),
    (
        "blank gap",
        bank_text(FILL.replace("[2]", "[3]")),
        "banks/t.yaml:7: question 'f1': blanks must be numbered [1] to [n] without gaps; "
        "found [1], [3]",
    ),
    (
        "more than 3 blanks",
        bank_text(FILL.replace("[2]", "[2] [3] [4]")),
        "banks/t.yaml:7: question 'f1': at most 3 blanks per question; found [1], [2], [3], [4]",
    ),
    (
        "answer count differs from blanks",
        bank_text(FILL.replace("answer: [A, B]", "answer: [A]")),
        "banks/t.yaml:9: question 'f1': 2 blank(s) ([1], [2]) but 1 answer letter(s) (A); "
        "give one letter per blank, in order",
    ),
    (
        "fill_blank without blanks",
        bank_text(FILL.replace("Fill [1] and [2]", "Fill it")),
        "banks/t.yaml:7: question 'f1': a fill_blank question needs blanks [1], [2], ... "
        "in its prompt or code",
    ),
    (
        "difficulty out of range",
        bank_text(CHOICE.replace("difficulty: easy", "difficulty: extreme")),
        "banks/t.yaml:6: question 'q1': 'difficulty' must be 'easy', 'medium' or 'hard'; "
        "got 'extreme'",
    ),
    (
        "unknown type",
        bank_text(CHOICE.replace("type: choice", "type: multi")),
        "banks/t.yaml:5: question 'q1': 'type' must be 'fill_blank' or 'choice'; got 'multi'",
    ),
    (
        "bank attempts 0",
        bank_text(CHOICE, head="bank: demo\ntitle: Demo\nattempts: 0\nquestions:\n"),
        "banks/t.yaml:3: 'attempts' must be a whole number from 1 to 10; got '0'",
    ),
    (
        "bank attempts 11",
        bank_text(CHOICE, head="bank: demo\ntitle: Demo\nattempts: 11\nquestions:\n"),
        "banks/t.yaml:3: 'attempts' must be a whole number from 1 to 10; got '11'",
    ),
    (
        "question attempts 0",
        bank_text(CHOICE + "      attempts: 0\n"),
        "banks/t.yaml:11: question 'q1': 'attempts' must be a whole number from 1 to 10; got '0'",
    ),
    (
        "question attempts 11",
        bank_text(CHOICE + "      attempts: 11\n"),
        "banks/t.yaml:11: question 'q1': 'attempts' must be a whole number from 1 to 10; got '11'",
    ),
    (
        "attempts not a number",
        bank_text(CHOICE + "      attempts: 2.5\n"),
        "banks/t.yaml:11: question 'q1': 'attempts' must be a whole number from 1 to 10; got '2.5'",
    ),
    (
        "unknown key in the bank",
        bank_text(CHOICE, head="bank: demo\ntitle: Demo\ncolour: red\nquestions:\n"),
        "banks/t.yaml:3: unknown key 'colour'",
    ),
    (
        "unknown key in a question",
        bank_text(CHOICE + "      hnit: Think\n"),
        "banks/t.yaml:11: question 'q1': unknown key 'hnit' (did you mean 'hint'?)",
    ),
    (
        "unknown key in a solution",
        bank_text(CHOICE + "      solution:\n        steps: [Look]\n        finale: A\n"),
        "banks/t.yaml:13: question 'q1': unknown key 'solution.finale' (did you mean 'final'?)",
    ),
    (
        "unknown key in a step",
        bank_text(
            CHOICE + "      solution:\n        steps:\n          - {title: T, text: X, texts: Y}\n"
        ),
        "banks/t.yaml:13: question 'q1': unknown key 'solution.steps#1.texts' "
        "(did you mean 'text'?)",
    ),
    (
        "step of the wrong type",
        bank_text(CHOICE + "      solution:\n        steps:\n          - Fine\n          - [x]\n"),
        "banks/t.yaml:14: question 'q1': 'solution.steps#2' must be text or a mapping "
        "with 'title' and 'text'",
    ),
    (
        "explanation for a non-option letter",
        bank_text(CHOICE + "      explanations: {E: Nope}\n"),
        "banks/t.yaml:11: question 'q1': explanation for 'E', which is not one of the options A-C",
    ),
    (
        "explanation for the correct letter",
        bank_text(CHOICE + "      explanations: {A: Right}\n"),
        "banks/t.yaml:11: question 'q1': explanation for 'A', the correct answer; "
        "explanations are for wrong options",
    ),
    (
        "YAML syntax error",
        "bank: demo\ntitle: Demo\n  colour: red\nquestions: []\n",
        "banks/t.yaml:3: YAML syntax error: mapping values are not allowed in this context",
    ),
    (
        "unclosed flow sequence",
        "bank: demo\ntitle: [Demo\n",
        "banks/t.yaml:3: YAML syntax error: did not find expected ',' or ']' "
        "(while parsing a flow sequence started at line 2)",
    ),
    (
        "empty file",
        "# nothing yet\n",
        "banks/t.yaml:1: the file is empty; a bank file must be a mapping with bank, title "
        "and questions",
    ),
    (
        "not a mapping",
        "- bank: demo\n",
        "banks/t.yaml:1: a bank file must be a mapping with bank, title and questions",
    ),
    (
        "control character",
        "bank: demo\ntitle: \x07\n",
        "banks/t.yaml:2: YAML error: unacceptable character #x0007: control characters are not "
        "allowed",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [case[1:] for case in FAILURES], ids=[case[0] for case in FAILURES]
)
def test_rule_is_reported(text: str, expected: str) -> None:
    assert issues_of(text) == [expected]


def test_choice_code_may_index_with_brackets() -> None:
    code = "      code: |\n        x = [10, 20]\n        print(x[1])\n"
    bank = parse_bank(bank_text(CHOICE + code), PATH)
    assert bank.questions[0].blanks == 0
    assert bank.questions[0].code == "x = [10, 20]\nprint(x[1])\n"


def test_blanks_may_be_in_code_and_repeat() -> None:
    text = FILL.replace("Fill [1] and [2]", "Complete [1]") + "      code: f([1], [2])\n"
    bank = parse_bank(bank_text(text), PATH)
    assert bank.questions[0].answer == ("A", "B")


def test_duplicate_bank_slug_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(bank_text(CHOICE))
    (tmp_path / "b.yml").write_text("# another\n" + bank_text(FILL))
    banks, issues = load_banks([tmp_path])
    assert [bank.path for bank in banks] == [str(tmp_path / "a.yaml")]
    assert [str(issue) for issue in issues] == [
        f"{tmp_path / 'b.yml'}:2: bank 'demo' is already defined in {tmp_path / 'a.yaml'}"
    ]


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    banks, issues = load_banks([missing])
    assert banks == []
    assert issues == [BankIssue(str(missing), 0, None, "no such file or directory")]
    assert str(issues[0]) == f"{missing}: no such file or directory"
    with pytest.raises(BankLoadError, match="no such file or directory"):
        load_bank(missing)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"bank: demo\ntitle: caf\xe9\n")
    assert [str(issue) for issue in load_banks([path])[1]] == [f"{path}:2: not valid UTF-8 text"]


def test_directory_is_sorted_non_recursive_and_skips_dot_files(tmp_path: Path) -> None:
    for name, slug in [("b.yaml", "b"), ("a.yml", "a"), (".#c.yaml", "c"), ("d.txt", "d")]:
        (tmp_path / name).write_text(bank_text(CHOICE).replace("demo", slug))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "e.yaml").write_text(bank_text(CHOICE).replace("demo", "e"))
    banks, issues = load_banks([tmp_path, tmp_path / "b.yaml", tmp_path / "d.txt"])
    assert issues == []
    assert [bank.id for bank in banks] == ["a", "b", "d"]  # b.yaml named twice loads once


def test_bank_issue_without_question_or_line() -> None:
    assert str(BankIssue("x.yaml", 3, None, "boom")) == "x.yaml:3: boom"
    assert str(BankIssue("x.yaml", 3, "#2", "boom")) == "x.yaml:3: question #2: boom"
    assert str(BankIssue("x.yaml", 3, "q", "boom")) == "x.yaml:3: question 'q': boom"


# --- (3) texts stay exactly as written -------------------------------------------------------

TRICKY = """
bank: tricky
title: yes
questions:
  - id: tricky
    type: choice
    difficulty: easy
    prompt: 1.0
    options:
      A: yes
      B: no
      C: on
      D: off
      E: true
    answer: A
    hint: 0123
    mistakes: [No, 1e3, 0x1F, .inf, 2024-01-01, 12:30, "null", '~', 'true']
    explanations:
      B: null-ish
      C: "null"
    solution:
      steps:
        - off
        - {title: "~", text: 1.0}
        - title: ~
          text: 'null'
      final: ON
      check: 007
    tags: [n, y, "", "Null"]
"""


@pytest.fixture(params=["CSafeLoader", "SafeLoader"])
def yaml_loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run with libyaml's loader and with the pure-Python one (where libyaml is missing)."""
    loader = getattr(yaml, request.param, None)
    if loader is None:
        pytest.skip(f"yaml.{request.param} is not available")
    monkeypatch.setattr("bot.core.banks._Loader", loader)


@pytest.mark.usefixtures("yaml_loader")
def test_texts_are_kept_exactly() -> None:
    question = parse_bank(TRICKY.replace(', ""', ""), PATH).questions[0]
    assert question.options == {"A": "yes", "B": "no", "C": "on", "D": "off", "E": "true"}
    assert (question.prompt, question.hint) == ("1.0", "0123")
    mistakes = ("No", "1e3", "0x1F", ".inf", "2024-01-01", "12:30", "null", "~", "true")
    assert question.mistakes == mistakes
    assert question.explanations == {"B": "null-ish", "C": "null"}
    steps = (Step("off"), Step("1.0", title="~"), Step("null", title=None))
    assert question.solution == Solution(steps, final="ON", check="007")
    assert question.tags == ("n", "y", "Null")


def test_empty_quoted_text_is_empty() -> None:
    assert issues_of(TRICKY) == ["banks/t.yaml:29: question 'tricky': 'tags#3' is empty"]


@pytest.mark.usefixtures("yaml_loader")
def test_plain_null_is_no_text() -> None:
    issues = issues_of(TRICKY.replace(', ""', "").replace("E: true", "E: null"))
    assert issues == ["banks/t.yaml:14: question 'tricky': 'options.E' is empty"]


# --- (4) all errors of a file, and no half-loaded bank ---------------------------------------


def test_every_error_of_a_file_is_listed(tmp_path: Path) -> None:
    bad_choice = CHOICE.replace("answer: A", "answer: E") + "      hnit: x\n"
    bad_fill = FILL.replace("- id: f1\n      type", "- type").replace("[2]", "[3]")
    good = CHOICE.replace("id: q1", "id: fine")
    text = bank_text(bad_choice, good, bad_fill, head="bank: demo\ntitle:\nquestions:\n")
    expected = [
        "banks/t.yaml:2: 'title' is empty",
        "banks/t.yaml:9: question 'q1': answer 'E' is not one of the options A-C",
        "banks/t.yaml:11: question 'q1': unknown key 'hnit' (did you mean 'hint'?)",
        "banks/t.yaml:19: question #3: missing required field 'id'",
        "banks/t.yaml:21: question #3: blanks must be numbered [1] to [n] without gaps; "
        "found [1], [3]",
    ]
    assert issues_of(text) == expected
    assert str(BankLoadError([BankIssue(PATH, 1, None, "a"), BankIssue(PATH, 2, "q", "b")])) == (
        "banks/t.yaml:1: a\nbanks/t.yaml:2: question 'q': b"
    )
    (tmp_path / "bad.yaml").write_text(text)
    (tmp_path / "good.yaml").write_text(bank_text(FILL, head="bank: ok\ntitle: Ok\nquestions:\n"))
    banks, issues = load_banks([tmp_path])
    assert [bank.id for bank in banks] == ["ok"]  # the failing bank yields nothing at all
    assert [str(issue) for issue in issues] == [
        line.replace("banks/t.yaml", str(tmp_path / "bad.yaml")) for line in expected
    ]
    with pytest.raises(BankLoadError) as failure:
        load_bank(tmp_path / "bad.yaml")
    assert len(failure.value.issues) == len(expected)


def test_attempts_and_lines() -> None:
    head = "bank: demo\ntitle: Demo\nattempts: 5\nquestions:\n"
    text = bank_text(CHOICE, FILL + "      attempts: 2\n", head=head)
    bank = parse_bank(text, PATH)
    assert bank.attempts == 5
    assert [(q.attempts, q.line) for q in bank.questions] == [(5, 5), (2, 12)]
    default = parse_bank(bank_text(CHOICE), PATH)
    assert (default.attempts, default.questions[0].attempts) == (3, 3)
    assert default.path == PATH


def test_shuffle_defaults_on_and_may_opt_out() -> None:
    bank = parse_bank(bank_text(CHOICE, FILL + "      shuffle: false\n"), PATH)
    assert [q.shuffle for q in bank.questions] == [True, False]
    assert any(
        "must be true or false; got 'no'" in issue
        for issue in issues_of(bank_text(CHOICE + "      shuffle: no\n"))
    )


# --- (5) the JSON Schema ---------------------------------------------------------------------


def test_schema_file_is_current() -> None:
    schema = bank_json_schema()
    assert json.loads((BANKS_DIR / "schema.json").read_text(encoding="utf-8")) == schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] and schema["description"]


def test_write_schema(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    assert main(["--write-schema", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert text == (BANKS_DIR / "schema.json").read_text(encoding="utf-8")
    write_schema(target)
    assert target.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_bank_matches_schema(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(bank_json_schema())
    # Editors read the file as plain YAML (0.27 a number), which the schema allows for texts.
    assert [
        error.message for error in validator.iter_errors(yaml.safe_load(path.read_text()))
    ] == []
    assert not validator.is_valid({"bank": "x", "title": "t", "questions": [], "extra": 1})


# --- (6) round trip of random valid questions ------------------------------------------------

PLAIN = ["yes", "no", "on", "off", "true", "False", "Y", "n", "1.0", "0123", "1e3", ".inf", "12:30"]
BLANK = re.compile(r"\[(\d+)\]")


def scalar(text: str) -> str:
    """``text`` as YAML: plain when it is one of the words YAML would mangle, else quoted."""
    if text in PLAIN:
        return text
    escaped = (ch if ch.isprintable() and ch not in '"\\' else f"\\U{ord(ch):08x}" for ch in text)
    return '"' + "".join(escaped) + '"'


texts = st.one_of(
    st.sampled_from([*PLAIN, "null", "~", "Null"]), st.text(min_size=1).filter(str.strip)
)
no_blank_texts = texts.filter(lambda text: not BLANK.search(text))


@st.composite
def question_specs(draw: st.DrawFn, index: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(list(QuestionType)))
    letters = "ABCDE"[: draw(st.integers(2, 5))]
    blanks = 0 if kind is QuestionType.CHOICE else draw(st.integers(1, 3))
    answer = draw(st.lists(st.sampled_from(letters), min_size=max(blanks, 1), max_size=blanks or 1))
    prompt = draw(no_blank_texts)
    prompt += "".join(f" [{n}]" for n in range(1, blanks + 1))
    wrong = [letter for letter in letters if kind is QuestionType.FILL_BLANK or letter != answer[0]]
    step = st.one_of(texts, st.tuples(st.none() | texts, texts))
    return {
        "id": f"q-{index}",
        "type": kind,
        "difficulty": draw(st.sampled_from(list(Difficulty))),
        "prompt": prompt,
        "code": draw(st.none() | no_blank_texts),
        "options": {letter: draw(texts) for letter in letters},
        "answer": answer,
        "hint": draw(texts),
        "mistakes": draw(st.lists(texts, max_size=3)),
        "explanations": {letter: draw(texts) for letter in draw(st.sets(st.sampled_from(wrong)))},
        "steps": draw(st.none() | st.lists(step, max_size=3)),
        "final": draw(st.none() | texts),
        "attempts": draw(st.none() | st.integers(1, 10)),
        "tags": draw(st.lists(texts, max_size=2)),
    }


def render(title: str, attempts: int | None, specs: list[dict[str, Any]]) -> tuple[str, list[int]]:
    lines = ["bank: prop", f"title: {scalar(title)}", "questions:"]
    if attempts is not None:
        lines.insert(2, f"attempts: {attempts}")
    starts = []
    for spec in specs:
        starts.append(len(lines) + 1)
        lines += [f"  - id: {spec['id']}", f"    type: {spec['type']}"]
        lines.append(f"    difficulty: {spec['difficulty']}")
        for key in ("prompt", "code", "hint"):
            if spec[key] is not None:
                lines.append(f"    {key}: {scalar(spec[key])}")
        for key in ("options", "explanations"):
            if spec[key]:
                lines.append(f"    {key}:")
                lines += [f"      {letter}: {scalar(text)}" for letter, text in spec[key].items()]
        lines.append(f"    answer: [{', '.join(spec['answer'])}]")
        for key in ("mistakes", "tags"):
            if spec[key]:
                lines.append(f"    {key}:")
                lines += [f"      - {scalar(text)}" for text in spec[key]]
        if spec["steps"] is not None or spec["final"] is not None:
            lines.append("    solution:")
            if spec["final"] is not None:
                lines.append(f"      final: {scalar(spec['final'])}")
            lines.append("      steps:")
            for step in spec["steps"] or []:
                if isinstance(step, str):
                    lines.append(f"        - {scalar(step)}")
                else:
                    title_part = f"title: {scalar(step[0])}, " if step[0] is not None else ""
                    lines.append(f"        - {{{title_part}text: {scalar(step[1])}}}")
            if not spec["steps"]:
                lines[-1] += " []"
        if spec["attempts"] is not None:
            lines.append(f"    attempts: {spec['attempts']}")
    return "\n".join(lines) + "\n", starts


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=texts,
    bank_attempts=st.none() | st.integers(1, 10),
    specs=st.integers(1, 3).flatmap(
        lambda count: st.tuples(*(question_specs(index) for index in range(count)))
    ),
)
def test_random_valid_banks_round_trip(
    title: str, bank_attempts: int | None, specs: tuple[dict[str, Any], ...]
) -> None:
    text, starts = render(title, bank_attempts, list(specs))
    bank = parse_bank(text, "prop.yaml")
    assert bank.title == title
    for spec, start, question in zip(specs, starts, bank.questions, strict=True):
        assert (question.id, question.type, question.difficulty, question.line) == (
            spec["id"],
            spec["type"],
            spec["difficulty"],
            start,
        )
        assert (question.prompt, question.code, question.hint) == (
            spec["prompt"],
            spec["code"],
            spec["hint"],
        )
        assert question.options == spec["options"]
        assert question.answer == tuple(spec["answer"])
        assert question.mistakes == tuple(spec["mistakes"])
        assert question.explanations == spec["explanations"]
        assert question.tags == tuple(spec["tags"])
        assert question.attempts == (spec["attempts"] or bank_attempts or 3)
        if spec["steps"] is None and spec["final"] is None:
            assert question.solution is None
        else:
            steps = tuple(
                Step(step) if isinstance(step, str) else Step(step[1], title=step[0])
                for step in spec["steps"] or []
            )
            assert question.solution == Solution(steps, final=spec["final"])


def test_banks_readme_table_matches_the_banks() -> None:
    """The summary table in banks/README.md is kept in step with the files."""
    readme = (BANKS_DIR / "README.md").read_text(encoding="utf-8")
    banks, issues = load_banks([BANKS_DIR])
    assert not issues
    for bank in banks:
        fill = sum(q.type.value == "fill_blank" for q in bank.questions)
        row = f"| `{bank.id}` | {bank.title} | {len(bank.questions)} | {fill} |"
        assert row in readme, f"banks/README.md has no up-to-date row for {bank.id}"


def test_the_library_covers_every_pattern_with_a_full_mix() -> None:
    banks, issues = load_banks([BANKS_DIR])
    assert not issues
    assert len(banks) >= 6
    assert sum(len(bank.questions) for bank in banks) >= 60
    for bank in banks:
        assert len(bank.questions) >= 10, bank.id
        assert {q.type.value for q in bank.questions} == {"fill_blank", "choice"}, bank.id
        assert {q.difficulty.value for q in bank.questions} == {"easy", "medium", "hard"}, bank.id
        for question in bank.questions:
            assert question.mistakes, f"{bank.id}/{question.id} has no common mistakes"
            if question.type.value == "choice":
                assert question.solution and question.solution.steps, question.id
                assert question.solution.final and question.solution.check, question.id
