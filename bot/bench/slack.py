"""`quizbot bench slack`: a burst of signed block_actions requests into the bolt app over HTTP,
against a bare bolt app that only acks, and a bare app that acks and answers.

All sides are real bolt ``AsyncApp``s served by bolt's aiohttp adapter (``running_app``) with
their Web API client on the fake Slack (``bot.testing.slack``): quizbot's app from
``build_app`` on a real SQLite store; a bare app with the same signing secret whose
``quiz_answer:`` listener only acks; and the same bare app sending one fixed reply to each
click's response_url after the ack, through quizbot's own ``ResponseUrlClient``. Slack shows
nothing of an ack to a block_actions click, so any app that tells the clicker anything makes
that one extra HTTP call per click: the answering app measures what that costs by itself, and
quizbot against it measures the quiz's own work. Each side posts one round's message (the
same Block Kit for all, so the requests are the same size); then every user clicks A, C, D, B:
wrong three times, which uses up the round's 3 attempts, then once more ("already finished").
The requests are built and signed before the clock starts, then all go out at once over a
client limited to ``CONNECTIONS`` connections, as a crowd clicks. An ack's latency runs from
the moment the request's headers were written to its connection (not from when it started
waiting for a free connection) to the moment its HTTP response was read: bolt answers at
``ack()``. Answers go on after the ack, in the background; a request is lost without an HTTP
200 or, on an answering side, without its answer delivered to the fake.

Before the burst each side gets one warm-up request that is not timed (a blank pick on
quizbot's side, which is not an attempt; a click on the bare sides), so that bolt's one-off
``auth.test`` and the first connection are not in the figures.

The client, the fake, bolt and the app share one event loop, so the client's and the fake's
work (including the answers arriving at the fake) is in the figures of every side.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp

from bot.adapters.slack import blocks
from bot.adapters.slack.admin import post_round
from bot.adapters.slack.app import build_app
from bot.adapters.slack.context import ResponseUrlClient, channel_ref
from bot.bench.common import Burst, PairedReport, alternating, percentile, synthetic_bank
from bot.bench.discord import LETTERS
from bot.core.clock import SystemClock
from bot.core.library import BankLibrary
from bot.core.outcomes import Wrong
from bot.core.permissions import AdminPolicy
from bot.core.quiz import Quiz
from bot.core.rounds import Round, RoundKind
from bot.store.audit import attempts_over_limit
from bot.store.sqlite import SqliteStore
from bot.testing.slack import (
    GENERAL_ID,
    TEAM_ID,
    FakeSlack,
    FakeUser,
    SlackRequest,
    block_actions_request,
    button_action,
    running_app,
    select_action,
    web_client,
)

SECRET = "bench-signing-secret"
TOKEN = "xoxb-fake"
# Client connections to the app at most; the requests beyond them wait for a free one.
CONNECTIONS = 32
# Past this after the last ack, stop waiting for quizbot's answers (Slack's response_url
# would still take them for 30 minutes; a bench only needs to see them all arrive).
LOST_AFTER_S = 10.0
READ_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class BurstResult(Burst):
    """``acked``: requests answered with HTTP 200; ``seconds``: from the first request sent to
    the last HTTP response read; ``lost``: requests without HTTP 200, or (on an answering
    side) without their answer delivered."""

    answered_seconds: float = 0.0
    """From the first request sent to the last answer delivered (0 for the ack-only app)."""


@dataclass(slots=True)
class Click:
    """One signed request and what happened to it."""

    request: SlackRequest
    response_id: str
    sent_at: float = 0.0
    done_at: float = 0.0
    status: int = 0


@dataclass(frozen=True, slots=True)
class Posted:
    """The round's message as the fake holds it."""

    round_id: int
    ts: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def bench_users(count: int) -> list[FakeUser]:
    return [FakeUser(f"U0BENCH{number:05d}", f"clicker{number}") for number in range(count)]


