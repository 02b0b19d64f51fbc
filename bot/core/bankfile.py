"""The bank file format (``banks/*.yaml``) as pydantic models: its structure and its JSON Schema.

The models never see YAML's own scalar types: the loader (``bot.core.banks``) hands them a tree
in which every scalar is the ``str`` the author wrote (a plain ``~``/``null``/empty is ``None``),
so ``yes`` stays the text "yes" and ``attempts: 3`` arrives as "3" and is parsed here.
Rules that span fields (answer letters vs options, blanks, explanations) are ``cross_checks``,
run on the raw tree; ``humanize`` turns the models' errors into sentences for bank authors.

The JSON Schema describes the file as an editor sees it (YAML 1.2, where ``0.27`` is a number),
hence text fields accept numbers and booleans there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from difflib import get_close_matches
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from bot.core.models import Difficulty, QuestionType

Loc = tuple[str | int, ...]
"""A path in a bank file's tree: ("questions", 2, "options", "A")."""

SLUG_PATTERN = r"^[a-z0-9-]+$"
LETTERS = "ABCDE"
LETTER_PATTERN = r"^[A-E]$"
MIN_OPTIONS, MAX_OPTIONS = 2, len(LETTERS)
MAX_BLANKS = 3
MIN_ATTEMPTS, MAX_ATTEMPTS = 1, 10
DEFAULT_ATTEMPTS = 3
BLANK_RE = re.compile(r"\[(\d+)\]")

# Custom errors carry a predicate; the loader prefixes the field: "'hint' is empty".
FIELD_ERROR = "bank_field"


def _fail(message: str) -> PydanticCustomError:
    # No context on purpose: pydantic would substitute `{...}` found inside quoted user text.
    return PydanticCustomError(FIELD_ERROR, message)


def _non_blank(value: str) -> str:
    if not value.strip():
        raise _fail("is empty")
    return value


def _slug(value: str) -> str:
    if not re.fullmatch(SLUG_PATTERN, value):
        raise _fail(f"must be a slug (lowercase letters a-z, digits and '-'); got '{value}'")
    return value


def _attempts(value: object) -> object:
    if isinstance(value, str):
        if re.fullmatch(r"[0-9]{1,9}", value) and MIN_ATTEMPTS <= int(value) <= MAX_ATTEMPTS:
            return int(value)
        raise _fail(f"must be a whole number from {MIN_ATTEMPTS} to {MAX_ATTEMPTS}; got '{value}'")
    return value  # not text: let the int validator name the wrong type


def _flag(value: object) -> object:
    # The loader hands every scalar over as text; only the two YAML spellings people mean count.
    if isinstance(value, str):
        if value in ("true", "false"):
            return value == "true"
        raise _fail(f"must be true or false; got '{value}'")
    return value


def _answer_list(value: object) -> object:
    if value is None:
        raise _fail("is empty")
    return [value] if isinstance(value, str) else value


def _answer_letters(value: list[str]) -> list[str]:
    if not value:
        raise _fail("is empty")
    bad = [letter for letter in value if not re.fullmatch(LETTER_PATTERN, letter)]
    if bad:
        raise _fail(f"must be option letters A to E; got {', '.join(map(repr, bad))}")
    return value


def _options(value: dict[str, str]) -> dict[str, str]:
    count = len(value)
    if not MIN_OPTIONS <= count <= MAX_OPTIONS:
        raise _fail(f"must have {MIN_OPTIONS} to {MAX_OPTIONS} entries; got {count}")
    if list(value) != list(LETTERS[:count]):
        raise _fail(f"must be lettered A, B, C, ... in order without gaps; got {', '.join(value)}")
    return value


def _step(value: object) -> object:
    if isinstance(value, str):
        return {"text": value}
    if value is None:
        raise _fail("is empty")
    if not isinstance(value, dict):
        raise _fail("must be text or a mapping with 'title' and 'text'")
    return value


_TEXT_SCHEMA: dict[str, Any] = {
    # An editor reads `0.27` or `yes` as a number or a boolean; the loader keeps the text.
    "type": ["string", "number", "boolean"],
    "minLength": 1,
}
_LETTER_SCHEMA: dict[str, Any] = {"type": "string", "pattern": LETTER_PATTERN}

