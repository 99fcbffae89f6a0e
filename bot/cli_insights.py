"""`python -m bot insights`: the deck's item analysis across every server, for the operator and the deck's maintainers.

Built-in questions keep their ids in every server, so their first answers add up across servers
(each member's rest score still comes from their own server); servers' own questions are left out.
The composition root prints the lines and writes the CSV.

Mistakes are refused as `run` refuses them, in a line with exit code 2: bad content, a deck that does not
exist, a --csv that could not be written (checked before the report, which may take long), and a database
file that does not exist (never created: a mistyped QUIZBOT_DATABASE would give an empty report).
"""

from __future__ import annotations

import asyncio
import errno
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.cli import CommandError
from bot.cli_content import load_content
from bot.core.item_analysis import describe

# A write failing for these reasons is the world's (exit 1), not a path to change.
WORLD_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


async def report(settings: Any, deck: str) -> tuple[list[str], str]:
    """(the table to print, the CSV text); the content, the deck and then the database are checked."""
    from bot.cli_storage import open_database
    from bot.services.bank import QuestionBank
    from bot.services.insights import InsightService, to_csv
    from bot.storage.items import ItemRepository
    from bot.storage.questions import QuestionRepository
    from bot.storage.reports import ReportRepository

    catalog = load_content(settings)
    if not catalog.deck(deck):
        known = ", ".join(catalog.deck_names) or "none"
        raise CommandError(f"--deck {deck}: there is no deck of that name in the content (decks: {known})")
    # An existing database only: a mistyped QUIZBOT_DATABASE must not become a new, empty one.
    db = await open_database(settings, create=False)
    try:
        service = InsightService(
            ItemRepository(db),
            ReportRepository(db),
            QuestionBank(catalog, QuestionRepository(db)),
            lambda: datetime.now(UTC),
        )
        overview = await service.across_servers(deck)
    finally:
        await db.close()
    lines = [f"{'question':<32} {'answers':>7} {'facility':>8} {'discr.':>7} {'reports':>7}  flags"]
    for row in overview.rows:
        s = row.stats
        flags = "; ".join(describe(f) for f in row.flags) or ("too few answers" if not s.judged else "")
        lines.append(
            f"{row.question.id:<32} {s.answered:>7} {_fmt(s.facility, '8.0%')} {_fmt(s.discrimination, '+7.2f')}"
            f" {row.open_reports:>7}  {flags}"
        )
    lines.append(f"{overview.needing} of {len(overview.rows)} questions need attention (all servers, first answers)")
    return lines, to_csv(overview.rows)


def check_csv_path(path: Path) -> None:
    """Refuse a --csv that could not be written, before the report is computed."""
    from bot.files import writable

    if path.is_dir():
        raise CommandError(f"--csv {path} is a folder; name a file in it, such as {path / 'insights.csv'}")
    folder = path.parent
    if not folder.is_dir():
        raise CommandError(f"--csv {path}: the folder {folder} does not exist; create it or choose another path")
    if _on_read_only_file_system(folder):
        raise CommandError(f"--csv {path}: {folder} is on a read-only file system", exit_code=1)
    if not writable(folder) or (path.exists() and not writable(path)):
        raise CommandError(f"--csv {path}: the file or its folder is read-only for this user; choose another path")


def _on_read_only_file_system(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def write_csv(path: Path, text: str) -> None:
    """Written beside ``path`` and renamed over it: a failed or interrupted write never leaves half a file."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as to a plain write
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        temp.replace(path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise CommandError(
            f"cannot write --csv {path} ({exc.strerror or exc}); nothing was written",
            exit_code=1 if exc.errno in WORLD_ERRNOS else 2,
        ) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def run_insights(settings: Any, deck: str, csv_path: Path | None) -> int:
    """`python -m bot insights`: print the deck's figures across servers, and write the CSV if asked."""
    if csv_path is not None:
        check_csv_path(csv_path)
    lines, table = asyncio.run(report(settings, deck))
    print("\n".join(lines))
    if csv_path is not None:
        write_csv(csv_path, table)
        print(f"wrote {csv_path}")
    return 0
