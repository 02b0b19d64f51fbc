"""The platform benches' harness: the fake platform and the load run in another process, and
what the app under test fails to deliver is counted as lost."""

from __future__ import annotations

import os
from typing import Any

import discord
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.context import ResponseUrlClient
from bot.bench.discord import run_bare
from bot.bench.remote import harness
from bot.bench.slack import Load, _measured, _post_like_quizbot, bare_app
from bot.testing.slack import running_app


async def test_the_harness_is_another_process_and_unanswered_clicks_are_lost() -> None:
    async with harness() as remote:
        assert remote.pid != os.getpid()
        fake = await remote.call("slack")
        assert fake["pid"] == remote.pid
        client = AsyncWebClient(token="xoxb-fake", base_url=fake["api_url"])
        responses = ResponseUrlClient()
        # An app that acks every click but never answers on its response_url.
        app = bare_app(client, responses, answers=False)
        try:
            async with running_app(app) as url:
                await _post_like_quizbot(client)
                load = Load(users=5, clicks=12, lost_after=0.3)
                answered = await _measured(remote, url, load, answers=True, warm_up="click")
                acked_only = await _measured(remote, url, load, answers=False, warm_up="click")
        finally:
            await responses.close()
    assert (answered.acked, answered.lost) == (12, 12)
    assert (acked_only.acked, acked_only.lost) == (12, 0)
    assert answered.cpu_seconds > 0 and answered.cpu_per_1k > 0


async def test_the_harness_refuses_an_unknown_command_with_its_reason() -> None:
    async with harness() as remote:
        try:
            await remote.call("slack_burst", url="http://127.0.0.1:9/", users=1, clicks=1)
        except RuntimeError as error:
            assert "no fake Slack is running" in str(error)
        else:
            raise AssertionError("a burst without a fake was accepted")


class SilentButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"bare:a:(?P<round>[0-9]{1,18}):(?P<choice>[A-E])",
):
    """The bare bot's buttons, with a callback that never answers the click."""

    def __init__(self, round_id: int, choice: str) -> None:
        super().__init__(discord.ui.Button(label=choice, custom_id=f"bare:a:{round_id}:{choice}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /
    ) -> SilentButton:
        return cls(int(match["round"]), match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        return None  # no response: Discord shows the person "This interaction failed"


async def test_discord_clicks_the_bot_never_answers_are_lost_and_answered_ones_are_not() -> None:
    async with harness() as remote:
        silent = await run_bare(remote, users=3, clicks=10, button=SilentButton, lost_after=0.3)
        answered = await run_bare(remote, users=3, clicks=10)
    assert (silent.acked, silent.lost) == (0, 10)
    assert (answered.acked, answered.lost) == (10, 0)
    assert answered.cpu_seconds > 0


async def test_a_paced_load_goes_out_at_its_rate_and_an_unanswered_click_is_still_lost() -> None:
    async with harness() as remote:
        fake = await remote.call("slack")
        client = AsyncWebClient(token="xoxb-fake", base_url=fake["api_url"])
        responses = ResponseUrlClient()
        app = bare_app(client, responses, answers=False)  # acks, never answers
        try:
            async with running_app(app) as url:
                await _post_like_quizbot(client)
                paced = Load(users=5, clicks=12, lost_after=0.3, rate=40.0)
                answered = await _measured(remote, url, paced, answers=True, warm_up="click")
        finally:
            await responses.close()
    # 12 clicks at 40/s: the last goes out 11/40 s after the first, not with it.
    assert answered.sent_seconds >= 11 / 40 * 0.99
    assert (answered.acked, answered.lost) == (12, 12)


async def test_discord_paced_clicks_go_out_at_their_rate_and_unanswered_ones_are_lost() -> None:
    async with harness() as remote:
        silent = await run_bare(
            remote, users=3, clicks=10, button=SilentButton, lost_after=0.3, rate=50.0
        )
        answered = await run_bare(remote, users=3, clicks=10, rate=50.0)
    assert silent.sent_seconds >= 9 / 50 * 0.99 and answered.sent_seconds >= 9 / 50 * 0.99
    assert (silent.acked, silent.lost) == (0, 10)
    assert (answered.acked, answered.lost) == (10, 0)