Text = Annotated[str, AfterValidator(_non_blank), WithJsonSchema(_TEXT_SCHEMA)]
Slug = Annotated[
    str, AfterValidator(_slug), WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN})
]
Attempts = Annotated[
    int,
    BeforeValidator(_attempts),
    WithJsonSchema({"type": "integer", "minimum": MIN_ATTEMPTS, "maximum": MAX_ATTEMPTS}),
]
Flag = Annotated[bool, BeforeValidator(_flag), WithJsonSchema({"type": "boolean"})]
Answer = Annotated[
    list[str],
    BeforeValidator(_answer_list),
    AfterValidator(_answer_letters),
    WithJsonSchema(
        {
            "anyOf": [
                _LETTER_SCHEMA,
                {"type": "array", "items": _LETTER_SCHEMA, "minItems": 1, "maxItems": MAX_BLANKS},
            ]
        }
    ),
]
Options = Annotated[
    dict[str, Text],
    AfterValidator(_options),
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": _LETTER_SCHEMA,
            "additionalProperties": _TEXT_SCHEMA,
            "minProperties": MIN_OPTIONS,
            "maxProperties": MAX_OPTIONS,
        }
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepFile(_Strict):
    """A solution step: plain text, or a mapping with a title and a text."""

    title: Text | None = Field(None, description="Short heading, e.g. 'Identify the effect'.")
    text: Text = Field(description="What to do or notice in this step.")


Step = Annotated[StepFile, BeforeValidator(_step)]  # its schema is widened in bank_json_schema


class SolutionFile(_Strict):
    """The worked solution shown after the question is answered or runs out of attempts."""

    steps: list[Step] = Field(
        default_factory=list, description="Steps, each a text or {title, text}."
    )
    final: Text | None = Field(None, description="The final answer, in words.")
    check: Text | None = Field(None, description="A one-line quick check to remember.")


class QuestionFile(_Strict):
    """One question. `(bank, id)` is its stable key: edit texts freely, never the id."""

    id: Slug = Field(description="Stable slug, unique in the bank; keeps the question's history.")
    type: QuestionType = Field(
        description="fill_blank: blanks [1], [2], [3] in prompt or code; choice: one answer."
    )
    difficulty: Difficulty = Field(description="easy, medium or hard.")
    prompt: Text = Field(description="The question as asked.")
    code: Text | None = Field(None, description="Optional code shown with the prompt.")
    language: Text | None = Field(None, description="Language of `code`, for highlighting.")
    options: Options = Field(description="2 to 5 options lettered A, B, C, ... in order.")
    answer: Answer = Field(
        description="choice: one letter (A or [A]); fill_blank: one letter per blank, in order."
    )
    hint: Text = Field(description="Shown after a wrong answer.")
    mistakes: list[Text] = Field(default_factory=list, description="Common mistakes.")
    explanations: dict[str, Text] = Field(
        default_factory=dict,
        description="Why a wrong option is wrong, keyed by its letter; shown to who picked it.",
        json_schema_extra={"propertyNames": _LETTER_SCHEMA},
    )
    solution: SolutionFile | None = Field(None, description="The worked solution.")
    attempts: Attempts | None = Field(
        None, description="Attempts allowed for this question; overrides the bank's."
    )
    tags: list[Text] = Field(default_factory=list, description="Free-form tags.")
    shuffle: Flag = Field(
        True,
        description=(
            "Show the options in a new order each round (the default). Set false only where "
            "the order carries meaning: ascending numbers, 'both of the above'."
        ),
    )


class BankHeader(_Strict):
    """The bank's own fields, validated apart from its questions."""

    bank: Slug = Field(description="Stable slug, unique across all banks.")
    title: Text = Field(description="Human title of the bank.")
    category: Text | None = Field(None, description="Category shown with the bank.")
    attempts: Attempts | None = Field(
        None, description=f"Default attempts per question (default {DEFAULT_ATTEMPTS})."
    )


class BankFile(BankHeader):
    """A quizbot question bank."""

    questions: list[QuestionFile] = Field(min_length=1, description="At least one question.")


_CHOICE_ANSWER: dict[str, Any] = {
    "anyOf": [_LETTER_SCHEMA, {"type": "array", "items": _LETTER_SCHEMA, "maxItems": 1}]
}


