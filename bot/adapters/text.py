"""Core outcomes as chat text, shared by the Discord and Slack adapters.

Wording lives here once; each platform supplies its markup (bold, code blocks). Presentation
only: no rule is decided here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.adapters.review_text import review_stats_line
from bot.core.models import Question, QuestionType, Solution
from bot.core.outcomes import (
    BUSY,
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
    Posted,
    QuizError,
    Reveal,
    TestResult,
    Unavailable,
    UserStats,
    Wrong,
)
from bot.core.periods import Period
from bot.core.schedule import Schedule
from bot.core.scoring import ordinal

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Markup:
    bold_mark: str = "**"

    def bold(self, text: str) -> str:
        return f"{self.bold_mark}{text}{self.bold_mark}"

    @staticmethod
    def code(text: str, language: str | None = None) -> str:
        return f"```{language or ''}\n{text.rstrip()}\n```"


DISCORD = Markup("**")
SLACK = Markup("*")


def refusal_text(error: QuizError) -> str:
    """What the person who asked is told of a refusal. A database failure's own text is for
    the operator (it names the file): it goes to the log, and they are told quizbot is busy."""
    if isinstance(error, Unavailable):
        log.warning("told someone quizbot is busy: %s", error)
        return BUSY
    return str(error)


def schedule_text(schedule: Schedule) -> str:
    """A schedule in one line: when, which days, what, when it reveals, and its state."""
    state = " (paused)" if schedule.paused else ""
    if schedule.disabled_reason:
        state += f" — ⛔ disabled: {schedule.disabled_reason}; resume to try again"
    return (
        f"{schedule.post_time:%H:%M} {schedule.timezone}, {schedule.describe_days()}, "
        f"{schedule.describe_difficulty()}, {schedule.describe_banks()}, "
        f"{schedule.describe_reveal()}{state}"
    )


POST_NOW_WARNING = (
    "An open question in the channel is closed and its answer revealed first, for everyone."
)


def posted_over(posted: Posted) -> str:
    """An admin's post-now that closed an open question: say so, it was revealed first."""
    if posted.previous is None or posted.previous.question is None:
        return ""
    return f"The open question {posted.previous.question.key} was closed and revealed first. "


def refused_text(platform: str, reason: str) -> str:
    """What an admin is told when the platform refused a post or reveal."""
    return (
        f"{platform} refused that ({reason}). Nothing is lost: try again in a moment; a reveal "
        "that did not go out is posted by the next try, or by the scheduler on its own."
    )


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def period_title(period: Period) -> str:
    return {Period.WEEK: "this week", Period.MONTH: "this month", Period.ALL: "all time"}[period]


def answer_line(question: Question, m: Markup) -> str:
    picked = "; ".join(question.options[letter] for letter in question.answer)
    return f"{m.bold('Answer:')} {question.answer_text()} — {picked}"


def solution_text(question: Question, solution: Solution | None, m: Markup) -> str:
    lines = [answer_line(question, m)]
    if solution is not None:
        for number, step in enumerate(solution.steps, start=1):
            head = f"Step {number}: {step.title}" if step.title else f"Step {number}"
            lines.append(f"{m.bold(head)}\n{step.text}")
        if solution.final:
            lines.append(f"{m.bold('Final answer:')} {solution.final}")
        if solution.check:
            lines.append(f"{m.bold('Quick check:')} {solution.check}")
    return "\n".join(lines)


def mistakes_text(question: Question, m: Markup) -> str:
    if not question.mistakes:
        return ""
    return m.bold("Common mistakes:") + "\n" + "\n".join(f"• {x}" for x in question.mistakes)


def earned(points: int, attempt_no: int, *, counted: bool) -> str:
    """What a correct answer earned; practice and tests go on no board, so they earn none."""
    if counted:
        return f"+{points} points ({ordinal(attempt_no)} attempt)"
    return f"({ordinal(attempt_no)} attempt · practice: not counted)"


def exhausted_head(result: Exhausted) -> str:
    # With one attempt allowed (a test) nothing "ran out": the answer was just wrong.
    return "❌ Not quite." if result.only_attempt else "Out of attempts."


def already_tried(result: AlreadyTried) -> str:
    return (
        f"You already tried {result.answer}: nothing was counted, "
        f"{plural(result.attempts_left, 'attempt')} left. Try another option."
    )


