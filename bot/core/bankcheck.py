"""Checks that a bank can be answered only by knowing the subject, not by reading its shape.

A player who knows nothing should not win by picking the longest option, by reading the hint
(which restates the key), by the letters a text names (rounds shuffle the options, so "option D"
is wrong in most of them) or by spotting the one option that appears twice. These run on banks
that loaded; ``quizbot banks check`` prints them as warnings, and as failures with ``--strict``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.core.bankfile import Loc, field_path
from bot.core.banks import BankIssue, BankSource
from bot.core.models import Question, QuestionType

ALL_BANKS = "all banks"
MAX_BIAS = 0.35
"""A bank whose key is strictly the longest (or shortest) option in more than this share of its
choice questions fails ``--strict``: with 4 options a fair bank is near 25%, and below."""

# A key whose text is one of these alone ("A", "1", "all", "none") turns up in ordinary sentences;
# finding it in a hint says nothing about the answer.
_COMMON = """
a an the and or but not no yes of to in on at by for with from as is are was be been it its
this that these those there here all any both each every none some one two three four five
more less most least few many much same other only also than then true false on off up down
do does did done can could will would should may might must have has had if so very too
"""
COMMON_WORDS = frozenset(_COMMON.split())

# "option D", "answer: C", "options A and B", "-> B", "(B)": a letter means nothing once
# shuffled. The letter must be a capital standing alone, so "a model" or "(Adam)" do not count.
_LETTER_REF = re.compile(
    r"(?i:\b(?:options?|answers?|choices?|letters?)\b(?:\s+(?:is|was|are))?[\s:]+)\(?[A-E](?![\w-])"
    r"|(?:->|=>|→)\s*\(?[A-E](?![\w-])"
    r"|(?<![\w)\]])\([A-E]\)"
)


class Kind(StrEnum):
    BIAS = "bias"
    GIVEAWAY = "giveaway"
    DUPLICATE = "duplicate"
    LETTER = "letter"


@dataclass(frozen=True, slots=True)
class Finding:
    kind: Kind
    issue: BankIssue


@dataclass(frozen=True, slots=True)
class Shape:
    """The countable shape of a bank (or of all of them): which keys stand out by length, which
    questions keep their options in the bank's order."""

    name: str
    path: str
    """The bank's file, or "all banks"; findings name the same."""
    questions: int
    choice: int
    key_longest: tuple[str, ...]
    key_shortest: tuple[str, ...]
    fixed_order: tuple[str, ...]

    @property
    def longest_share(self) -> float:
        return len(self.key_longest) / self.choice if self.choice else 0.0

    @property
    def shortest_share(self) -> float:
        return len(self.key_shortest) / self.choice if self.choice else 0.0


@dataclass(frozen=True, slots=True)
class CheckReport:
    banks: tuple[Shape, ...]
    total: Shape
    findings: tuple[Finding, ...]

    def count(self, kind: Kind, path: str | None = None) -> int:
        """Findings of ``kind``, in the bank file ``path`` or in all."""
        return sum(
            1
            for finding in self.findings
            if finding.kind is kind and (path is None or finding.issue.path == path)
        )


def normalize(text: str) -> str:
    """Case and whitespace do not make two texts different."""
    return " ".join(text.split()).casefold()


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def is_common(text: str) -> bool:
    """A text too ordinary to give anything away when a sentence contains it."""
    norm = normalize(text)
    return len(norm) <= 1 or norm in COMMON_WORDS


def _pattern(text: str) -> re.Pattern[str]:
    # Whole words only: the key "step" is not in "steps", the key "A" is not in "Adam".
    return re.compile(rf"(?<!\w){re.escape(normalize(text))}(?!\w)")


def contains_key(text: str, question: Question) -> bool:
    """Whether ``text`` restates the key: a choice key's option text, or every fill_blank key
    option in blank order. Keys whose texts are all common words never count."""
    keys = [question.options[letter] for letter in question.answer if letter in question.options]
    if not keys or all(is_common(key) for key in keys):
        return False
    haystack, start = normalize(text), 0
    for key in keys:
        found = _pattern(key).search(haystack, start)
        if found is None:
            return False
        start = found.end()
    return True


def _length(text: str) -> int:
    return len(" ".join(text.split()))


def key_stands_out(question: Question) -> tuple[bool, bool]:
    """(key strictly the longest option, key strictly the shortest) for a choice question."""
    if question.type is not QuestionType.CHOICE:
        return False, False
    key = question.answer[0]
    mine = _length(question.options[key])
    others = [_length(text) for letter, text in question.options.items() if letter != key]
    return mine > max(others), mine < min(others)


