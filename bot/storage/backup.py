"""Online backup: a consistent copy of the live database, even while the bot writes; all or nothing.

The copy is written under a temporary name beside the target, verified, and only then renamed into
place, so a file under the target's name is always a complete, checked backup. A stop (Ctrl-C, SIGTERM)
is checked between copy steps and during the check, and leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bot.files import nearest_existing, writable
from bot.storage import ownership
from bot.storage.ownership import DatabaseLocked, DatabaseProblem, FileState

PAGES_PER_STEP = 1024  # 4 MB with the default page size: a stop is noticed within milliseconds
BUSY_GIVE_UP_S = 30.0
CHECK_EVERY_OPS = 10_000  # SQLite VM instructions between looks at the stop flag during the check


class TargetExists(DatabaseProblem, FileExistsError):
    """Backups never overwrite: an existing file under the target's name may be the only good copy."""

    def __init__(self, target: Path) -> None:
        super().__init__(f"{target} already exists; backups never overwrite a file, so choose a new name")


class BackupInterrupted(Exception):
    """A stop was asked for; the partial copy was removed and nothing exists under the target's name."""


def backup(
    source: Path, target: Path, *, setting: str | None = None, should_stop: Callable[[], bool] = lambda: False
) -> int:
    """Copy the database at ``source`` to the new file ``target``; return the copy's schema version.

    The backup reads a consistent snapshot even while the bot writes (WAL), and never blocks it for
    long: pages are copied in steps.
    """
    name = ownership.label(source, setting)
    if ownership.check_file(source, name, write=False, create=False) is not FileState.PRESENT:
        raise DatabaseProblem(f"{name} is an empty file; there is nothing to back up")
    ownership.judge(ownership.inspect(source, name), name, setting, newest=None)
    _check_target(target)
    try:
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    except OSError as exc:
        raise DatabaseProblem(f"cannot write in {target.parent} ({exc.strerror})", exit_code=1) from None
    os.close(fd)
    temp = Path(temp_name)
    try:
        _copy(source, temp, name, should_stop)
        version = _verify(temp, should_stop)
        _publish(temp, target)
    except BaseException:
        _remove(temp)
        raise
    return version


def _check_target(target: Path) -> None:
    try:
        _check_target_path(target)
    except OSError as exc:
        if isinstance(exc, DatabaseProblem):
            raise
        raise DatabaseProblem(f"the backup {target} cannot be written ({exc.strerror}); name another file") from None


def _check_target_path(target: Path) -> None:
    if target.is_dir():
        raise DatabaseProblem(
            f"{target} is a folder; name a new file in it, such as {target / 'quizbot-backup.sqlite3'}"
        )
    if target.exists() or target.is_symlink():
        raise TargetExists(target)
    folder = nearest_existing(target.parent)
    if not folder.is_dir():
        raise DatabaseProblem(f"cannot write {target}: {folder} is a file, not a folder")
    if not writable(folder):
        raise DatabaseProblem(f"cannot write {target}: the folder {folder} is read-only for this user")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseProblem(f"cannot create the folder {target.parent} ({exc.strerror})") from None


def _copy(source: Path, temp: Path, name: str, should_stop: Callable[[], bool]) -> None:
    busy_since: list[float] = []

    def progress(status: int, remaining: int, total: int) -> None:
        # Called between steps, in Python: a pending signal's handler runs here, and raising aborts the copy.
        if should_stop():
            raise BackupInterrupted
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            busy_since[:1] = busy_since[:1] or [time.monotonic()]
            if time.monotonic() - busy_since[0] > BUSY_GIVE_UP_S:
                raise DatabaseLocked(name)
        else:
            busy_since.clear()

    src = sqlite3.connect(ownership.sqlite_uri(source, "ro"), uri=True)
    try:
        dst = sqlite3.connect(temp)
        try:
            src.backup(dst, pages=PAGES_PER_STEP, progress=progress, sleep=0.05)
            if should_stop():  # a signal during the last step
                raise BackupInterrupted
            dst.execute("PRAGMA journal_mode = DELETE")  # a self-contained single file
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise _failure(exc, f"backup of {name} failed") from None
    finally:
        src.close()


def _verify(temp: Path, should_stop: Callable[[], bool]) -> int:
    """Check the closed copy as a restore would meet it: whole, consistent, and needing no companion file."""
    for suffix in ("-wal", "-journal", "-shm"):
        if Path(f"{temp}{suffix}").exists():
            raise DatabaseProblem(f"the copy is not a single file (found {temp.name}{suffix})", exit_code=1)
    conn = sqlite3.connect(ownership.sqlite_uri(temp, "ro"), uri=True)
    try:
        conn.set_progress_handler(should_stop, CHECK_EVERY_OPS)  # a true result interrupts the check
        (check,) = conn.execute("PRAGMA integrity_check").fetchone()
        (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
        (version,) = conn.execute("PRAGMA user_version").fetchone()
    except sqlite3.OperationalError:
        if should_stop():
            raise BackupInterrupted from None
        raise
    finally:
        conn.close()
    if check != "ok":
        raise DatabaseProblem(f"the copy failed its integrity check: {check}", exit_code=1)
    if mode != "delete":
        raise DatabaseProblem(f"the copy is in journal mode {mode}, not a self-contained file", exit_code=1)
    with temp.open("rb+") as file:
        os.fsync(file.fileno())
    return int(version)


def _publish(temp: Path, target: Path) -> None:
    """Give the checked copy the target's name; never replace a file that appeared there meanwhile."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise TargetExists(target) from None
    except OSError:
        # File systems without hard links: rename, having just checked the name is free.
        if target.exists():
            raise TargetExists(target) from None
        os.rename(temp, target)
    else:
        temp.unlink()
    with contextlib.suppress(OSError):
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _remove(temp: Path) -> None:
    for path in (temp, Path(f"{temp}-journal"), Path(f"{temp}-wal"), Path(f"{temp}-shm")):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _failure(exc: sqlite3.Error, what: str) -> DatabaseProblem:
    if "disk is full" in str(exc):
        return DatabaseProblem(f"{what}: the disk is full; free some space or write the backup elsewhere", exit_code=1)
    return DatabaseProblem(f"{what}: {exc}", exit_code=1)
