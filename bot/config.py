"""Settings, typed and read once at start from the environment and ``.env``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    pass


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# A bot token is three base64url parts joined by dots (id.timestamp.hmac); Discord does not
# promise more, so only the shape is checked.
DISCORD_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
SLACK_APPS = "https://api.slack.com/apps"


def _url_of(value: str, what: str, schemes: tuple[str, ...]) -> str:
    """``value`` stripped, if empty or starting with one of ``schemes``; else one line saying
    it is not ``what`` URL."""
    value = value.strip()
    if value and not value.startswith(schemes):
        raise ValueError(f"'{value}' is not {what} URL")
    return value


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
    slack_port: int = Field(3000, ge=1, le=65535, description="Port of Slack's HTTP mode.")
    slack_admin_user_ids: str = Field("", description="Slack user ids that may run admin.")
    # Slack OAuth ("Add to Slack"): one deployment for every workspace that installs the app.
    slack_client_id: str = Field("", description="Slack app's client id (OAuth).")
    slack_client_secret: SecretStr | None = Field(None, description="Slack app's client secret.")
    slack_scopes: str = Field("", description="Bot scopes asked at install (default: manifest's).")
    slack_redirect_uri: str = Field("", description="OAuth redirect URL (default: the app's).")
    # Empty: the library's own (https://discord.com/api/v10, https://slack.com/api/). For a
    # REST proxy in front of Discord, or GovSlack (https://slack-gov.com/api/).
    discord_api_url: str = Field("", description="Discord's REST API base URL.")
    # Empty: discord.py's (wss://gateway.discord.gg/), for a gateway proxy in front of Discord.
    discord_gateway_url: str = Field("", description="Discord's gateway websocket URL.")
    slack_api_url: str = Field("", description="Slack's Web API base URL.")
    quizbot_health_host: str = Field(
        "127.0.0.1", description="Address of the health endpoint (0.0.0.0: every interface)."
    )
    quizbot_health_port: int = Field(8080, ge=0, le=65535, description="Health endpoint port.")
    # A str, not a Path: the empty value of .env.example must mean "the default", not ".".
    quizbot_backup_dir: str = Field("", description="Daily backups (default: DB folder/backups).")
    quizbot_backup_keep: int = Field(7, ge=1, description="Daily backups kept.")
    # Running at scale (several processes on one database, sharded Discord).
    quizbot_leader_poll_seconds: float = Field(
        5.0, gt=0, le=300, description="How often a standby process tries to become scheduler."
    )
    discord_shard_count: str = Field("", description="Discord shards in all (a number, or auto).")
    discord_shard_ids: str = Field("", description="This process's shards, e.g. 0-3 or 0,2.")
    slack_host: str = Field("", description="Bind address of Slack's HTTP mode (every interface).")
    # Set: the PostgreSQL store, shared by any number of quizbot processes (QUIZBOT_DB unused).
    quizbot_database_url: SecretStr | None = Field(
        None, description="postgresql://user:password@host:port/database"
    )

    @field_validator("quizbot_database_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        text = value.get_secret_value().strip() if value is not None else ""
        if text and not text.startswith(("postgresql://", "postgres://")):
            raise ValueError(
                "QUIZBOT_DATABASE_URL must look like postgresql://user:password@host:5432/quizbot"
                " (unset it to use the SQLite file QUIZBOT_DB)"
            )
        return value

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

    @field_validator("quizbot_log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"'{value}' is not a log level ({', '.join(LOG_LEVELS)})")
        return value.strip().upper()

    @field_validator("discord_token", "slack_bot_token", "slack_app_token", "slack_signing_secret")
    @classmethod
    def _empty_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        """``DISCORD_TOKEN=`` (as in .env.example) means no token; spaces around one are a
        copy-and-paste slip."""
        if value is None or not value.get_secret_value().strip():
            return None
        return SecretStr(value.get_secret_value().strip())

    @field_validator("discord_token")
    @classmethod
    def _discord_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Never quote a token back: the message may end up in a log.
        token = value.get_secret_value() if value else ""
        if token.lower().startswith("bot "):
            raise ValueError("leave out the 'Bot ' prefix: set the token alone")
        if token and not DISCORD_TOKEN_SHAPE.fullmatch(token):
            raise ValueError(
                "this is not a bot token (three parts joined by dots): copy it again from "
                "https://discord.com/developers/applications (your app -> Bot -> Reset Token)"
            )
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _slack_bot_shape(cls, value: SecretStr | None) -> SecretStr | None:
        token = value.get_secret_value() if value else ""
        if token and not token.startswith("xoxb-"):
            hint = " (an xapp- token is SLACK_APP_TOKEN)" if token.startswith("xapp-") else ""
            raise ValueError(
                f"must start with xoxb-{hint}: the Bot User OAuth Token on {SLACK_APPS} "
                "(your app -> OAuth & Permissions)"
            )
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _slack_app_shape(cls, value: SecretStr | None) -> SecretStr | None:
        token = value.get_secret_value() if value else ""
        if token and not token.startswith("xapp-"):
            hint = " (an xoxb- token is SLACK_BOT_TOKEN)" if token.startswith("xoxb-") else ""
            raise ValueError(
                f"must start with xapp-{hint}: an app-level token with connections:write on "
                f"{SLACK_APPS} (your app -> Basic Information -> App-Level Tokens)"
            )
        return value

    @field_validator("discord_api_url", "slack_api_url", "slack_redirect_uri")
    @classmethod
    def _url(cls, value: str) -> str:
        return _url_of(value, "an http:// or https://", ("http://", "https://"))

    @field_validator("discord_gateway_url")
    @classmethod
    def _websocket_url(cls, value: str) -> str:
        return _url_of(value, "a ws:// or wss://", ("ws://", "wss://"))

    @model_validator(mode="after")
    def _slack_needs_its_bot_token(self) -> Self:
        if self.slack_bot_token is None and not self.slack_client_id.strip():
            given = [
                name
                for name, value in (
                    ("SLACK_APP_TOKEN", self.slack_app_token),
                    ("SLACK_SIGNING_SECRET", self.slack_signing_secret),
                )
                if value is not None
            ]
            if given:
                raise ValueError(
                    f"{' and '.join(given)} {'is' if len(given) == 1 else 'are'} set but "
                    f"SLACK_BOT_TOKEN is missing: the Bot User OAuth Token (xoxb-...) on "
                    f"{SLACK_APPS} (your app -> OAuth & Permissions)"
                )
        return self

    @model_validator(mode="after")
    def _shards_parse(self) -> Self:
        self.discord_shards  # noqa: B018  # a bad value is one line at start, not at connect
        return self

    @property
    def discord_shards(self) -> tuple[int | None, list[int] | None] | None:
        """(shard count or None for Discord's recommended one, this process's shard ids or None
        for all of them); None when neither variable is set: one unsharded connection."""
        from bot.shards import parse_shards

        return parse_shards(self.discord_shard_count, self.discord_shard_ids)

    @field_validator("slack_client_secret")
    @classmethod
    def _secret_empty_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        return SecretStr(value.get_secret_value().strip())

    @model_validator(mode="after")
    def _slack_oauth(self) -> Self:
        """OAuth needs both credentials and HTTP mode, and replaces the single token."""
        self.slack_client_id = self.slack_client_id.strip()
        has_id, has_secret = bool(self.slack_client_id), self.slack_client_secret is not None
        if not has_id and not has_secret:
            return self
        where = f"{SLACK_APPS} (your app -> Basic Information -> App Credentials)"
        if not has_id or not has_secret:
            given, missing = (
                ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
                if has_id
                else ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")
            )
            raise ValueError(f"{given} is set but {missing} is missing: both are on {where}")
        if self.slack_bot_token is not None:
            raise ValueError(
                "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set: with OAuth each workspace's "
                "token comes from its installation; leave SLACK_BOT_TOKEN empty and install the "
                "app again at /slack/install"
            )
        if self.slack_app_token is not None:
            raise ValueError(
                "SLACK_APP_TOKEN (Socket Mode) and SLACK_CLIENT_ID are both set: OAuth needs "
                "HTTP mode (its install and redirect pages); leave SLACK_APP_TOKEN empty"
            )
        if self.slack_signing_secret is None:
            raise ValueError(
                f"SLACK_CLIENT_ID is set but SLACK_SIGNING_SECRET is missing: OAuth runs in "
                f"HTTP mode, which checks Slack's requests with it; it is on {where}"
            )
        return self

    @property
    def slack_scope_list(self) -> list[str]:
        return [part.strip() for part in self.slack_scopes.split(",") if part.strip()]

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
        elif self.slack_client_id and self.slack_client_secret is not None:
            found.append("slack")  # OAuth: every workspace that installs the app
        return found


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and ``.env``; a bad value names its variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(_problem(error) for error in exc.errors())
        raise SettingsError(f"bad setting: {problems}") from None


def _problem(error: Any) -> str:
    """``NAME: what is wrong``, without pydantic's "Value error, " in front of our own words."""
    message = str(error["msg"]).removeprefix("Value error, ")
    where = ".".join(str(part) for part in error["loc"]).upper()
    return f"{where}: {message}" if where else message
