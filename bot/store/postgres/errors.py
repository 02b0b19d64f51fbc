"""PostgreSQL failures as one clear sentence for the person running quizbot."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import urlsplit

import asyncpg

from bot.store.errors import StoreError


def where(url: str) -> str:
    """The server and database of ``url``, without its password: ``host:port/database``."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = parts.port or 5432
    database = parts.path.lstrip("/") or parts.username or "postgres"
    return f"{host}:{port}/{database}"


def user_of(url: str) -> str:
    return urlsplit(url).username or "(the default user)"


def describe(exc: BaseException, url: str) -> str:
    target = where(url)
    if isinstance(exc, asyncpg.InvalidPasswordError):
        return (
            f"PostgreSQL at {target} refused the password of user {user_of(url)}: check the"
            " password in QUIZBOT_DATABASE_URL"
        )
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        return (
            f"PostgreSQL at {target} refused user {user_of(url)} ({exc}): check the user in"
            " QUIZBOT_DATABASE_URL and the server's pg_hba.conf"
        )
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return (
            f"PostgreSQL at {target}: the database does not exist; create it (createdb) or"
            " correct the database name in QUIZBOT_DATABASE_URL"
        )
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        return (
            f"PostgreSQL at {target}: user {user_of(url)} lacks a privilege quizbot needs ({exc})"
        )
    if isinstance(exc, asyncpg.TooManyConnectionsError):
        return (
            f"PostgreSQL at {target} has no connection left ({exc}): lower the pool size or raise"
            " the server's max_connections"
        )
    if isinstance(exc, socket.gaierror):
        return (
            f"cannot find the PostgreSQL host of {target}: check the host in QUIZBOT_DATABASE_URL"
        )
    if isinstance(exc, OSError | asyncio.TimeoutError | asyncpg.CannotConnectNowError):
        return (
            f"cannot reach PostgreSQL at {target}: is the server running and the host and port in"
            " QUIZBOT_DATABASE_URL right?"
        )
    if isinstance(exc, asyncpg.ConnectionDoesNotExistError | asyncpg.InterfaceError):
        return f"lost the connection to PostgreSQL at {target} ({exc})"
    return f"PostgreSQL at {target}: {exc}"


def as_store_error(exc: BaseException, url: str) -> StoreError:
    error = StoreError(describe(exc, url))
    error.__cause__ = exc
    return error


# What a failing database raises (as opposed to a bug in quizbot's own code).
DATABASE_ERRORS = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InsufficientResourcesError,
    asyncpg.OperatorInterventionError,
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidCatalogNameError,
)
