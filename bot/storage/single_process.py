"""One bot process per SQLite file: a second one is refused at start, in one line.

The lock is an flock(2) on the database file itself, held for as long as the bot runs and released by the
kernel however the process ends (a SIGKILL included), so a stale lock cannot outlive its process. SQLite's
own locks are POSIX record locks, which flock does not touch on Linux; the descriptor stays open until the
database is closed, since closing a descriptor of the file would drop SQLite's record locks.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from bot.storage.ownership import DatabaseProblem


class SqliteInUse(DatabaseProblem):
    pass


class ProcessLock:
    def __init__(self, fd: int | None) -> None:
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def hold(path: Path, name: str) -> ProcessLock:
    """Lock ``path`` for this process, or raise SqliteInUse when another bot process holds it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:  # unreadable: opening the database says what is wrong with it, in its own words
        return ProcessLock(None)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise SqliteInUse(
            f"{name} is in use by another bot process; SQLite serves one process: stop the other one, "
            "or run several processes on PostgreSQL (QUIZBOT_DATABASE_URL)",
            exit_code=2,
        ) from None
    except BaseException:
        os.close(fd)
        raise
    return ProcessLock(fd)
