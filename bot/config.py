"""Settings, typed and read once at start from the environment and ``.env``."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    pass


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    quizbot_db: Path = Field(Path("quizbot.db"), description="The SQLite database file.")
    quizbot_banks: str = Field("banks", description="Bank files or folders, comma-separated.")
    quizbot_timezone: str = Field("UTC", description="IANA zone whose weeks the boards use.")
    quizbot_log_level: str = Field("INFO")
    quizbot_grace_minutes: int = Field(
        120, ge=0, description="After a restart, post what was due at most this long ago."
    )
    discord_token: SecretStr | None = Field(None, description="Discord bot token.")
    discord_guild_ids: str = Field("", description="Servers to sync commands to at once.")
    quizbot_admin_roles: str = Field("", description="Role names or ids that may run admin.")
    slack_bot_token: SecretStr | None = Field(None, description="Slack bot token (xoxb-...).")
    slack_app_token: SecretStr | None = Field(None, description="Slack app token for Socket Mode.")
    slack_signing_secret: SecretStr | None = Field(None, description="Slack HTTP mode secret.")
    slack_port: int = Field(3000, description="Port of Slack's HTTP mode.")
    slack_admin_user_ids: str = Field("", description="Slack user ids that may run admin.")
    quizbot_health_host: str = Field(
        "127.0.0.1", description="Address of the health endpoint (0.0.0.0: every interface)."
    )
    quizbot_health_port: int = Field(8080, ge=0, le=65535, description="Health endpoint port.")
    # A str, not a Path: the empty value of .env.example must mean "the default", not ".".
    quizbot_backup_dir: str = Field("", description="Daily backups (default: DB folder/backups).")
    quizbot_backup_keep: int = Field(7, ge=1, description="Daily backups kept.")

    @field_validator("quizbot_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"'{value}' is not an IANA time zone (examples: UTC, Europe/Berlin, "
                "America/New_York)"
            ) from None
        return value

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.quizbot_timezone)

    @property
    def bank_paths(self) -> list[Path]:
        return [Path(part.strip()) for part in self.quizbot_banks.split(",") if part.strip()]

    @property
    def guild_ids(self) -> list[int]:
        found = []
        for part in self.discord_guild_ids.split(","):
            if part.strip():
                if not part.strip().isdigit():
                    raise SettingsError(f"DISCORD_GUILD_IDS: '{part.strip()}' is not a server id")
                found.append(int(part.strip()))
        return found

    @property
    def slack_admins(self) -> list[str]:
        return [part.strip() for part in self.slack_admin_user_ids.split(",") if part.strip()]

    @property
    def admin_roles(self) -> list[str]:
        return [part.strip() for part in self.quizbot_admin_roles.split(",") if part.strip()]

    def backup_dir(self, database: Path) -> Path:
        """Where the daily backups of ``database`` go: a ``backups`` folder beside it unless
        QUIZBOT_BACKUP_DIR says otherwise."""
        if self.quizbot_backup_dir.strip():
            return Path(self.quizbot_backup_dir.strip())
        return database.parent / "backups"

    @property
    def health_url(self) -> str:
        """The URL `quizbot health` asks: this machine, on the port the server listens on."""
        host = self.quizbot_health_host.strip()
        if host in ("", "0.0.0.0", "::"):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.quizbot_health_port}/health"

    def platforms(self) -> list[str]:
        found = []
        if self.discord_token and self.discord_token.get_secret_value():
            found.append("discord")
        if self.slack_bot_token and self.slack_bot_token.get_secret_value():
            found.append("slack")
        return found


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and ``.env``; a bad value names its variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise SettingsError(f"bad setting: {problems}") from None
