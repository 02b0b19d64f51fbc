"""Slack OAuth end to end: "Add to Slack" through real bolt and slack_sdk against the fake
Slack, installations in the real SQLite store, then requests, scheduled posts and reveals of
each workspace made with that workspace's own bot token."""

from __future__ import annotations

import asyncio
import html
import logging
import random
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from conftest import platform_banks
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.app import build_app
from bot.adapters.slack.oauth import (
    INSTALL_PATH,
    NOT_INSTALLED_TEXT,
    REDIRECT_PATH,
    OAuthConfig,
    WorkspaceClients,
)
from bot.adapters.slack.poster import SlackPoster
from bot.core.clock import FakeClock
from bot.core.library import BankLibrary
from bot.core.ports import InstallationKey
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef
from bot.core.schedule import make_schedule
from bot.core.scheduler import Scheduler
from bot.store.sqlite import SqliteStore
from bot.testing.slack import (
    GENERAL_ID,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    OWNER,
    TEAM_ID,
    FakeChannel,
    FakeSlack,
    FakeUser,
    app_home_opened_request,
    event_callback,
    event_request,
    post_to_app,
    running_app,
    slash_command_request,
)

SECRET = "test-signing-secret"
CHOICE_BANK, _, _ = platform_banks()
MONDAY_8 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
TEAM_B = "T0SECOND0"
OWNER_B = FakeUser("U0BOWNER0", "bea", is_admin=True, is_owner=True)
MEMBER_B = FakeUser("U0BMEMBER", "ben")
CHANNEL_B = FakeChannel("C0BQUIZ00", "quiz-b")
COOKIE = "slack-app-oauth-state"


@dataclass
class Stack:
    fake: FakeSlack
    app: AsyncApp
    quiz: Quiz
    store: SqliteStore
    clock: FakeClock
    events_url: str
    base: str
    http: aiohttp.ClientSession
    db: Path

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql).fetchall()


@asynccontextmanager
async def oauth_stack(tmp_path: Path, **config: Any) -> AsyncIterator[Stack]:
    db = tmp_path / "quiz.db"
    store = await SqliteStore.open(db)
    clock = FakeClock(MONDAY_8)
    quiz = Quiz(store, BankLibrary([CHOICE_BANK]), clock, rng=random.Random(1))
    await quiz.start()
    try:
        async with FakeSlack() as fake, aiohttp.ClientSession() as http:
            fake.add_workspace(TEAM_B, "Second", users=[OWNER_B, MEMBER_B], channels=[CHANNEL_B])
            app = build_app(
                quiz,
                token="",
                signing_secret=SECRET,
                # No token of its own: every request gets its workspace's.
                client=AsyncWebClient(base_url=fake.api_url),
                oauth_config=OAuthConfig(
                    client_id=OAUTH_CLIENT_ID,
                    client_secret=OAUTH_CLIENT_SECRET,
                    api_url=fake.api_url,
                    **config,
                ),
            )
            async with running_app(app) as events_url:
                base = events_url.rsplit("/slack/", 1)[0]
                # The app's Redirect URL, as set on api.slack.com.
                fake.oauth_app(redirect_urls=[base + REDIRECT_PATH])
                yield Stack(fake, app, quiz, store, clock, events_url, base, http, db)
            await app.deps.close()  # type: ignore[attr-defined]
    finally:
        await store.close()


@dataclass
class Visit:
    status: int
    text: str
    headers: Any


async def get(http: aiohttp.ClientSession, url: str, cookie: str | None = None) -> Visit:
    headers = {"Cookie": cookie} if cookie else {}
    async with http.get(url, headers=headers, allow_redirects=False) as response:
        return Visit(response.status, await response.text(), response.headers)


async def start_install(stack: Stack, team: str | None = None) -> tuple[str, str]:
    """The browser opens /slack/install, then follows "Add to Slack" and approves in Slack:
    (the redirect URL Slack sends it back to, the state cookie bolt set)."""
    page = await get(stack.http, stack.base + INSTALL_PATH)
    assert page.status == 200
    cookie = page.headers["Set-Cookie"].split(";")[0]
    match = re.search(r'<a href="([^"]+)"', page.text)
    assert match, page.text
    authorize = html.unescape(match.group(1)) + (f"&team={team}" if team else "")
    approved = await get(stack.http, authorize)
    assert approved.status == 302, approved.text
    return approved.headers["Location"], cookie


async def install(stack: Stack, team: str | None = None) -> Visit:
    redirect, cookie = await start_install(stack, team)
    return await get(stack.http, redirect, cookie)


async def bot_of(stack: Stack, team: str) -> dict[str, Any] | None:
    return await stack.store.find_bot(InstallationKey(OAUTH_CLIENT_ID, "", team))


