"""Composition root and command line: python -m bot [run|sync|migrate|check-content|schema|verify-content]."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

log = logging.getLogger("bot")

SCHEMA_PATH = Path("content/deck.schema.json")


def utc_now() -> datetime:
    return datetime.now(UTC)


def _days(text: str) -> int:
    days = int(text)
    if days < 0:
        raise argparse.ArgumentTypeError("--days must be 0 or more")
    return days


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description="The TRL quiz bot for Discord.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default)")
    sync = sub.add_parser("sync", help="sync application commands now")
    sync.add_argument("--guild", type=int, help="sync to one server only (copies the global commands)")
    sub.add_parser("migrate", help="apply database migrations and print the schema version")
    sub.add_parser("rebuild-reviews", help="rebuild every member's review state from the answer history")
    backup = sub.add_parser("backup", help="copy the database consistently, even while the bot runs")
    backup.add_argument("path", type=Path, help="the new file to write")
    prune = sub.add_parser("prune", help="delete the data of servers that removed the bot")
    prune.add_argument("--days", type=_days, default=30, help="only servers left more than this many days ago")
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
    args = parser.parse_args(argv)
    args.command = args.command or "run"
    return args


def load_settings():
    from bot.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"error: invalid settings: {problems}", file=sys.stderr)
        raise SystemExit(2) from None


def require_token(settings) -> str:
    if settings.discord_token is None:
        print(
            "error: DISCORD_TOKEN is not set. Put your bot token in the environment or in .env (see .env.example).",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return settings.discord_token.get_secret_value()


async def open_database(settings):
    from bot.storage.database import Database
    from bot.storage.migrate import apply_migrations

    db = await Database.open(settings.database)
    try:
        applied = await apply_migrations(db)
    except BaseException:
        await db.close()
        raise
    if applied:
        log.info("database %s migrated to version %d", settings.database, applied[-1])
    await build_reviews_if_missing(db)
    return db


async def build_reviews_if_missing(db) -> None:
    """Databases from before spaced review get their members' review state from their answer history."""
    from bot.core.review import scheduler
    from bot.storage.reviews import ReviewRepository

    reviews = ReviewRepository(db)
    if await reviews.needs_rebuild():
        built = await reviews.rebuild(scheduler())
        log.info("built review state for %d (member, question) pairs from the answer history", built)


async def rebuild_reviews(settings) -> int:
    from bot.core.review import scheduler
    from bot.storage.reviews import ReviewRepository

    db = await open_database(settings)
    try:
        built = await ReviewRepository(db).rebuild(scheduler())
    finally:
        await db.close()
    print(f"rebuilt review state for {built} (member, question) pairs from the answer history")
    return 0


async def run_bot(settings, token: str, *, sync_guild: int | None = None, sync_only: bool = False) -> int:
    import aiohttp
    import discord

    from bot.catalog import ContentError, load_catalog
    from bot.services.container import build
    from bot.storage.repositories import Repositories
    from bot.ui import endpoint
    from bot.ui.client import QuizBot
    from bot.ui.publisher import DiscordPublisher
    from bot.ui.sync import force_sync

    try:
        catalog = load_catalog(settings.content_dir)
    except ContentError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    if settings.api_base_url:
        endpoint.point_at(settings.api_base_url)
    db = await open_database(settings)
    try:
        publisher = DiscordPublisher()
        services, workers = build(Repositories.over(db), catalog, publisher, utc_now)
        bot = QuizBot(
            services,
            publisher,
            api_base_url=settings.api_base_url,
            sync_commands=not sync_only,
            # `python -m bot sync` only logs in to sync: it must never post, resume rounds or run the daily loop.
            background=() if sync_only else workers.all(),
        )
        async with bot:
            if sync_only:
                await bot.login(token)
                count = await force_sync(bot, sync_guild)
                print(f"synced {count} commands" + (f" to guild {sync_guild}" if sync_guild else ""))
                return 0
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, lambda: asyncio.create_task(bot.close()))
            try:
                await bot.start(token)
            except discord.LoginFailure:
                print("error: Discord refused the token in DISCORD_TOKEN (login failed).", file=sys.stderr)
                return 1
            except (OSError, aiohttp.ClientError) as exc:
                target = settings.api_base_url or "Discord"
                print(f"error: cannot reach {target}: {exc}", file=sys.stderr)
                return 1
            return 0
    finally:
        await db.close()


async def migrate(settings) -> int:
    db = await open_database(settings)
    try:
        print(f"schema version {await db.user_version()} ({settings.database})")
    finally:
        await db.close()
    return 0


def run_backup(settings, target: Path) -> int:
    import sqlite3

    from bot.storage.backup import backup

    try:
        version = backup(settings.database, target)
    except (OSError, sqlite3.Error) as exc:
        print(f"error: backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {settings.database} to {target} (schema version {version})")
    return 0


async def prune(settings, days: int) -> int:
    from bot.services.guilds import GuildService
    from bot.storage.guilds import GuildRepository
    from bot.storage.meta import MetaRepository

    db = await open_database(settings)
    try:
        removed = await GuildService(GuildRepository(db), MetaRepository(db), utc_now).prune(days)
    finally:
        await db.close()
    for guild_id, answers in removed.items():
        print(f"pruned server {guild_id}: {answers} answers")
    print(f"{len(removed)} server(s) pruned (left more than {days} days ago)")
    return 0


def insights(settings, deck: str, csv_path: Path | None) -> int:
    from bot.cli_insights import InsightsFailed, report

    try:
        lines, table = asyncio.run(report(settings, deck))
    except InsightsFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    if csv_path is not None:
        csv_path.write_text(table, encoding="utf-8")
        print(f"wrote {csv_path}")
    return 0


def check_content(settings, paths: list[Path]) -> int:
    from bot.catalog import content_files, load_files
    from bot.lint import lint

    files = content_files(paths or [settings.content_dir])
    if not files:
        print("error: no content files found", file=sys.stderr)
        return 1
    decks, problems = load_files(files)
    problems += lint(decks)
    for problem in problems:
        print(problem)
    count = sum(len(deck.questions) for _, deck in decks)
    print(f"{len(files)} file(s), {count} question(s), {len(problems)} problem(s)")
    return 1 if problems else 0


def write_schema(output: Path) -> int:
    from bot.core.content import Deck

    output.write_text(json.dumps(Deck.model_json_schema(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "schema":
        return write_schema(args.output)
    if args.command == "verify-content":
        from bot.verify.cli import run_args

        return run_args(args)
    settings = load_settings()
    from bot.logs import setup_logging

    token = require_token(settings) if args.command in {"run", "sync"} else None
    setup_logging(settings.log_level, [token] if token else [])
    if args.command == "check-content":
        return check_content(settings, args.paths)
    if args.command == "rebuild-reviews":
        return asyncio.run(rebuild_reviews(settings))
    if args.command == "migrate":
        return asyncio.run(migrate(settings))
    if args.command == "backup":
        return run_backup(settings, args.path)
    if args.command == "prune":
        return asyncio.run(prune(settings, args.days))
    if args.command == "insights":
        return insights(settings, args.deck, args.csv)
    assert token is not None
    return asyncio.run(
        run_bot(settings, token, sync_guild=getattr(args, "guild", None), sync_only=args.command == "sync")
    )


if __name__ == "__main__":
    sys.exit(main())
