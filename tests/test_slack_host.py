"""SLACK_HOST: the address Slack's HTTP mode listens on (default: every interface)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.run import _http_mode
from bot.app import StartupError
from bot.config import load_settings
from bot.metrics import METRICS
from bot.testing.slack import FakeSlack

SECRET = "signing-secret"


def other_addresses() -> list[str]:
    """Addresses of this machine that are not 127.0.0.1: its outward IPv4 address (a UDP
    connect sends nothing, it only picks the route) and, on Linux, 127.0.0.2 (all of 127/8 is
    this machine, but a socket bound to 127.0.0.1 does not answer there)."""
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
            if not address.startswith("127."):
                found.append(address)
        except OSError:
            pass  # no route out of this machine: no outward address to try
    if sys.platform.startswith("linux"):
        found.append("127.0.0.2")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("", 0))
        return int(sock.getsockname()[1])


def connects(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except OSError:
        return False


@asynccontextmanager
async def serving(host: str) -> AsyncIterator[int]:
    async with FakeSlack() as fake:
        client = AsyncWebClient(token="xoxb-fake", base_url=fake.api_url)
        bolt = AsyncApp(signing_secret=SECRET, client=client)
        port = free_port()
        async with _listening(bolt, host, port):
            yield port


@asynccontextmanager
async def _listening(bolt: AsyncApp, host: str, port: int) -> AsyncIterator[None]:
    task = asyncio.create_task(_http_mode(bolt, port, host=host))
    try:
        for _ in range(200):  # until it listens (or died)
            if task.done():
                task.result()
            if await asyncio.to_thread(connects, host or "127.0.0.1", port):
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("Slack HTTP mode did not start listening")
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_slack_host_127_0_0_1_listens_on_loopback_only() -> None:
    others = other_addresses()
    assert others, "this machine has no second address to check against"
    async with serving("127.0.0.1") as port:
        assert await asyncio.to_thread(connects, "127.0.0.1", port)
        for address in others:
            assert not await asyncio.to_thread(connects, address, port), address


async def test_by_default_slack_listens_on_every_interface() -> None:
    assert load_settings(_env_file=None).slack_host == ""
    async with serving("") as port:
        for address in ["127.0.0.1", *other_addresses()]:
            assert await asyncio.to_thread(connects, address, port), address


def ack_count() -> float:
    found = METRICS.registry.get_sample_value("quizbot_ack_seconds_count", {"platform": "slack"})
    return found or 0.0


async def test_a_request_slack_signed_is_answered_and_its_ack_timed() -> None:
    before = ack_count()
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"})
    stamp = str(int(time.time()))
    signature = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + signature.hexdigest(),
    }
    async with serving("127.0.0.1") as port, aiohttp.ClientSession() as session:
        url = f"http://127.0.0.1:{port}/slack/events"
        async with session.post(url, data=body, headers=headers) as response:
            assert response.status == 200
            assert "c-123" in await response.text()
        async with session.post(
            url, data=body, headers={**headers, "X-Slack-Signature": "v0=0"}
        ) as refused:
            assert refused.status == 401
    assert ack_count() == before + 1  # the refused one is no ack


async def test_an_address_not_of_this_machine_is_one_clear_line() -> None:
    bolt = AsyncApp(signing_secret=SECRET, token="xoxb-unused")
    port = free_port()
    with pytest.raises(StartupError) as caught:
        await asyncio.wait_for(_http_mode(bolt, port, host="203.0.113.77"), 5)
    message = str(caught.value)
    assert f"cannot listen on 203.0.113.77:{port}" in message and "SLACK_HOST" in message
    assert "\n" not in message
