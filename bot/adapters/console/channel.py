"""The console channel: a terminal "channel" on the real core and store.

It reads lines (typed, or piped from a script) and answers on a rich Console. It translates;
the core decides.
"""

from __future__ import annotations

import getpass
import logging
import shlex
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TextIO

from rich.console import Console, RenderableType
from rich.text import Text

from bot.adapters.args import SCHEDULE_USAGE, bank_and_difficulty, schedule_from
from bot.adapters.console import render
from bot.adapters.console import reports as console_reports
from bot.adapters.console.cards import default_folder, take_flag, write_card
from bot.adapters.console.lines import lines_of
from bot.adapters.review_text import nothing_due_text, reminder_text, review_heading
from bot.adapters.text import refusal_text, schedule_text
from bot.cards import CardRenderer, caption
from bot.core.models import QuestionKey
from bot.core.outcomes import Posted, QuizError, Reveal
from bot.core.periods import Period
from bot.core.quiz import Quiz
from bot.core.review import NothingDue
from bot.core.rounds import ChannelRef, UserRef, parse_letters
from bot.core.schedule import Schedule

log = logging.getLogger(__name__)

PLATFORM = "console"
WORKSPACE = "local"

OPTION_LETTERS = "ABCDE"
ANSWER_USAGE = (
    "Answer with the letter of an option, like B, or one letter per blank, like A C; "
    "/help for commands."
)

HELP = f"""\
Commands (answers are just letters: `B`, or one per blank: `A C`):
  /quiz post [BANK/QUESTION] [--force]   post a question in this channel now (a given one, or
                                 the next); --force: reveal an open one without asking
  /quiz reveal                   close the open question and reveal the answer
  /quiz schedule set HH:MM [ZONE] [DAYS] [difficulty=..] [reveal=..] [banks=..]
  /quiz schedule show|pause|resume|remove   the channel's daily question
  /quiz leaderboard [week|month|all] [teams] [--image]   --image: as a PNG file
  /quiz stats [NAME] [--image]   points, accuracy, streaks (--image: 12 weeks as a PNG)
  /quiz practice [BANK] [easy|medium|hard]   a private practice question
  /quiz test BANK                "test this pattern": 10 questions, one attempt each
  /quiz stop                     stop your practice question or test
  /quiz review                   your due review questions (spaced repetition), one at a time
  /quiz remind on [HH:MM] [ZONE]|off   a reminder on days with reviews due (shown here)
  /quiz banks [BANK]             the loaded banks, or one bank's question ids
  /quiz team create|join|rename|delete|list|leave [NAME] [NEW NAME]
{console_reports.HELP_LINE}
  /as NAME                       switch to another person
  /help                          this text          /quit   leave"""

Handler = Callable[[list[str]], Coroutine[Any, Any, None]]


