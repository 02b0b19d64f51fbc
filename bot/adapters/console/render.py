"""Core outcomes as rich renderables for the terminal. Presentation only: no rule lives here."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from bot.adapters.review_text import review_stats_line
from bot.adapters.text import already_tried, earned, exhausted_head
from bot.core.models import Bank, Question, QuestionType, Solution
from bot.core.outcomes import (
    AlreadyFinished,
    AlreadyTried,
    Board,
    Closed,
    Correct,
    Exhausted,
    Gone,
    Invalid,
    NotFound,
    Outcome,
    Reveal,
    TestQuestion,
    TestResult,
    TestStep,
    UserStats,
    Wrong,
)
from bot.core.periods import Period
from bot.core.ports import Team
from bot.core.scoring import ordinal


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def question_panel(
    question: Question, title: str, *, attempts: int | None = None, footer: str = ""
) -> Panel:
    parts: list[RenderableType] = [Text(question.prompt, style="bold")]
    if question.code:
        parts.append(
            Syntax(question.code.rstrip("\n"), question.language or "python", theme="ansi_dark")
        )
    options = Table.grid(padding=(0, 2))
    for letter, text in question.options.items():
        options.add_row(Text(letter, style="bold cyan"), Text(text))
    parts.append(options)
    if question.type is QuestionType.FILL_BLANK:
        how = (
            f"Answer one letter per blank, in order: e.g. "
            f"{' '.join(question.letters[: question.blanks])}"
        )
    else:
        how = f"Answer with one letter, e.g. {question.letters[0]}"
    allowed = question.attempts if attempts is None else attempts
    line = f"Attempts: {allowed} · {how}" + (f" · {footer}" if footer else "")
    parts.append(Text(line, style="dim"))
    subtitle = f"{question.difficulty.value} · {question.type.value.replace('_', ' ')}"
    return Panel(Group(*parts), title=title, subtitle=subtitle, expand=False)


def solution_block(question: Question, solution: Solution | None) -> RenderableType:
    lines = Text()
    lines.append(f"Answer: {question.answer_text()}", style="bold green")
    chosen = [question.options[letter] for letter in question.answer]
    lines.append(f"  ({'; '.join(chosen)})\n")
    if solution is not None:
        for number, step in enumerate(solution.steps, start=1):
            head = f"Step {number}: {step.title}" if step.title else f"Step {number}"
            lines.append(f"{head}\n", style="bold")
            lines.append(f"  {step.text}\n")
        if solution.final:
            lines.append("Final answer: ", style="bold")
            lines.append(f"{solution.final}\n")
        if solution.check:
            lines.append("Quick check: ", style="bold")
            lines.append(f"{solution.check}\n")
    return lines


def mistakes_block(question: Question) -> RenderableType | None:
    if not question.mistakes:
        return None
    text = Text("Common mistakes:\n", style="bold")
    for mistake in question.mistakes:
        text.append(f"  • {mistake}\n")
    return text


def outcome(result: Outcome) -> RenderableType:
    match result:
        case Correct(question=question, points=points, attempt_no=attempt_no):
            head = Text(
                f"Correct! {earned(points, attempt_no, counted=result.counted)}",
                style="bold green",
            )
            return Group(head, solution_block(question, result.solution), *_test(result.test))
        case Wrong(attempts_left=left, hint=hint, explanation=explanation):
            text = Text(f"Not quite — {_plural(left, 'attempt')} left.\n", style="bold yellow")
            if explanation:
                text.append(f"{explanation}\n")
            text.append("💡 Hint: ", style="bold")
            text.append(hint)
            return text
        case Exhausted(question=question, explanation=explanation):
            text = Text(exhausted_head(result), style="bold red")
            if explanation:
                text.append(f" {explanation}", style="red")
            parts: list[RenderableType] = [text, solution_block(question, result.solution)]
            extra = mistakes_block(question)
            if extra is not None:
                parts.append(extra)
            return Group(*parts, *_test(result.test))
        case AlreadyTried():
            return Text(already_tried(result), style="yellow")
        case AlreadyFinished(solved=solved, points=points, attempts_used=used):
            if solved:
                return Text(
                    f"You already finished: solved on the {ordinal(used)} attempt for "
                    f"{points} points."
                )
            return Text(f"You already finished: no attempts left ({used} used).")
        case Closed():
            return Text("This question is closed.", style="yellow")
        case NotFound():
            return Text("That question does not exist here.", style="red")
        case Invalid(message=message):
            return Text(f"Not an answer: {message}. Nothing was counted.", style="red")
        case Gone():
            return Text("That question was removed from its bank.", style="red")
    raise TypeError(f"unknown outcome {result!r}")  # pragma: no cover


def _test(step: TestStep | None) -> list[RenderableType]:
    if step is None:
        return []
    return [test_step(step)]


def test_step(step: TestStep) -> RenderableType:
    if isinstance(step, TestQuestion):
        return question_panel(
            step.question,
            f"Test · question {step.position}/{step.total}",
            attempts=step.round.attempts_allowed,
        )
    return test_result(step)


def test_result(result: TestResult) -> RenderableType:
    head = Text(f"Test finished: {result.bank_title}", style="bold")
    table = Table(show_edge=False)
    table.add_column("difficulty")
    table.add_column("correct", justify="right")
    for score in result.by_difficulty:
        table.add_row(score.difficulty.value, f"{score.correct}/{score.total}")
    summary = Text(
        f"Score: {result.correct}/{result.total} ({result.percent}%) · {result.points} points",
        style="bold",
    )
    return Group(head, table, summary)


def reveal(result: Reveal) -> RenderableType:
    question = result.question
    stats = result.stats
    if question is None:
        return Text("The question was closed; it is no longer in any bank.")
    parts: list[RenderableType] = [Text("⏰ Time's up! The answer:", style="bold")]
    parts.append(solution_block(question, question.solution))
    extra = mistakes_block(question)
    if extra is not None:
        parts.append(extra)
    line = (
        f"{_plural(stats.participants, 'participant')} · {stats.percent_solved}% solved"
        f" · first solver: {stats.first_solver or 'nobody'}"
    )
    if stats.most_picked_wrong is not None:
        wrong = stats.most_picked_wrong
        line += f"\nMost-picked wrong option: {wrong.label} ({_plural(wrong.count, 'pick')})"
        if wrong.note:
            line += f" — {wrong.note}"
    parts.append(Text(line, style="cyan"))
    return Panel(Group(*parts), title="Reveal", expand=False)


def board(result: Board, period: Period) -> RenderableType:
    title = f"{result.title} · {period_title(period)}"
    table = Table(title=title, show_edge=False)
    table.add_column("#", justify="right")
    if result.team_rows:
        table.add_column("team")
        table.add_column("points", justify="right")
        table.add_column("active/members", justify="right")
        table.add_column("per active", justify="right")
        for team in result.team_rows:
            table.add_row(
                str(team.rank),
                team.name,
                str(team.points),
                f"{team.active_members}/{team.members}",
                f"{team.points_per_active_member:.1f}",
            )
        return table
    if not result.rows:
        return Text(f"{title}: no points yet.")
    table.add_column("name")
    table.add_column("points", justify="right")
    table.add_column("solved", justify="right")
    for row in result.rows:
        table.add_row(str(row.rank), row.name, str(row.points), str(row.solved))
    return table


def period_title(period: Period) -> str:
    return {Period.WEEK: "this week", Period.MONTH: "this month", Period.ALL: "all time"}[period]


def stats(result: UserStats) -> RenderableType:
    text = Text(f"{result.name}", style="bold")
    if result.team:
        text.append(f" · team {result.team}")
    text.append(
        f"\nPoints: {result.points} · solved {result.solved}/{result.attempted}"
        f" ({result.accuracy}%) · streak {result.current_streak} (best {result.best_streak})"
    )
    for level in result.by_difficulty:
        text.append(
            f"\n  {level.difficulty.value}: {level.solved}/{level.attempted} solved,"
            f" {level.points} points"
        )
    if result.practice_attempted:
        text.append(
            f"\nPractice: {result.practice_solved}/{result.practice_attempted} solved"
            " (not on the leaderboard)"
        )
    review = review_stats_line(result.review)
    if review is not None:
        text.append(f"\n{review}")
    return text


def bank_questions(bank: Bank) -> RenderableType:
    """A bank's questions by id, for its author's preview (`/quiz post BANK/ID`)."""
    table = Table(title=f"{bank.id}: {bank.title}", show_edge=False)
    table.add_column("id")
    table.add_column("difficulty")
    table.add_column("type")
    table.add_column("prompt")
    for question in bank.questions:
        prompt = question.prompt if len(question.prompt) <= 60 else question.prompt[:59] + "…"
        table.add_row(
            question.id,
            question.difficulty.value,
            question.type.value.replace("_", " "),
            prompt,
        )
    return Group(table, Text(f"Preview one with /quiz post {bank.id}/ID", style="dim"))


def teams(found: Sequence[Team]) -> RenderableType:
    if not found:
        return Text("No teams yet: /quiz team create NAME")
    text = Text()
    for team in found:
        members = ", ".join(team.members) or "no members"
        text.append(f"{team.name}", style="bold")
        text.append(f": {members}\n")
    return text
