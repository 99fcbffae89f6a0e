"""The dependency rule, checked on the source: a pure core, SQL only in storage, Discord only in ui."""

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def files(package: str) -> list[Path]:
    return sorted((BOT / package).rglob("*.py"))


RULES = [
    ("core", {"discord", "aiosqlite", "sqlite3", "yaml", "bot.storage", "bot.services", "bot.ui", "bot.catalog"}),
    ("storage", {"discord", "bot.services", "bot.ui"}),
    ("services", {"discord", "bot.ui", "sqlite3", "aiosqlite"}),
]


@pytest.mark.parametrize(("package", "forbidden"), RULES)
def test_layer_imports(package, forbidden):
    """Each layer imports only what the dependency rule allows."""
    bad = []
    for path in files(package):
        for name in imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(BOT)} imports {name}")
    assert not bad, bad


def test_ui_never_touches_storage():
    """Cogs and views call services; they never reach the repository or SQL."""
    bad = [
        f"{path.relative_to(BOT)} imports {name}"
        for path in files("ui")
        for name in imports(path)
        if name.startswith(("bot.storage", "aiosqlite", "sqlite3"))
    ]
    assert not bad, bad


def test_sql_lives_only_in_storage():
    """No SQL keywords in string literals outside bot/storage."""
    keywords = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE")
    bad = []
    for path in BOT.rglob("*.py"):
        if path.is_relative_to(BOT / "storage"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and any(k in node.value for k in keywords)
            ):
                bad.append(f"{path.relative_to(BOT)}:{node.lineno}")
    assert not bad, bad


def test_nothing_reads_the_environment_at_import_time():
    """Module bodies make no os.environ / getenv / open / Settings() calls."""
    bad = []
    for path in BOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for stmt in tree.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            for node in ast.walk(stmt):
                if isinstance(node, ast.Call):
                    func = ast.unparse(node.func)
                    if func in {"open", "Settings", "os.getenv", "load_catalog"} or "environ" in func:
                        bad.append(f"{path.relative_to(BOT)}:{node.lineno} {func}")
    assert not bad, bad
