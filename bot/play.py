"""`python -m bot play`: the real bot in a local web page, without Discord or a token.

Starts the loopback Discord (the `discord_loopback` package the end-to-end tests use) with one server and a
#quiz channel, its playground page on 127.0.0.1, and the bot exactly as in production (`python -m bot`, a
subprocess) pointed at it with a generated fake token and a database in a temporary folder. Ctrl-C stops
the bot, the page and the emulator, and removes the folder.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from discord_loopback import DiscordEmulator

MANAGE_GUILD = 1 << 5
MEMBERS = ("Alice", "Bob", "Chen")
BOT_NAME = "QuizBot"
READY_TIMEOUT = 60.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database", type=Path, help="look at a copy of this database (the file itself is never changed)"
    )
    parser.add_argument("--content", type=Path, help="the content folder to load (default: the bot's setting)")
    parser.add_argument("--port", type=int, default=0, help="the page's port on 127.0.0.1 (default: any free one)")


def run(args: argparse.Namespace) -> int:
    try:
        import discord_loopback  # noqa: F401
    except ImportError:
        print(
            "error: `play` needs the discord-loopback package (the repository's emulator/, a dev dependency): "
            "run it from a checkout with `python3 -m uv run --locked python -m bot play`.",
            file=sys.stderr,
        )
        return 2
    content = (args.content or Path(os.environ.get("QUIZBOT_CONTENT_DIR") or "content")).resolve()
    if not content.is_dir():
        print(f"error: no content folder at {content} (use --content PATH)", file=sys.stderr)
        return 2
    if args.database is not None and not args.database.is_file():
        print(f"error: no database file at {args.database}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(serve(content, args.database, args.port))
    except KeyboardInterrupt:
        return 0


def _fake_token() -> str:
    return f"play.{secrets.token_urlsafe(18)}.{secrets.token_urlsafe(27)}"


def _bot_env(emu: DiscordEmulator, database: Path, content: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUIZBOT_", "DISCORD_"))}
    env.update(
        {
            "DISCORD_TOKEN": emu.token,
            "QUIZBOT_API_BASE_URL": emu.api_base_url,
            "QUIZBOT_DATABASE": str(database),
            "QUIZBOT_CONTENT_DIR": str(content),
            "QUIZBOT_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


async def serve(content: Path, database: Path | None, port: int) -> int:
    from discord_loopback import DiscordEmulator
    from discord_loopback.playground import Playground, PlayMember

    workdir = Path(tempfile.mkdtemp(prefix="quizbot-play-"))
    db_path = workdir / "quiz.sqlite3"
    log_path = workdir / "bot.log"
    if database is not None:
        from bot.storage.backup import backup

        backup(database, db_path)  # a consistent copy, even of a database a running bot is using
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    emu = DiscordEmulator(token=_fake_token(), bot_name=BOT_NAME)
    log: IO[bytes] | None = None
    proc: asyncio.subprocess.Process | None = None
    playground: Playground | None = None
    try:
        await emu.start()
        guild = emu.add_guild("TRL playground", channel_name="quiz")
        players = [PlayMember(emu.add_member(guild.id, "You", permissions=MANAGE_GUILD), "moderator")]
        players += [PlayMember(emu.add_member(guild.id, name), "member") for name in MEMBERS]
        playground = Playground(
            emu,
            guild,
            players,
            title="TRL quiz bot · playground",
            crowd_button=lambda button: (button.custom_id or "").startswith("quiz:ans:"),
        )
        url = await playground.start(port)
        log = await asyncio.to_thread(log_path.open, "ab")  # stays open while the bot writes to it
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            env=_bot_env(emu, db_path, content),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
        print(f"starting the bot (its log: {log_path})…", file=sys.stderr, flush=True)
        if not await _ready(emu, proc, stop):
            if proc.returncode is not None:
                print(f"error: the bot exited with {proc.returncode}:\n{_tail(log_path)}", file=sys.stderr)
                return 1
            return 0
        print(f"Playground: {url}", flush=True)
        print("(Ctrl-C stops the bot and the page)", file=sys.stderr, flush=True)
        exited = asyncio.ensure_future(proc.wait())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({exited, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        exited.cancel()
        if proc.returncode is not None:
            print(f"error: the bot exited with {proc.returncode}:\n{_tail(log_path)}", file=sys.stderr)
            return 1
        return 0
    finally:
        if proc is not None:
            await _stop(proc)
        if playground is not None:
            await playground.stop()
        await emu.stop()
        if log is not None:
            log.close()
        shutil.rmtree(workdir, ignore_errors=True)
        print("stopped.", file=sys.stderr, flush=True)


async def _ready(emu: DiscordEmulator, proc: asyncio.subprocess.Process, stop: asyncio.Event) -> bool:
    """Wait for the bot's gateway session and its synced commands; False if it exited or we were stopped."""

    async def ready() -> None:
        await emu.wait_for_session(READY_TIMEOUT)
        await emu.wait_for_commands({"quiz"}, READY_TIMEOUT)

    waiting = asyncio.ensure_future(ready())
    exited = asyncio.ensure_future(proc.wait())
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({waiting, exited, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (exited, stopped):
            task.cancel()
    if waiting.done():
        waiting.result()
        return True
    waiting.cancel()
    with contextlib.suppress(BaseException):
        await waiting
    return False


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), 10)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
