"""The composition root: settings, banks, store and core wired together in one place."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.core.banks import BankIssue, load_banks
from bot.core.clock import SystemClock
from bot.core.library import BankLibrary
from bot.core.quiz import Quiz
from bot.store.factory import AnyStore, open_store

log = logging.getLogger(__name__)


class StartupError(Exception):
    """quizbot cannot start; the message says why."""


@dataclass
class App:
    quiz: Quiz
    store: AnyStore
    bank_issues: list[BankIssue]


def load_library(paths: Sequence[Path], only: Sequence[str] | None = None) -> tuple[
        BankLibrary, list[BankIssue]]:  # fmt: skip
    """Every bank that validates; the issues of those that do not (they are never half-loaded)."""
    banks, issues = load_banks(list(paths))
    if only:
        wanted = {bank_id.strip().lower() for bank_id in only}
        unknown = wanted - {bank.id for bank in banks}
        if unknown:
            raise StartupError(f"no loaded bank called {', '.join(sorted(unknown))}")
        banks = [bank for bank in banks if bank.id in wanted]
    if not banks:
        where = ", ".join(str(path.absolute()) for path in paths)
        raise StartupError(f"no valid question bank in {where}")
    return BankLibrary(banks), issues


@asynccontextmanager
async def open_app(
    settings: Settings, *, db: Path | None = None, banks: Sequence[str] | None = None
) -> AsyncIterator[App]:
    try:
        library, issues = load_library(settings.bank_paths, banks)
    except StartupError as exc:
        raise StartupError(f"{exc} (QUIZBOT_BANKS={settings.quizbot_banks!r})") from None
    for issue in issues:
        log.error("bank not loaded: %s", issue)
    store = await open_store(settings, db=db)
    try:
        quiz = Quiz(store, library, SystemClock(), tz=settings.timezone)
        await quiz.start()
        yield App(quiz, store, issues)
    finally:
        await store.close()
