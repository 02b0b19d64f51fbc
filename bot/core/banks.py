"""Load and validate question banks (``banks/*.yaml``) into ``Bank`` values.

Every problem of a file is reported, each naming the file, the line and the question, and a file
with any problem yields no ``Bank`` at all. Scalars are never built by YAML's constructors (which
turn ``yes`` into ``True`` and ``1.0`` into a float): the document is composed into nodes and each
scalar's text is kept as written. The file format itself lives in ``bot.core.bankfile``.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.core.bankfile import (
    DEFAULT_ATTEMPTS,
    BankHeader,
    Loc,
    QuestionFile,
    bank_json_schema,
    cross_checks,
    humanize,
)
from bot.core.models import Bank, Difficulty, Question, QuestionType, Solution, Step

__all__ = [
    "BankIssue",
    "BankLoadError",
    "BankSource",
    "bank_json_schema",
    "load_bank",
    "load_bank_sources",
    "load_banks",
    "parse_bank",
    "parse_bank_source",
    "summarize",
    "write_schema",
]

_NULL_TAG = "tag:yaml.org,2002:null"
# Aliases can expand a small file into a huge tree ("billion laughs"). Only what aliases add
# counts against this, so a bank of any honest size loads; no real bank gets close.
_MAX_EXPANDED = 200_000

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# A tag starts with "!" after a space, a flow indicator or a line start; "Correct!" cannot be one.
_TAG_LIKE = re.compile(r"(?:^|[\s\[{,])!", re.MULTILINE)
_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class BankIssue:
    """One problem in a bank file. ``line`` is 0 when no line applies (e.g. a missing file)."""

    path: str
    line: int
    question: str | None
    """The question's id, or ``#3`` (its position) when it has no usable id."""
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line > 0 else self.path
        if self.question is None:
            return f"{where}: {self.message}"
        label = self.question if re.fullmatch(r"#\d+", self.question) else f"'{self.question}'"
        return f"{where}: question {label}: {self.message}"


