"""Which store a quizbot process uses: PostgreSQL when QUIZBOT_DATABASE_URL is set, otherwise
the SQLite file (QUIZBOT_DB, or ``--db``). The one place that constructs a store."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.store.postgres import PostgresStore
from bot.store.postgres.errors import where
from bot.store.sqlite import SqliteStore
from bot.store.sqlite.migrations import UpgradeReport

AnyStore = SqliteStore | PostgresStore


def database_url(settings: Settings, db: Path | None = None) -> str | None:
    """The PostgreSQL URL in use; None for SQLite (also when ``--db`` names a file)."""
    if db is not None or settings.quizbot_database_url is None:
        return None
    return settings.quizbot_database_url.get_secret_value().strip() or None


def describe_database(settings: Settings, db: Path | None = None) -> str:
    """The database in use, for logs and messages (never with its password)."""
    url = database_url(settings, db)
    return f"PostgreSQL {where(url)}" if url else str(db or settings.quizbot_db)


async def open_store(settings: Settings, *, db: Path | None = None) -> AnyStore:
    url = database_url(settings, db)
    if url is not None:
        return await PostgresStore.open(url)
    path = db or settings.quizbot_db
    return await SqliteStore.open(path, backup_dir=settings.backup_dir(path))


async def upgrade_store(settings: Settings, *, db: Path | None = None) -> UpgradeReport:
    url = database_url(settings, db)
    if url is not None:
        return await PostgresStore.upgrade(url)
    path = db or settings.quizbot_db
    return await SqliteStore.upgrade(path, backup_dir=settings.backup_dir(path))
