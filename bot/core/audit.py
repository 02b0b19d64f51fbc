"""How well a player who knows nothing does: no-knowledge strategies played over the banks.

Each question is played as players see it, its options in an order drawn by ``draw_order`` (the
order of a real round), once per seed. A strategy only reads what is on the screen: the option
texts, their shown order and the prompt. Its accuracy is compared with chance, the expected
accuracy of a uniformly random valid answer:

- ``choice`` with n options: 1/n;
- ``fill_blank`` with k blanks and n options: 1/n^k, since any letter may fill any blank and a
  key may repeat a letter (``[A, A, B]``), so a player cannot rule repeats out.

A bank is fair when no strategy beats chance by more than ``MARGIN``, per question type and
overall. Nothing here reads files or prints; ``quizbot banks audit`` formats the report.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.core.bankcheck import COMMON_WORDS, words
from bot.core.models import Bank, Question, QuestionType
from bot.core.order import draw_order

MARGIN = 0.10
"""How far over chance a strategy may score (10 percentage points)."""
DEFAULT_SEEDS = 20

Shown = Sequence[tuple[str, str]]
"""(canonical letter, option text) in the order a round shows them."""
Pick = Callable[[Question, Shown], tuple[str, ...] | None]
"""A strategy: the canonical answer it gives, or None where it does not apply."""


def _length(text: str) -> int:
    return len(" ".join(text.split()))


def _one(choose: Callable[[Question, Shown], str]) -> Pick:
    # The single-option strategies play wherever one letter answers: choice and one-blank fills.
    def pick(question: Question, shown: Shown) -> tuple[str, ...] | None:
        return (choose(question, shown),) if len(question.answer) == 1 else None

    return pick


def _longest(question: Question, shown: Shown) -> str:
    # max/min keep the first of equals: a player who sees a tie takes the first one shown.
    return max(shown, key=lambda option: _length(option[1]))[0]


def _shortest(question: Question, shown: Shown) -> str:
    return min(shown, key=lambda option: _length(option[1]))[0]


def _first(question: Question, shown: Shown) -> str:
    return shown[0][0]


def _prompt_words(question: Question, shown: Shown) -> str:
    seen = {w for w in words(f"{question.prompt} {question.code or ''}") if w not in COMMON_WORDS}
    return max(shown, key=lambda option: len(seen.intersection(words(option[1]))))[0]


def _in_order(question: Question, shown: Shown) -> tuple[str, ...] | None:
    if question.type is not QuestionType.FILL_BLANK or question.blanks > len(shown):
        return None
    return tuple(letter for letter, _ in shown[: question.blanks])


STRATEGIES: tuple[tuple[str, Pick], ...] = (
    ("longest option", _one(_longest)),
    ("shortest option", _one(_shortest)),
    ("first option shown", _one(_first)),
    ("most words shared with the prompt", _one(_prompt_words)),
    ("options in shown order (fill_blank)", _in_order),
)


def chance(question: Question) -> float:
    """The expected accuracy of a uniformly random valid answer (see the module's docstring)."""
    answers: int = len(question.options) ** len(question.answer)
    return 1 / answers


@dataclass(frozen=True, slots=True)
class Score:
    questions: int
    """Questions the strategy played (each once per seed)."""
    accuracy: float
    chance: float

    @property
    def over(self) -> float:
        return self.accuracy - self.chance

    @property
    def fair(self) -> bool:
        # A hair of tolerance: 3 of 10 against 0.2 is 10 points over, not 10.000000001.
        return self.over <= MARGIN + 1e-9


@dataclass(frozen=True, slots=True)
class StrategyResult:
    name: str
    by_type: dict[QuestionType, Score | None]
    overall: Score | None

    def scores(self) -> list[tuple[str, Score]]:
        """Every score with the scope it covers, "choice", "fill_blank" or "all"."""
        scopes = [(str(kind), score) for kind, score in self.by_type.items()]
        return [(scope, s) for scope, s in (*scopes, ("all", self.overall)) if s is not None]


@dataclass(frozen=True, slots=True)
class AuditReport:
    seeds: int
    questions: int
    strategies: tuple[StrategyResult, ...]

    def unfair(self) -> list[tuple[str, str, Score]]:
        """(strategy, scope, score) for every score more than ``MARGIN`` over chance."""
        return [
            (result.name, scope, score)
            for result in self.strategies
            for scope, score in result.scores()
            if not score.fair
        ]


def _score(plays: Sequence[tuple[Question, float]], seeds: int) -> Score | None:
    if not plays:
        return None
    questions = {question.key: question for question, _ in plays}
    hits = sum(hit for _, hit in plays)
    average_chance = sum(chance(q) for q in questions.values()) / len(questions)
    return Score(len(questions), hits / (len(questions) * seeds), average_chance)


def shown_options(question: Question, seed: int) -> list[tuple[str, str]]:
    """The options as round ``seed`` shows them; the same seed always draws the same order, and
    each question draws its own, whatever the banks around it."""
    rng = random.Random(f"{seed}/{question.bank}/{question.id}")
    return [(letter, question.options[letter]) for letter in draw_order(question, rng)]


def audit(banks: Sequence[Bank], seeds: int = DEFAULT_SEEDS) -> AuditReport:
    """Every strategy played ``seeds`` times over every question of ``banks``."""
    questions = [question for bank in banks for question in bank.questions]
    plays: dict[str, list[tuple[Question, float]]] = {name: [] for name, _ in STRATEGIES}
    for question in questions:
        for seed in range(seeds):
            shown = shown_options(question, seed)
            for name, pick in STRATEGIES:
                answer = pick(question, shown)
                if answer is not None:
                    plays[name].append((question, float(answer == question.answer)))
    results = []
    for name, _ in STRATEGIES:
        by_type = {
            kind: _score([p for p in plays[name] if p[0].type is kind], seeds)
            for kind in QuestionType
        }
        results.append(StrategyResult(name, by_type, _score(plays[name], seeds)))
    return AuditReport(seeds, len(questions), tuple(results))
