"""Load content files: safe YAML, strict models, and errors that name the file, question and field."""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.core.content import LETTERS, Deck, Question

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000


class ContentError(Exception):
    """Every problem found in one or more content sources."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_deck(text: str, origin: str) -> Deck:
    """Parse and validate one content document; raise ContentError listing every problem."""
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        raise ContentError([f"{origin}: file is larger than {MAX_FILE_BYTES // 1000} kB"])
    try:
        _refuse_aliases(text)
        data = yaml.load(text, Loader=StrictLoader)  # a SafeLoader: builds plain data only, like safe_load
    except yaml.YAMLError as exc:
        raise ContentError([f"{origin}: not valid YAML: {_yaml_reason(exc)}"]) from None
    if not isinstance(data, dict):
        raise ContentError([f"{origin}: expected a mapping with 'deck' and 'questions' at the top level"])
    try:
        return Deck.model_validate(data)
    except ValidationError as exc:
        raise ContentError([f"{origin}: {msg}" for msg in describe_errors(exc, data)]) from None


def dump_deck(deck: Deck) -> str:
    """Write a deck as a content file that parse_deck reads back to the same questions."""
    data = deck.model_dump(mode="json", exclude_defaults=True)
    data["deck"] = deck.deck
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_style=None)
    return "# yaml-language-server: $schema=deck.schema.json\n" + body


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping.

    Plain YAML keeps the last value without a word, so a second ``answer:`` silently changes a
    question's correct choice; here it is an error naming the line and the key.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first given at line {seen[key]})",
                    key_node.start_mark,
                )
            if isinstance(key, Hashable):
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _refuse_aliases(text: str) -> None:
    # Anchors and aliases let a small file expand into an enormous document ("billion laughs");
    # content never needs them, so any alias is refused before the document is built.
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            line = f" (line {mark.line + 1})" if mark else ""
            raise yaml.YAMLError(f"anchors and aliases (*name) are not allowed{line}")


def _yaml_reason(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem} at line {mark.line + 1}, column {mark.column + 1}"
    return str(exc)


def describe_errors(exc: ValidationError, data: Any) -> list[str]:
    """Turn pydantic errors into lines naming the question (index and id) and the field."""
    lines = []
    for error in exc.errors(include_url=False):
        loc = list(error["loc"])
        where = _where(loc, data)
        message = error["msg"]
        if error["type"] in {"string_type", "literal_error"} and not isinstance(error.get("input"), str):
            message += f" (got {error.get('input')!r}; quote the value in YAML)"
        elif error["type"] == "extra_forbidden":
            message = "unknown field (check the spelling; allowed fields are listed in content/README.md)"
        lines.append(f"{where}: {message}" if where else message)
    return lines


def _where(loc: list[Any], data: Any) -> str:
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        index = loc[1]
        qid = None
        questions = data.get("questions") if isinstance(data, Mapping) else None
        if isinstance(questions, list) and index < len(questions) and isinstance(questions[index], Mapping):
            qid = questions[index].get("id")
        label = f"question {index + 1}" + (f" (id {qid!r})" if isinstance(qid, str) else "")
        return label + (": " + _field_path(loc[2:]) if loc[2:] else "")
    return _field_path(loc)


def _field_path(loc: list[Any]) -> str:
    parts: list[str] = []
    for i, part in enumerate(loc):
        if isinstance(part, int) and i > 0 and loc[i - 1] == "choices" and part < len(LETTERS):
            parts.append(LETTERS[part])
        elif isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(str(part))
    return ".".join(parts).replace(".[", "[")


@dataclass(frozen=True)
class Catalog:
    """Every built-in question, by deck and by id."""

    decks: Mapping[str, tuple[Question, ...]]
    titles: Mapping[str, str] = field(default_factory=dict)

    def deck(self, name: str) -> tuple[Question, ...] | None:
        return self.decks.get(name)

    def question(self, question_id: str) -> Question | None:
        for questions in self.decks.values():
            for question in questions:
                if question.id == question_id:
                    return question
        return None

    @property
    def deck_names(self) -> list[str]:
        return sorted(self.decks)


def content_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into their YAML files, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.y*ml") if p.suffix in {".yaml", ".yml"}))
        else:
            files.append(path)
    return files


def load_files(files: Iterable[Path]) -> tuple[list[tuple[Path, Deck]], list[str]]:
    """Parse every file, collecting all problems instead of stopping at the first."""
    decks: list[tuple[Path, Deck]] = []
    problems: list[str] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot read: {exc}")
            continue
        try:
            decks.append((path, parse_deck(text, str(path))))
        except ContentError as exc:
            problems.extend(exc.problems)
    problems.extend(_duplicate_ids(decks))
    return decks, problems


def _duplicate_ids(decks: list[tuple[Path, Deck]]) -> list[str]:
    first_seen: dict[str, Path] = {}
    problems = []
    for path, deck in decks:
        for index, question in enumerate(deck.questions):
            if question.id in first_seen:
                problems.append(
                    f"{path}: question {index + 1} (id {question.id!r}): id: "
                    f"duplicate id, already used in {first_seen[question.id]}"
                )
            else:
                first_seen[question.id] = path
    return problems


def load_catalog(content_dir: Path) -> Catalog:
    """Load every deck under ``content_dir``; raise ContentError if anything is wrong."""
    files = content_files([content_dir])
    if not files:
        raise ContentError([f"{content_dir}: no content files (.yaml, .yml) in this folder"])
    decks, problems = load_files(files)
    if problems:
        raise ContentError(problems)
    merged: dict[str, list[Question]] = {}
    titles: dict[str, str] = {}
    for _path, deck in decks:
        merged.setdefault(deck.deck, []).extend(deck.questions)
        if deck.title:
            titles.setdefault(deck.deck, deck.title)
    log.info("loaded %d questions in %d decks", sum(map(len, merged.values())), len(merged))
    return Catalog(decks={k: tuple(v) for k, v in merged.items()}, titles=titles)
