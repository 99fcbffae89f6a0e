# pyright: strict
"""``python -m bot verify-content``: check every deck's fact checks against one TRL release.

Exit status: 0 when every check holds, 1 when any fails, 2 for bad input (an unknown version, a wheel
that cannot be fetched or read, invalid content), which is reported as one line on stderr.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.catalog import content_files, load_files
from bot.core.content import Deck
from bot.verify import PINNED_TRL
from bot.verify.checks import run_check
from bot.verify.report import QuestionResult, write_report
from bot.verify.resolve import Resolver
from bot.verify.wheel import INDEX_URL, Wheel, WheelError, default_cache_dir, fetch_wheel

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
"""The built-in decks."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the verify-content subcommand."""
    parser.add_argument(
        "--trl", metavar="VERSION", help=f"the TRL release to verify against (default: {PINNED_TRL}, the pinned one)"
    )
    parser.add_argument("--wheel", type=Path, metavar="PATH", help="use this wheel file (or unpacked wheel folder)")
    parser.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help="where downloaded wheels are kept (default: ~/.cache/trl-quiz-bot/wheels)",
    )
    parser.add_argument("--failures-only", action="store_true", help="print only the checks that fail")
    parser.add_argument("paths", nargs="*", type=Path, help="deck files or folders (default: the content folder)")


def run_args(args: argparse.Namespace) -> int:
    """Dispatch from the parsed command line."""
    return run(args.trl, wheel=args.wheel, cache=args.cache, paths=args.paths, failures_only=args.failures_only)


def run(
    trl: str | None = None,
    *,
    wheel: Path | None = None,
    cache: Path | None = None,
    paths: Sequence[Path] = (),
    failures_only: bool = False,
    index_url: str = INDEX_URL,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Verify the decks in ``paths`` (default: content/) against one release; return the exit status."""
    stdout = out or sys.stdout
    stderr = err or sys.stderr
    started = time.monotonic()
    try:
        opened = _open_wheel(trl, wheel, cache, index_url)
    except WheelError as exc:
        stderr.write(f"error: {exc}\n")
        return 2
    files = content_files(paths or [CONTENT_DIR])
    if not files:
        stderr.write("error: no content files found\n")
        return 2
    decks, problems = load_files(files)
    if problems:
        more = f" (and {len(problems) - 1} more; run python -m bot check-content)" if len(problems) > 1 else ""
        stderr.write(f"error: {problems[0]}{more}\n")
        return 2
    results = verify_decks(decks, Resolver(opened))
    header = f"verifying {len(files)} file(s) against trl {opened.version} ({opened.origin})"
    write_report(stdout, header, results, failures_only=failures_only)
    stdout.write(f"took {time.monotonic() - started:.1f}s\n")
    return 1 if any(q.failed for q in results) else 0


def _open_wheel(trl: str | None, wheel: Path | None, cache: Path | None, index_url: str) -> Wheel:
    if wheel is not None:
        if not wheel.exists():
            raise WheelError(f"{wheel}: no such file")
        opened = Wheel.open(wheel)
        if trl is not None and opened.version != trl:
            raise WheelError(f"{wheel} is trl {opened.version}, not {trl}")
        return opened
    version = trl or PINNED_TRL
    return Wheel.open(fetch_wheel(version, cache or default_cache_dir(), index_url=index_url))


def verify_decks(decks: Sequence[tuple[Path, Deck]], resolver: Resolver) -> list[QuestionResult]:
    """Run every check of every question, in file order."""
    results: list[QuestionResult] = []
    for path, deck in decks:
        lines = _id_lines(path)
        for question in deck.questions:
            outcomes = tuple((check, run_check(check, resolver)) for check in question.checks)
            results.append(QuestionResult(_display(path), lines.get(question.id), question.id, outcomes))
    return results


def _id_lines(path: Path) -> dict[str, int]:
    """Line of each ``- id: "..."`` in a deck file, so that the report can point at the question."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"""^\s*-\s*id:\s*["']?([a-z0-9-]+)["']?\s*$""", line)
        if match:
            found.setdefault(match.group(1), number)
    return found


def _display(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path