class BankLoadError(Exception):
    """A bank file failed; ``issues`` lists every problem found in it."""

    def __init__(self, issues: Sequence[BankIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(map(str, self.issues)))


class _Tree:
    """Turns composed YAML nodes into dicts, lists and exact ``str`` scalars, with their lines."""

    def __init__(self) -> None:
        self.lines: dict[Loc, int] = {}
        self.problems: list[tuple[Loc, int, str]] = []
        self._seen: set[int] = set()
        self._expanded = 0

    def convert(
        self,
        node: yaml.Node,
        loc: Loc,
        parents: frozenset[int] = frozenset(),
        aliased: bool = False,
    ) -> object:
        self.lines.setdefault(loc, node.start_mark.line + 1)
        # A node met a second time is an alias: it and everything under it are copies.
        if not aliased and id(node) in self._seen:
            aliased = True
        if aliased:
            self._expanded += 1
            if self._expanded > _MAX_EXPANDED:
                raise _TooLarge
        else:
            self._seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            # Plain style is None in the Python loader and "" in the C one.
            if node.tag == _NULL_TAG and not node.style:
                return None
            return str(node.value)
        if id(node) in parents:
            self.problems.append((loc, self.lines[loc], "an alias refers to its own parent"))
            return None
        parents = parents | {id(node)}
        if isinstance(node, yaml.SequenceNode):
            return [
                self.convert(item, (*loc, i), parents, aliased) for i, item in enumerate(node.value)
            ]
        result: dict[str, object] = {}
        first_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append((loc, key_line, "a key must be plain text"))
                continue
            key = str(key_node.value)
            if key in first_lines:
                message = f"duplicate key '{key}' (first at line {first_lines[key]})"
                self.problems.append(((*loc, key), key_line, message))
                continue
            first_lines[key] = key_line
            self.lines[(*loc, key)] = key_line
            result[key] = self.convert(value_node, (*loc, key), parents, aliased)
        return result

    def line(self, loc: Loc) -> int:
        """The line of ``loc``, or of its nearest parent present in the file."""
        while loc and loc not in self.lines:
            loc = loc[:-1]
        return self.lines.get(loc, 1)


class _TooLarge(Exception):
    pass


@dataclass(frozen=True, slots=True)
class BankSource:
    """A loaded bank with the line of every field of its file, for checks that run after loading
    (``bot.core.bankcheck``) and name the line of a hint or an explanation, not just the question.
    """

    bank: Bank
    lines: Mapping[Loc, int]
    """("questions", 2, "hint") -> its line; see ``line``."""

    def line(self, index: int, *where: str | int) -> int:
        """The line of field ``where`` of question ``index`` (0-based), or of its nearest parent
        in the file (the question's own line for a field it leaves out)."""
        loc: Loc = ("questions", index, *where)
        while len(loc) > 2 and loc not in self.lines:
            loc = loc[:-1]
        return self.lines.get(loc, self.bank.questions[index].line)


@dataclass(slots=True)
class _Parsed:
    bank: Bank | None
    issues: list[BankIssue]
    bank_line: int = 1
    lines: Mapping[Loc, int] = field(default_factory=dict)


def _explicit_tags(text: str, path: str) -> list[BankIssue]:
    """Every explicit tag (``!!binary``, ``!!python/str``, ``!custom``, ``!``): a bank is plain
    text, and a tag would make a value mean something other than what it says. The composed
    nodes cannot tell ``!!str x`` from ``x``, so the events are read."""
    if _TAG_LIKE.search(text) is None:
        return []  # reading the events again costs as much as composing: skip it when we can
    issues = []
    for event in yaml.parse(text, Loader=_Loader):
        tag = getattr(event, "tag", None)
        if tag is not None and isinstance(event, yaml.NodeEvent):
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            message = f"YAML tags are not allowed (found {shown}): write the value as plain text"
            line = event.start_mark.line + 1 if event.start_mark is not None else 1
            issues.append(BankIssue(path, line, None, message))
    return issues


def _compose(text: str, path: str) -> tuple[yaml.Node | None, list[BankIssue]]:
    try:
        tags = _explicit_tags(text, path)
        if tags:
            return None, tags
        return yaml.compose(text, Loader=_Loader), []
    except yaml.MarkedYAMLError as exc:
        mark, context = exc.problem_mark or exc.context_mark, exc.context_mark
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.problem and exc.context and context is not None:
            message += f" ({exc.context} started at line {context.line + 1})"
        line = mark.line + 1 if mark is not None else 1
        return None, [BankIssue(path, line, None, message)]
    except yaml.YAMLError as exc:  # e.g. a control character: a ReaderError has no mark
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else 1
        return None, [BankIssue(path, line, None, f"YAML error: {str(exc).splitlines()[0]}")]


class _Issues:
    """Collects a file's issues, placing each on its line and naming its question."""

    def __init__(self, path: str, tree: _Tree, items: object) -> None:
        self.path, self.tree, self.found = path, tree, list[BankIssue]()
        self.labels: list[str] = []
        for index, item in enumerate(items if isinstance(items, list) else []):
            question_id = item.get("id") if isinstance(item, dict) else None
            if isinstance(question_id, str) and question_id.strip():
                self.labels.append(question_id)
            else:
                self.labels.append(f"#{index + 1}")

    def add(self, loc: Loc, message: str, line: int | None = None) -> None:
        index = loc[1] if len(loc) > 1 and loc[0] == "questions" else None
        label = self.labels[index] if isinstance(index, int) else None
        self.found.append(BankIssue(self.path, line or self.tree.line(loc), label, message))

    def validate(self, model: type[_M], data: object, loc: Loc) -> _M | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                self.add((*loc, *error["loc"]), humanize(error, model))
            return None


def _parse(text: str, path: str) -> _Parsed:
    root, failed = _compose(text, path)
    if failed:
        return _Parsed(None, failed)
    if not isinstance(root, yaml.MappingNode):
        line = root.start_mark.line + 1 if root is not None else 1
        message = "a bank file must be a mapping with bank, title and questions"
        if root is None:
            message = f"the file is empty; {message}"
        return _Parsed(None, [BankIssue(path, line, None, message)])
    tree = _Tree()
    try:
        data = tree.convert(root, ())
    except _TooLarge:
        message = f"aliases expand to more than {_MAX_EXPANDED} values"
        return _Parsed(None, [BankIssue(path, 1, None, message)])
    assert isinstance(data, dict)
    items = data.get("questions")
    issues = _Issues(path, tree, items)
    for loc, line, message in tree.problems:
        issues.add(loc, message, line)
    header = issues.validate(BankHeader, {k: v for k, v in data.items() if k != "questions"}, ())
    questions: list[QuestionFile] = []
    if "questions" not in data:
        issues.add((), "missing required field 'questions'")
    elif not isinstance(items, list) or not items:
        issues.add(("questions",), "'questions' must be a list of at least one question")
    else:
        first_lines: dict[str, int] = {}
        for index, item in enumerate(items):
            here: Loc = ("questions", index)
            question = issues.validate(QuestionFile, item, here)
            if question is not None:
                questions.append(question)
            if not isinstance(item, dict):
                continue
            for where, message in cross_checks(item):
                issues.add((*here, *where), message)
            question_id, id_line = item.get("id"), tree.line((*here, "id"))
            if isinstance(question_id, str) and question_id in first_lines:
                first = f"first at line {first_lines[question_id]}"
                issues.add((*here, "id"), f"duplicate question id '{question_id}' ({first})")
            elif isinstance(question_id, str):
                first_lines[question_id] = id_line
    if issues.found or header is None:
        return _Parsed(None, sorted(issues.found, key=lambda issue: issue.line))
    bank_attempts = header.attempts if header.attempts is not None else DEFAULT_ATTEMPTS
    built = tuple(
        _question(header.bank, bank_attempts, question, tree.line(("questions", index)))
        for index, question in enumerate(questions)
    )
    bank = Bank(header.bank, header.title, built, bank_attempts, header.category, path)
    return _Parsed(bank, [], tree.line(("bank",)), tree.lines)


def _question(bank: str, bank_attempts: int, source: QuestionFile, line: int) -> Question:
    solution = None
    if source.solution is not None:
        steps = tuple(Step(text=step.text, title=step.title) for step in source.solution.steps)
        solution = Solution(steps, source.solution.final, source.solution.check)
    return Question(
        bank=bank,
        id=source.id,
        type=source.type,
        difficulty=source.difficulty,
        prompt=source.prompt,
        options=dict(source.options),
        answer=tuple(source.answer),
        hint=source.hint,
        attempts=source.attempts if source.attempts is not None else bank_attempts,
        code=source.code,
        language=source.language,
        mistakes=tuple(source.mistakes),
        explanations=dict(source.explanations),
        solution=solution,
        tags=tuple(source.tags),
        shuffle=source.shuffle,
        line=line,
    )


def parse_bank(text: str, path: str) -> Bank:
    """Parse one bank from ``text``; ``path`` names it in messages. Raises ``BankLoadError``."""
    parsed = _parse(text, path)
    if parsed.bank is None:
        raise BankLoadError(parsed.issues)
    return parsed.bank


def parse_bank_source(text: str, path: str) -> BankSource:
    """``parse_bank`` keeping the lines of the fields. Raises ``BankLoadError``."""
    parsed = _parse(text, path)
    if parsed.bank is None:
        raise BankLoadError(parsed.issues)
    return BankSource(parsed.bank, parsed.lines)


def _read(path: Path) -> _Parsed:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return _Parsed(None, [BankIssue(str(path), 0, None, "no such file or directory")])
    except OSError as exc:
        return _Parsed(None, [BankIssue(str(path), 0, None, f"cannot read: {exc.strerror}")])
    except UnicodeDecodeError as exc:
        line = exc.object.count(b"\n", 0, exc.start) + 1
        return _Parsed(None, [BankIssue(str(path), line, None, "not valid UTF-8 text")])
    return _parse(text, str(path))


def load_bank(path: Path) -> Bank:
    """Load one bank file. Raises ``BankLoadError`` listing every issue of the file."""
    parsed = _read(path)
    if parsed.bank is None:
        raise BankLoadError(parsed.issues)
    return parsed.bank


def _bank_files(paths: Sequence[Path], issues: list[BankIssue]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = [*path.glob("*.yaml"), *path.glob("*.yml")]
            # Editors leave dot-files (.#bank.yaml locks, swap copies) next to the real ones.
            listed = sorted(f for f in found if not f.name.startswith("."))
            if not listed:
                message = "no bank files (*.yaml, *.yml) in this folder"
                issues.append(BankIssue(str(path.absolute()), 0, None, message))
            files.extend(listed)
        elif path.exists():
            files.append(path)
        else:
            # Absolute: a relative path is relative to wherever quizbot was started.
            issues.append(BankIssue(str(path.absolute()), 0, None, "no such file or directory"))
    return files


def load_banks(paths: Sequence[Path]) -> tuple[list[Bank], list[BankIssue]]:
    """Load every bank in ``paths`` (files, or directories of ``*.yaml``/``*.yml``).

    Returns the banks that loaded and every issue; a failing file contributes no bank, and a
    bank slug already taken by an earlier file fails the later one.
    """
    sources, issues = load_bank_sources(paths)
    return [source.bank for source in sources], issues


def load_bank_sources(paths: Sequence[Path]) -> tuple[list[BankSource], list[BankIssue]]:
    """``load_banks`` keeping the lines of every bank's fields."""
    issues: list[BankIssue] = []
    banks: list[BankSource] = []
    owners: dict[str, str] = {}
    seen: set[Path] = set()
    for path in _bank_files(paths, issues):
        if path.resolve() in seen:
            continue  # the same file named twice, e.g. `banks` and `banks/x.yaml`
        seen.add(path.resolve())
        parsed = _read(path)
        issues.extend(parsed.issues)
        if parsed.bank is None:
            continue
        if parsed.bank.id in owners:
            message = f"bank '{parsed.bank.id}' is already defined in {owners[parsed.bank.id]}"
            issues.append(BankIssue(str(path), parsed.bank_line, None, message))
            continue
        owners[parsed.bank.id] = str(path)
        banks.append(BankSource(parsed.bank, parsed.lines))
    return banks, issues


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _counts(questions: Sequence[Question]) -> str:
    kinds = Counter(question.type for question in questions)
    levels = Counter(question.difficulty for question in questions)
    by_kind = ", ".join(f"{kinds[kind]} {kind}" for kind in QuestionType)
    by_level = ", ".join(f"{levels[level]} {level}" for level in Difficulty)
    return f"{_plural(len(questions), 'question')} ({by_kind}; {by_level})"


def summarize(banks: Sequence[Bank]) -> str:
    """What `quizbot banks check` prints on success: a line per bank and a total line."""
    width = max((len(bank.id) for bank in banks), default=0)
    lines = [f"{bank.id:<{width}}  {_counts(bank.questions)}  {bank.title}" for bank in banks]
    every = [question for bank in banks for question in bank.questions]
    lines.append(f"total: {_plural(len(banks), 'bank')}, {_counts(every)}")
    return "\n".join(lines)


def write_schema(path: Path) -> None:
    """Write ``bank_json_schema()`` as ``banks/schema.json`` is kept: sorted, indented."""
    text = json.dumps(bank_json_schema(), indent=2, sort_keys=True, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.core.banks")
    parser.add_argument("--write-schema", type=Path, metavar="PATH", required=True)
    args = parser.parse_args(argv)
    write_schema(args.write_schema)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
