"""The fake's OAuth v2 ("Add to Slack") and its other workspaces.

``oauth_app(client_id, client_secret, redirect_urls)`` registers the app; the browser's
``GET /oauth/v2/authorize?client_id=..&scope=..&state=..&redirect_uri=..&team=..`` installs it in
that workspace (the fake's own without ``team``) and redirects (302) to the redirect URL with a
``code`` and the ``state``, or ``error=access_denied`` after ``deny_installs = True``. The app
then trades the code at ``oauth.v2.access`` (client id and secret as HTTP Basic auth or as
arguments; a code works once, for 10 minutes, with the same redirect_uri) for a bot token of
that workspace. ``auth.test`` with that token answers as the workspace's bot; a token used on a
channel or user of another workspace gets ``channel_not_found`` / ``user_not_found``, as Slack
answers; ``revoke(team_id)`` makes its tokens ``token_revoked``. Tokens the fake never issued
keep meaning its own workspace, as before OAuth was modelled."""

from __future__ import annotations

import base64
import itertools
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.testing.slack.wire import SlackError
from bot.testing.slack.world import FakeChannel, FakeUser

AUTHORIZE_PATH = "/oauth/v2/authorize"
OAUTH_CLIENT_ID = "1111111111.2222222222"
OAUTH_CLIENT_SECRET = "fake-client-secret-5f0c9e2d"
CODE_TTL = 600.0
# Methods that take no workspace's bot token.
_UNGUARDED = frozenset({"oauth.v2.access", "auth.test", "apps.connections.open"})


@dataclass(frozen=True)
class FakeOAuthApp:
    client_id: str
    client_secret: str
    redirect_urls: tuple[str, ...]


@dataclass(frozen=True)
class FakeWorkspace:
    """Another workspace that can install the app: its team, bot and installing person."""

    team_id: str
    team_name: str
    bot_user_id: str
    bot_id: str
    installer: str
    domain: str

    def auth_test_payload(self, user_name: str = "quizbot") -> dict[str, Any]:
        return {
            "url": f"https://{self.domain}.slack.com/",
            "team": self.team_name,
            "user": user_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }


@dataclass
class Grant:
    """One authorization code, as the authorize page hands it to the redirect URL."""

    code: str
    client_id: str
    team_id: str
    installer: str
    scopes: tuple[str, ...]
    redirect_uri: str | None
    issued: float
    used: bool = False


@dataclass(frozen=True)
class IssuedToken:
    token: str
    team_id: str
    client_id: str
    scopes: tuple[str, ...]


@dataclass
class OAuthState:
    apps: dict[str, FakeOAuthApp] = field(default_factory=dict)
    workspaces: dict[str, FakeWorkspace] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, IssuedToken] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    channel_teams: dict[str, str] = field(default_factory=dict)
    user_teams: dict[str, str] = field(default_factory=dict)


