"""Checks are pure data: nothing in a deck or a wheel is ever imported, evaluated or executed."""

import ast
import sys
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from bot.catalog import ContentError, parse_deck
from bot.core.checks import Check
from bot.verify.cli import run
from bot.verify.resolve import Resolver, Unresolved
from bot.verify.wheel import Wheel
from tests.verify.synthetic import FILES, make_wheel

BOT = Path(__file__).resolve().parents[2] / "bot"

MODERATOR_DECK = """
deck: "mod"
questions:
  - id: "q-1"
    prompt: "A moderator's question?"
    choices: ["yes", "no"]
    answer: "A"
    explanation: "Because."
    checks:
      - kind: "exists"
        target: {target}
"""


@pytest.mark.parametrize(
    "target",
    [
        "\"__import__('os').system('touch /tmp/pwned')\"",
        '"os.system"',
        '"trl; import os"',
        '"trl.DPOConfig.beta()"',
        '"trl..x"',
        '"trl.x[0]"',
        '"trl.x y"',
        "!!python/object/apply:os.system ['touch /tmp/pwned']",
    ],
)
def test_a_hostile_target_in_an_imported_deck_is_refused(target):
    """An upload as a moderator would make it goes through parse_deck: safe YAML and the target pattern."""
    with pytest.raises(ContentError) as info:
        parse_deck(MODERATOR_DECK.format(target=target), "upload.yaml")
    assert "question 1 (id 'q-1')" in "\n".join(info.value.problems) or "not valid YAML" in "\n".join(
        info.value.problems
    )


def test_unknown_kinds_and_extra_fields_are_refused():
    adapter = TypeAdapter(Check)
    for data in (
        {"kind": "python", "code": "print(1)"},
        {"kind": "default", "target": "trl.X.y", "value": 1, "eval": True},
        {"kind": "default", "target": "trl.X.y", "value": {"__reduce__": "os.system"}},
    ):
        with pytest.raises(ValidationError):
            adapter.validate_python(data)


def test_verifying_never_imports_the_wheel(tmp_path):
    """A wheel whose modules would run code on import is only ever parsed."""
    marker = tmp_path / "imported"
    files = dict(FILES)
    files["trl/__init__.py"] = f"open({str(marker)!r}, 'w').write('ran')\n" + FILES["trl/__init__.py"]
    files["trl/data_utils.py"] = f"open({str(marker)!r}, 'w').write('ran')\n" + FILES["trl/data_utils.py"]
    resolver = Resolver(Wheel.open(make_wheel(tmp_path / "w", files=files)))
    assert resolver.resolve("trl.pack.strategy").default is not None
    with pytest.raises(Unresolved):
        resolver.resolve("trl.__class__.__subclasses__")  # matches the pattern, resolves to nothing
    deck = tmp_path / "d.yaml"
    deck.write_text(MODERATOR_DECK.format(target='"trl.pack"'))
    assert run(wheel=make_wheel(tmp_path / "w2", files=files), paths=[deck]) == 0
    assert not marker.exists()
    assert "trl" not in sys.modules


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_verifier_depends_only_on_core_and_the_standard_library():
    """bot/verify may use bot.core (and the catalog loader), never services, storage, ui, Discord, trl or torch."""
    forbidden = (
        "discord",
        "aiosqlite",
        "sqlite3",
        "bot.services",
        "bot.storage",
        "bot.ui",
        "trl",
        "torch",
        "transformers",
        "bot.settings",
    )
    bad = [
        f"{path.name} imports {name}"
        for path in sorted((BOT / "verify").glob("*.py"))
        for name in imports(path)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]
    assert not bad, bad