def bank_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a bank file, for editors and `banks/schema.json`."""
    schema = BankFile.model_json_schema(mode="validation")
    definitions = schema["$defs"]
    # A step may be plain text: the BeforeValidator accepts it, the generated schema cannot say so.
    steps = definitions["SolutionFile"]["properties"]["steps"]
    steps["items"] = {"anyOf": [_TEXT_SCHEMA, steps["items"]]}
    definitions["QuestionFile"]["allOf"] = [
        {
            "if": {"properties": {"type": {"const": "choice"}}, "required": ["type"]},
            "then": {"properties": {"answer": _CHOICE_ANSWER}},
        }
    ]
    schema.update(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "quizbot question bank",
            "description": (
                "A bank of quiz questions (banks/*.yaml). Check it with `quizbot banks check`; "
                "the loader keeps every text exactly as written (yes, no, 1.0 stay text)."
            ),
        }
    )
    return schema


# --- messages: pydantic's errors as a bank author reads them ---------------------------------


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    return "a list" if isinstance(value, list) else f"'{value}'"


def field_path(loc: Loc) -> str:
    """``("solution", "steps", 1, "text")`` -> ``solution.steps#2.text`` (items count from 1)."""
    return "".join(f"#{p + 1}" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def _model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model that holds the last key of ``loc``, to suggest the keys it knows."""
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        found = _find_model(field.annotation) if field is not None else None
        if found is None:
            return None
        model = found
    return model


def _find_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):  # X | None, list[X], Annotated[X, ...]
        found = _find_model(argument)
        if found is not None:
            return found
    return None


_EXPECTED = {
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "int_type": "a whole number",
}


def humanize(error: Mapping[str, Any], model: type[BaseModel]) -> str:
    """One pydantic error of ``model`` as a sentence naming the field."""
    loc: Loc = tuple(error["loc"])
    path, kind, value = field_path(loc), error["type"], error.get("input")
    if kind == "missing":
        return f"missing required field '{path}'"
    if kind == "extra_forbidden":
        known = _model_at(model, loc[:-1])
        close = get_close_matches(str(loc[-1]), list(known.model_fields) if known else [], n=1)
        return f"unknown key '{path}'" + (f" (did you mean '{close[0]}'?)" if close else "")
    if kind == FIELD_ERROR:
        return f"'{path}' {error['msg']}"
    if kind == "enum":
        return f"'{path}' must be {error['ctx']['expected']}; got {_describe(value)}"
    if kind in _EXPECTED and not loc:  # only a question can be something else than a mapping
        return f"a question must be a mapping of its fields, not {_describe(value)}"
    if kind in _EXPECTED:
        if value is None:
            return f"'{path}' is empty"
        return f"'{path}' must be {_EXPECTED[kind]}, not {_describe(value)}"
    return f"'{path}': {error['msg']}"


# --- rules across fields ---------------------------------------------------------------------


def _letters_text(letters: Sequence[str]) -> str:
    if len(letters) > 1 and "".join(letters) == LETTERS[: len(letters)]:
        return f"{letters[0]}-{letters[-1]}"
    return ", ".join(letters)


def cross_checks(item: Mapping[str, object]) -> list[tuple[Loc, str]]:
    """Rules spanning a question's fields: answer letters vs options, blanks, explanations.

    They read the raw tree defensively (skipping what is malformed, which the models report), so
    they run even when the question also has structural errors.
    """
    found: list[tuple[Loc, str]] = []
    kind, options, answer = item.get("type"), item.get("options"), item.get("answer")
    letters = list(options) if isinstance(options, dict) else None
    answers = [answer] if isinstance(answer, str) else answer
    if not (isinstance(answers, list) and all(isinstance(a, str) for a in answers)):
        answers = None
    if letters is not None and answers is not None:
        for letter in answers:
            if re.fullmatch(LETTER_PATTERN, letter) and letter not in letters:
                message = f"answer '{letter}' is not one of the options {_letters_text(letters)}"
                found.append((("answer",), message))
    if kind == QuestionType.CHOICE and answers is not None and len(answers) > 1:
        got = f"got {len(answers)} ({', '.join(answers)})"
        found.append((("answer",), f"a choice question has exactly one answer letter; {got}"))
    if kind == QuestionType.FILL_BLANK:
        found.extend(_blank_checks(item, answers))
    explanations = item.get("explanations")
    if isinstance(explanations, dict) and letters is not None:
        for letter in explanations:
            if letter not in letters:
                why = f"which is not one of the options {_letters_text(letters)}"
            elif kind == QuestionType.CHOICE and answers == [letter]:
                why = "the correct answer; explanations are for wrong options"
            else:
                continue
            found.append((("explanations", letter), f"explanation for '{letter}', {why}"))
    return found


def _blank_checks(item: Mapping[str, object], answers: list[str] | None) -> list[tuple[Loc, str]]:
    texts = [text for text in (item.get("prompt"), item.get("code")) if isinstance(text, str)]
    # int() refuses thousands of digits, and a 10-digit blank number is a typo anyway.
    numbers = sorted({int(n) if len(n) < 10 else 10**9 for t in texts for n in BLANK_RE.findall(t)})
    where: Loc = ("code",) if isinstance(item.get("code"), str) else ("prompt",)
    shown = ", ".join(f"[{n}]" for n in numbers)
    if not numbers:
        return [(where, "a fill_blank question needs blanks [1], [2], ... in its prompt or code")]
    if numbers != list(range(1, len(numbers) + 1)):
        return [(where, f"blanks must be numbered [1] to [n] without gaps; found {shown}")]
    if len(numbers) > MAX_BLANKS:
        return [(where, f"at most {MAX_BLANKS} blanks per question; found {shown}")]
    if answers is not None and len(answers) != len(numbers):
        got = f"{len(answers)} answer letter(s) ({', '.join(answers)})"
        return [
            (
                ("answer",),
                f"{len(numbers)} blank(s) ({shown}) but {got}; give one letter per blank, in order",
            )
        ]
    return []
