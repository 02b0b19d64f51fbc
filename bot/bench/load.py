"""The load the platform benches send, run in the harness process (``bot.bench.harness``).

Every user clicks A, C, D, B on one round: wrong three times, which uses up the round's 3
attempts, then once more ("already finished"). The clicks go out interleaved across users, as a
crowd clicks, and none waits for an earlier one's answer.

Slack: the requests are built and signed before the clock starts, then all go out at once over
a client limited to ``CONNECTIONS`` connections. An ack's latency runs from the moment the
request's headers were written to its connection (not from when it waited for a free one) to
the moment its HTTP response was read: bolt answers at ``ack()``. A request is lost without an
HTTP 200 or, when answers are expected, without its answer delivered to the fake's
response_url within ``lost_after`` seconds of the last ack.

Discord: each click's INTERACTION_CREATE is written to the gateway socket without waiting; an
ack's latency runs from then to the moment the fake recorded the interaction's callback POST; a
click with no successful callback is lost (Discord refuses a callback after 3 s).

Paced (``rate`` > 0): the same clicks, click ``i`` sent ``i / rate`` seconds after the first
instead of all at once: a load the app can sustain, from which the benches take latency and lost.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import aiohttp

from bot.adapters.slack import blocks
from bot.bench.common import Burst, percentile
from bot.testing import discord as fake_discord
from bot.testing import slack as fake_slack

# Wrong, wrong, wrong (the round allows 3 attempts), then a click after the person is done.
LETTERS = ("A", "C", "D", "B")
SECRET = "bench-signing-secret"
# Client connections to the Slack app at most; the requests beyond them wait for a free one.
CONNECTIONS = 32
READ_TIMEOUT_S = 10.0
FIRST_DISCORD_USER_ID = 1_600_000_000_000_000_001
# Discord refuses a callback 3 s after the interaction; past this after the last click, stop.
DISCORD_LOST_AFTER_S = 5.0


@dataclass(frozen=True, slots=True)
class SlackBurst(Burst):
    """``acked``: requests answered with HTTP 200; ``seconds``: from the first request sent to
    the last HTTP response read; ``lost``: requests without HTTP 200, or (when answers are
    expected) without their answer delivered."""

    answered_seconds: float = 0.0
    """From the first request sent to the last answer delivered (0 when none are expected)."""
    sent_seconds: float = 0.0
    """From the start of sending to the last request's headers written: how fast the load went
    out (paced: at least ``(clicks - 1) / rate``)."""


@dataclass(frozen=True, slots=True)
class DiscordBurst(Burst):
    """``acked``: clicks answered in time (a callback Discord accepted); ``seconds``: from the
    first click sent to the last callback recorded."""

    connections: int = 0
    """HTTP connections the bot opened to the fake: one per request it had in flight at once."""
    sent_seconds: float = 0.0
    """From the first click written to the gateway to the last: how fast the load went out."""


async def _on_schedule(start: float, index: int, rate: float) -> None:
    """Paced load: wait until click ``index`` is due, ``index / rate`` s after ``start``."""
    if rate > 0:
        delay = start + index / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)


def click_order(
    users: Sequence[Any], clicks: int, letters: Sequence[str] = LETTERS
) -> list[tuple[Any, str]]:
    """``clicks`` clicks: everyone's first letter, then everyone's second, ... (a crowd).
    ``letters`` are ``LETTERS`` as the round shows them (its options are shuffled)."""
    order = [(user, letter) for letter in letters for user in users]
    return order[:clicks]


# --- Slack --------------------------------------------------------------------------------


def slack_users(count: int) -> list[fake_slack.FakeUser]:
    return [
        fake_slack.FakeUser(f"U0BENCH{number:05d}", f"clicker{number}") for number in range(count)
    ]


@dataclass(slots=True)
class Click:
    """One signed request and what happened to it."""

    request: fake_slack.SlackRequest
    response_id: str
    sent_at: float = 0.0
    done_at: float = 0.0
    status: int = 0


@dataclass(frozen=True, slots=True)
class Posted:
    """The round's message as the fake holds it."""

    round_id: int
    ts: str
    blocks: list[dict[str, Any]]


def posted_message(fake: fake_slack.FakeSlack) -> Posted:
    message = fake.messages_in(fake_slack.GENERAL_ID)[-1]
    for block in message["blocks"]:
        if block["type"] == "actions":
            return Posted(int(block["block_id"].split(":")[1]), message["ts"], message["blocks"])
    raise RuntimeError("the round's message has no buttons")


def signed_clicks(
    fake: fake_slack.FakeSlack, posted: Posted, order: Sequence[tuple[fake_slack.FakeUser, str]]
) -> list[Click]:
    """Every click as Slack would POST it, each with its own response_url, signed now."""
    clicks = []
    for user, letter in order:
        respond_to = fake.response_url(channel=fake_slack.GENERAL_ID)
        action = fake_slack.button_action(
            f"{blocks.ANSWER}:{letter}",
            f"{posted.round_id}:{letter}",
            block_id=f"quiz_round:{posted.round_id}",
        )
        request = fake_slack.block_actions_request(
            SECRET,
            [action],
            user=user,
            message_ts=posted.ts,
            blocks=posted.blocks,
            response_url=respond_to,
        )
        clicks.append(Click(request, respond_to.rsplit("/", 1)[-1]))
    return clicks


