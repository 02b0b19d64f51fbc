"""The loaded banks, and which questions are eligible where."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.core.models import Bank, Difficulty, Question, QuestionKey
from bot.core.outcomes import NoQuestions, UnknownBank


class BankLibrary:
    def __init__(self, banks: Iterable[Bank]) -> None:
        self._banks: dict[str, Bank] = {bank.id: bank for bank in banks}
        self._questions: dict[QuestionKey, Question] = {
            question.key: question for bank in self._banks.values() for question in bank.questions
        }

    def __len__(self) -> int:
        return len(self._questions)

    @property
    def banks(self) -> list[Bank]:
        return sorted(self._banks.values(), key=lambda bank: bank.id)

    @property
    def questions(self) -> list[Question]:
        return list(self._questions.values())

    def title(self, bank_id: str) -> str:
        """A bank's title for display; its id for a bank no longer loaded."""
        bank = self._banks.get(bank_id)
        return bank.title if bank is not None else bank_id

    def bank(self, bank_id: str) -> Bank:
        bank = self._banks.get(bank_id.strip().lower())
        if bank is None:
            known = ", ".join(sorted(self._banks)) or "none loaded"
            raise UnknownBank(f"There is no bank '{bank_id}'. Banks: {known}.")
        return bank

    def question(self, key: QuestionKey) -> Question | None:
        return self._questions.get(key)

    def eligible(
        self,
        *,
        banks: Sequence[str] | None = None,
        disabled: Iterable[str] = (),
        difficulty: Difficulty | None = None,
    ) -> list[Question]:
        """Questions of the named (or all) banks, less disabled ones, at a difficulty if given."""
        chosen = [self.bank(bank_id) for bank_id in banks] if banks else self.banks
        off = set(disabled)
        found = [
            question
            for bank in chosen
            if bank.id not in off
            for question in bank.questions
            if difficulty is None or question.difficulty is difficulty
        ]
        if not found:
            where = f" at {difficulty} difficulty" if difficulty else ""
            raise NoQuestions(f"No enabled bank has questions{where}.")
        return found
