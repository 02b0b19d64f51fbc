"""`quizbot banks check` and `quizbot banks audit`: load the banks, run the core's checks, print.

The rules are in ``bot.core.bankcheck`` and ``bot.core.audit``; this module only formats them.
Texts quoted from banks are printed as plain text (never as rich markup: ``[1]`` is a blank).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.core.audit import MARGIN, AuditReport, Score, audit
from bot.core.bankcheck import ALL_BANKS, MAX_BIAS, CheckReport, Kind, Shape, check_banks
from bot.core.banks import BankIssue, BankSource, load_bank_sources, summarize


def _loaded(
    paths: Sequence[Path], command: str, setting: str | None = None
) -> list[BankSource] | None:
    """``setting``: the QUIZBOT_BANKS the paths came from, named when one of them is wrong."""
    sources, issues = load_bank_sources(list(paths))
    if not issues:
        return sources
    for issue in issues:
        print(issue)
    if setting is not None and any(issue.line == 0 for issue in issues):
        print(f"QUIZBOT_BANKS={setting!r} names the banks: files or folders, comma-separated.")
    print(f"{len(issues)} problem(s) found; fix them and run `quizbot banks {command}` again.")
    return None


def _share(count: int, of: int) -> str:
    return f"{count}/{of} ({count / of:.0%})" if of else "-"


def _shape_row(table: Table, shape: Shape, report: CheckReport, path: str | None) -> None:
    table.add_row(
        shape.name,
        _share(len(shape.key_longest), shape.choice),
        _share(len(shape.key_shortest), shape.choice),
        str(report.count(Kind.GIVEAWAY, path)),
        str(report.count(Kind.DUPLICATE, path)),
        str(report.count(Kind.LETTER, path)),
        str(len(shape.fixed_order)),
    )


def _check_table(report: CheckReport) -> Table:
    table = Table()
    for header in ("bank", "key longest", "key shortest", "giveaways", "duplicates"):
        table.add_column(header, justify="left" if header == "bank" else "right")
    table.add_column("letter refs", justify="right")
    table.add_column("shuffle: false", justify="right")
    for shape in report.banks:
        _shape_row(table, shape, report, shape.path)
    if len(report.banks) > 1:
        table.add_section()
        _shape_row(table, report.total, report, None)
    return table


def _where(issue: BankIssue) -> str:
    return str(issue) if issue.path != ALL_BANKS else f"all banks: {issue.message}"


def run_check(paths: Sequence[Path], *, strict: bool, setting: str | None = None) -> int:
    sources = _loaded(paths, "check", setting)
    if sources is None:
        return 1
    print(summarize([source.bank for source in sources]))
    report = check_banks(sources)
    print(f"\nGuessability (a key strictly longest or shortest in over {MAX_BIAS:.0%} fails):")
    Console(highlight=False).print(_check_table(report))
    for finding in report.findings:
        print(_where(finding.issue) if strict else f"warning: {_where(finding.issue)}")
    count = len(report.findings)
    if not count:
        print("No guessability problem found.")
        return 0
    if strict:
        print(f"{count} problem(s) found; fix them and run `quizbot banks check --strict` again.")
        return 1
    print(f"{count} warning(s); `quizbot banks check --strict` fails on them.")
    return 0


def _cell(score: Score | None) -> str:
    if score is None:
        return "-"
    flag = "" if score.fair else " *"
    return f"{score.accuracy:.1%} / {score.chance:.1%}{flag}"


def _audit_table(report: AuditReport) -> Table:
    table = Table()
    table.add_column("strategy")
    for header in ("choice", "fill_blank", "all"):
        table.add_column(header, justify="right")
    for result in report.strategies:
        by_type = [result.by_type[kind] for kind in sorted(result.by_type, key=str)]
        table.add_row(result.name, *map(_cell, by_type), _cell(result.overall))
    return table


def run_audit(paths: Sequence[Path], *, seeds: int, setting: str | None = None) -> int:
    sources = _loaded(paths, "audit", setting)
    if sources is None:
        return 1
    report = audit([source.bank for source in sources], seeds)
    margin = f"{MARGIN * 100:.0f} points"
    rounds = f"{report.questions} questions, {report.seeds} shuffled rounds each"
    print(f"No-knowledge strategies: accuracy / chance ({rounds}):")
    Console(highlight=False).print(_audit_table(report))
    print(f"* more than {margin} over chance")
    unfair = report.unfair()
    if not unfair:
        print(f"verdict: fair, every strategy within {margin} of chance")
        return 0
    listed = "; ".join(
        f"{name} on {scope} {score.accuracy:.1%} vs {score.chance:.1%}"
        for name, scope, score in unfair
    )
    print(f"verdict: guessable, {len(unfair)} score(s) more than {margin} over chance: {listed}")
    return 1
