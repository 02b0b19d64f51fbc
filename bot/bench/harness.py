"""The platform benches' other process: the fake platform and the load generator.

``python -m bot.bench.harness`` serves a fake Slack or a fake Discord on 127.0.0.1 and sends
the bursts of clicks, so that the process a bench measures holds only the library, the app and
the store, as in production where Slack's and Discord's servers are elsewhere. It reads one JSON
command a line on standard input and answers each with one JSON line on standard output
(``bot.bench.remote`` is the other end):

- ``{"cmd": "slack"}`` starts a fake Slack: ``{"api_url": ...}``.
- ``{"cmd": "slack_warm_up", "url", "kind"}``: one untimed request ("pick" or "click").
- ``{"cmd": "slack_burst", "url", "users", "clicks", "answers", "lost_after", "letters"}``
  builds
  and signs a click per (user, letter) on the newest message in #general, sends them all at once
  and, with ``answers``, waits for each click's reply on its response_url: a ``Burst``'s fields.
- ``{"cmd": "discord", "users"}`` starts a fake Discord with those clickers in its guild:
  ``{"api_base": ..., "gateway_url": ...}``.
- ``{"cmd": "discord_post"}``: an admin's ``/quiz-admin post-now``; the posted message's id and
  answer buttons' custom ids.
- ``{"cmd": "discord_burst", "message_id", "custom_ids", "users", "clicks", "letters",
  "lost_after"}`` dispatches every click over the gateway without waiting and collects the
  callbacks: a ``Burst``'s fields.
- Both bursts take an optional ``"rate"``: clicks per second, sent on a fixed schedule (paced)
  instead of all at once.
- ``{"cmd": "stop"}`` stops the fake (a new one may start); end of input ends the process.

Every answer carries this process's ``pid``, so that a test can see the two are apart.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from dataclasses import asdict
from typing import Any

from bot.bench.load import (
    DISCORD_LOST_AFTER_S,
    LETTERS,
    discord_burst,
    discord_guild,
    discord_users,
    slack_burst,
    slack_warm_up,
)
from bot.testing.discord import ADMIN, GENERAL_ID, FakeDiscord
from bot.testing.slack import FakeSlack

log = logging.getLogger(__name__)


class Harness:
    def __init__(self) -> None:
        self.slack: FakeSlack | None = None
        self.discord: FakeDiscord | None = None

    async def handle(self, command: dict[str, Any]) -> dict[str, Any]:
        name = command.get("cmd")
        if name == "slack":
            await self.stop()
            self.slack = FakeSlack()
            await self.slack.start()
            return {"api_url": self.slack.api_url}
        if name == "slack_warm_up":
            await slack_warm_up(self._slack(), url=str(command["url"]), kind=str(command["kind"]))
            return {}
        if name == "slack_burst":
            return asdict(await slack_burst(self._slack(), **_burst_args(command)))
        if name == "discord":
            await self.stop()
            users = discord_users(int(command["users"]))
            self.discord = FakeDiscord(guilds=[discord_guild(users)])
            await self.discord.start()
            return {"api_base": self.discord.api_base, "gateway_url": str(self.discord.gateway_url)}
        if name == "discord_post":
            discord_fake = self._discord()
            post = await discord_fake.slash(
                "quiz-admin", "post-now", user=ADMIN, channel_id=GENERAL_ID
            )
            await discord_fake.wait_for_followup(post)
            message = discord_fake.messages_in(GENERAL_ID, include_ephemeral=False)[-1]
            return {"message": message}
        if name == "discord_burst":
            result = await discord_burst(
                self._discord(),
                int(command["message_id"]),
                dict(command["custom_ids"]),
                users=int(command["users"]),
                clicks=int(command["clicks"]),
                letters=_letters(command),
                lost_after=float(command.get("lost_after", DISCORD_LOST_AFTER_S)),
                rate=float(command.get("rate", 0.0)),
            )
            return asdict(result)
        if name == "stop":
            await self.stop()
            return {}
        raise ValueError(f"unknown command {name!r}")

    def _slack(self) -> FakeSlack:
        if self.slack is None:
            raise RuntimeError("no fake Slack is running")
        return self.slack

    def _discord(self) -> FakeDiscord:
        if self.discord is None:
            raise RuntimeError("no fake Discord is running")
        return self.discord

    async def stop(self) -> None:
        if self.slack is not None:
            await self.slack.close()
            self.slack = None
        if self.discord is not None:
            await self.discord.close()
            self.discord = None


def _burst_args(command: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": str(command["url"]),
        "users": int(command["users"]),
        "clicks": int(command["clicks"]),
        "answers": bool(command.get("answers", False)),
        "lost_after": float(command.get("lost_after", 10.0)),
        "letters": _letters(command),
        "rate": float(command.get("rate", 0.0)),
    }


def _letters(command: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(letter) for letter in command.get("letters", LETTERS))


async def serve() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    harness = Harness()
    try:
        while line := await reader.readline():
            started = time.monotonic()
            try:
                reply = {"ok": True, **(await harness.handle(json.loads(line)))}
            except Exception as error:  # the other end gets the reason
                log.exception("bench harness command failed")
                reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
            reply.update(pid=os.getpid(), handled_s=time.monotonic() - started)
            sys.stdout.write(json.dumps(reply) + "\n")
            sys.stdout.flush()
    finally:
        await harness.stop()


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # A click answered after Discord's deadline is counted as lost, not logged a thousand times.
    logging.getLogger("bot.testing").setLevel(logging.CRITICAL)
    try:
        import uvloop

        uvloop.run(serve())
    except ImportError:
        asyncio.run(serve())


if __name__ == "__main__":
    main()
