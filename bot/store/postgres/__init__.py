"""The PostgreSQL store: several quizbot processes on one database (asyncpg, a pool)."""

from bot.store.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
