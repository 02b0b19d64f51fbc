"""`quizbot bench slack`: a burst of signed block_actions requests into bolt apps over HTTP.

The fake Slack and the load generator run in another process (``bot.bench.harness``); this
process holds only the app under test, bolt, aiohttp and the store, as in production. The sides
are real bolt ``AsyncApp``s served by bolt's aiohttp adapter (``running_app``), their Web API
client on the harness's fake Slack:

- quizbot's app from ``build_app`` on a real SQLite store;
- the **reference**: a bare app with the same signing secret that acks every click and sends
  one fixed ephemeral answer to its response_url through quizbot's own ``ResponseUrlClient`` —
  the least any answering app does (Slack shows nothing of an ack to a block_actions click);
- a bare app that only acks, for information;
- a server that answers every request with an empty 200 and no bolt: how fast the harness can
  send at all, to show that it is not what limits the others.

Each side posts one round's message (the same Block Kit for all, so the requests are the same
size). A warm-up request goes first, untimed (quizbot: a blank pick, which is not an attempt),
so bolt's one-off ``auth.test`` and the first connection are not in the figures. The CPU time
of this process is taken around the burst: from the first click sent to the last answer
delivered.

Latency is taken from a second, paced phase per round: quizbot and the reference, each on a
fresh store and fake, offered the same clicks at one fixed rate (``--paced-rate``, by default half
the reference's burst throughput that round), a load both can sustain; the burst gives the
throughput and CPU per click.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import blocks
from bot.adapters.slack.admin import post_round
from bot.adapters.slack.app import build_app
from bot.adapters.slack.context import ResponseUrlClient, channel_ref
from bot.bench.common import (
    PairedReport,
    burst_then_paced,
    settled_heap,
    shown_letters,
    synthetic_bank,
)
from bot.bench.load import LETTERS, SECRET, SlackBurst
from bot.bench.remote import Harness, cpu_seconds, harness
from bot.core.clock import SystemClock
from bot.core.library import BankLibrary
from bot.core.outcomes import Wrong
from bot.core.permissions import AdminPolicy
from bot.core.quiz import Quiz
from bot.core.rounds import Round, RoundKind
from bot.store.sqlite import SqliteStore
from bot.store.sqlite.audit import attempts_over_limit
from bot.testing.slack import GENERAL_ID, TEAM_ID, running_app

TOKEN = "xoxb-fake"
__all__ = ["LETTERS", "SlackReport", "bench_slack"]


@dataclass(frozen=True, slots=True)
class Load:
    users: int
    clicks: int
    lost_after: float = 10.0
    rate: float = 0.0
    """Clicks per second on a fixed schedule (the paced phase); 0: all at once."""


async def _measured(
    remote: Harness,
    url: str,
    load: Load,
    *,
    answers: bool,
    warm_up: str,
    letters: Sequence[str] = LETTERS,
) -> SlackBurst:
    await remote.call("slack_warm_up", url=url, kind=warm_up)
    started = cpu_seconds()
    figures = await remote.call(
        "slack_burst",
        url=url,
        users=load.users,
        clicks=load.clicks,
        answers=answers,
        lost_after=load.lost_after,
        letters=list(letters),
        rate=load.rate,
    )
    spent = cpu_seconds() - started
    figures.pop("pid", None)
    figures.pop("handled_s", None)
    return replace(SlackBurst(**figures), cpu_seconds=spent)


async def run_quizbot(remote: Harness, folder: Path, load: Load) -> SlackBurst:
    db = folder / "slack.db"
    store = await SqliteStore.open(db)
    try:
        quiz = Quiz(store, BankLibrary([synthetic_bank()]), SystemClock())
        await quiz.start()
        fake = await remote.call("slack")
        app = build_app(
            quiz,
            token=TOKEN,
            signing_secret=SECRET,
            client=AsyncWebClient(token=TOKEN, base_url=fake["api_url"]),
            admins=AdminPolicy(),
        )
        async with running_app(app) as url:
            await post_round(app.client, app.deps, TEAM_ID, GENERAL_ID)  # type: ignore[attr-defined]
            letters = await shown_letters(quiz, channel_ref(TEAM_ID, GENERAL_ID), LETTERS)
            with settled_heap():
                result = await _measured(
                    remote, url, load, answers=True, warm_up="pick", letters=letters
                )
        await app.deps.close()  # type: ignore[attr-defined]
    finally:
        await store.close()
    return replace(result, over_limit=await asyncio.to_thread(attempts_over_limit, db))


def fixed_answer() -> dict[str, Any]:
    """What the answering bare app sends for every click: quizbot's own reply to a first
    wrong try, rendered once (deciding what to say is quizbot's part of the work)."""
    question = synthetic_bank().questions[0]
    wrong = Wrong(question, attempts_left=2, attempt_no=1, hint=question.hint, explanation=None)
    return {"text": "quizbot", "blocks": blocks.outcome_blocks(wrong, str)}


def bare_app(client: AsyncWebClient, responses: ResponseUrlClient, *, answers: bool) -> AsyncApp:
    """Bolt with the same secret, and a listener that acks; with ``answers``, it then sends the
    same fixed reply to every click's response_url: an app that answers and decides nothing."""
    app = AsyncApp(signing_secret=SECRET, client=client)
    answer = fixed_answer()
    clicks = re.compile(f"^{blocks.ANSWER}:")
    if not answers:

        @app.action(clicks)
        async def pressed(ack: Callable[[], Awaitable[None]]) -> None:
            await ack()  # nothing else: bolt injects only what a listener names

        return app

    @app.action(clicks)
    async def answered(ack: Callable[[], Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()
        await responses.send(body.get("response_url", ""), answer)

    return app


async def _post_like_quizbot(client: AsyncWebClient) -> None:
    # The same Block Kit as quizbot's round, so that the requests are the same size.
    question = synthetic_bank().questions[0]
    round_ = Round(
        id=1,
        kind=RoundKind.DAILY,
        channel=channel_ref(TEAM_ID, GENERAL_ID),
        question=question.key,
        attempts_allowed=question.attempts,
        opened_at=datetime.now(UTC),
    )
    await client.chat_postMessage(
        channel=GENERAL_ID,
        text=f"Daily question: {question.prompt}",
        blocks=blocks.question_blocks(question, "Benchmark bank", round_),
    )


async def run_bare(remote: Harness, load: Load, *, answers: bool) -> SlackBurst:
    fake = await remote.call("slack")
    client = AsyncWebClient(token=TOKEN, base_url=fake["api_url"])
    responses = ResponseUrlClient()
    app = bare_app(client, responses, answers=answers)
    try:
        async with running_app(app) as url:
            await _post_like_quizbot(client)
            return await _measured(remote, url, load, answers=answers, warm_up="click")
    finally:
        await responses.close()


@asynccontextmanager
async def _null_server() -> AsyncIterator[str]:
    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.Response()

    app = web.Application()
    app.router.add_post("/slack/events", ok)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    finally:
        await runner.cleanup()


async def run_null(remote: Harness, load: Load) -> SlackBurst:
    """The harness sending into a server that does nothing: its own ceiling."""
    fake = await remote.call("slack")
    await _post_like_quizbot(AsyncWebClient(token=TOKEN, base_url=fake["api_url"]))
    async with _null_server() as url:
        return await _measured(remote, url, load, answers=False, warm_up="click")


@dataclass(frozen=True, slots=True)
class SlackReport:
    """Per round: quizbot, the answering bare app (the reference), the bare app that only
    acks, and the do-nothing server (the harness's ceiling); and the harness's process id.
    ``paced``: quizbot and the reference at ``paced_rates`` (one per round)."""

    rounds: tuple[tuple[SlackBurst, SlackBurst, SlackBurst, SlackBurst], ...]
    harness_pid: int
    paced: tuple[tuple[SlackBurst, SlackBurst], ...] = ()
    paced_rates: tuple[float, ...] = ()

    @property
    def against_reference(self) -> PairedReport[SlackBurst]:
        """quizbot against the app that acks and answers: what the targets are set on."""
        return PairedReport(
            tuple((ours, answering) for ours, answering, _, _ in self.rounds),
            paced=self.paced,
            paced_rates=self.paced_rates,
        )

    @property
    def ack_only_against_reference(self) -> PairedReport[SlackBurst]:
        return PairedReport(tuple((ack, answering) for _, answering, ack, _ in self.rounds))

    @property
    def harness_headroom(self) -> float:
        """The harness's ceiling over the fastest app side's rate, median over rounds."""
        ratios = []
        for ours, answering, ack, null in self.rounds:
            fastest = max(ours.rate, answering.rate, ack.rate)
            if fastest:
                ratios.append(null.rate / fastest)
        ratios.sort()
        return ratios[len(ratios) // 2] if ratios else 0.0


async def bench_slack(
    *, clicks: int, users: int, rounds: int = 5, paced_rate: float = 0.0
) -> SlackReport:
    load = Load(users, clicks)
    async with harness() as remote:

        async def ours(folder: Path) -> SlackBurst:
            return await run_quizbot(remote, folder, load)

        async def answering(folder: Path) -> SlackBurst:
            return await run_bare(remote, load, answers=True)

        async def ack_only(folder: Path) -> SlackBurst:
            return await run_bare(remote, load, answers=False)

        async def null(folder: Path) -> SlackBurst:
            return await run_null(remote, load)

        async def ours_paced(folder: Path, rate: float) -> SlackBurst:
            return await run_quizbot(remote, folder, replace(load, rate=rate))

        async def answering_paced(folder: Path, rate: float) -> SlackBurst:
            return await run_bare(remote, replace(load, rate=rate), answers=True)

        results = await burst_then_paced(
            rounds,
            "quizbot-bench-slack-",
            (ours, answering, ack_only, null),
            (ours_paced, answering_paced),
            reference=1,
            rate=paced_rate,
        )
        return SlackReport(
            tuple((a, b, c, d) for a, b, c, d in (r.burst for r in results)),
            harness_pid=remote.pid,
            paced=tuple((a, b) for a, b in (r.paced for r in results)),
            paced_rates=tuple(r.rate for r in results),
        )
