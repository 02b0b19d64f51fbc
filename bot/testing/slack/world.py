"""The fake's world as plain data: the workspace, its users (owner, admin, member) and
channels, their Web API payloads, and the ids tests refer to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

API_PREFIX = "/api/"
SOCKET_PATH = "/link"
RESPONSE_PREFIX = "/response/"

TEAM_ID = "T0FAKETEAM"
TEAM_NAME = "Fake Team"
TEAM_DOMAIN = "fake-team"
APP_ID = "A0FAKEAPP"
BOT_ID = "B0FAKEBOT"
BOT_USER_ID = "U0FAKEBOT"
GENERAL_ID = "C0GENERAL"
QUIZ_CHANNEL_ID = "C0QUIZ000"


@dataclass(frozen=True)
class FakeUser:
    """A workspace member. ``is_admin``/``is_owner`` are what ``users.info`` reports (Slack
    sets ``is_admin`` for owners too)."""

    id: str
    name: str
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    tz: str = "Europe/Berlin"

    def payload(self, team_id: str) -> dict[str, Any]:
        display = self.name.capitalize()
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": False,
            "real_name": display,
            "tz": self.tz,
            "tz_offset": 3600,
            "is_admin": self.is_admin or self.is_owner,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
            "profile": {"real_name": display, "display_name": display, "team": team_id},
        }

    def action_user(self, team_id: str) -> dict[str, Any]:
        """The ``user`` object of an interaction payload."""
        return {"id": self.id, "username": self.name, "name": self.name, "team_id": team_id}


@dataclass(frozen=True)
class FakeChannel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    user: str | None = None  # the other member of a DM

    def payload(self) -> dict[str, Any]:
        if self.is_im:
            return {
                "id": self.id,
                "is_im": True,
                "user": self.user,
                "created": 1_700_000_000,
                "is_user_deleted": False,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": False,
            "is_general": self.id == GENERAL_ID,
            "is_member": True,
            "created": 1_700_000_000,
            "creator": OWNER.id,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }

    def action_channel(self) -> dict[str, Any]:
        """The ``channel`` object of an interaction payload."""
        return {"id": self.id, "name": "directmessage" if self.is_im else self.name}


OWNER = FakeUser("U0OWNER00", "olivia", is_admin=True, is_owner=True)
ADMIN = FakeUser("U0ADMIN00", "adam", is_admin=True)
MEMBER = FakeUser("U0MEMBER0", "mia")
BOT_USER = FakeUser(BOT_USER_ID, "quizbot", is_bot=True)

GENERAL = FakeChannel(GENERAL_ID, "general")
QUIZ_CHANNEL = FakeChannel(QUIZ_CHANNEL_ID, "quiz")


def default_users() -> list[FakeUser]:
    return [OWNER, ADMIN, MEMBER, BOT_USER]


def default_channels() -> list[FakeChannel]:
    return [GENERAL, QUIZ_CHANNEL]


def dm_channel_id(user_id: str) -> str:
    """The id of the bot's DM with ``user_id`` (``D`` + the user id without its ``U``)."""
    return "D" + user_id.removeprefix("U")
