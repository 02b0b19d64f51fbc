"""Players' reports of a question ("Report a problem"): the rules every channel shares.

A report names a round (the one the person answered, or whose reveal they read); it is stored
against the round's question with the option order that round showed, so "C is the right answer"
can be read in the letters the reporter saw. One report per person per question.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.core.models import QuestionKey
from bot.core.outcomes import QuizError
from bot.core.rounds import UserRef

if TYPE_CHECKING:
    from bot.core.context import QuizContext

MAX_REPORT_TEXT = 500
"""Characters of free text kept with a report (Discord's and Slack's inputs cap it too)."""


class ReportKind(StrEnum):
    WRONG_KEY = "wrong_key"
    UNCLEAR = "unclear"
    TYPO = "typo"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, text: str) -> ReportKind | None:
        """A kind as people type it: ``wrong-key``, ``wrong_key``, ``Typo``...; None if not one."""
        wanted = text.strip().casefold().replace("-", "_").replace(" ", "_")
        for kind in cls:
            if wanted in {kind.value, kind.label.casefold().replace(" ", "_")}:
                return kind
        return None


_LABELS = {
    ReportKind.WRONG_KEY: "Wrong answer key",
    ReportKind.UNCLEAR: "Unclear",
    ReportKind.TYPO: "Typo",
    ReportKind.OTHER: "Other",
}

KIND_NAMES = ", ".join(kind.value.replace("_", "-") for kind in ReportKind)


class ReportError(QuizError):
    """A report that cannot be taken; the message is one line for the reporter."""


@dataclass(frozen=True, slots=True)
class NewReport:
    question: QuestionKey
    user_id: int
    round_id: int | None
    shown_order: str | None
    """The canonical letters in the order the round showed them (``OptionOrder.encode``)."""
    kind: ReportKind
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class StoredReport:
    id: int
    question: QuestionKey
    kind: ReportKind
    text: str
    reporter: str
    """The reporter's display name (or platform id)."""
    platform: str
    workspace: str
    shown_order: str | None
    created_at: datetime
    resolved_at: datetime | None = None
    resolved_by: str | None = None


class ReportStore(Protocol):
    async def add_report(self, report: NewReport) -> int | None:
        """The new report's id; None when this person has reported this question already."""
        ...

    async def open_reports(
        self, platform: str | None = None, workspace: str | None = None
    ) -> list[StoredReport]:
        """Unresolved reports, oldest first (of one workspace, or everywhere)."""
        ...

    async def resolve_report(
        self,
        report_id: int,
        at: datetime,
        by: str,
        platform: str | None = None,
        workspace: str | None = None,
    ) -> StoredReport | None:
        """Mark it resolved (within that workspace when given); None if there is no such open
        report there."""
        ...

    async def last_answered_round(self, user_id: int) -> int | None:
        """The round of the person's latest answer."""
        ...


@dataclass(frozen=True, slots=True)
class Reported:
    question: QuestionKey
    kind: ReportKind


@dataclass(frozen=True, slots=True)
class AlreadyReported:
    question: QuestionKey


ReportOutcome = Reported | AlreadyReported

THANKS = "Thanks — your report is in; the quiz admins will look at it."
ALREADY = "You have already reported this question; the admins have it."


def clean_text(text: str | None) -> str:
    """The free text as stored: trimmed; too long is refused, not cut, so nothing is lost."""
    cleaned = (text or "").strip()
    if len(cleaned) > MAX_REPORT_TEXT:
        raise ReportError(
            f"Your report is {len(cleaned)} characters long; keep it to {MAX_REPORT_TEXT}."
        )
    return cleaned


def parse_report_line(words: list[str]) -> tuple[ReportKind, str]:
    """``/quiz report [KIND] TEXT`` on the console: a first word naming a kind picks it,
    otherwise the whole text is an "other" report."""
    if not words:
        raise ReportError(f"Usage: /quiz report [{KIND_NAMES}] TEXT")
    kind = ReportKind.parse(words[0])
    if kind is None:
        return ReportKind.OTHER, clean_text(" ".join(words))
    return kind, clean_text(" ".join(words[1:]))


class Reports:
    """Taking, listing and resolving reports."""

    def __init__(self, context: QuizContext, store: ReportStore) -> None:
        self.context = context
        self.store = store

    async def report(
        self, round_id: int, user: UserRef, kind: ReportKind | str, text: str | None
    ) -> ReportOutcome:
        if not isinstance(kind, ReportKind):
            parsed = ReportKind.parse(kind)
            if parsed is None:
                raise ReportError(f"'{kind}' is not a kind of report; pick one of {KIND_NAMES}.")
            kind = parsed
        cleaned = clean_text(text)
        if kind is ReportKind.OTHER and not cleaned:
            raise ReportError("Say what is wrong: an 'other' report needs a few words.")
        ctx = self.context
        round_ = await ctx.store.get_round(round_id)
        # Another workspace's round is as unknown as a forged id.
        if round_ is None or (round_.channel.platform, round_.channel.workspace) != (
            user.platform,
            user.workspace,
        ):
            raise ReportError("That question is no longer known; nothing was reported.")
        question = ctx.library.question(round_.question)
        order = round_.order
        if order is None and question is not None:
            order = "".join(question.letters)
        user_id = await ctx.user_id(user)
        stored = await self.store.add_report(
            NewReport(round_.question, user_id, round_id, order, kind, cleaned, ctx.clock.now())
        )
        if stored is None:
            return AlreadyReported(round_.question)
        return Reported(round_.question, kind)

    async def report_last(self, user: UserRef, words: list[str]) -> ReportOutcome:
        """The console's ``/quiz report [KIND] TEXT``: about the last question they answered."""
        kind, text = parse_report_line(words)
        user_id, _ = await self.context.find_user(user)
        round_id = await self.store.last_answered_round(user_id) if user_id is not None else None
        if round_id is None:
            raise ReportError(
                "Answer a question first: a report is about the last one you answered."
            )
        return await self.report(round_id, user, kind, text)

    async def open(
        self, platform: str | None = None, workspace: str | None = None
    ) -> list[StoredReport]:
        return await self.store.open_reports(platform, workspace)

    async def resolve(
        self,
        report_id: int,
        by: str,
        platform: str | None = None,
        workspace: str | None = None,
    ) -> StoredReport:
        done = await self.store.resolve_report(
            report_id, self.context.clock.now(), by, platform, workspace
        )
        if done is None:
            raise ReportError(f"There is no open report #{report_id}.")
        return done


def report_line(report: StoredReport) -> str:
    """One report as admins read it: id, question, kind, the shown order, who, and the text."""
    order = ""
    if report.shown_order:
        shown = "".join(chr(ord("A") + i) for i in range(len(report.shown_order)))
        order = f" (shown {shown} = bank {report.shown_order})"
    text = f": {report.text}" if report.text else ""
    return f"#{report.id} {report.question} · {report.kind.label}{order} · {report.reporter}{text}"