def _texts(question: Question) -> Iterator[tuple[Loc, str]]:
    """Every text a player reads besides the options, with where it sits in the file."""
    yield ("prompt",), question.prompt
    yield ("hint",), question.hint
    for index, mistake in enumerate(question.mistakes):
        yield ("mistakes", index), mistake
    for letter, explanation in question.explanations.items():
        yield ("explanations", letter), explanation
    if question.solution is not None:
        for index, step in enumerate(question.solution.steps):
            if step.title is not None:
                yield ("solution", "steps", index, "title"), step.title
            yield ("solution", "steps", index, "text"), step.text
        if question.solution.final is not None:
            yield ("solution", "final"), question.solution.final
        if question.solution.check is not None:
            yield ("solution", "check"), question.solution.check


def _name(where: Loc) -> str:
    return field_path(where).replace("mistakes#", "mistake #")


def _question_findings(source: BankSource, index: int) -> Iterator[Finding]:
    question = source.bank.questions[index]
    path = source.bank.path

    def issue(kind: Kind, where: Loc, message: str) -> Finding:
        return Finding(kind, BankIssue(path, source.line(index, *where), question.id, message))

    readable: list[tuple[Loc, str]] = [(("hint",), question.hint)]
    readable.extend((("mistakes", i), mistake) for i, mistake in enumerate(question.mistakes))
    for where, text in readable:
        if contains_key(text, question):
            keys = ", ".join(f"'{question.options[letter]}'" for letter in question.answer)
            what = "the key option" if len(question.answer) == 1 else "every key option in order"
            yield issue(Kind.GIVEAWAY, where, f"{_name(where)} gives away {what} ({keys})")
    seen: dict[str, str] = {}
    for letter, text in question.options.items():
        first = seen.setdefault(normalize(text), letter)
        if first != letter:
            message = f"options {first} and {letter} are the same text ('{text}')"
            yield issue(Kind.DUPLICATE, ("options", letter), message)
    for where, text in _texts(question):
        found = _LETTER_REF.search(text)
        if found is not None:
            message = (
                f"{_name(where)} names an option by its letter ('{found.group(0).strip()}'); "
                "rounds shuffle the options, so name it by its text"
            )
            yield issue(Kind.LETTER, where, message)


def _shape(name: str, path: str, questions: Sequence[Question]) -> Shape:
    longest, shortest = [], []
    for question in questions:
        is_longest, is_shortest = key_stands_out(question)
        if is_longest:
            longest.append(question.id)
        if is_shortest:
            shortest.append(question.id)
    return Shape(
        name=name,
        path=path,
        questions=len(questions),
        choice=sum(1 for q in questions if q.type is QuestionType.CHOICE),
        key_longest=tuple(longest),
        key_shortest=tuple(shortest),
        fixed_order=tuple(q.id for q in questions if not q.shuffle),
    )


def _bias(shape: Shape, line: int) -> Iterator[Finding]:
    for which, share, ids in (
        ("longest", shape.longest_share, shape.key_longest),
        ("shortest", shape.shortest_share, shape.key_shortest),
    ):
        if share > MAX_BIAS:
            message = (
                f"the key is strictly the {which} option in {len(ids)} of {shape.choice} choice "
                f"questions ({share:.0%}, over {MAX_BIAS:.0%})"
            )
            if shape.path != ALL_BANKS:  # each bank's own line names its questions
                message += f": {', '.join(ids)}"
            yield Finding(Kind.BIAS, BankIssue(shape.path, line, None, message))


def check_banks(sources: Sequence[BankSource]) -> CheckReport:
    """Every finding of every bank, and each bank's shape and the whole set's."""
    findings: list[Finding] = []
    shapes: list[Shape] = []
    for source in sources:
        bank = source.bank
        shape = _shape(bank.id, bank.path, bank.questions)
        shapes.append(shape)
        findings.extend(_bias(shape, source.lines.get(("bank",), 1)))
        for index in range(len(bank.questions)):
            findings.extend(_question_findings(source, index))
    every = [question for source in sources for question in source.bank.questions]
    total = _shape("all banks", ALL_BANKS, every)
    if len(sources) > 1:
        findings.extend(_bias(total, 0))
    return CheckReport(tuple(shapes), total, tuple(findings))