def click_order(users: Sequence[FakeUser], clicks: int) -> list[tuple[FakeUser, str]]:
    """``clicks`` clicks: everyone's first letter, then everyone's second, ... (a crowd)."""
    order = [(user, letter) for letter in LETTERS for user in users]
    return order[:clicks]


def signed_clicks(
    fake: FakeSlack, posted: Posted, order: Sequence[tuple[FakeUser, str]]
) -> list[Click]:
    """Every click as Slack would POST it, each with its own response_url, signed now."""
    clicks = []
    for user, letter in order:
        respond_to = fake.response_url(channel=GENERAL_ID)
        action = button_action(
            f"{blocks.ANSWER}:{letter}",
            f"{posted.round_id}:{letter}",
            block_id=f"quiz_round:{posted.round_id}",
        )
        request = block_actions_request(
            SECRET,
            [action],
            user=user,
            message_ts=posted.ts,
            blocks=posted.blocks,
            response_url=respond_to,
        )
        clicks.append(Click(request, respond_to.rsplit("/", 1)[-1]))
    return clicks


async def _headers_sent(
    session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
) -> None:
    click = context.trace_request_ctx
    if isinstance(click, Click):
        click.sent_at = time.monotonic()


def bench_session() -> aiohttp.ClientSession:
    """A client with at most ``CONNECTIONS`` connections that notes when each request's
    headers went out (after it got a connection: the wait for one is not the app's)."""
    tracing = aiohttp.TraceConfig()
    tracing.on_request_headers_sent.append(_headers_sent)
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=CONNECTIONS),
        # No total: a request may wait long for a free connection; a stuck one still ends.
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=5.0, sock_read=READ_TIMEOUT_S),
        trace_configs=[tracing],
    )


async def _send(session: aiohttp.ClientSession, url: str, click: Click) -> None:
    try:
        async with session.post(
            url,
            data=click.request.body,
            headers=dict(click.request.headers),
            trace_request_ctx=click,
        ) as response:
            await response.read()
            click.status = response.status
    except (aiohttp.ClientError, TimeoutError):
        click.status = 0
    click.done_at = time.monotonic()


async def burst(
    fake: FakeSlack,
    url: str,
    clicks: Sequence[Click],
    *,
    warm_up: SlackRequest,
    answers: bool,
) -> BurstResult:
    """Send every click at once; with ``answers``, then wait for each one's respond()."""
    async with bench_session() as session:
        async with session.post(url, data=warm_up.body, headers=dict(warm_up.headers)) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"the warm-up request got HTTP {response.status}")
        await asyncio.gather(*(_send(session, url, click) for click in clicks))
    acked = [click for click in clicks if click.status == 200]
    first_sent = min((c.sent_at for c in clicks if c.sent_at), default=0.0)
    last_done = max((c.done_at for c in acked), default=first_sent)
    lost = len(clicks) - len(acked)
    answered_seconds = 0.0
    if answers:
        wanted = {click.response_id for click in acked}
        delivered: dict[str, float] = {}
        seen = 0
        deadline = time.monotonic() + LOST_AFTER_S
        while True:
            # Polling only decides when to stop: the figures come from the recorded times.
            for responded in fake.responses[seen:]:
                if responded.response_id in wanted:
                    delivered.setdefault(responded.response_id, responded.time)
            seen = len(fake.responses)
            if len(delivered) == len(wanted) or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.01)
        lost += len(wanted) - len(delivered)
        answered_seconds = max(delivered.values(), default=first_sent) - first_sent
    latencies = [click.done_at - click.sent_at for click in acked]
    return BurstResult(
        acked=len(acked),
        seconds=last_done - first_sent,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        lost=lost,
        over_limit=0,
        answered_seconds=answered_seconds,
    )


def posted_message(fake: FakeSlack) -> Posted:
    message = fake.messages_in(GENERAL_ID)[-1]
    for block in message["blocks"]:
        if block["type"] == "actions":
            return Posted(int(block["block_id"].split(":")[1]), message["ts"], message["blocks"])
    raise RuntimeError("the round's message has no buttons")


