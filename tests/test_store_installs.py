"""The store's Slack installations and OAuth states (the ``InstallationStore`` port), on both
stores (a real SQLite file and a PostgreSQL database), and through the adapter's slack_sdk
stores."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pg_fixtures import table_rows
from slack_sdk.oauth.installation_store import Installation

from bot.adapters.slack.installs import SlackInstallationStore, SlackStateStore
from bot.core.ports import InstallationKey
from bot.store.sqlite import SqliteStore
from bot.store.sqlite.migrations import discover

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
APP = "111.222"
TEAM = InstallationKey(APP, "", "T1")
IN_GRID = InstallationKey(APP, "E1", "T2")

pytestmark = pytest.mark.both_stores


def bot(token: str) -> dict[str, object]:
    return {"bot_token": token, "bot_id": "B1", "bot_user_id": "U1", "installed_at": 1.0}


async def test_installations_and_bots_are_kept_per_workspace_latest_first(
    store: SqliteStore,
) -> None:
    await store.save_installation(TEAM, "U_ANN", {"who": "ann"}, bot("xoxb-1"), NOW)
    later = NOW + timedelta(minutes=5)
    await store.save_installation(TEAM, "U_BOB", {"who": "bob"}, bot("xoxb-2"), later)
    await store.save_installation(IN_GRID, "U_CAT", {"who": "cat"}, bot("xoxb-3"), NOW)
    assert await store.find_installation(TEAM) == {"who": "bob"}
    assert await store.find_installation(TEAM, "U_ANN") == {"who": "ann"}
    assert await store.find_installation(TEAM, "U_CAT") is None
    found = await store.find_bot(TEAM)
    assert found is not None and found["bot_token"] == "xoxb-2"  # the reinstall replaced it
    # An empty enterprise matches any (team ids are unique); a wrong one matches nothing.
    assert await store.find_installation(InstallationKey(APP, "", "T2")) == {"who": "cat"}
    assert await store.find_bot(InstallationKey(APP, "E9", "T2")) is None
    # Another app (client id) sees none of them.
    assert await store.find_bot(InstallationKey("999.999", "", "T1")) is None
    # Ann installs again: hers replaces her first, and without a bot the bot stays.
    await store.save_installation(TEAM, "U_ANN", {"who": "ann, again"}, None, later)
    assert await store.find_installation(TEAM, "U_ANN") == {"who": "ann, again"}
    assert await store.find_bot(TEAM) == found

    await store.delete_installations(TEAM, "U_BOB")
    assert await store.find_installation(TEAM) == {"who": "ann, again"}
    await store.delete_bot(TEAM)
    assert await store.find_bot(TEAM) is None
    await store.delete_installations(TEAM)
    assert await store.find_installation(TEAM) is None
    assert await store.find_installation(IN_GRID) == {"who": "cat"}


async def test_an_oauth_state_is_good_once_and_only_until_it_expires(store: SqliteStore) -> None:
    await store.issue_oauth_state("s-1", NOW + timedelta(minutes=10), NOW)
    await store.issue_oauth_state("s-2", NOW + timedelta(minutes=10), NOW)
    assert await store.consume_oauth_state("s-1", NOW)
    assert not await store.consume_oauth_state("s-1", NOW)  # used
    assert not await store.consume_oauth_state("never-issued", NOW)
    assert not await store.consume_oauth_state("s-2", NOW + timedelta(minutes=11))  # expired
    # Two redirects with the same state at once: one wins.
    await store.issue_oauth_state("s-3", NOW + timedelta(minutes=10), NOW)
    results = await asyncio.gather(*(store.consume_oauth_state("s-3", NOW) for _ in range(5)))
    assert sorted(results) == [False] * 4 + [True]


async def test_slack_sdk_objects_round_trip_through_the_store(store: SqliteStore) -> None:
    installations = SlackInstallationStore(store, APP)
    installed = Installation(
        app_id="A1",
        team_id="T1",
        team_name="One",
        bot_token="xoxb-round-trip",
        bot_id="B1",
        bot_user_id="U1",
        bot_scopes="commands,chat:write",
        user_id="U_ANN",
        installed_at=NOW,
    )
    await installations.async_save(installed)
    found = await installations.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.to_dict() == installed.to_dict()
    bot_found = await installations.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot_found is not None and bot_found.to_dict() == installed.to_bot().to_dict()
    assert bot_found.bot_scopes == ["commands", "chat:write"]
    await installations.async_delete_all(enterprise_id=None, team_id="T1")
    assert await installations.async_find_bot(enterprise_id=None, team_id="T1") is None

    states = SlackStateStore(store, expiration_seconds=600)
    first, second = await states.async_issue(), await states.async_issue()
    assert first != second and len(first) >= 40  # unguessable
    assert await states.async_consume(first)
    assert not await states.async_consume(first)
    assert not await states.async_consume("")


async def test_the_store_keeps_one_row_per_installer_and_sweeps_expired_states(
    store: SqliteStore, db_path: Path
) -> None:
    for minute in range(3):
        at = NOW + timedelta(minutes=minute)
        await store.save_installation(TEAM, "U_ANN", {"n": minute}, bot("xoxb-1"), at)
    await store.issue_oauth_state("s-old", NOW + timedelta(minutes=1), NOW)
    await store.issue_oauth_state("s-new", NOW + timedelta(hours=1), NOW + timedelta(minutes=2))
    assert await table_rows(store, db_path, "SELECT COUNT(*) FROM slack_installations") == [(1,)]
    assert await table_rows(store, db_path, "SELECT COUNT(*) FROM slack_bots") == [(1,)]
    assert await table_rows(store, db_path, "SELECT state FROM oauth_states") == [("s-new",)]


def test_migrations_stay_numbered_without_gaps_with_0011_for_installations() -> None:
    names = [migration.name for migration in discover()]
    assert "0011_slack_installations.sql" in names
    assert [int(name[:4]) for name in names] == list(range(1, len(names) + 1))


async def test_a_bot_read_is_trusted_for_a_while_and_shared_by_a_burst(
    store: SqliteStore, db_path: Path
) -> None:
    now = [0.0]
    reads: list[InstallationKey] = []

    class Counting:
        """The real store, counting the reads the adapter makes of it."""

        def __getattr__(self, name: str) -> object:
            return getattr(store, name)

        async def find_bot(self, key: InstallationKey) -> object:
            reads.append(key)
            return await store.find_bot(key)

    installations = SlackInstallationStore(Counting(), APP, clock=lambda: now[0])  # type: ignore[arg-type]
    installed = Installation(
        team_id="T1", bot_token="xoxb-cached", bot_id="B1", bot_user_id="U1", user_id="U_ANN"
    )
    await installations.async_save(installed)
    burst = await asyncio.gather(
        *(installations.async_find_bot(enterprise_id=None, team_id="T1") for _ in range(50))
    )
    assert {bot.bot_token for bot in burst if bot} == {"xoxb-cached"} and len(reads) == 1
    # Another process sharing the database deletes it: this one notices within 10 s.
    await table_rows(store, db_path, "DELETE FROM slack_bots")
    now[0] = 9.0
    assert await installations.async_find_bot(enterprise_id=None, team_id="T1") is not None
    now[0] = 10.5
    assert await installations.async_find_bot(enterprise_id=None, team_id="T1") is None
    # A workspace without a bot is asked again each time: an install elsewhere counts at once.
    await store.save_bot(InstallationKey(APP, "", "T1"), bot("xoxb-cached"), NOW)
    found = await installations.async_find_bot(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-cached"
