"""`quizbot run` in Slack OAuth mode: its settings (one clear line for each mistake), the scopes
it asks for, and a whole install into the running process."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from conftest import REPO, run_quizbot
from test_run_platforms import settings_for, until_connected
from test_slack_oauth import MEMBER_B, OWNER_B, TEAM_B, get

from bot.adapters.slack.oauth import INSTALL_PATH, MANIFEST_SCOPES, REDIRECT_PATH, OAuthConfig
from bot.config import SettingsError, load_settings
from bot.core.ports import InstallationKey
from bot.health import PLATFORMS
from bot.running import run_platforms
from bot.store.sqlite import SqliteStore
from bot.testing.slack import (
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    FakeSlack,
    app_home_opened_request,
    post_to_app,
)

SIGNING = "run-signing-secret"
OAUTH = {
    "slack_client_id": OAUTH_CLIENT_ID,
    "slack_client_secret": OAUTH_CLIENT_SECRET,
    "slack_signing_secret": SIGNING,
}


def settings_error(**values: Any) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, **values)
    return str(caught.value)


def test_oauth_settings_say_what_is_missing_or_in_the_way() -> None:
    said = settings_error(slack_client_id=OAUTH_CLIENT_ID, slack_signing_secret=SIGNING)
    assert "SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is missing" in said
    said = settings_error(slack_client_secret=OAUTH_CLIENT_SECRET)
    assert "SLACK_CLIENT_SECRET is set but SLACK_CLIENT_ID is missing" in said
    said = settings_error(slack_client_id=OAUTH_CLIENT_ID, slack_client_secret=OAUTH_CLIENT_SECRET)
    assert "SLACK_SIGNING_SECRET is missing: OAuth runs in HTTP mode" in said
    said = settings_error(**OAUTH, slack_bot_token="xoxb-1")
    assert "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set" in said
    said = settings_error(**OAUTH, slack_app_token="xapp-1")
    assert "OAuth needs HTTP mode" in said
    said = settings_error(**OAUTH, slack_redirect_uri="example.com/slack/oauth_redirect")
    assert "SLACK_REDIRECT_URI" in said and "not an http:// or https:// URL" in said
    assert "\n" not in settings_error(slack_client_id="x", slack_signing_secret=SIGNING)
    # The secret never comes back in a message, even a wrong one.
    assert OAUTH_CLIENT_SECRET not in settings_error(**OAUTH, slack_bot_token="xoxb-1")


def test_quizbot_run_says_a_missing_oauth_setting_in_one_line(tmp_path: Path) -> None:
    done = run_quizbot(
        tmp_path, "run", SLACK_CLIENT_ID=OAUTH_CLIENT_ID, SLACK_CLIENT_SECRET=OAUTH_CLIENT_SECRET
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "SLACK_SIGNING_SECRET is missing" in done.stderr
    assert OAUTH_CLIENT_SECRET not in done.stderr + done.stdout
    assert not (tmp_path / "quiz.db").exists()


def test_oauth_settings_select_slack_without_a_bot_token() -> None:
    settings = load_settings(_env_file=None, **OAUTH)
    assert settings.platforms() == ["slack"]
    config = OAuthConfig.from_settings(settings)
    assert config is not None and config.scopes == MANIFEST_SCOPES
    assert config.authorization_url == "https://slack.com/oauth/v2/authorize"
    assert OAUTH_CLIENT_SECRET not in repr(settings) + repr(config)
    gov = load_settings(
        _env_file=None, **OAUTH, slack_api_url="https://slack-gov.com/api/", slack_scopes="a, b"
    )
    config = OAuthConfig.from_settings(gov)
    assert config is not None and config.scopes == ("a", "b")
    assert config.authorization_url == "https://slack-gov.com/oauth/v2/authorize"
    # The single-token mode has no OAuth.
    single = load_settings(_env_file=None, slack_bot_token="xoxb-1", slack_signing_secret=SIGNING)
    assert OAuthConfig.from_settings(single) is None


def test_the_default_scopes_are_the_manifests() -> None:
    manifest = yaml.safe_load((REPO / "slack-manifest.yml").read_text(encoding="utf-8"))
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == MANIFEST_SCOPES
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_uninstalled", "tokens_revoked"} <= set(events)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_quizbot_run_serves_add_to_slack_and_the_installed_workspace(
    tmp_path: Path,
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with FakeSlack() as fake, aiohttp.ClientSession() as http:
        fake.add_workspace(TEAM_B, "Second", users=[OWNER_B, MEMBER_B])
        fake.oauth_app(redirect_urls=[base + REDIRECT_PATH])
        settings = settings_for(tmp_path, **OAUTH, slack_port=port, slack_api_url=fake.api_url)
        # An earlier test's Slack check (connected) would end the wait before this one listens.
        PLATFORMS.unregister("slack")
        running = asyncio.create_task(run_platforms(settings, settings.platforms(), db=None))
        try:
            await until_connected({"slack"})
            page = await get(http, base + INSTALL_PATH)
            assert page.status == 200 and f"{fake.base_url}/oauth/v2/authorize?" in page.text
            cookie = page.headers["Set-Cookie"].split(";")[0]
            authorize = page.text.split('<a href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
            approved = await get(http, authorize + f"&team={TEAM_B}")
            done = await get(http, approved.headers["Location"], cookie)
            assert done.status == 200, done.text
            (token,) = fake.tokens_of(TEAM_B)
            request = app_home_opened_request(SIGNING, MEMBER_B, team_id=TEAM_B)
            await post_to_app(base + "/slack/events", request)
            publish = await fake.wait_for(method="views.publish")
            assert publish.token == token
        finally:
            running.cancel()
            with pytest.raises(asyncio.CancelledError):
                await running
    # The installation outlives the process: it is in the database.
    store = await SqliteStore.open(tmp_path / "quiz.db")
    try:
        bot = await store.find_bot(InstallationKey(OAUTH_CLIENT_ID, "", TEAM_B))
        assert bot is not None and bot["bot_token"] == token
    finally:
        await store.close()
