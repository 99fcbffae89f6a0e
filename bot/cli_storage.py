"""Opening the database for a command: the SQLite file or, with QUIZBOT_DATABASE_URL, PostgreSQL; migrated."""

from __future__ import annotations

import logging

from bot.cli import CommandError, Interrupted, Stop, in_background

log = logging.getLogger("bot")

DATABASE_SETTING = "QUIZBOT_DATABASE"
URL_SETTING = "QUIZBOT_DATABASE_URL"


def describe(settings) -> str:
    """Where the data lives, for messages and logs (a URL without its password)."""
    if settings.database_url is not None:
        from bot.storage.postgres import redacted

        return redacted(settings.database_url.get_secret_value())
    return str(settings.database)


async def open_database(settings, stop: Stop | None = None, *, create: bool = True):
    from bot.storage.migrate import MigrationError, MigrationInterrupted, apply_migrations, discover

    db = await _connect(settings, newest=len(discover()), create=create)
    stop = stop or Stop()
    try:
        with stop.meanwhile(in_background(db.interrupt)):
            applied = await apply_migrations(db, should_stop=lambda: stop.requested)
    except MigrationInterrupted as exc:
        await db.close()
        in_progress = "no migration was in progress"
        if exc.rolled_back:
            in_progress = f"the migration in progress, {exc.rolled_back}, was rolled back"
        raise Interrupted(
            f"interrupted by {stop.name}; {db.name} is at schema version {exc.version} ({in_progress})",
            exit_code=stop.exit_code,
        ) from None
    except MigrationError as exc:
        await db.close()
        raise CommandError(
            f"{db.name}: {exc}; the database stays at its previous schema version", exit_code=1
        ) from None
    except BaseException:
        await db.close()
        raise
    if applied:
        log.info("database %s migrated to version %d", describe(settings), applied[-1])
    try:
        await build_reviews_if_missing(db, stop)
    except BaseException:
        await db.close()
        raise
    return db


async def _connect(settings, *, newest: int, create: bool, read_only: bool = False):
    if settings.database_url is not None:
        from bot.core.errors import StorageUnavailable
        from bot.storage.postgres import PostgresDatabase

        try:
            return await PostgresDatabase.open(settings.database_url.get_secret_value())
        except StorageUnavailable as exc:
            raise CommandError(f"{URL_SETTING}: {exc}; is the server running?", exit_code=1) from None
    from bot.storage.database import Database

    return await Database.open(
        settings.database, setting=DATABASE_SETTING, newest=newest, create=create, read_only=read_only
    )


async def build_reviews_if_missing(db, stop: Stop) -> None:
    """Databases from before spaced review get their members' review state from their answer history."""
    from bot.core.review import scheduler
    from bot.storage.reviews import ReviewRepository

    reviews = ReviewRepository(db)
    if await reviews.needs_rebuild():
        if not await reviews.has_history():  # a new database: nothing to replay, nothing to say
            await reviews.rebuild(scheduler())
            return
        log.info("building review state from the answer history (once, for a database from before spaced review)")
        built = await rebuild_reviews(
            db, stop, "building review state from the answer history", "it has none yet; the next start builds it"
        )
        log.info("built review state for %d (member, question) pairs from the answer history", built)


async def rebuild_reviews(db, stop: Stop, doing: str, left: str) -> int:
    """Replay the answer history into review state in one transaction; a stop rolls it back and says so."""
    from bot.core.review import scheduler
    from bot.storage.reviews import ReviewRepository

    try:
        with stop.meanwhile(in_background(db.interrupt)):
            return await ReviewRepository(db).rebuild(scheduler(), should_stop=lambda: stop.requested)
    except Exception:  # RebuildInterrupted, or the statement SQLite was told to abandon
        if not stop.requested:
            raise
        raise Interrupted(
            f"interrupted by {stop.name} while {doing}; that was rolled back, so in {db.name} {left}",
            exit_code=stop.exit_code,
        ) from None


async def open_unchanged(settings):
    """Open for a dry run: no migration, nothing written; refuse an out-of-date schema."""
    from bot.storage.migrate import discover

    newest = len(discover())
    db = await _connect(settings, newest=newest, create=False, read_only=True)
    version = await db.user_version()
    if version < newest:
        await db.close()
        raise CommandError(
            f"{db.name} is at schema version {version}, this bot's is {newest}: run `python -m bot migrate` first "
            "(a dry run changes nothing, migrations included)"
        )
    return db
