"""The fake Slack's OAuth v2 and its other workspaces, through the real slack_sdk client: what
an app sees from Slack when a workspace installs it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.testing.slack import (
    AUTHORIZE_PATH,
    GENERAL_ID,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    OWNER,
    TEAM_ID,
    FakeChannel,
    FakeSlack,
    FakeUser,
)

REDIRECT = "https://quizbot.example/slack/oauth_redirect"
TEAM_B = "T0SECOND0"
OWNER_B = FakeUser("U0BOWNER0", "bea", is_owner=True)
CHANNEL_B = FakeChannel("C0BQUIZ00", "quiz-b")


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as running:
        running.oauth_app(redirect_urls=[REDIRECT])
        running.add_workspace(TEAM_B, "Second", users=[OWNER_B], channels=[CHANNEL_B])
        yield running


async def authorize(fake: FakeSlack, **query: str) -> tuple[int, dict[str, list[str]], str]:
    """The browser on Slack's authorize page: (status, redirect query, redirect base)."""
    params = {"client_id": OAUTH_CLIENT_ID, "scope": "commands,chat:write", "state": "st-1"}
    url = fake.base_url + AUTHORIZE_PATH + "?" + urlencode({**params, **query})
    async with (
        aiohttp.ClientSession() as http,
        http.get(url, allow_redirects=False) as response,
    ):
        location = response.headers.get("Location", "")
        status = response.status
    parts = urlsplit(location)
    return status, parse_qs(parts.query), f"{parts.scheme}://{parts.netloc}{parts.path}"


async def code_for(fake: FakeSlack, **query: str) -> str:
    status, redirect, _ = await authorize(fake, **query)
    assert status == 302
    return redirect["code"][0]


async def test_an_install_redirects_with_a_code_traded_once_for_the_workspaces_token(
    fake: FakeSlack,
) -> None:
    status, redirect, base = await authorize(fake, team=TEAM_B)
    assert status == 302 and base == REDIRECT and redirect["state"] == ["st-1"]
    client = AsyncWebClient(base_url=fake.api_url)
    code = redirect["code"][0]
    answer = await client.oauth_v2_access(
        client_id=OAUTH_CLIENT_ID, client_secret=OAUTH_CLIENT_SECRET, code=code
    )
    token = answer["access_token"]
    assert token.startswith("xoxb-") and answer["token_type"] == "bot"
    assert answer["team"] == {"id": TEAM_B, "name": "Second"}
    assert answer["scope"] == "commands,chat:write"
    assert answer["authed_user"] == {"id": OWNER_B.id}
    # The code works once.
    with pytest.raises(SlackApiError, match="invalid_code"):
        await client.oauth_v2_access(
            client_id=OAUTH_CLIENT_ID, client_secret=OAUTH_CLIENT_SECRET, code=code
        )
    # The token is the workspace's bot.
    identity = await client.auth_test(token=token)
    assert identity["team_id"] == TEAM_B
    assert identity["bot_id"] == fake.oauth.workspaces[TEAM_B].bot_id
    posted = await client.chat_postMessage(token=token, channel=CHANNEL_B.id, text="hi")
    assert posted["channel"] == CHANNEL_B.id
    # ...and sees nothing of another workspace.
    with pytest.raises(SlackApiError, match="channel_not_found"):
        await client.chat_postMessage(token=token, channel=GENERAL_ID, text="hi")
    with pytest.raises(SlackApiError, match="user_not_found"):
        await client.users_info(token=token, user=OWNER.id)
    # Once the workspace removes the app, its token is dead.
    fake.revoke(TEAM_B)
    for call in (client.auth_test(token=token), client.users_info(token=token, user=OWNER_B.id)):
        with pytest.raises(SlackApiError, match="token_revoked"):
            await call


async def test_without_team_the_fakes_own_workspace_installs(fake: FakeSlack) -> None:
    client = AsyncWebClient(base_url=fake.api_url)
    answer = await client.oauth_v2_access(
        client_id=OAUTH_CLIENT_ID, client_secret=OAUTH_CLIENT_SECRET, code=await code_for(fake)
    )
    assert answer["team"]["id"] == TEAM_ID and answer["authed_user"]["id"] == OWNER.id
    identity = await client.auth_test(token=answer["access_token"])
    assert identity["team_id"] == TEAM_ID
    assert fake.tokens_of(TEAM_ID) == [answer["access_token"]]


async def test_wrong_credentials_codes_and_redirects_are_refused(fake: FakeSlack) -> None:
    client = AsyncWebClient(base_url=fake.api_url)
    code = await code_for(fake, redirect_uri=REDIRECT)
    for kwargs, error in (
        ({"client_id": "000.000", "client_secret": OAUTH_CLIENT_SECRET}, "invalid_client_id"),
        ({"client_id": OAUTH_CLIENT_ID, "client_secret": "guess"}, "bad_client_secret"),
        ({"client_id": OAUTH_CLIENT_ID, "client_secret": OAUTH_CLIENT_SECRET}, "bad_redirect_uri"),
    ):
        with pytest.raises(SlackApiError, match=error):
            await client.oauth_v2_access(code=code, **kwargs)
    answer = await client.oauth_v2_access(
        client_id=OAUTH_CLIENT_ID,
        client_secret=OAUTH_CLIENT_SECRET,
        code=code,
        redirect_uri=REDIRECT,
    )
    assert answer["ok"]
    # The authorize page itself refuses a redirect the app did not register, or no scope.
    assert (await authorize(fake, redirect_uri="https://evil.example/steal"))[0] == 400
    assert (await authorize(fake, scope=""))[0] == 400
    assert (await authorize(fake, client_id="000.000"))[0] == 400
    assert (await authorize(fake, team="T0UNKNOWN"))[0] == 400
    # A person who cancels goes back with an error and no code.
    fake.deny_installs = True
    status, redirect, _ = await authorize(fake)
    assert status == 302 and redirect == {"error": ["access_denied"], "state": ["st-1"]}


async def test_tokens_the_fake_never_issued_keep_meaning_its_own_workspace(
    fake: FakeSlack,
) -> None:
    client = AsyncWebClient(token="xoxb-fake", base_url=fake.api_url)
    assert (await client.auth_test())["team_id"] == TEAM_ID
    assert (await client.chat_postMessage(channel=GENERAL_ID, text="hi"))["ok"]
