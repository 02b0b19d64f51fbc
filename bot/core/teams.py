"""Teams: named groups in a workspace; a person belongs to at most one."""

from __future__ import annotations

from bot.core.context import QuizContext
from bot.core.outcomes import TeamError
from bot.core.ports import Team
from bot.core.rounds import UserRef

MAX_TEAM_NAME = 32


def clean_team_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise TeamError("A team needs a name.")
    if len(cleaned) > MAX_TEAM_NAME:
        raise TeamError(f"Team names are at most {MAX_TEAM_NAME} characters.")
    return cleaned


class Teams:
    def __init__(self, context: QuizContext) -> None:
        self.context = context

    async def _find(self, platform: str, workspace: str, name: str) -> Team:
        found = await self.context.store.find_team(platform, workspace, clean_team_name(name))
        if found is None:
            raise TeamError(f"There is no team called '{name.strip()}'.")
        return found

    async def create(self, platform: str, workspace: str, name: str) -> Team:
        cleaned = clean_team_name(name)
        created = await self.context.store.create_team(platform, workspace, cleaned)
        if created is None:
            raise TeamError(f"A team called '{cleaned}' already exists.")
        return created

    async def rename(self, platform: str, workspace: str, old: str, new: str) -> Team:
        team = await self._find(platform, workspace, old)
        cleaned = clean_team_name(new)
        if not await self.context.store.rename_team(team.id, cleaned):
            raise TeamError(f"A team called '{cleaned}' already exists.")
        return Team(team.id, cleaned, team.members)

    async def delete(self, platform: str, workspace: str, name: str) -> Team:
        team = await self._find(platform, workspace, name)
        await self.context.store.delete_team(team.id)
        return team

    async def join(self, user: UserRef, name: str) -> Team:
        """Put ``user`` in the team; someone already in another team must leave it first."""
        team = await self._find(user.platform, user.workspace, name)
        user_id = await self.context.user_id(user)
        current = await self.context.store.team_of(user_id)
        if current is not None and current.id == team.id:
            raise TeamError(f"{user.display} is already in '{team.name}'.")
        if current is not None:
            raise TeamError(
                f"{user.display} is in '{current.name}'; leave it first (a person has one team)."
            )
        await self.context.store.set_team(user_id, team.id)
        return team

    async def leave(self, user: UserRef) -> Team:
        user_id = await self.context.user_id(user)
        current = await self.context.store.team_of(user_id)
        if current is None:
            raise TeamError(f"{user.display} is not in a team.")
        await self.context.store.set_team(user_id, None)
        return current

    async def list(self, platform: str, workspace: str) -> list[Team]:
        return await self.context.store.teams(platform, workspace)
