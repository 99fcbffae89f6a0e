"""`python -m bot play`: the real bot in a local web page, without Discord or a token.

Starts the loopback Discord (the `discord_loopback` package the end-to-end tests use) with one server and a
#quiz channel, its playground page on 127.0.0.1, and the bot exactly as in production (`python -m bot`, a
subprocess) pointed at it with a generated fake token and a database in a temporary folder. Ctrl-C stops
the bot, the page and the emulator, and removes the folder.

With `--database FILE` the bot runs on a copy of that file, made in the temporary folder without writing
anything beside the original, and the page's server takes the ids the copy's data is stored under: the most
active server's id, its quiz channel, and the members with the most points (Alice, Bob and Chen first).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import os
import secrets
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING

from bot.play_database import PlayError, Seed, copy_database

if TYPE_CHECKING:
    from discord_loopback import DiscordEmulator
    from discord_loopback.playground import Playground

MANAGE_GUILD = 1 << 5
MEMBERS = ("Alice", "Bob", "Chen")
BOT_NAME = "QuizBot"
READY_TIMEOUT = 60.0
MAX_PORT = 65535
MAX_REASON_LINES = 2  # the bot says a mistake in one or two lines (its first content problem, then where)


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
    if not 0 <= args.port <= MAX_PORT:
        print(
            f"error: --port {args.port} is out of range: use 1 to {MAX_PORT}, or 0 for any free port", file=sys.stderr
        )
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
    """Everything `play` makes lives in one temporary folder, removed however this ends."""
    workdir = Path(tempfile.mkdtemp(prefix="quizbot-play-"))
    try:
        seed = Seed()
        if database is not None:
            seed = await copy_database(database, workdir / "quiz.sqlite3")
            _describe_seed(seed)
        return await _play(content, workdir, seed, port)
    except PlayError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def _play(content: Path, workdir: Path, seed: Seed, port: int) -> int:
    from discord_loopback import DiscordEmulator
    from discord_loopback.playground import Playground, PlayMember

    db_path = workdir / "quiz.sqlite3"
    log_path = workdir / "bot.log"
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
        guild = emu.add_guild("TRL playground", channel_name="quiz", guild_id=seed.guild_id, channel_id=seed.channel_id)
        players = [PlayMember(emu.add_member(guild.id, "You", permissions=MANAGE_GUILD), "moderator")]
        known = list(seed.member_ids)
        for name in MEMBERS:
            member_id = known.pop(0) if known else None
            note = "member" if member_id is None else "member, from the database"
            players.append(PlayMember(emu.add_member(guild.id, name, member_id=member_id), note))
        for member_id in known:  # the rest of the leaderboard, so that its mentions name someone
            emu.add_member(guild.id, _member_name(member_id), member_id=member_id)
        for channel_id, name in seed.channels:
            emu.add_channel(guild.id, name, channel_id=channel_id)
        playground = Playground(
            emu,
            guild,
            players,
            title="TRL quiz bot · playground",
            crowd_button=lambda button: (button.custom_id or "").startswith("quiz:ans:"),
        )
        url = await _start_page(playground, port)
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
                return _bot_exited(proc.returncode, log_path)
            return 0
        print(f"Playground: {url}", flush=True)
        print("(Ctrl-C stops the bot and the page)", file=sys.stderr, flush=True)
        exited = asyncio.ensure_future(proc.wait())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({exited, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        exited.cancel()
        if proc.returncode is not None:
            return _bot_exited(proc.returncode, log_path)
        return 0
    finally:
        if proc is not None:
            await _stop(proc)
        if playground is not None:
            await playground.stop()
        await emu.stop()
        if log is not None:
            log.close()
        if proc is not None:
            print("stopped.", file=sys.stderr, flush=True)


async def _start_page(playground: Playground, port: int) -> str:
    try:
        return await playground.start(port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PlayError(
                f"port {port} on 127.0.0.1 is in use; choose another --port, or 0 for any free one", 1
            ) from None
        if exc.errno == errno.EACCES:
            raise PlayError(
                f"port {port} needs privileges this user does not have; choose a --port above 1023"
            ) from None
        raise PlayError(f"cannot serve the page on 127.0.0.1:{port} ({exc.strerror or exc})", 1) from None


def _member_name(member_id: int) -> str:
    return f"member {str(member_id)[-4:]}"


def _describe_seed(seed: Seed) -> None:
    if seed.guild_id is None:
        print("the database holds no server's data yet; the page starts a new server", file=sys.stderr, flush=True)
        return
    channel = "its quiz channel" if seed.channel_id is not None else "a new #quiz channel"
    print(
        f"showing server {seed.guild_id} from the database: {channel}, {len(seed.member_ids)} member(s) with scores",
        file=sys.stderr,
        flush=True,
    )


# -- the database copy ----------------------------------------------------------------------------------------
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


def _bot_exited(code: int, log_path: Path) -> int:
    """Say why the bot exited; `play` exits 2 as the bot did for a mistake (bad content, a newer schema), else 1.

    The bot says a mistake in its own one or two `error:` lines, shown as they are; anything else (a crash)
    gets the end of its log.
    """
    if code == 2:
        said = [line for line in _tail(log_path).splitlines() if line.startswith("error: ")]
        if said:
            print("\n".join(said[-MAX_REASON_LINES:]), file=sys.stderr)
            return 2
    print(f"error: the bot exited with {code}:\n{_tail(log_path)}", file=sys.stderr)
    return 2 if code == 2 else 1


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
