"""`python -m bot play --database FILE`: the copy the playground's bot runs on, and the ids its data is under.

The file is copied (with the journal SQLite needs to read its newest state) into the playground's temporary
folder without opening the original, so nothing is ever written beside it; only the copy is opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

KNOWN_MEMBERS = 20  # members with saved scores the page's server gets (the first ones as Alice, Bob, Chen)
KNOWN_CHANNELS = 5  # other channels the server's rounds or daily question used, besides #quiz
COPY_ATTEMPTS = 5  # a database a running bot is writing may change during a copy: copied again, this often
COMPANIONS = ("-wal", "-journal")  # what SQLite needs beside a database to read its newest state


class PlayError(Exception):
    """Something `play` cannot start with: one line for the user, and the exit code."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Seed:
    """The ids a database's data is stored under, for the page's server to use."""

    guild_id: int | None = None
    channel_id: int | None = None  # the channel of its latest round (else its daily question's): #quiz
    member_ids: tuple[int, ...] = ()  # most points first
    channels: tuple[tuple[int, str], ...] = ()  # (id, name) of other channels its data names


async def copy_database(source: Path, target: Path) -> Seed:
    """Copy the database at ``source`` (and the journal SQLite would read with it) to the new file ``target``,
    check the copy, and read from it the ids its data is stored under.

    Nothing is written beside ``source``: SQLite is never pointed at it (even a read-only connection to a
    WAL database creates ``-wal`` and ``-shm`` files there). The files are read as bytes, again if they
    changed meanwhile (a bot using the database), and SQLite opens only the copy.
    """
    await asyncio.to_thread(_copy, source, target)
    return await read_seed(target)


def _copy(source: Path, target: Path) -> None:
    _check_header(source)
    _snapshot(source, target)
    _check_copy(source, target)


def _check_header(source: Path) -> None:
    from bot.storage.ownership import SQLITE_MAGIC

    try:
        with source.open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise PlayError(f"cannot read {source} ({exc.strerror}); check its permissions") from None
    if not head:
        raise PlayError(f"{source} is an empty file; there is no data to show")
    if head != SQLITE_MAGIC:
        raise PlayError(f"{source} is not an SQLite database (no SQLite header); name the bot's database file")


def _state(path: Path) -> tuple[tuple[int, int, int] | None, ...]:
    def one(p: Path) -> tuple[int, int, int] | None:
        try:
            st = p.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    return (one(path), *(one(Path(f"{path}{suffix}")) for suffix in COMPANIONS))


def _snapshot(source: Path, target: Path) -> None:
    for attempt in range(COPY_ATTEMPTS):
        before = _state(source)
        try:
            shutil.copyfile(source, target)
            for suffix in COMPANIONS:
                companion, copy = Path(f"{source}{suffix}"), Path(f"{target}{suffix}")
                copy.unlink(missing_ok=True)
                with contextlib.suppress(FileNotFoundError):
                    shutil.copyfile(companion, copy)
        except OSError as exc:
            raise PlayError(f"cannot copy {source} ({exc.strerror or exc})", 1) from None
        if _state(source) == before:
            return
        time.sleep(0.05 * (attempt + 1))
    raise PlayError(f"{source} kept changing while it was copied; try again", 1)


def _check_copy(source: Path, target: Path) -> None:
    """Bring the copy's journal into it (SQLite's recovery, in the temporary folder) and check it whole."""
    from bot.storage.migrate import discover
    from bot.storage.ownership import DatabaseProblem, inspect, judge

    try:
        conn = sqlite3.connect(target)
        try:
            conn.execute("PRAGMA journal_mode = DELETE")  # replays and removes a copied -wal
            (check,) = conn.execute("PRAGMA quick_check").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise PlayError(f"{source} is damaged or not a database ({exc})") from None
    if check != "ok":
        raise PlayError(f"{source} failed SQLite's check ({check}); restore a backup")
    try:
        judge(inspect(target, str(source)), str(source), None, newest=len(discover()))
    except DatabaseProblem as exc:
        raise PlayError(str(exc), exc.exit_code) from None


async def read_seed(path: Path) -> Seed:
    """The most active server in the database at ``path`` (opened read-only): the one with the most answers
    (else rounds, a daily question, custom questions), its quiz channel (its latest round's, else its daily
    question's), its other channels, and its members with the most points."""
    from bot.storage.database import Database
    from bot.storage.play_seed import most_active_server

    db = await Database.open(path, create=False, read_only=True)
    try:
        server = await most_active_server(db, KNOWN_MEMBERS)
    finally:
        await db.close()
    if server is None or server.guild_id <= 0:
        return Seed()
    guild_id = server.guild_id
    quiz = next(iter(server.round_channels), next(iter(server.daily_channels), None))
    if quiz is not None and (quiz <= 0 or quiz == guild_id):
        quiz = None
    others = {channel: f"rounds-{str(channel)[-4:]}" for channel in server.round_channels[1:]}
    for channel in server.daily_channels:
        others[channel] = "daily"
    taken = {guild_id, quiz}
    channels = tuple((c, name) for c, name in others.items() if c > 0 and c not in taken)[:KNOWN_CHANNELS]
    taken.update(c for c, _ in channels)
    members = tuple(m for m in server.member_ids if m > 0 and m not in taken)
    return Seed(guild_id, quiz, members, channels)
