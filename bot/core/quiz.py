"""The core's front door: one object an adapter holds to reach every service."""

from __future__ import annotations

import random
from datetime import UTC, tzinfo

from bot.core.analytics import Analytics
from bot.core.boards import Boards
from bot.core.cards import Cards
from bot.core.clock import Clock
from bot.core.context import QuizContext
from bot.core.engine import QuizEngine
from bot.core.library import BankLibrary
from bot.core.ports import Store
from bot.core.practice import PracticeService
from bot.core.reports import Reports
from bot.core.review import ReviewService
from bot.core.schedule import ScheduleService
from bot.core.teams import Teams


class Quiz:
    def __init__(
        self,
        store: Store,
        library: BankLibrary,
        clock: Clock,
        *,
        tz: tzinfo = UTC,
        rng: random.Random | None = None,
    ) -> None:
        self.context = QuizContext(store, library, clock, tz, rng or random.Random())
        self.rounds = QuizEngine(self.context)
        self.practice = PracticeService(self.context, self.rounds)
        self.boards = Boards(self.context)
        self.review = ReviewService(self.context, self.rounds)
        self.teams = Teams(self.context)
        self.cards = Cards(self.context)
        self.reports = Reports(self.context, store)
        self.analytics = Analytics(store)
        self.schedules = ScheduleService(store, clock, lambda: {bank.id for bank in library.banks})

    @property
    def library(self) -> BankLibrary:
        return self.context.library

    async def start(self) -> None:
        """Register the loaded questions with the store (questions no longer in a bank keep
        their history)."""
        await self.context.store.sync_questions(self.library.questions, self.context.clock.now())