def login_name() -> str:
    """The person at the terminal: their login name, as the console's default player."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no USER/LOGNAME and no passwd entry (some containers)
        return "player"


def next_post_line(schedule: Schedule) -> str:
    if schedule.next_post_at is None:
        return "No post is due."
    local = schedule.next_post_at.astimezone(schedule.zone)
    return f"Next post: {local:%a %Y-%m-%d %H:%M} {schedule.timezone}, while this console runs."


def message_ref(posted: Posted) -> str:
    return f"console:{posted.round.id}"


class ConsoleChannel:
    def __init__(
        self,
        quiz: Quiz,
        console: Console,
        *,
        channel: str = "general",
        user: str | None = None,
        banks: list[str] | None = None,
    ) -> None:
        self.quiz = quiz
        self.console = console
        self.channel = ChannelRef(PLATFORM, WORKSPACE, channel)
        self.user = self._user(user or login_name())
        self.banks = banks or None
        self._confirm_post: list[str] | None = None
        self.cards = CardRenderer()
        self.cards_folder = default_folder()
        """Where ``--image`` writes its PNG files."""
        """The arguments of a /quiz post waiting for a yes: it would reveal the open question."""
        self._commands: dict[str, Handler] = {
            "post": self._post,
            "reveal": self._reveal,
            "schedule": self._schedule,
            "leaderboard": self._leaderboard,
            "stats": self._stats,
            "practice": self._practice,
            "test": self._test,
            "stop": self._stop,
            "review": self._review,
            "remind": self._remind,
            "banks": self._banks,
            "team": self._team,
            "help": self._help,
            "report": self._report,
        }

    @staticmethod
    def _user(name: str) -> UserRef:
        return UserRef(PLATFORM, WORKSPACE, name.casefold(), name)

    def say(self, renderable: RenderableType | str) -> None:
        self.console.print(renderable)

    def error(self, message: str) -> None:
        self.console.print(Text(message, style="red"))

    # --- input --------------------------------------------------------------------------------

    async def run(self, stream: TextIO | None = None) -> None:
        """Read lines until EOF or /quit."""
        lines = lines_of(stream or sys.stdin)
        self.say(
            Text(
                f"quizbot console · #{self.channel.channel} · you are {self.user.display}"
                " · /help for commands",
                style="dim",
            )
        )
        while True:
            line = await lines.readline()
            if not line:
                break
            if line.strip() in {"/quit", "/exit"}:
                break
            await self.handle(line)

    async def handle(self, line: str) -> None:
        text = line.strip()
        if self._confirm_post is not None:
            args, self._confirm_post = self._confirm_post, None
            if text.lower() in {"y", "yes"}:
                await self._run(self._post, [*args, "--force"])
                return
            self.say(Text("Not posted: the open question stays open.", style="dim"))
            if text.lower() in {"n", "no"}:
                return
        if not text or text.startswith("#"):
            return
        try:
            words = shlex.split(text)
        except ValueError as exc:
            self.error(f"Could not read that line: {exc}.")
            return
        await self._run(self._dispatch, words)

    async def _run(self, handler: Handler, words: list[str]) -> None:
        try:
            await handler(words)
        except QuizError as exc:
            self.error(refusal_text(exc))

    async def _dispatch(self, words: list[str]) -> None:
        head = words[0].lower()
        if head in {"/help", "help", "/quiz"} and len(words) == 1:
            await self._help([])
        elif head == "/as":
            if len(words) < 2:
                self.error("Usage: /as NAME")
                return
            self.user = self._user(" ".join(words[1:]))
            self.say(Text(f"You are now {self.user.display}.", style="dim"))
        elif head == "/quiz":
            handler = self._commands.get(words[1].lower())
            if handler is None:
                self.error(f"Unknown command '/quiz {words[1]}'. Type /help for the list.")
                return
            await handler(words[2:])
        elif head.startswith("/"):
            self.error(f"Unknown command '{words[0]}'. Type /help for the list.")
        else:
            await self._answer(" ".join(words))

    # --- answering ----------------------------------------------------------------------------

    async def _answer(self, text: str) -> None:
        letters = parse_letters(text)
        # "hello" would be read as the letters H E L L O; no answer has more than three blanks
        # or a letter past E, so such a word is something typed by mistake, not an answer.
        word = " " not in text and len(letters) > 1
        if (
            not letters
            or not all(letter.isalpha() and len(letter) == 1 for letter in letters)
            or (word and (len(letters) > 3 or not set(letters) <= set(OPTION_LETTERS)))
        ):
            self.error(f"'{text}' is not an answer. {ANSWER_USAGE}")
            return
        private = await self.quiz.practice.current(self.user)
        if private is not None:
            round_id = private[0].id
        else:
            current, _ = await self.quiz.rounds.open_round(self.channel)
            round_id = current.id
        result = await self.quiz.rounds.answer(round_id, self.user, letters)
        self.say(render.outcome(result))

    # --- commands -----------------------------------------------------------------------------

    async def _help(self, args: list[str]) -> None:
        self.say(Text(HELP))

    async def _report(self, args: list[str]) -> None:
        self.say(await console_reports.report(self.quiz, self.user, args))

    async def _post(self, args: list[str]) -> None:
        force = "--force" in args
        rest = [arg for arg in args if arg != "--force"]
        key = None
        if len(rest) > 1:
            raise QuizError(self._post_usage())
        if rest:
            bank, _, question_id = rest[0].partition("/")
            if not question_id:
                raise QuizError(self._post_usage())
            key = QuestionKey(bank, question_id)
            if self.quiz.library.question(key) is None:
                raise QuizError(f"There is no question '{key}'. {self._post_usage()}")
        if not force:
            open_now = await self.quiz.context.store.open_daily_round(self.channel)
            if open_now is not None:
                self._confirm_post = rest
                self.say(
                    Text(
                        f"A question is open here ({open_now.question}): posting now closes it "
                        "and reveals its answer. Post anyway? Type y to confirm, anything else "
                        "to keep it (/quiz post --force skips this question).",
                        style="yellow",
                    )
                )
                return
        posted = await self.quiz.rounds.post_daily(self.channel, banks=self.banks, question_key=key)
        if posted.previous is not None:
            await self._announce(posted.previous)
        await self.show_posted(posted)
        # Recorded like a platform's message, so that the scheduler knows it reached the channel.
        await self.quiz.context.store.set_message_ref(posted.round.id, message_ref(posted))

    async def show_posted(self, posted: Posted) -> None:
        pattern = self.quiz.library.bank(posted.question.bank)
        if posted.new_cycle:
            self.say(Text("Every question has been asked here: starting a new cycle.", "dim"))
        where = (
            "" if posted.round.channel == self.channel else f" · #{posted.round.channel.channel}"
        )
        self.say(
            render.question_panel(posted.question, f"📝 Daily question · {pattern.title}{where}")
        )

    def _post_usage(self) -> str:
        banks = self.quiz.library.banks
        example = f", e.g. {banks[0].questions[0].key}" if banks and banks[0].questions else ""
        return f"Usage: /quiz post [BANK/QUESTION] [--force]{example}"

    async def _reveal(self, args: list[str]) -> None:
        await self._announce(await self.quiz.rounds.close_open(self.channel))

    async def _announce(self, reveal: Reveal) -> None:
        async with self.quiz.rounds.announcing(reveal) as mine:
            if mine:
                self.say(render.reveal(reveal))

    async def _schedule(self, args: list[str]) -> None:
        schedules = self.quiz.schedules
        action = args[0].lower() if args else "show"
        if action == "set":
            zone = getattr(self.quiz.context.tz, "key", "UTC")
            saved = await schedules.set(schedule_from(self.channel, args[1:], zone))
            self.say(f"Scheduled #{self.channel.channel}: {schedule_text(saved)}.")
            self.say(Text(next_post_line(saved), style="dim"))
        elif action == "show" and len(args) <= 1:
            found = await schedules.get(self.channel)
            self.say(f"#{self.channel.channel}: {schedule_text(found)}.")
            if found.active:
                self.say(Text(next_post_line(found), style="dim"))
            for claim in await schedules.problems(self.channel):
                self.say(Text(f"⚠️ {claim.local_date}: {claim.detail}", style="yellow"))
        elif action in {"pause", "resume"} and len(args) == 1:
            done = await schedules.pause(self.channel, paused=action == "pause")
            self.say(f"{action.capitalize()}d: {schedule_text(done)}.")
        elif action == "remove" and len(args) == 1:
            await schedules.remove(self.channel)
            self.say(f"Schedule removed from #{self.channel.channel}.")
        else:
            raise QuizError(f"{SCHEDULE_USAGE}; or /quiz schedule show|pause|resume|remove")

    async def _leaderboard(self, args: list[str]) -> None:
        args, image = take_flag(args)
        words = [arg.lower() for arg in args]
        teams = "teams" in words
        rest = [word for word in words if word != "teams"]
        if len(rest) > 1:
            raise QuizError("Usage: /quiz leaderboard [week|month|all] [teams] [--image]")
        try:
            period = Period.parse(rest[0] if rest else None)
        except ValueError as exc:
            raise QuizError(str(exc)) from None
        if image:
            cards = self.quiz.cards
            if teams:
                card = await cards.team_board(PLATFORM, WORKSPACE, self.user, period)
            else:
                card = await cards.channel_board(self.channel, self.user, period)
            path = await write_card(self.cards, card, self.cards_folder)
            self.say(f"{caption(card)}: {path}")
            return
        if teams:
            result = await self.quiz.boards.teams(PLATFORM, WORKSPACE, period)
        else:
            result = await self.quiz.boards.channel(self.channel, period)
        self.say(render.board(result, period))

    async def _stats(self, args: list[str]) -> None:
        args, image = take_flag(args)
        # Looking someone up must not rename them: an empty name leaves the stored one.
        who = UserRef(PLATFORM, WORKSPACE, " ".join(args).casefold()) if args else self.user
        found = await self.quiz.boards.stats(who)
        if args and not (found.attempted or found.practice_attempted or found.team):
            self.say(f"Nobody called '{' '.join(args)}' has played here yet.")
            return
        if image:
            card = await self.quiz.cards.progress(who)
            path = await write_card(self.cards, card, self.cards_folder)
            self.say(f"{caption(card)}: {path}")
            return
        self.say(render.stats(found))

    async def _practice(self, args: list[str]) -> None:
        bank, difficulty = bank_and_difficulty(
            args, "Usage: /quiz practice [BANK] [easy|medium|hard]"
        )
        result = await self.quiz.practice.practice(
            self.user, self.channel, bank=bank, difficulty=difficulty
        )
        note = "you missed this one before" if result.missed_before else "private"
        self.say(render.question_panel(result.question, f"🎯 Practice · {note}"))

    async def _test(self, args: list[str]) -> None:
        if len(args) != 1:
            names = ", ".join(bank.id for bank in self.quiz.library.banks)
            raise QuizError(f"Usage: /quiz test BANK (banks: {names})")
        step = await self.quiz.practice.start_test(self.user, self.channel, args[0])
        bank = self.quiz.library.bank(args[0])
        self.say(Text(f"Test this pattern: {bank.title} — {step.total} questions.", "bold"))
        self.say(render.test_step(step))

    async def _stop(self, args: list[str]) -> None:
        stopped = await self.quiz.practice.stop(self.user)
        self.say("Stopped." if stopped else "You have no practice or test open.")

    async def _review(self, args: list[str]) -> None:
        result = await self.quiz.review.start(self.user, self.channel)
        if isinstance(result, NothingDue):
            self.say(nothing_due_text(result, self.quiz.context.tz))
            return
        self.say(render.question_panel(result.question, review_heading(result)))

    async def _remind(self, args: list[str]) -> None:
        reminder = await self.quiz.review.reminders.set_from_args(self.user, args)
        self.say(reminder_text(reminder))

    async def _banks(self, args: list[str]) -> None:
        if len(args) > 1:
            raise QuizError("Usage: /quiz banks [BANK]")
        if args:
            self.say(render.bank_questions(self.quiz.library.bank(args[0])))
            return
        for bank in self.quiz.library.banks:
            self.say(f"{bank.id}: {bank.title} ({len(bank.questions)} questions)")

    async def _team(self, args: list[str]) -> None:
        teams = self.quiz.teams
        action = args[0].lower() if args else "list"
        name = " ".join(args[1:])
        if action == "list":
            self.say(render.teams(await teams.list(PLATFORM, WORKSPACE)))
        elif action == "create":
            team = await teams.create(PLATFORM, WORKSPACE, name)
            self.say(f"Created team {team.name}.")
        elif action == "join":
            team = await teams.join(self.user, name)
            self.say(f"{self.user.display} joined {team.name}.")
        elif action == "leave":
            team = await teams.leave(self.user)
            self.say(f"{self.user.display} left {team.name}.")
        elif action == "delete":
            team = await teams.delete(PLATFORM, WORKSPACE, name)
            self.say(f"Deleted team {team.name}.")
        elif action == "rename" and len(args) == 3:
            team = await teams.rename(PLATFORM, WORKSPACE, args[1], args[2])
            self.say(f"Renamed to {team.name}.")
        else:
            raise QuizError(
                "Usage: /quiz team create|join|delete NAME, /quiz team rename OLD NEW, "
                "/quiz team leave|list"
            )
