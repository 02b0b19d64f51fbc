"""The fake's world as plain data: users, roles, channels, members, guilds and their payloads,
the default guild and its ids, and the permission and message-flag bits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import discord

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway-ws"
DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ALL_PERMISSIONS = discord.Permissions.all().value
DEFAULT_EVERYONE = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_external_emojis=True,
    use_application_commands=True,
).value

# Message flags.
EPHEMERAL = 1 << 6
LOADING = 1 << 7


# --- the world -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeUser:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name or self.username.capitalize(),
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(frozen=True)
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 0

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass(frozen=True)
class FakeOverwrite:
    """A channel permission overwrite for a role (or a member with ``is_member``)."""

    target_id: int
    allow: int = 0
    deny: int = 0
    is_member: bool = False

    def payload(self) -> dict[str, Any]:
        kind = 1 if self.is_member else 0
        return {
            "id": str(self.target_id),
            "type": kind,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass(frozen=True)
class FakeChannel:
    id: int
    name: str
    type: int = 0  # 0 = guild text
    position: int = 0
    overwrites: tuple[FakeOverwrite, ...] = ()

    def payload(self, guild_id: int) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "guild_id": str(guild_id),
            "permission_overwrites": [overwrite.payload() for overwrite in self.overwrites],
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }


@dataclass(frozen=True)
class FakeMember:
    user: FakeUser
    roles: tuple[int, ...] = ()
    nick: str | None = None

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(role_id) for role_id in self.roles],
            "nick": self.nick,
            "avatar": None,
            "joined_at": "2026-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass
class FakeGuild:
    """A guild; its @everyone role has the guild's id, as on Discord."""

    id: int
    name: str
    owner_id: int
    roles: list[FakeRole] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    _member_index: dict[int, int] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def role(self, role_id: int) -> FakeRole:
        for role in self.roles:
            if role.id == role_id:
                return role
        raise LookupError(f"no role {role_id} in guild {self.id}")

    def channel(self, channel_id: int) -> FakeChannel | None:
        return next((ch for ch in self.channels if ch.id == channel_id), None)

    def member(self, user_id: int) -> FakeMember | None:
        # Every interaction looks members up (a benchmark guild has hundreds), so keep an index
        # of positions; ``members`` is a plain list anyone may change, so check the hit and
        # rebuild the index when it no longer matches.
        position = self._member_index.get(user_id)
        if position is None or position >= len(self.members):
            self._member_index = {}
            for number, member in enumerate(self.members):
                self._member_index.setdefault(member.user.id, number)
            position = self._member_index.get(user_id)
            if position is None:
                return None
        member = self.members[position]
        if member.user.id != user_id:  # the list changed under the index
            self._member_index = {}
            return self.member(user_id)
        return member

    def permissions_for(self, user_id: int, channel_id: int | None = None) -> int:
        """Discord's algorithm: base from roles, ADMINISTRATOR/owner = all, then overwrites."""
        member = self.member(user_id)
        if member is None:
            raise LookupError(f"user {user_id} is not a member of guild {self.id}")
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        role_ids = {self.id, *member.roles}
        perms = 0
        for role in self.roles:
            if role.id in role_ids:
                perms |= role.permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        channel = self.channel(channel_id) if channel_id is not None else None
        if channel is None:
            return perms
        overwrites = {(ow.is_member, ow.target_id): ow for ow in channel.overwrites}
        everyone = overwrites.get((False, self.id))
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in member.roles:
            if overwrite := overwrites.get((False, role_id)):
                allow |= overwrite.allow
                deny |= overwrite.deny
        perms = (perms & ~deny) | allow
        if own := overwrites.get((True, user_id)):
            perms = (perms & ~own.deny) | own.allow
        return perms

    def create_payload(self) -> dict[str, Any]:
        """The GUILD_CREATE event data; member_count = len(members) so it counts as chunked."""
        return {
            "id": str(self.id),
            "name": self.name,
            "owner_id": str(self.owner_id),
            "icon": None,
            "splash": None,
            "description": None,
            "features": [],
            "roles": [role.payload() for role in self.roles],
            "emojis": [],
            "stickers": [],
            "channels": [channel.payload(self.id) for channel in self.channels],
            "members": [member.payload() for member in self.members],
            "member_count": len(self.members),
            "large": False,
            "unavailable": False,
            "joined_at": "2026-01-01T00:00:00+00:00",
            "voice_states": [],
            "presences": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "afk_timeout": 300,
        }


APP_ID = 1_100_000_000_000_000_001
BOT_USER = FakeUser(APP_ID, "quizbot", bot=True)
GUILD_ID = 1_200_000_000_000_000_001
GENERAL_ID = 1_300_000_000_000_000_001
QUIZ_CHANNEL_ID = 1_300_000_000_000_000_002
ADMIN_ROLE_ID = 1_400_000_000_000_000_001
QUIZ_ADMIN_ROLE_ID = 1_400_000_000_000_000_002
OWNER = FakeUser(1_500_000_000_000_000_001, "olive")
ADMIN = FakeUser(1_500_000_000_000_000_002, "ada")
QUIZ_ADMIN = FakeUser(1_500_000_000_000_000_003, "quinn")
MEMBER = FakeUser(1_500_000_000_000_000_004, "pat")


def default_guild() -> FakeGuild:
    """#general and #quiz; olive owns it, ada is Admin, quinn is Quiz Admin, pat is plain."""
    return FakeGuild(
        id=GUILD_ID,
        name="Quiz Guild",
        owner_id=OWNER.id,
        roles=[
            FakeRole(GUILD_ID, "@everyone", DEFAULT_EVERYONE),
            FakeRole(ADMIN_ROLE_ID, "Admin", MANAGE_GUILD, position=2),
            FakeRole(QUIZ_ADMIN_ROLE_ID, "Quiz Admin", 0, position=1),
        ],
        channels=[
            FakeChannel(GENERAL_ID, "general"),
            FakeChannel(QUIZ_CHANNEL_ID, "quiz", position=1),
        ],
        members=[
            FakeMember(OWNER),
            FakeMember(ADMIN, (ADMIN_ROLE_ID,)),
            FakeMember(QUIZ_ADMIN, (QUIZ_ADMIN_ROLE_ID,)),
            FakeMember(MEMBER),
        ],
    )
