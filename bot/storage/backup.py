"""Online backup: a consistent copy of the live database, even while the bot writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def backup(source: Path, target: Path) -> int:
    """Copy the live database with SQLite's online backup API; return the copy's schema version.

    The backup reads a consistent snapshot even while the bot writes (WAL), and never blocks it for
    long: pages are copied in steps.
    """
    if not source.exists():
        raise FileNotFoundError(f"no database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise FileExistsError(f"{target} exists; choose a new file")
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst, pages=1024)
        dst.execute("PRAGMA journal_mode = DELETE")  # a self-contained single file
        (check,) = dst.execute("PRAGMA integrity_check").fetchone()
        if check != "ok":
            raise sqlite3.DatabaseError(f"the copy failed its integrity check: {check}")
        (version,) = dst.execute("PRAGMA user_version").fetchone()
    return int(version)