async def test_add_to_slack_stores_the_workspace_and_its_requests_use_its_token(
    tmp_path: Path,
) -> None:
    async with oauth_stack(tmp_path) as stack:
        fake = stack.fake
        # Before installing, a request from the workspace finds no token: nothing runs.
        await post_to_app(
            stack.events_url, app_home_opened_request(SECRET, MEMBER_B, team_id=TEAM_B)
        )
        assert not fake.calls("views.publish")

        page = await install(stack, TEAM_B)
        assert page.status == 200 and "Thank you!" in page.text
        asked = fake.authorizations[-1]
        assert asked["client_id"] == OAUTH_CLIENT_ID
        assert asked["scope"].split(",")[:2] == ["commands", "chat:write"]
        (token,) = fake.tokens_of(TEAM_B)
        assert token not in page.text  # the browser never sees a token
        exchange = fake.calls("oauth.v2.access")[-1]
        assert exchange.ok and exchange.response["team"]["id"] == TEAM_B
        bot = await bot_of(stack, TEAM_B)
        assert bot is not None and bot["bot_token"] == token and bot["team_id"] == TEAM_B
        assert bot["bot_user_id"] == fake.oauth.workspaces[TEAM_B].bot_user_id
        ((installer,),) = stack.rows("SELECT user_ref FROM slack_installations")
        assert installer == OWNER_B.id

        # An event from that workspace is authorized with its token, and answered with it.
        since = len(fake.requests)
        await post_to_app(
            stack.events_url, app_home_opened_request(SECRET, MEMBER_B, team_id=TEAM_B)
        )
        publish = await fake.wait_for(method="views.publish", since=since)
        assert publish.ok and publish.token == token and publish.args["user_id"] == MEMBER_B.id

        # A second workspace installs too; each keeps its own token.
        await install(stack)
        (token_a,) = fake.tokens_of(TEAM_ID)
        since = len(fake.requests)
        await post_to_app(
            stack.events_url, slash_command_request(SECRET, "/quiz", "admin", user=OWNER)
        )
        info = await fake.wait_for(method="users.info", since=since)
        assert info.token == token_a and info.args["user"] == OWNER.id


async def test_scheduled_posts_and_reveals_use_the_channels_workspace_token(
    tmp_path: Path,
) -> None:
    async with oauth_stack(tmp_path) as stack:
        await install(stack, TEAM_B)
        await install(stack)
        fake, quiz, clock = stack.fake, stack.quiz, stack.clock
        quiz.schedules.clock = clock
        poster = SlackPoster(stack.app.client, stack.app.deps, WorkspaceClients(stack.app))  # type: ignore[attr-defined]
        scheduler = Scheduler(quiz, stack.store, {"slack": poster}, clock)
        in_a = ChannelRef("slack", TEAM_ID, GENERAL_ID)
        in_b = ChannelRef("slack", TEAM_B, CHANNEL_B.id)
        uninstalled = ChannelRef("slack", "T0NEVERIN", "C0ELSEWHR")
        for channel in (in_a, in_b, uninstalled):
            await quiz.schedules.set(make_schedule(channel, "09:00", "UTC", "daily"))
        clock.set(MONDAY_8 + timedelta(hours=1))
        await scheduler.tick()

        (token_a,), (token_b,) = fake.tokens_of(TEAM_ID), fake.tokens_of(TEAM_B)
        posts = {call.args["channel"]: call for call in fake.calls("chat.postMessage")}
        assert posts[GENERAL_ID].ok and posts[GENERAL_ID].token == token_a
        assert posts[CHANNEL_B.id].ok and posts[CHANNEL_B.id].token == token_b
        assert len(fake.messages_in(CHANNEL_B.id)) == 1
        # A workspace that never installed the app: its schedule is disabled, saying why.
        assert "C0ELSEWHR" not in posts
        disabled = await quiz.schedules.get(uninstalled)
        assert disabled is not None and disabled.disabled_reason
        assert disabled.disabled_reason.endswith("app_uninstalled")

        clock.set(datetime(2026, 12, 1, 8, 59, tzinfo=UTC))
        since = len(fake.requests)
        await scheduler.tick()
        update = await fake.wait_for(
            method="chat.update", predicate=lambda c: c.args["channel"] == CHANNEL_B.id, since=since
        )
        assert update.ok and update.token == token_b
        # The reveal's card goes into the round's thread with the same workspace's token.
        card = await fake.wait_for(
            method="files.completeUploadExternal",
            predicate=lambda c: c.args.get("channel_id") == CHANNEL_B.id,
            since=since,
        )
        assert card.ok and card.token == token_b
        assert "The answer" in [message["text"] for message in fake.messages_in(CHANNEL_B.id)]