def outcome_text(result: Outcome, m: Markup) -> str:
    match result:
        case Correct(question=question, points=points, attempt_no=attempt_no):
            head = f"✅ Correct! {earned(points, attempt_no, counted=result.counted)}"
            return f"{head}\n\n{solution_text(question, result.solution, m)}"
        case Wrong(attempts_left=left, hint=hint, explanation=explanation):
            parts = [f"❌ Not quite — {plural(left, 'attempt')} left."]
            if explanation:
                parts.append(explanation)
            parts.append(f"💡 {m.bold('Hint:')} {hint}")
            return "\n".join(parts)
        case Exhausted(question=question, explanation=explanation):
            head = exhausted_head(result) + (f" {explanation}" if explanation else "")
            tail = mistakes_text(question, m)
            body = solution_text(question, result.solution, m)
            return "\n\n".join(part for part in (head, body, tail) if part)
        case AlreadyTried():
            return already_tried(result)
        case AlreadyFinished(solved=solved, points=points, attempts_used=used):
            if solved:
                return (
                    f"You already finished: solved on the {ordinal(used)} attempt "
                    f"for {points} points."
                )
            return f"You already finished: no attempts left ({used} used)."
        case Closed():
            return "This question is closed."
        case NotFound():
            return "That question doesn't exist here (or it isn't yours to answer)."
        case Invalid(message=message):
            return f"Not an answer: {message}. Nothing was counted."
        case Gone():
            return "That question was removed from its bank."
    raise TypeError(f"unknown outcome {result!r}")  # pragma: no cover


def question_text(question: Question, m: Markup) -> str:
    """Prompt, code and options (the body of a posted question)."""
    parts = [question.prompt]
    if question.code:
        parts.append(m.code(question.code, question.language))
    parts.append("\n".join(f"{m.bold(k)}  {v}" for k, v in question.options.items()))
    return "\n\n".join(parts)


def how_to_answer(question: Question) -> str:
    if question.type is QuestionType.FILL_BLANK:
        return f"Pick an option for each of the {question.blanks} blanks, then submit."
    return "Pick one option."


def reveal_text(result: Reveal, m: Markup) -> str:
    question = result.question
    if question is None:
        return "The question was closed; it is no longer in any bank."
    stats = result.stats
    parts = [f"⏰ {m.bold('Time is up!')}", solution_text(question, question.solution, m)]
    mistakes = mistakes_text(question, m)
    if mistakes:
        parts.append(mistakes)
    line = (
        f"{plural(stats.participants, 'participant')} · {stats.percent_solved}% solved · "
        f"first solver: {stats.first_solver or 'nobody'}"
    )
    if stats.most_picked_wrong is not None:
        wrong = stats.most_picked_wrong
        line += f"\nMost-picked wrong option: {wrong.label} ({plural(wrong.count, 'pick')})"
        if wrong.note:
            line += f" — {wrong.note}"
    parts.append(line)
    return "\n\n".join(parts)


def board_text(result: Board, period: Period, m: Markup) -> str:
    title = m.bold(f"🏆 {result.title} · {period_title(period)}")
    if result.team_rows:
        rows = [
            f"{row.rank}. {row.name} — {row.points} points "
            f"({row.active_members}/{row.members} active, "
            f"{row.points_per_active_member:.1f} per active member)"
            for row in result.team_rows
        ]
    else:
        rows = [
            f"{row.rank}. {row.name} — {row.points} points ({plural(row.solved, 'solve')})"
            for row in result.rows
        ]
    if not rows:
        return f"{title}\nNo points yet."
    return title + "\n" + "\n".join(rows)


def stats_text(result: UserStats, m: Markup) -> str:
    head = m.bold(result.name) + (f" · team {result.team}" if result.team else "")
    lines = [
        head,
        f"Points: {result.points} · solved {result.solved}/{result.attempted} "
        f"({result.accuracy}%) · streak {result.current_streak} (best {result.best_streak})",
    ]
    for level in result.by_difficulty:
        lines.append(
            f"• {level.difficulty.value}: {level.solved}/{level.attempted} solved, "
            f"{level.points} points"
        )
    if result.practice_attempted:
        lines.append(
            f"Practice: {result.practice_solved}/{result.practice_attempted} solved "
            "(not on the leaderboard)"
        )
    review = review_stats_line(result.review)
    if review is not None:
        lines.append(review)
    return "\n".join(lines)


def test_result_text(result: TestResult, m: Markup) -> str:
    lines = [m.bold(f"Test finished: {result.bank_title}")]
    lines += [
        f"• {score.difficulty.value}: {score.correct}/{score.total}"
        for score in result.by_difficulty
    ]
    lines.append(
        m.bold(f"Score: {result.correct}/{result.total} ({result.percent}%)")
        + f" · {result.points} points"
    )
    return "\n".join(lines)