async def run_quizbot(folder: Path, *, users: Sequence[FakeUser], clicks: int) -> BurstResult:
    db = folder / "slack.db"
    store = await SqliteStore.open(db)
    try:
        quiz = Quiz(store, BankLibrary([synthetic_bank()]), SystemClock())
        await quiz.start()
        async with FakeSlack() as fake:
            app = build_app(
                quiz,
                token=TOKEN,
                signing_secret=SECRET,
                client=web_client(fake, TOKEN),
                admins=AdminPolicy(),
            )
            async with running_app(app) as url:
                await post_round(app.client, app.deps, TEAM_ID, GENERAL_ID)  # type: ignore[attr-defined]
                posted = posted_message(fake)
                requests = signed_clicks(fake, posted, click_order(users, clicks))
                # A blank pick only acks in quizbot (picking is not an attempt).
                pick = select_action(
                    f"{blocks.PICK}:1", "A", block_id=f"{blocks.BLANKS_BLOCK}:{posted.round_id}"
                )
                warm_up = block_actions_request(
                    SECRET, [pick], user=users[0], message_ts=posted.ts, blocks=posted.blocks
                )
                result = await burst(fake, url, requests, warm_up=warm_up, answers=True)
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


def bare_app(fake: FakeSlack, responses: ResponseUrlClient, *, answers: bool = False) -> AsyncApp:
    """Bolt with the same secret and client, and a listener that only acks; with ``answers``,
    it then sends the same fixed reply to every click's response_url, through quizbot's own
    ``ResponseUrlClient``: an app that answers each click and decides nothing."""
    app = AsyncApp(signing_secret=SECRET, client=web_client(fake, TOKEN))
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


async def run_bare(*, users: Sequence[FakeUser], clicks: int, answers: bool = False) -> BurstResult:
    async with FakeSlack() as fake:
        responses = ResponseUrlClient()
        app = bare_app(fake, responses, answers=answers)
        async with running_app(app) as url:
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
            await app.client.chat_postMessage(
                channel=GENERAL_ID,
                text=f"Daily question: {question.prompt}",
                blocks=blocks.question_blocks(question, "Benchmark bank", round_),
            )
            posted = posted_message(fake)
            requests = signed_clicks(fake, posted, click_order(users, clicks))
            warm_up = signed_clicks(fake, posted, [(users[0], "A")])[0].request
            try:
                return await burst(fake, url, requests, warm_up=warm_up, answers=answers)
            finally:
                await responses.close()


@dataclass(frozen=True, slots=True)
class SlackReport:
    """Per round: quizbot, the bare app that only acks, and the bare app that acks and
    answers every click with a fixed reply."""

    rounds: tuple[tuple[BurstResult, BurstResult, BurstResult], ...]

    @property
    def against_ack_only(self) -> PairedReport[BurstResult]:
        """quizbot against the app that only acks: what the target is set on."""
        return PairedReport(tuple((ours, bare) for ours, bare, _ in self.rounds))

    @property
    def against_answering(self) -> PairedReport[BurstResult]:
        """quizbot against an app that answers too: the cost of the quiz itself."""
        return PairedReport(tuple((ours, answering) for ours, _, answering in self.rounds))

    @property
    def answering_against_ack_only(self) -> PairedReport[BurstResult]:
        """What answering every click costs any app: the ceiling of the first ratio."""
        return PairedReport(tuple((answering, bare) for _, bare, answering in self.rounds))


async def bench_slack(*, clicks: int, users: int, rounds: int = 3) -> SlackReport:
    clickers = bench_users(users)

    async def ours(folder: Path) -> BurstResult:
        return await run_quizbot(folder, users=clickers, clicks=clicks)

    async def ack_only(folder: Path) -> BurstResult:
        return await run_bare(users=clickers, clicks=clicks)

    async def answering(folder: Path) -> BurstResult:
        return await run_bare(users=clickers, clicks=clicks, answers=True)

    results = await alternating(rounds, "quizbot-bench-slack-", (ours, ack_only, answering))
    return SlackReport(tuple((mine, bare, other) for mine, bare, other in results))
