"""Database failures as one clear sentence for the person running quizbot."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.core.outcomes import Unavailable


class StoreError(Unavailable):
    """The database cannot be used; the message says why and what to do."""


def describe(exc: sqlite3.Error, database: Path) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return (
            f"database {database} is locked by another process (is another quizbot running on it?)"
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (
            f"{database} is not a usable SQLite database ({text}); restore it from a backup "
            "(quizbot db backup makes them) or point QUIZBOT_DB at another file"
        )
    if "unable to open" in text:
        return f"cannot open database {database}: check that its folder exists and is writable"
    if "readonly" in text or "read-only" in text:
        return f"database {database} is read-only: quizbot needs to write to it"
    return f"database {database}: {text}"