async def test_the_state_is_checked_used_once_and_expires(tmp_path: Path) -> None:
    async with oauth_stack(tmp_path) as stack:
        fake = stack.fake
        redirect, cookie = await start_install(stack, TEAM_B)
        # Without the browser's cookie (someone else's link): refused, nothing exchanged.
        assert (await get(stack.http, redirect)).status == 400
        # A forged state, with a cookie to match it.
        forged = re.sub(r"state=[^&]+", "state=forged", redirect)
        assert (await get(stack.http, forged, f"{COOKIE}=forged")).status == 401
        assert not fake.calls("oauth.v2.access")
        assert (await get(stack.http, redirect, cookie)).status == 200
        # The same redirect again (a replay): the state was used.
        assert (await get(stack.http, redirect, cookie)).status == 401
        assert len(fake.calls("oauth.v2.access")) == 1

    # A state that lives 0 s has expired by the time the browser comes back.
    (tmp_path / "expiring").mkdir()
    async with oauth_stack(tmp_path / "expiring", state_seconds=0) as stack:
        redirect, cookie = await start_install(stack, TEAM_B)
        assert (await get(stack.http, redirect, cookie)).status == 401
        assert not stack.fake.calls("oauth.v2.access")
        assert await bot_of(stack, TEAM_B) is None


async def test_cancelled_install_and_bad_code_store_nothing(tmp_path: Path) -> None:
    async with oauth_stack(tmp_path) as stack:
        stack.fake.deny_installs = True
        page = await install(stack, TEAM_B)
        assert "access_denied" in page.text
        stack.fake.deny_installs = False
        redirect, cookie = await start_install(stack, TEAM_B)
        bad = re.sub(r"code=[^&]+", "code=not-a-code", redirect)
        assert (await get(stack.http, bad, cookie)).status == 401
        assert await bot_of(stack, TEAM_B) is None
        assert stack.rows("SELECT COUNT(*) FROM slack_installations") == [(0,)]


async def test_uninstall_forgets_the_workspace(tmp_path: Path) -> None:
    async with oauth_stack(tmp_path) as stack:
        await install(stack, TEAM_B)
        await install(stack)
        assert await bot_of(stack, TEAM_B) is not None
        body = event_callback({"type": "app_uninstalled"}, team_id=TEAM_B)
        status, _ = await post_to_app(stack.events_url, event_request(body, SECRET))
        assert status == 200
        # bolt answers at ack and deletes after it: wait (bounded) for the rows to go.
        for _ in range(500):
            if await bot_of(stack, TEAM_B) is None:
                break
            await asyncio.sleep(0.01)
        assert await bot_of(stack, TEAM_B) is None
        assert stack.rows("SELECT team FROM slack_installations") == [(TEAM_ID,)]
        # Its requests now find no token; the other workspace's still do.
        since = len(stack.fake.requests)
        request = app_home_opened_request(SECRET, MEMBER_B, team_id=TEAM_B)
        await post_to_app(stack.events_url, request)
        await post_to_app(stack.events_url, app_home_opened_request(SECRET, OWNER))
        publish = await stack.fake.wait_for(method="views.publish", since=since)
        assert publish.args["user_id"] == OWNER.id
        assert len(stack.fake.calls("views.publish")) == 1
        # A command from there is told, privately, that quizbot is not installed.
        where = stack.fake.response_url(CHANNEL_B.id)
        command = slash_command_request(
            SECRET, "/quiz", "help", user=MEMBER_B, team_id=TEAM_B, response_url=where
        )
        await post_to_app(stack.events_url, command)
        told = await stack.fake.wait_for_response(response_url=where)
        assert told.body["text"] == NOT_INSTALLED_TEXT


async def test_the_client_secret_and_tokens_are_never_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with oauth_stack(tmp_path) as stack:
        await install(stack, TEAM_B)
        await post_to_app(
            stack.events_url, app_home_opened_request(SECRET, MEMBER_B, team_id=TEAM_B)
        )
        await stack.fake.wait_for(method="views.publish")
        (token,) = stack.fake.tokens_of(TEAM_B)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "oauth.v2.access" in logged  # slack_sdk did log the exchange, at DEBUG
    assert OAUTH_CLIENT_SECRET not in logged
    assert token not in logged
    assert OAUTH_CLIENT_SECRET not in repr(OAuthConfig(OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET))


async def test_with_one_token_an_uninstall_is_one_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = await SqliteStore.open(tmp_path / "quiz.db")
    quiz = Quiz(store, BankLibrary([CHOICE_BANK]), FakeClock(MONDAY_8), rng=random.Random(1))
    await quiz.start()
    try:
        async with FakeSlack() as fake:
            app = build_app(
                quiz,
                token="xoxb-fake",
                signing_secret=SECRET,
                client=AsyncWebClient(token="xoxb-fake", base_url=fake.api_url),
            )
            assert app.oauth_flow is None
            async with running_app(app) as url:
                body = event_callback({"type": "app_uninstalled"})
                assert (await post_to_app(url, event_request(body, SECRET)))[0] == 200
                for _ in range(500):
                    if "SLACK_BOT_TOKEN no longer works" in caplog.text:
                        break
                    await asyncio.sleep(0.01)
            await app.deps.close()  # type: ignore[attr-defined]
    finally:
        await store.close()
    (line,) = [r for r in caplog.records if "no longer works" in r.getMessage()]
    assert line.levelname == "WARNING" and TEAM_ID in line.getMessage()
