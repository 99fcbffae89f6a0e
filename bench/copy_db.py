"""`python -m bot copy-db` at scale: a 1,000,000-answer SQLite deployment into PostgreSQL (and back).

The SQLite database is bench/leaderboard.py's: made by the bot's migrations, then filled with plain inserts
that agree with each other as the bot keeps them (answers, mastered, scores, weekly scores, the histogram;
the migrations' triggers keep item_responses, item_members and item_sums). The copy is timed end to end as
the command runs it: snapshot, migration of the target, checks, the copy, the sequences, the comparison and
the commit.

    python3 -m uv run --locked python -m bench.copy_db                       # 1,000,000 answers
    python3 -m uv run --locked python -m bench.copy_db --answers 50000       # quick
    python3 -m uv run --locked python -m bench.copy_db --url postgresql://…  # an empty database of yours

Without --url it starts a throwaway PostgreSQL server of its own (tests/postgres: the machine's binaries,
fsync off, so the figures leave out the disk's flush at commit) and removes it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench.leaderboard import fresh_path, generate
from bot.storage.copy import CopyReport, Progress, copy_database
from bot.storage.postgres import redacted


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _figures(label: str, report: CopyReport) -> dict[str, float]:
    answers = next(t for t in report.tables if t.table == "answers")
    rate = report.rows / report.seconds if report.seconds else 0.0
    answer_rate = answers.rows / answers.seconds if answers.seconds else 0.0
    print(
        f"{label}: {report.rows:,} rows in {report.seconds:.1f} s ({rate:,.0f} rows/s); answers: "
        f"{answers.rows:,} in {answers.seconds:.1f} s ({answer_rate:,.0f} rows/s); "
        f"comparison {'matches' if report.comparison.ok else 'DIFFERS'}"
    )
    return {"seconds": report.seconds, "rows": report.rows, "rows_per_s": rate, "answer_rows_per_s": answer_rate}


async def measure(
    url: str, workdir: Path, *, answers: int, members: int, back: bool, quiet: bool = False
) -> dict[str, dict[str, float]]:
    """Generate, copy SQLite -> PostgreSQL (and PostgreSQL -> SQLite with ``back``); the figures."""
    source = fresh_path(workdir / "copy-source.sqlite3")
    began = time.perf_counter()
    generated = await generate(source, members=members, answers=answers)
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as conn:
        stored = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    conn.close()
    print(
        f"generated {stored:,} answers of {members:,} members ({generated.size_mb:.0f} MB) in "
        f"{time.perf_counter() - began:.1f} s"
    )
    progress = Progress(say=(lambda line: None) if quiet else _say)
    results = {
        "sqlite_to_postgresql": _figures(
            "SQLite -> PostgreSQL", await copy_database(str(source), url, progress=progress)
        )
    }
    if back:
        target = fresh_path(workdir / "copy-back.sqlite3")
        results["postgresql_to_sqlite"] = _figures(
            "PostgreSQL -> SQLite", await copy_database(url, str(target), progress=progress)
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.copy_db", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--answers", type=int, default=1_000_000, help="answers in the source (default 1,000,000)")
    parser.add_argument("--members", type=int, help="members (default: one for every 10 answers)")
    parser.add_argument("--url", help="an EMPTY PostgreSQL database to copy into (default: a server of its own)")
    parser.add_argument("--back", action="store_true", help="also time the copy back into a new SQLite file")
    parser.add_argument("--workdir", type=Path, help="where the SQLite files go (default: a temporary folder)")
    args = parser.parse_args()
    members = args.members or max(1, args.answers // 10)
    with tempfile.TemporaryDirectory(prefix="copy-db-bench-", dir=args.workdir) as tmp:
        if args.url:
            print(f"target: {redacted(args.url)}")
            asyncio.run(measure(args.url, Path(tmp), answers=args.answers, members=members, back=args.back))
            return
        from tests import postgres

        server = postgres.start_server()
        try:
            url = asyncio.run(server.fresh_database(migrated=False))
            print(f"target: a PostgreSQL server of its own ({url}; fsync off)")
            asyncio.run(measure(url, Path(tmp), answers=args.answers, members=members, back=args.back))
        finally:
            postgres.remove(server)


if __name__ == "__main__":
    main()
