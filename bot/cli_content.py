"""The content commands: `check-content` (validate and lint decks) and `schema` (write the JSON Schema)."""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

from bot.cli import CommandError, say

SCHEMA_PATH = Path("content/deck.schema.json")
CONTENT_SETTING = "QUIZBOT_CONTENT_DIR"


def check_content(settings: Any, paths: list[Path]) -> int:
    from bot.catalog import content_files, load_files
    from bot.lint import lint

    for path in paths:
        if not path.exists():
            raise CommandError(f"{path} does not exist; name content files or folders")
    if not paths and not settings.content_dir.is_dir():
        raise CommandError(
            f"{CONTENT_SETTING}={settings.content_dir} is not a folder; name the folder of question decks"
        )
    files = content_files(paths or [settings.content_dir])
    if not files:
        where = ", ".join(map(str, paths)) if paths else f"{CONTENT_SETTING}={settings.content_dir}"
        raise CommandError(f"no content files (.yaml, .yml) in {where}")
    decks, problems = load_files(files)
    problems += lint(decks)
    for problem in problems:
        print(problem)
    count = sum(len(deck.questions) for _, deck in decks)
    print(f"{len(files)} file(s), {count} question(s), {len(problems)} problem(s)")
    return 1 if problems else 0


def write_schema(output: Path) -> int:
    from bot.core.content import Deck

    check_output(output)
    text = json.dumps(Deck.model_json_schema(), indent=2) + "\n"
    # Written beside and renamed: an interrupted or failed write never leaves half a schema behind.
    temp = output.with_name(f".{output.name}.partial")
    try:
        temp.write_text(text, encoding="utf-8")
        temp.replace(output)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        full = exc.errno == errno.ENOSPC  # the world, not the operator's input
        hint = "; free some space and try again" if full else ""
        raise CommandError(f"cannot write {output} ({exc.strerror}){hint}", exit_code=1 if full else 2) from None
    print(f"wrote {output}")
    return 0


def check_output(output: Path) -> None:
    from bot.files import writable

    if output.is_dir():
        raise CommandError(f"--output {output} is a folder; name a file, such as {output / 'deck.schema.json'}")
    folder = output.parent
    if not folder.is_dir():
        if output == SCHEMA_PATH:
            raise CommandError(
                f"there is no content/ folder in {Path.cwd()}; run from the repository's root or pass --output FILE"
            )
        raise CommandError(f"the folder {folder} does not exist; create it or choose another --output")
    if not writable(folder) or (output.exists() and not writable(output)):
        raise CommandError(f"cannot write {output}: it or its folder is read-only for this user")


def load_content(settings: Any):
    """The decks of QUIZBOT_CONTENT_DIR; else the first problem and one line saying where (exit 2)."""
    from bot.catalog import ContentError, load_catalog

    where = f"{CONTENT_SETTING}={settings.content_dir}"
    if not settings.content_dir.is_dir():
        raise CommandError(f"{where} is not a folder; point it at the folder of question decks (default: content)")
    try:
        return load_catalog(settings.content_dir)
    except ContentError as exc:
        say(f"error: {exc.problems[0]}")
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        raise CommandError(
            f"the content in {where} has problems{more}; `python -m bot check-content` lists them all"
        ) from None
