"""A fake Slack (Web API, response_url, Socket Mode) on 127.0.0.1 that a real bolt ``AsyncApp``
talks to, and the signed requests Slack would send the app.

Nothing here mocks bolt or slack_sdk: the app verifies signatures, parses payloads, acks and
calls the Web API as in production, and only the platform is fake, with no network and no
token (background: /work/shared/PLATFORM-TESTING.md).

    from bot.testing.slack import (
        FakeSlack, post_to_app, running_app, slash_command_request, web_client,
    )

    async with FakeSlack() as fake:
        app = AsyncApp(client=web_client(fake), signing_secret=SECRET)
        ...register listeners...
        async with running_app(app) as url:
            request = slash_command_request(SECRET, "/quiz", "whoami", user=ADMIN)
            assert await post_to_app(url, request) == (200, "")    # returned at ack()
            call = await fake.wait_for(method="chat.postEphemeral")  # wait, never sleep
            assert call.ok and call.args["user"] == ADMIN.id

The world is plain data: team ``TEAM_ID``, the bot ``BOT_USER_ID``/``BOT_ID``, users OWNER
(is_owner), ADMIN (is_admin) and MEMBER, channels GENERAL and QUIZ_CHANNEL; DMs are
``dm_channel_id(user)``. Pass ``users=``/``channels=``/``team_id=``/``bot_user_id=`` for others.

Web API (``/api/<method>``, form or JSON bodies, query for GETs): ``auth.test``,
``chat.postMessage|postEphemeral|update|delete|getPermalink``, ``conversations.history|
replies|info|open``, ``views.open|push|update|publish``, ``users.info``,
``apps.connections.open``; errors as Slack names them (``channel_not_found``,
``message_not_found``, ``thread_not_found``, ``no_text``,
``invalid_trigger_id``/``expired_trigger_id`` (trigger ids older than 3 s), ``hash_conflict``,
``user_not_found``); anything else ``unknown_method`` and in ``unhandled``. Every call is a
``Recorded`` in ``requests``; ``rate_limit(method, n, per)`` answers 429 + ``Retry-After``.

Looking: ``requests``, ``calls(method)``, ``wait_for(method=, predicate=, since=)``,
``messages_in(channel)``, ``message(channel, ts)``, ``ephemerals``, ``views`` (modals by id),
``home_views`` (by user), ``responses`` / ``wait_for_response`` (response_url posts; a URL
from ``response_url(channel, message_ts)`` also edits/posts like Slack), ``acks`` /
``wait_for_ack`` (Socket Mode), ``errors`` (bugs in the fake: raised at exit).

Socket Mode: ``socket_mode(app, fake)`` connects bolt's ``AsyncSocketModeHandler``; then
``envelope_id = await fake.send_envelope("slash_commands", slash_command_form(...))`` and
``await fake.wait_for_ack(envelope_id)``; ``socket_disconnect()`` makes the SDK reconnect.

OAuth and other workspaces (``oauth``): ``oauth_app(client_id, client_secret, redirect_urls)``,
``add_workspace(team_id, users=, channels=)``, the browser's ``GET /oauth/v2/authorize`` (302 to
the redirect URL with ``code`` and ``state``; ``deny_installs``), ``oauth.v2.access`` (codes
single-use, 10 minutes), ``auth.test`` per issued token, an issued token refused on another
workspace's channels and users, ``revoke(team_id)``; ``authorizations``, ``tokens_of(team)``.

Not modelled: Enterprise Grid, token rotation, token checks beyond ``xapp-`` for
``apps.connections.open`` and the OAuth tokens, pagination cursors,
files, reactions, scheduled messages, the 5-use/30-minute response_url limits, Events API
``url_verification``/``ssl_check`` (bolt answers those itself).

Modules: ``world`` (users, channels, ids), ``wire`` (records, errors, JSON), ``oauth`` (OAuth,
other workspaces), ``state`` (state, waiting and looking), ``api`` (Web API methods),
``socket_mode`` (the websocket), ``server`` (``FakeSlack``), ``payloads`` (what Slack sends),
``requests`` (signing and posting), ``app`` (``web_client``, ``running_app``, ``socket_mode``).
Import from this package.
"""

from bot.testing.slack.app import EVENTS_PATH, running_app, socket_mode, web_client
from bot.testing.slack.oauth import (
    AUTHORIZE_PATH,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    FakeOAuthApp,
    FakeWorkspace,
)
from bot.testing.slack.payloads import (
    StateValues,
    app_home_opened_event,
    block_actions_payload,
    button_action,
    event_callback,
    input_state,
    new_trigger_id,
    option,
    select_action,
    select_state,
    slash_command_form,
    view_submission_payload,
)
from bot.testing.slack.requests import (
    STALE_AGE,
    Signing,
    SlackRequest,
    app_home_opened_request,
    block_actions_request,
    event_request,
    form_request,
    interaction_request,
    post_to_app,
    sign,
    slash_command_request,
    view_submission_request,
)
from bot.testing.slack.server import FakeSlack
from bot.testing.slack.wire import Recorded, Responded, SlackError, SocketAck
from bot.testing.slack.world import (
    ADMIN,
    API_PREFIX,
    APP_ID,
    BOT_ID,
    BOT_USER,
    BOT_USER_ID,
    GENERAL,
    GENERAL_ID,
    MEMBER,
    OWNER,
    QUIZ_CHANNEL,
    QUIZ_CHANNEL_ID,
    SOCKET_PATH,
    TEAM_ID,
    FakeChannel,
    FakeUser,
    default_channels,
    default_users,
    dm_channel_id,
)

__all__ = [
    "ADMIN",
    "API_PREFIX",
    "APP_ID",
    "AUTHORIZE_PATH",
    "BOT_ID",
    "BOT_USER",
    "BOT_USER_ID",
    "EVENTS_PATH",
    "GENERAL",
    "GENERAL_ID",
    "MEMBER",
    "OAUTH_CLIENT_ID",
    "OAUTH_CLIENT_SECRET",
    "OWNER",
    "QUIZ_CHANNEL",
    "QUIZ_CHANNEL_ID",
    "SOCKET_PATH",
    "STALE_AGE",
    "TEAM_ID",
    "FakeChannel",
    "FakeOAuthApp",
    "FakeSlack",
    "FakeUser",
    "FakeWorkspace",
    "Recorded",
    "Responded",
    "Signing",
    "SlackError",
    "SlackRequest",
    "SocketAck",
    "StateValues",
    "app_home_opened_event",
    "app_home_opened_request",
    "block_actions_payload",
    "block_actions_request",
    "button_action",
    "default_channels",
    "default_users",
    "dm_channel_id",
    "event_callback",
    "event_request",
    "form_request",
    "input_state",
    "interaction_request",
    "new_trigger_id",
    "option",
    "post_to_app",
    "running_app",
    "select_action",
    "select_state",
    "sign",
    "slash_command_form",
    "slash_command_request",
    "socket_mode",
    "view_submission_payload",
    "view_submission_request",
    "web_client",
]
