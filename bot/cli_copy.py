"""`python -m bot copy-db SOURCE TARGET [--force]`: move a deployment between SQLite and PostgreSQL.

SOURCE and TARGET are each a SQLite file or a postgresql:// (postgres://) URL; anything else with a ``://``
is refused, never taken for a path. The source is only read, in one snapshot, and must be at this bot's
schema version; the target is migrated, must be empty (``--force`` empties it in the copy's own transaction)
and is filled in one transaction that commits only when every table's row count and the score totals equal
the source's. A SQLite target is copied into under the lock a running bot holds on it: a bot using it
refuses the copy. Progress goes to stderr; the comparison, to
stdout. bot/storage/copy.py does the work.
"""

from __future__ import annotations

import argparse
import asyncio

from bot.cli import CommandError, Interrupted, Stop, say


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE", help="the SQLite file or postgresql:// URL to copy (only read)")
    parser.add_argument(
        "target", metavar="TARGET", help="the SQLite file or postgresql:// URL to fill (migrated; must be empty)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace whatever the target holds (emptied in the same transaction as the copy)",
    )


def run(args: argparse.Namespace) -> int:
    """Copy; 0 when the target matches the source, 1 when it does not (then nothing was kept)."""
    return asyncio.run(_copy(args.source, args.target, force=args.force))


async def _copy(source: str, target: str, *, force: bool) -> int:
    from bot.core.errors import StorageUnavailable
    from bot.storage.copy import CopyError, CopyMismatch, Progress, check_specs, copy_database, describe
    from bot.storage.ownership import DatabaseProblem

    try:
        check_specs(source, target)  # before a word is said about copying
    except CopyError as exc:
        raise CommandError(str(exc), exit_code=exc.exit_code) from None
    task = asyncio.current_task()
    assert task is not None
    stop = Stop.on_signals_in(asyncio.get_running_loop())
    stop.on_stop(task.cancel)  # every transaction in progress rolls back as the cancellation unwinds it
    progress = Progress(say=say)
    source_name, target_name = describe(source), describe(target)
    say(f"copying {source_name} into {target_name}")
    try:
        report = await copy_database(source, target, force=force, progress=progress)
    except asyncio.CancelledError:
        if not stop.requested:
            raise
        if progress.committed:
            raise Interrupted(
                f"interrupted by {stop.name} after the copy was committed: {target_name} holds the copy",
                exit_code=stop.exit_code,
            ) from None
        raise Interrupted(
            f"interrupted by {stop.name} while {progress.stage}; nothing half-copied is left: the copy's transaction "
            f"was rolled back and {target_name} holds what it held before (its migration to the current schema, "
            f"if it needed one, is kept); {source_name} was only read",
            exit_code=stop.exit_code,
        ) from None
    except CopyMismatch as exc:
        print("\n".join(exc.comparison.lines()))
        raise CommandError(str(exc), exit_code=exc.exit_code) from None
    except CopyError as exc:
        raise CommandError(str(exc), exit_code=exc.exit_code) from None
    except DatabaseProblem as exc:
        raise CommandError(str(exc), exit_code=exc.exit_code) from None
    except StorageUnavailable as exc:
        raise CommandError(str(exc), exit_code=1) from None  # its text is the detail, the URL without password
    print("\n".join(report.comparison.lines()))
    rate = report.rows / report.seconds if report.seconds > 0 else 0.0
    print(
        f"copied {report.rows:,} rows in {len(report.tables)} tables from {source_name} into {target_name} "
        f"in {report.seconds:.1f} s ({rate:,.0f} rows/s)"
    )
    return 0
