"""`python -m bot insights`: the deck's item analysis across every server, for the operator and the deck's maintainers.

Built-in questions keep their ids in every server, so their first answers add up across servers
(each member's rest score still comes from their own server); servers' own questions are left out.
The composition root prints the lines and writes the CSV.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.core.item_analysis import describe


class InsightsFailed(Exception):
    """The content or the deck name is wrong; the message says which."""


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


async def report(settings: Any, deck: str) -> tuple[list[str], str]:
    """(the table to print, the CSV text)."""
    from bot.catalog import ContentError, load_catalog
    from bot.cli_storage import open_database
    from bot.core.errors import QuizError
    from bot.services.bank import QuestionBank
    from bot.services.insights import InsightService, to_csv
    from bot.storage.items import ItemRepository
    from bot.storage.questions import QuestionRepository
    from bot.storage.reports import ReportRepository

    try:
        catalog = load_catalog(settings.content_dir)
    except ContentError as exc:
        raise InsightsFailed("\n".join(exc.problems)) from None
    db = await open_database(settings)
    try:
        service = InsightService(
            ItemRepository(db),
            ReportRepository(db),
            QuestionBank(catalog, QuestionRepository(db)),
            lambda: datetime.now(UTC),
        )
        try:
            overview = await service.across_servers(deck)
        except QuizError as exc:
            raise InsightsFailed(exc.user_message) from None
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


def run_insights(settings: Any, deck: str, csv_path: Path | None) -> int:
    """`python -m bot insights`: print the deck's figures across servers, and write the CSV if asked."""
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
