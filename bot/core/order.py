"""The order a round shows its question's options in.

A bank names its options with canonical letters (A, B, ...). Each round draws a permutation of
them when it is created; the round then shows ``order[0]`` as "A", ``order[1]`` as "B", and so on.
Everything stored (answers, stats, history) stays canonical; only what a person reads or clicks
is in shown letters. An ``OptionOrder`` is built once per round and maps both ways by dict look-up,
since judging a click goes through it.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.core.models import Question
from bot.core.rounds import Round

_LETTERS = string.ascii_uppercase


def draw_order(question: Question, rng: random.Random) -> tuple[str, ...]:
    """The question's canonical letters in the order a new round shows them (the bank's own order
    when the question opts out with ``shuffle: false``)."""
    letters = list(question.letters)
    if question.shuffle:
        rng.shuffle(letters)
    return tuple(letters)


@dataclass(frozen=True, slots=True)
class OptionOrder:
    """``canonical[i]`` is the canonical letter shown as the i-th letter (A, B, ...)."""

    canonical: tuple[str, ...]
    _to_canonical: dict[str, str] = field(init=False, repr=False, compare=False)
    _to_shown: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        shown = _LETTERS[: len(self.canonical)]
        object.__setattr__(self, "_to_canonical", dict(zip(shown, self.canonical, strict=True)))
        object.__setattr__(self, "_to_shown", dict(zip(self.canonical, shown, strict=True)))

    @classmethod
    def identity(cls, question: Question) -> OptionOrder:
        return cls(question.letters)

    @property
    def shown(self) -> tuple[str, ...]:
        """The letters a person sees, in order: A, B, C, ..."""
        return tuple(self._to_canonical)

    def to_canonical(self, shown: Sequence[str]) -> tuple[str, ...]:
        """Shown letters -> canonical ones; a letter that is not shown stays as it is (the rule
        that judges the answer then names it as not one of the options)."""
        mapping = self._to_canonical
        return tuple(mapping.get(letter, letter) for letter in shown)

    def to_shown(self, canonical: Sequence[str]) -> tuple[str, ...]:
        mapping = self._to_shown
        return tuple(mapping.get(letter, letter) for letter in canonical)

    def options(self, question: Question) -> list[tuple[str, str]]:
        """(shown letter, option text) in shown order."""
        return [(shown, question.options[canon]) for shown, canon in self._to_canonical.items()]

    def show(self, question: Question) -> Question:
        """The question as a round in this order shows it: its options relabelled A, B, ... in
        shown order, its answer and explanations in shown letters. Its key stays the bank's, so
        history is unaffected. For display only: the core judges canonical letters."""
        shown = replace(
            question,
            options=dict(self.options(question)),
            answer=self.to_shown(question.answer),
            explanations={
                self._to_shown.get(letter, letter): text
                for letter, text in question.explanations.items()
            },
        )
        solution = question.solution
        if solution is None or solution.final is None:
            return shown
        # A final answer written as the answer's letters ("D", "A C", "[1] A, [2] C") names them
        # as this round shows them; one in words stays as it is.
        as_letters = {
            " ".join(question.answer): " ".join(shown.answer),
            ", ".join(question.answer): ", ".join(shown.answer),
            question.answer_text(): shown.answer_text(),
        }
        final = as_letters.get(solution.final.strip())
        if final is None:
            return shown
        return replace(shown, solution=replace(solution, final=final))

    def encode(self) -> str:
        """How the store keeps it: the canonical letters in shown order, e.g. ``"CADB"``."""
        return "".join(self.canonical)

    @classmethod
    def decode(cls, text: str | None, question: Question | None) -> OptionOrder | None:
        """The stored order, or the bank's own order for a round stored before orders existed
        (None when neither is known). A stored order that no longer fits the question's options
        (the bank was edited) falls back to the bank's order rather than mislabel them."""
        if question is None:
            return cls(tuple(text)) if text else None
        if text and sorted(text) == sorted(question.letters):
            return cls(tuple(text))
        return cls.identity(question)


@dataclass(frozen=True, slots=True)
class RoundOrder:
    """One round's order, with its question as the bank has it and as the round shows it."""

    stored: str | None
    """What the round has stored (``Round.order``)."""
    question: Question
    order: OptionOrder
    shown: Question

    @classmethod
    def build(cls, stored: str | None, question: Question) -> RoundOrder:
        order = OptionOrder.decode(stored, question) or OptionOrder.identity(question)
        # The bank's order needs no copy of the question.
        shown = question if order.canonical == question.letters else order.show(question)
        return cls(stored, question, order, shown)


class RoundOrders:
    """Each round's ``RoundOrder``, built once and kept, since every click on a round maps its
    letters. A round's order never changes; an entry is rebuilt only when its bank was reloaded
    (the question is another object), so that a stored order is checked against the new options.
    The oldest rounds are dropped past ``size``."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._rounds: dict[int, RoundOrder] = {}

    def known(self, round_id: int) -> RoundOrder | None:
        return self._rounds.get(round_id)

    def of(self, round_: Round, question: Question) -> RoundOrder:
        return self.remember(round_.id, round_.order, question)

    def remember(self, round_id: int, stored: str | None, question: Question) -> RoundOrder:
        found = self._rounds.get(round_id)
        if found is not None and found.question is question:
            return found
        built = RoundOrder.build(stored, question)
        rounds = self._rounds
        if found is None and len(rounds) >= self._size:
            del rounds[next(iter(rounds))]
        rounds[round_id] = built
        return built