def warm_up_request(
    fake: fake_slack.FakeSlack, posted: Posted, user: fake_slack.FakeUser, kind: str
) -> fake_slack.SlackRequest:
    """One request before the clock starts, so that bolt's one-off ``auth.test`` and the first
    connection are not in the figures: a blank pick (quizbot: not an attempt) or a click."""
    if kind == "pick":
        pick = fake_slack.select_action(
            f"{blocks.PICK}:1", "A", block_id=f"{blocks.BLANKS_BLOCK}:{posted.round_id}"
        )
        return fake_slack.block_actions_request(
            SECRET, [pick], user=user, message_ts=posted.ts, blocks=posted.blocks
        )
    return signed_clicks(fake, posted, [(user, "A")])[0].request


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


async def slack_warm_up(fake: fake_slack.FakeSlack, *, url: str, kind: str) -> None:
    first = warm_up_request(fake, posted_message(fake), slack_users(1)[0], kind)
    async with (
        bench_session() as session,
        session.post(url, data=first.body, headers=dict(first.headers)) as response,
    ):
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"the warm-up request got HTTP {response.status}")


async def slack_burst(
    fake: fake_slack.FakeSlack,
    *,
    url: str,
    users: int,
    clicks: int,
    answers: bool,
    lost_after: float = 10.0,
    letters: Sequence[str] = LETTERS,
    rate: float = 0.0,
) -> SlackBurst:
    """Send every click at ``url`` at once (or, with ``rate``, that many a second); with
    ``answers``, then wait for each one's reply."""
    order = click_order(slack_users(users), clicks, letters)
    requests = signed_clicks(fake, posted_message(fake), order)

    async def due(index: int, click: Click) -> None:
        await _on_schedule(start, index, rate)
        await _send(session, url, click)

    async with bench_session() as session:
        start = time.monotonic()
        await asyncio.gather(*(due(index, click) for index, click in enumerate(requests)))
    acked = [click for click in requests if click.status == 200]
    first_sent = min((c.sent_at for c in requests if c.sent_at), default=0.0)
    last_done = max((c.done_at for c in acked), default=first_sent)
    lost = len(requests) - len(acked)
    answered_seconds = 0.0
    if answers:
        wanted = {click.response_id for click in acked}
        delivered: dict[str, float] = {}
        seen = 0
        deadline = time.monotonic() + lost_after
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
    return SlackBurst(
        acked=len(acked),
        seconds=last_done - first_sent,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        lost=lost,
        over_limit=0,
        answered_seconds=answered_seconds,
        sent_seconds=max((c.sent_at for c in requests), default=start) - start,
    )


# --- Discord ------------------------------------------------------------------------------


def discord_users(count: int) -> list[fake_discord.FakeUser]:
    return [
        fake_discord.FakeUser(FIRST_DISCORD_USER_ID + number, f"clicker{number}")
        for number in range(count)
    ]


def discord_guild(users: Sequence[fake_discord.FakeUser]) -> fake_discord.FakeGuild:
    """The fake's default guild (its admin posts the round) plus the clickers."""
    guild = fake_discord.default_guild()
    guild.members.extend(fake_discord.FakeMember(user) for user in users)
    return guild


def answer_ids(message: dict[str, Any]) -> dict[str, str]:
    """Letter -> custom_id of the answer buttons on a posted message."""
    found = {}
    for row in message.get("components", []):
        for component in row.get("components", []):
            if match := re.fullmatch(r"\w+:a:\d+:([A-E])", component.get("custom_id", "")):
                found[match[1]] = component["custom_id"]
    return found


async def discord_burst(
    fake: fake_discord.FakeDiscord,
    message_id: int,
    custom_ids: dict[str, str],
    *,
    users: int,
    clicks: int,
    letters: Sequence[str] = LETTERS,
    lost_after: float = DISCORD_LOST_AFTER_S,
    rate: float = 0.0,
) -> DiscordBurst:
    """Send every click without waiting (or, with ``rate``, that many a second), then collect
    the callbacks the fake records; a click without one ``lost_after`` seconds after the last
    was sent is lost."""
    order = click_order(discord_users(users), clicks, letters)
    mark = len(fake.requests)
    peers_before = len(fake.http_peers)
    sent_at: dict[str, float] = {}
    start = time.monotonic()
    for index, (user, letter) in enumerate(order):
        await _on_schedule(start, index, rate)
        sent = await fake.click(custom_ids[letter], message_id=message_id, user=user)
        sent_at[sent.callback_path] = time.monotonic()
        await asyncio.sleep(0)  # one loop turn, so callbacks are read as they arrive
    first_sent = min(sent_at.values())
    deadline = time.monotonic() + lost_after
    answered: dict[str, fake_discord.Recorded] = {}
    seen = mark
    while len(answered) < len(sent_at) and time.monotonic() < deadline:
        # Polling only decides when to stop: the figures come from the recorded times.
        await asyncio.sleep(0.01)
        for request in fake.requests[seen:]:
            if request.path in sent_at and request.path not in answered:
                answered[request.path] = request
        seen = len(fake.requests)
    acked = {path: r for path, r in answered.items() if r.method == "POST" and r.status < 300}
    latencies = [acked[path].time - sent_at[path] for path in acked]
    last = max((r.time for r in acked.values()), default=first_sent)
    return DiscordBurst(
        acked=len(acked),
        seconds=last - first_sent,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        lost=len(sent_at) - len(acked),
        over_limit=0,
        connections=len(fake.http_peers) - peers_before,
        sent_seconds=max(sent_at.values()) - start,
    )