class OAuthMethods:
    """Mixed into ``FakeSlack``: the authorize page, ``oauth.v2.access``, per-token identity."""

    # From FakeSlackState.
    team_id: str
    team_name: str
    bot_user_id: str
    bot_id: str
    app_id: str
    users: list[FakeUser]
    channels: list[FakeChannel]
    auth_test_payload: Callable[[], dict[str, Any]]

    oauth: OAuthState
    deny_installs: bool
    authorizations: list[dict[str, str]]
    _oauth_ids: itertools.count[int]

    def _init_oauth(self) -> None:
        self.oauth = OAuthState()
        self.deny_installs = False
        self.authorizations = []
        self._oauth_ids = itertools.count(1)

    # --- setting up ---------------------------------------------------------------------------

    def oauth_app(
        self,
        client_id: str = OAUTH_CLIENT_ID,
        client_secret: str = OAUTH_CLIENT_SECRET,
        redirect_urls: Sequence[str] = (),
    ) -> FakeOAuthApp:
        """Register a distributable app (its Basic Information and Redirect URLs)."""
        app = FakeOAuthApp(client_id, client_secret, tuple(redirect_urls))
        self.oauth.apps[client_id] = app
        return app

    def add_workspace(
        self,
        team_id: str,
        team_name: str = "",
        *,
        users: Sequence[FakeUser] = (),
        channels: Sequence[FakeChannel] = (),
    ) -> FakeWorkspace:
        """Another workspace: its users and channels join the fake's (ids are unique across
        Slack), owned by it; its first user installs the app."""
        number = len(self.oauth.workspaces) + 2
        workspace = FakeWorkspace(
            team_id=team_id,
            team_name=team_name or f"Workspace {number}",
            bot_user_id=f"U0BOT{number:04d}",
            bot_id=f"B0BOT{number:04d}",
            installer=users[0].id if users else "",
            domain=f"workspace-{number}",
        )
        self.oauth.workspaces[team_id] = workspace
        for user in users:
            self.users.append(user)
            self.oauth.user_teams[user.id] = team_id
        self.users.append(FakeUser(workspace.bot_user_id, "quizbot", is_bot=True))
        self.oauth.user_teams[workspace.bot_user_id] = team_id
        for channel in channels:
            self.channels.append(channel)
            self.oauth.channel_teams[channel.id] = team_id
        return workspace

    def revoke(self, team_id: str) -> None:
        """The workspace removed the app: its tokens stop working."""
        for issued in self.oauth.tokens.values():
            if issued.team_id == team_id:
                self.oauth.revoked.add(issued.token)

    def tokens_of(self, team_id: str) -> list[str]:
        return [t.token for t in self.oauth.tokens.values() if t.team_id == team_id]

    # --- the browser's side: the authorize page -----------------------------------------------

    async def _authorize(self, request: web.Request) -> web.Response:
        query = request.query
        self.authorizations.append(dict(query))
        app = self.oauth.apps.get(query.get("client_id", ""))
        if app is None:
            return _page(400, "invalid_client_id")
        redirect = query.get("redirect_uri") or (app.redirect_urls[0] if app.redirect_urls else "")
        if not redirect or (app.redirect_urls and redirect not in app.redirect_urls):
            return _page(400, "bad_redirect_uri")
        team_id = query.get("team") or self.team_id
        if team_id != self.team_id and team_id not in self.oauth.workspaces:
            return _page(400, "invalid_team")
        scopes = tuple(s for s in query.get("scope", "").split(",") if s)
        if not scopes and not query.get("user_scope"):
            return _page(400, "invalid_scope")
        state = query.get("state", "")
        if self.deny_installs:
            return _redirect(redirect, {"error": "access_denied", "state": state})
        code = f"{next(self._oauth_ids)}.{secrets.token_hex(8)}"
        installer = self._installer(team_id)
        self.oauth.grants[code] = Grant(
            code, app.client_id, team_id, installer, scopes, query.get("redirect_uri"), time.time()
        )
        return _redirect(redirect, {"code": code, "state": state})

    def _installer(self, team_id: str) -> str:
        workspace = self.oauth.workspaces.get(team_id)
        if workspace is not None:
            return workspace.installer
        owner = next((u for u in self.users if u.is_owner), None)
        return owner.id if owner else ""

    # --- the app's side: Web API --------------------------------------------------------------

    def _oauth_methods(self) -> dict[str, Any]:
        return {"oauth.v2.access": self._oauth_v2_access, "auth.test": self._auth_test_by_token}

    async def _oauth_v2_access(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        client_id, secret = _client_credentials(args, token)
        app = self.oauth.apps.get(client_id)
        if app is None:
            raise SlackError("invalid_client_id")
        if secret != app.client_secret:
            raise SlackError("bad_client_secret")
        grant = self.oauth.grants.get(str(args.get("code") or ""))
        if grant is None or grant.used or grant.client_id != client_id:
            raise SlackError("invalid_code")
        if time.time() - grant.issued > CODE_TTL:
            raise SlackError("code_expired")
        if grant.redirect_uri is not None and args.get("redirect_uri") != grant.redirect_uri:
            raise SlackError("bad_redirect_uri")
        grant.used = True
        issued = IssuedToken(
            f"xoxb-{grant.team_id}-{next(self._oauth_ids)}-{secrets.token_hex(12)}",
            grant.team_id,
            client_id,
            grant.scopes,
        )
        self.oauth.tokens[issued.token] = issued
        workspace = self.oauth.workspaces.get(grant.team_id)
        return {
            "access_token": issued.token,
            "token_type": "bot",
            "scope": ",".join(grant.scopes),
            "bot_user_id": workspace.bot_user_id if workspace else self.bot_user_id,
            "app_id": self.app_id,
            "team": {
                "id": grant.team_id,
                "name": workspace.team_name if workspace else self.team_name,
            },
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": grant.installer},
        }

    async def _auth_test_by_token(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        token = token or str(args.get("token") or "")
        self._check_token(token)
        issued = self.oauth.tokens.get(token)
        workspace = self.oauth.workspaces.get(issued.team_id) if issued else None
        if workspace is not None:
            return workspace.auth_test_payload()
        return {k: v for k, v in self.auth_test_payload().items() if k != "ok"}

    def _check_token(self, token: str | None) -> None:
        if token in self.oauth.revoked:
            raise SlackError("token_revoked")

    def _guarded(self, methods: dict[str, Any]) -> dict[str, Any]:
        """Every method but the token-less ones: a revoked token is refused, and an issued
        token sees only its own workspace's channels and users."""

        def guard(method: str, handler: Any) -> Any:
            async def guarded(args: dict[str, Any], token: str | None) -> dict[str, Any]:
                self._check_token(token)
                issued = self.oauth.tokens.get(token or "")
                if issued is not None:
                    self._same_workspace(issued.team_id, args)
                result: dict[str, Any] = await handler(args, token)
                return result

            return guarded if method not in _UNGUARDED else handler

        return {method: guard(method, handler) for method, handler in methods.items()}

    def _same_workspace(self, team_id: str, args: dict[str, Any]) -> None:
        channel = str(args.get("channel") or "")
        if channel and self.oauth.channel_teams.get(channel, self.team_id) != team_id:
            raise SlackError("channel_not_found")
        user = str(args.get("user") or args.get("user_id") or "")
        if user and self.oauth.user_teams.get(user, self.team_id) != team_id:
            raise SlackError("user_not_found")


def _client_credentials(args: dict[str, Any], token: str | None) -> tuple[str, str]:
    """client_id and client_secret from HTTP Basic auth (what slack_sdk sends) or arguments."""
    if token and token.startswith("Basic "):
        try:
            decoded = base64.b64decode(token.removeprefix("Basic ")).decode()
        except ValueError:
            raise SlackError("invalid_client_id") from None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return str(args.get("client_id") or ""), str(args.get("client_secret") or "")


def _page(status: int, error: str) -> web.Response:
    return web.Response(status=status, text=f"Slack: {error}", content_type="text/plain")


def _redirect(url: str, params: dict[str, str]) -> web.Response:
    joiner = "&" if "?" in url else "?"
    return web.Response(status=302, headers={"Location": url + joiner + urlencode(params)})
