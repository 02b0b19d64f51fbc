"""The SQLite store: one file, one writer connection, WAL (the default store)."""

from bot.store.sqlite.store import SqliteStore

__all__ = ["SqliteStore"]
