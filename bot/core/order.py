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
from dataclasses import dataclass, field

from bot.core.models import Question

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
