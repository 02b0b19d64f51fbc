"""The console channel: a terminal "channel" on the real core and store.

It reads lines (typed, or piped from a script) and answers on a rich Console. It translates;
the core decides.
"""

from __future__ import annotations

import logging
import shlex
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TextIO

from rich.console import Console, RenderableType
from rich.text import Text

from bot.adapters.args import bank_and_difficulty
from bot.adapters.console import render
from bot.adapters.console.lines import lines_of
from bot.adapters.text import refusal_text
from bot.core.models import QuestionKey
from bot.core.outcomes import QuizError, Reveal
from bot.core.periods import Period
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef, UserRef, parse_letters

log = logging.getLogger(__name__)

PLATFORM = "console"
WORKSPACE = "local"

HELP = """\
Commands (answers are just letters: `B`, or one per blank: `A C`):
  /quiz post [BANK/QUESTION]     post a question in this channel now (a given one, or the next)
  /quiz reveal                   close the open question and reveal the answer
  /quiz leaderboard [week|month|all] [teams]
  /quiz stats [NAME]             points, accuracy, streaks
  /quiz practice [BANK] [easy|medium|hard]   a private practice question
  /quiz test BANK                "test this pattern": 10 questions, one attempt each
  /quiz stop                     stop your practice question or test
  /quiz banks                    the loaded banks
  /quiz team create|join|rename|delete|list|leave [NAME] [NEW NAME]
  /as NAME                       switch to another person
  /help                          this text          /quit   leave"""

Handler = Callable[[list[str]], Coroutine[Any, Any, None]]


class ConsoleChannel:
    def __init__(
        self,
        quiz: Quiz,
        console: Console,
        *,
        channel: str = "general",
        user: str = "you",
        banks: list[str] | None = None,
    ) -> None:
        self.quiz = quiz
        self.console = console
        self.channel = ChannelRef(PLATFORM, WORKSPACE, channel)
        self.user = self._user(user)
        self.banks = banks or None
        self._commands: dict[str, Handler] = {
            "post": self._post,
            "reveal": self._reveal,
            "leaderboard": self._leaderboard,
            "stats": self._stats,
            "practice": self._practice,
            "test": self._test,
            "stop": self._stop,
            "banks": self._banks,
            "team": self._team,
            "help": self._help,
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
        if not text or text.startswith("#"):
            return
        try:
            words = shlex.split(text)
        except ValueError as exc:
            self.error(f"Could not read that line: {exc}.")
            return
        try:
            await self._dispatch(words)
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
        if not letters or not all(letter.isalpha() and len(letter) == 1 for letter in letters):
            self.error(f"'{text}' is not an answer: type letters like B or A C, or /help.")
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

    async def _post(self, args: list[str]) -> None:
        key = None
        if args:
            bank, _, question_id = args[0].partition("/")
            if not question_id:
                raise QuizError("Usage: /quiz post [BANK/QUESTION], e.g. fine-tuning-domains/why")
            key = QuestionKey(bank, question_id)
        posted = await self.quiz.rounds.post_daily(self.channel, banks=self.banks, question_key=key)
        if posted.previous is not None:
            await self._announce(posted.previous)
        pattern = self.quiz.library.bank(posted.question.bank)
        if posted.new_cycle:
            self.say(Text("Every question has been asked here: starting a new cycle.", "dim"))
        self.say(render.question_panel(posted.question, f"📝 Daily question · {pattern.title}"))

    async def _reveal(self, args: list[str]) -> None:
        await self._announce(await self.quiz.rounds.close_open(self.channel))

    async def _announce(self, reveal: Reveal) -> None:
        async with self.quiz.rounds.announcing(reveal) as mine:
            if mine:
                self.say(render.reveal(reveal))

    async def _leaderboard(self, args: list[str]) -> None:
        words = [arg.lower() for arg in args]
        teams = "teams" in words
        rest = [word for word in words if word != "teams"]
        if len(rest) > 1:
            raise QuizError("Usage: /quiz leaderboard [week|month|all] [teams]")
        try:
            period = Period.parse(rest[0] if rest else None)
        except ValueError as exc:
            raise QuizError(str(exc)) from None
        if teams:
            result = await self.quiz.boards.teams(PLATFORM, WORKSPACE, period)
        else:
            result = await self.quiz.boards.channel(self.channel, period)
        self.say(render.board(result, period))

    async def _stats(self, args: list[str]) -> None:
        # Looking someone up must not rename them: an empty name leaves the stored one.
        who = UserRef(PLATFORM, WORKSPACE, " ".join(args).casefold()) if args else self.user
        self.say(render.stats(await self.quiz.boards.stats(who)))

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

    async def _banks(self, args: list[str]) -> None:
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
