"""Composition root and command line: python -m bot [run|sync|migrate|backup|copy-db|prune|rebuild-reviews|
check-content|schema|verify-content|insights|play].

Every mistake an operator can make ends in one line saying what is wrong, where, and what to do, with
exit code 2 (bad input or settings) or 1 (the world failed); see bot/cli.py.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

# Only light modules at the top: until guarded() takes over the signals, a Ctrl-C is an interpreter traceback.
from bot.cli import CommandError, Interrupted, Stop, exit_without_hanging, guarded, in_background
from bot.cli_content import SCHEMA_PATH, check_content, load_content, write_schema
from bot.cli_storage import DATABASE_SETTING, URL_SETTING, describe, open_database, open_unchanged

log = logging.getLogger("bot")

ENV_FILE = Path(".env")
LOGIN_TIMEOUT_S = 20.0  # a real login answers within a second or two
MAX_PRUNE_DAYS = 36_500  # a century: earlier than any date the bot wrote, and still a valid date to subtract


def utc_now() -> datetime:
    return datetime.now(UTC)


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, e.g. --days 30 (got {text!r})") from None
    if not 0 <= days <= MAX_PRUNE_DAYS:
        raise argparse.ArgumentTypeError(f"must be from 0 to {MAX_PRUNE_DAYS} (got {days})")
    return days


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description="The TRL quiz bot for Discord.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")  # a one-line usage, whatever the commands
    sub.add_parser("run", help="run the bot (the default)")
    sync = sub.add_parser("sync", help="sync application commands now")
    sync.add_argument("--guild", type=int, help="sync to one server only (copies the global commands)")
    sub.add_parser("migrate", help="apply database migrations and print the schema version")
    sub.add_parser("rebuild-reviews", help="rebuild every member's review state from the answer history")
    backup = sub.add_parser("backup", help="copy the database consistently, even while the bot runs")
    backup.add_argument("path", type=Path, help="the new file to write")
    from bot.cli_copy import add_arguments as add_copy_arguments

    add_copy_arguments(sub.add_parser("copy-db", help="copy a deployment between SQLite and PostgreSQL"))
    prune = sub.add_parser("prune", help="delete the data of servers that removed the bot")
    prune.add_argument("--days", type=_days, default=30, help="only servers left more than this many days ago")
    prune.add_argument("--dry-run", action="store_true", help="list what would be removed and change nothing")
    insights = sub.add_parser("insights", help="question quality (item analysis) across all servers")
    insights.add_argument("--deck", default="trl", help="which deck (default trl)")
    insights.add_argument("--csv", type=Path, metavar="PATH", help="also write one row per question as CSV")
    check = sub.add_parser("check-content", help="validate and lint content files")
    check.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the content folder)")
    schema = sub.add_parser("schema", help="write the JSON Schema for content files")
    schema.add_argument("--output", type=Path, default=SCHEMA_PATH)
    from bot.verify.cli import add_arguments as add_verify_arguments

    verify = sub.add_parser("verify-content", help="verify the decks' fact checks against a TRL release")
    add_verify_arguments(verify)
    from bot.play import add_arguments as add_play_arguments

    add_play_arguments(sub.add_parser("play", help="try the bot in a local web page: no Discord, no token"))
    args = parser.parse_args(argv)
    args.command = args.command or "run"
    return args


def load_settings():
    from pydantic import ValidationError

    from bot.settings import Settings

    if ENV_FILE.is_dir():  # pydantic-settings would skip it without a word
        raise CommandError(f"{ENV_FILE.absolute()} is a folder; settings are read from a file named .env")

    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            print(f"error: {_setting_problem(error)}", file=sys.stderr)
        raise SystemExit(2) from None
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start]
        raise CommandError(
            f"{ENV_FILE.absolute()} is not UTF-8 text (byte {byte:#04x} at offset {exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise CommandError(f"cannot read {ENV_FILE.absolute()} ({exc.strerror})") from None


def _setting_problem(error) -> str:
    where = ".".join(map(str, error["loc"]))
    if error["type"] == "value_error":  # our validators' own sentences
        return f"{where} {error['ctx']['error']}".lstrip()
    return f"{where}: {error['msg']}".lstrip(": ")


def require_token(settings) -> str:
    if settings.discord_token is None:
        print(
            "error: DISCORD_TOKEN is not set. Put your bot token in the environment or in .env (see .env.example).",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return settings.discord_token.get_secret_value()


async def rebuild_reviews(settings) -> int:
    from bot.cli_storage import rebuild_reviews as rebuild

    stop = Stop.on_signals_in(asyncio.get_running_loop())
    db = await open_database(settings, stop, create=False)
    try:
        log.info("rebuilding review state from the answer history")
        built = await rebuild(db, stop, "rebuilding review state", "the review state is as it was")
    finally:
        await db.close()
    print(f"rebuilt review state for {built} (member, question) pairs from the answer history")
    return 0


async def run_bot(settings, token: str, *, sync_guild: int | None = None, sync_only: bool = False) -> int:
    catalog = load_content(settings)
    stop = Stop.on_signals_in(asyncio.get_running_loop())
    one_process = settings.database_url is None and not sync_only
    sharded = settings.shards()
    if one_process and sharded and len(sharded[1]) < sharded[0]:
        raise CommandError(
            f"QUIZBOT_SHARD_IDS runs {len(sharded[1])} of {sharded[0]} shards, so other processes must run the rest, "
            "and SQLite serves one process: use PostgreSQL (QUIZBOT_DATABASE_URL), or leave QUIZBOT_SHARD_IDS unset"
        )
    # A second process on a SQLite file is refused before it migrates the file under the first one.
    # Only a regular file is locked here: opening a FIFO would block, and open_database refuses anything else.
    lock = _hold_sqlite(settings) if one_process and settings.database.is_file() else None
    # Opened (and refused if it isn't usable) before anything goes out to Discord.
    try:
        db = await open_database(settings, stop)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    try:
        if one_process and lock is None:  # a new file: it exists now
            lock = _hold_sqlite(settings)
        # The operator's inputs are checked first, quickly; only then is the Discord side loaded.
        import discord

        from bot.core.shards import ALL, ShardSet
        from bot.services.container import build
        from bot.services.identify import IdentifyGate
        from bot.storage.identify import IdentifyRepository
        from bot.storage.repositories import Repositories
        from bot.ui import endpoint
        from bot.ui.client import QuizBot
        from bot.ui.publisher import DiscordPublisher
        from bot.ui.sync import force_sync

        if settings.api_base_url:
            endpoint.point_at(settings.api_base_url)
        # discord.py warns at every start that the voice libraries (PyNaCl, davey) are missing; the bot has no voice.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        publisher = DiscordPublisher()
        sharded = settings.shards()
        shards = ShardSet(sharded[0], tuple(sharded[1])) if sharded else None
        services, workers = build(Repositories.over(db, shards or ALL), catalog, publisher, utc_now)
        # Several processes identify in turns kept in the database; one process needs only discord.py's own.
        gate = IdentifyGate(IdentifyRepository(db), utc_now).wait_turn if shards else None
        bot = QuizBot(
            services,
            publisher,
            api_base_url=settings.api_base_url,
            sync_commands=not sync_only,
            # `python -m bot sync` only logs in to sync: it must never post, resume rounds or run the daily loop.
            background=() if sync_only else workers.all(),
            storage=f"{db.backend}:{describe(settings)} schema v{await db.user_version()}",
            shards=shards,
            identify_gate=gate,
        )
        async with bot:
            stop.on_stop(in_background(bot.close))
            try:
                # aiohttp would wait 5 minutes for an API that takes the connection and never answers.
                await asyncio.wait_for(bot.login(token), LOGIN_TIMEOUT_S)
                if sync_only:
                    count = await force_sync(bot, sync_guild)
                    print(f"synced {count} commands" + (f" to guild {sync_guild}" if sync_guild else ""))
                    return 0
                await bot.connect()
            except Exception as exc:
                if stop.requested and sync_only:
                    raise Interrupted(
                        f"interrupted by {stop.name}; the commands may not be synced: run sync again",
                        exit_code=stop.exit_code,
                    ) from None
                if not stop.requested:
                    return discord_failure(exc, settings)
                log.debug("error while stopping", exc_info=True)
            if stop.requested:
                log.info("stopped by %s", stop.name)
            return 0
    finally:
        await db.close()
        if lock is not None:
            lock.release()


def _hold_sqlite(settings):
    from bot.storage.ownership import label
    from bot.storage.single_process import hold

    return hold(settings.database, label(settings.database, DATABASE_SETTING))


def discord_failure(exc: Exception, settings) -> int:
    """A failed login or connection as one line: 2 for a token Discord refused, 1 for a network failure."""
    import aiohttp
    import discord

    if isinstance(exc, discord.LoginFailure):
        print(
            "error: Discord refused the token in DISCORD_TOKEN (login failed); copy it again from the developer "
            "portal (Bot → Reset Token)",
            file=sys.stderr,
        )
        return 2
    target = settings.api_base_url or "Discord"
    if isinstance(exc, TimeoutError):
        print(
            f"error: {target} did not answer within {LOGIN_TIMEOUT_S:g} s; check the network and try again",
            file=sys.stderr,
        )
        return 1
    if isinstance(exc, OSError | aiohttp.ClientError):
        print(
            f"error: cannot reach {target}: {str(exc) or type(exc).__name__}; check the network and try again",
            file=sys.stderr,
        )
        return 1
    if isinstance(exc, discord.HTTPException):
        print(f"error: {target} answered {exc.status} {exc.text or ''}; try again later", file=sys.stderr)
        return 1
    raise exc


async def migrate(settings) -> int:
    db = await open_database(settings, Stop.on_signals_in(asyncio.get_running_loop()))
    try:
        print(f"schema version {await db.user_version()} ({describe(settings)})")
    finally:
        await db.close()
    return 0


def run_backup(settings, target: Path) -> int:
    from bot.storage.backup import BackupInterrupted, backup

    if settings.database_url is not None:
        raise CommandError(
            f"backup copies the SQLite file, and {URL_SETTING} points at PostgreSQL: use pg_dump there, or "
            f"`python -m bot copy-db` to copy it into a SQLite file"
        )
    with Stop().handling_signals() as stop:
        try:
            version = backup(settings.database, target, setting=DATABASE_SETTING, should_stop=lambda: stop.requested)
        except BackupInterrupted:
            raise Interrupted(
                f"interrupted by {stop.name}; no backup was written ({target} was not created, the partial copy "
                "was removed)",
                exit_code=stop.exit_code,
            ) from None
    print(f"backed up {settings.database} to {target} (schema version {version})")
    return 0


async def prune(settings, days: int, *, dry_run: bool = False) -> int:
    from bot.services.guilds import GuildService
    from bot.storage.guilds import GuildRepository
    from bot.storage.meta import MetaRepository

    stop = Stop.on_signals_in(asyncio.get_running_loop())
    db = await (open_unchanged(settings) if dry_run else open_database(settings, stop, create=False))
    try:
        service = GuildService(GuildRepository(db), MetaRepository(db), utc_now)
        departed = await service.departed(days)
        if dry_run:
            for server in departed:
                left = f"{server.left_at:%Y-%m-%d}"
                print(f"would prune server {server.guild_id}: {server.answers} answers (left {left})")
            print(f"{len(departed)} server(s) would be pruned (left more than {days} days ago); nothing was changed")
            return 0
        with stop.meanwhile(in_background(db.interrupt)):
            pruned = await prune_each(db, service, departed, stop)
    finally:
        await db.close()
    if stop.requested:
        raise Interrupted(
            f"interrupted by {stop.name}; {pruned} of {len(departed)} server(s) pruned, the others untouched (the one "
            "in progress, if any, was rolled back)",
            exit_code=stop.exit_code,
        )
    print(f"{pruned} server(s) pruned (left more than {days} days ago)")
    return 0


async def prune_each(db, service, departed, stop: Stop) -> int:
    """Prune one server per transaction, looking for a stop between them; return how many were pruned."""
    from bot.storage.ownership import DatabaseLocked, is_locked

    pruned = 0
    for server in departed:
        if stop.requested:
            break
        try:
            answers = await service.prune_one(server.guild_id)
        except Exception as exc:
            if stop.requested:  # the interrupted transaction rolled back
                break
            if is_locked(exc):
                raise DatabaseLocked(db.name) from None
            raise
        print(f"pruned server {server.guild_id}: {answers} answers")
        pruned += 1
    return pruned


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "schema":
        return write_schema(args.output)
    if args.command == "play":
        from bot.play import run as play

        return play(args)
    if args.command == "copy-db":  # SOURCE and TARGET are its whole configuration
        from bot.cli_copy import run as copy_db

        return copy_db(args)
    if args.command == "verify-content":
        from bot.verify.cli import run_args

        return run_args(args)
    settings = load_settings()
    from bot.logs import setup_logging

    token = require_token(settings) if args.command in {"run", "sync"} else None
    setup_logging(settings.log_level, [token] if token else [])
    try:
        return run_command(args, settings, token)
    except sqlite3.DatabaseError as exc:
        if not _damaged(exc):
            raise
        raise CommandError(
            f"{DATABASE_SETTING}={settings.database} is damaged ({exc}); stop the bot and restore the latest backup "
            "(README: Backups, restoring)"
        ) from None


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    """SQLite's words for a file whose pages are broken (its header and schema may still read fine)."""
    text = str(exc)
    return "malformed" in text or "not a database" in text or type(exc) is sqlite3.DatabaseError


def run_command(args: argparse.Namespace, settings, token: str | None) -> int:
    if args.command == "check-content":
        return check_content(settings, args.paths)
    if args.command == "rebuild-reviews":
        return asyncio.run(rebuild_reviews(settings))
    if args.command == "migrate":
        return asyncio.run(migrate(settings))
    if args.command == "backup":
        return run_backup(settings, args.path)
    if args.command == "prune":
        return asyncio.run(prune(settings, args.days, dry_run=args.dry_run))
    if args.command == "insights":
        from bot.cli_insights import run_insights

        return run_insights(settings, args.deck, args.csv)
    assert token is not None
    return asyncio.run(
        run_bot(settings, token, sync_guild=getattr(args, "guild", None), sync_only=args.command == "sync")
    )


if __name__ == "__main__":
    exit_without_hanging(guarded(main))
