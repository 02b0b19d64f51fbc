"""Who may run admin commands: one rule for every platform. Adapters gather the facts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AdminFacts:
    """What the platform says about a person, gathered by the adapter on every call."""

    manages_workspace: bool
    """Discord: Manage Server (or Administrator); Slack: workspace admin or owner."""
    role_ids: frozenset[str] = frozenset()
    role_names: frozenset[str] = frozenset()
    user_id: str = ""


@dataclass(frozen=True, slots=True)
class AdminPolicy:
    """Configured extra admins: roles (by id or name, any case) and user ids."""

    roles: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, roles: Iterable[str] = (), users: Iterable[str] = ()) -> AdminPolicy:
        return cls(
            frozenset(role.strip().casefold() for role in roles if role.strip()),
            frozenset(user.strip() for user in users if user.strip()),
        )

    def allows(self, facts: AdminFacts) -> bool:
        if facts.manages_workspace or (facts.user_id and facts.user_id in self.users):
            return True
        held = {role.casefold() for role in facts.role_ids | facts.role_names}
        return bool(held & self.roles)


NOT_ADMIN = "Only quiz admins can do that (Manage Server permission or a quiz admin role)."
