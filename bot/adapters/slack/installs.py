"""slack_sdk's installation and OAuth state stores on quizbot's own database: thin
translations between slack_sdk's objects and the store's plain JSON (``InstallationStore`` in
bot/core/ports.py)."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.error import BoltError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.core.ports import InstallationKey, InstallationStore
from bot.store.errors import StoreError

log = logging.getLogger(__name__)

# How long a process trusts a workspace's bot it has read: every request needs it, and the
# database answers ~1,000 lookups/s. An uninstall seen by this process forgets it at once; one
# seen by another process sharing the database, after at most this long.
BOT_CACHE_SECONDS = 10.0
BOT_CACHE_LIMIT = 10_000


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """slack_sdk's ``to_dict_for_copying`` with its datetimes as ISO text, which its
    constructors read back."""
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in values.items()
    }


def _when(installed_at: float) -> datetime:
    return datetime.fromtimestamp(installed_at, UTC)


class SlackInstallationStore(AsyncInstallationStore):
    """Installations and bots of the app ``client_id``, kept by the quizbot store."""

    def __init__(
        self,
        store: InstallationStore,
        client_id: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._app = client_id
        self._clock = clock
        self._bots: dict[InstallationKey, tuple[float, Bot]] = {}
        # One read per workspace at a time: a burst of clicks right after start shares it.
        self._reading: dict[InstallationKey, asyncio.Future[dict[str, Any] | None]] = {}
        # Bumped by every change this process makes: a read begun before it is not kept.
        self._epoch = 0

    def _forget(self, team: str) -> None:
        self._epoch += 1
        for key in [key for key in self._bots if key.team == team]:
            del self._bots[key]
        for key in [key for key in self._reading if key.team == team]:
            del self._reading[key]

    @property
    def logger(self) -> logging.Logger:
        return log

    def key(
        self, enterprise_id: str | None, team_id: str | None, org_wide: bool | None = False
    ) -> InstallationKey:
        # An organisation-wide install is the organisation's, whichever team a request is from.
        return InstallationKey(self._app, enterprise_id or "", "" if org_wide else team_id or "")

    async def async_save(self, installation: Installation) -> None:
        key = self.key(
            installation.enterprise_id, installation.team_id, installation.is_enterprise_install
        )
        bot = installation.to_bot() if installation.bot_token else None
        self._forget(key.team)
        try:
            await self._store.save_installation(
                key,
                installation.user_id,
                _jsonable(installation.to_dict_for_copying()),
                _jsonable(bot.to_dict_for_copying()) if bot else None,
                _when(installation.installed_at),
            )
        except StoreError as exc:
            # bolt turns a BoltError into its "installation failed" page, anything else into a 500.
            raise BoltError(f"cannot save the installation: {exc}") from exc
        log.info(
            "event=install team=%s enterprise=%s installed by %s",
            key.team or "-",
            key.enterprise or "-",
            installation.user_id,
        )

    async def async_save_bot(self, bot: Bot) -> None:
        key = self.key(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        self._forget(key.team)
        await self._store.save_bot(
            key, _jsonable(bot.to_dict_for_copying()), _when(bot.installed_at)
        )

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        key = self.key(enterprise_id, team_id, is_enterprise_install)
        now = self._clock()
        cached = self._bots.get(key)
        if cached is not None and now - cached[0] < BOT_CACHE_SECONDS:
            return cached[1]
        epoch = self._epoch
        reading = self._reading.get(key)
        if reading is None:
            reading = asyncio.ensure_future(self._store.find_bot(key))
            self._reading[key] = reading

            def done(finished: asyncio.Future[dict[str, Any] | None]) -> None:
                if self._reading.get(key) is finished:
                    del self._reading[key]

            reading.add_done_callback(done)
        # Shielded: one caller giving up does not cancel the read the others wait for.
        found = await asyncio.shield(reading)
        if found is None:
            # Not remembered: a workspace that installs on another process works at once.
            self._bots.pop(key, None)
            return None
        bot = Bot(**found)
        if epoch == self._epoch:
            if len(self._bots) >= BOT_CACHE_LIMIT:
                self._bots.clear()
            self._bots[key] = (now, bot)
        return bot

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        key = self.key(enterprise_id, team_id, is_enterprise_install)
        found = await self._store.find_installation(key, user_id)
        return Installation(**found) if found else None

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._forget(team_id or "")
        await self._store.delete_bot(self.key(enterprise_id, team_id))
        log.info("event=uninstall team=%s: its bot token was revoked", team_id or "-")

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self._store.delete_installations(self.key(enterprise_id, team_id), user_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        key = self.key(enterprise_id, team_id)
        self._forget(key.team)
        await self._store.delete_bot(key)
        await self._store.delete_installations(key)
        log.info("event=uninstall team=%s: the app was removed from the workspace", team_id or "-")


class SlackStateStore(AsyncOAuthStateStore):
    """The ``state`` of each "Add to Slack" in flight: unguessable, used once, expiring."""

    def __init__(self, store: InstallationStore, expiration_seconds: int) -> None:
        self._store = store
        self.expiration_seconds = expiration_seconds

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        expires = now + timedelta(seconds=self.expiration_seconds)
        await self._store.issue_oauth_state(state, expires, now)
        return state

    async def async_consume(self, state: str) -> bool:
        if not state:
            return False
        valid = await self._store.consume_oauth_state(state, datetime.now(UTC))
        if not valid:
            log.warning("refused an OAuth redirect: its state is unknown, used or expired")
        return valid
