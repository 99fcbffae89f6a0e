"""The dependency rule, checked on the source: a pure core, SQL only in storage, Discord only in ui."""

import ast
import re
import tokenize
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
    (
        "core",
        {"discord", "aiosqlite", "sqlite3", "asyncpg", "yaml", "bot.storage", "bot.services", "bot.ui", "bot.catalog"},
    ),
    ("storage", {"discord", "bot.services", "bot.ui"}),
    ("services", {"discord", "bot.ui", "sqlite3", "aiosqlite", "asyncpg"}),
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
        if name.startswith(("bot.storage", "aiosqlite", "sqlite3", "asyncpg"))
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


def _module_name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in BOT.rglob("*.py")}


def _is_type_checking(test: ast.expr) -> bool:
    return ast.unparse(test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import a module can run, at module level or inside functions; not those under `if TYPE_CHECKING:`."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The modules of bot/ that an import statement loads (the most specific existing module of each name)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}" if base else package
        # `from package import submodule` loads the submodule; `from module import name` the module.
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    targets = set()
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name:
            targets.add(name)
    return targets


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[module] = {t for node in _runtime_imports(tree) for t in _targets(module, node)} - {module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None."""
    done: set[str] = set()
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(module: str) -> list[str] | None:
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target in on_stack:
                return [*stack[stack.index(target) :], target]
            if target not in done and (cycle := visit(target)):
                return cycle
        on_stack.discard(stack.pop())
        done.add(module)
        return None

    for module in sorted(graph):
        if module not in done and (cycle := visit(module)):
            return cycle
    return None


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_import_graph_sees_the_ui():
    graph = import_graph()
    assert "bot.ui.buttons" in graph["bot.ui.play.views"]
    assert "bot.ui.ids" in graph["bot.ui.buttons"]


def test_no_import_cycles():
    """bot/ imports form no cycle, counting imports inside functions (not those under TYPE_CHECKING)."""
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_ui_imports_only_at_module_level():
    """No import inside a function in bot/ui: such imports hide dependencies (and cycles)."""
    bad = []
    for path in files("ui"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                bad += [
                    f"{path.relative_to(BOT)}:{inner.lineno} in {node.name}()"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.Import | ast.ImportFrom)
                ]
    assert not bad, bad


ROOT = BOT.parent
CHECKED = ("bot", "bench", "tests", "emulator/src")
IGNORE = re.compile(r"#\s*(type:\s*ignore|pyright:\s*ignore)(\[[^\]]*\])?(.*)$")


def python_sources() -> list[Path]:
    return sorted(p for folder in CHECKED for p in (ROOT / folder).rglob("*.py") if ".venv" not in p.parts)


def test_every_silenced_type_error_names_its_rule_and_why():
    """pyright ignores bare `# type: ignore` (enableTypeIgnoreComments = false); a `# pyright: ignore[rule]`
    must name the rule it silences and say why on the same line."""
    bad = []
    for path in python_sources():
        with path.open("rb") as source:
            comments = [t for t in tokenize.tokenize(source.readline) if t.type == tokenize.COMMENT]
        for comment in comments:
            # A comment token runs to the end of its line, so the reason after a second "#" is in it too.
            found = IGNORE.search(comment.string)
            if found is None:
                continue
            kind, rule, rest = found.groups()
            if kind.startswith("type") or not rule or not rest.strip().startswith("#"):
                bad.append(f"{path.relative_to(ROOT)}:{comment.start[0]}: {comment.string}")
    assert not bad, bad
