# pyright: strict
"""Dotted path -> syntax-tree node with its file and line, following TRL's lazy exports and bases.

The rules are listed in ``bot.verify`` (the package docstring) and in content/README.md.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from enum import StrEnum

from bot.verify.wheel import Wheel


class Kind(StrEnum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    FIELD = "field"
    PARAM = "parameter"
    VALUE = "value"


@dataclass(frozen=True)
class Location:
    """A file in the wheel and, when known, a line in it."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Module:
    name: str
    path: str
    source: str
    tree: ast.Module


@dataclass(frozen=True)
class Symbol:
    """What a dotted path resolved to."""

    kind: Kind
    name: str
    module: Module
    node: ast.AST
    """Module, ClassDef, FunctionDef, AnnAssign/Assign (field or value) or arg (parameter)."""
    default: ast.expr | None = None
    """The default expression of a parameter (None: the parameter has no default)."""
    owner: Symbol | None = None

    @property
    def location(self) -> Location:
        line = getattr(self.node, "lineno", None)
        return Location(self.module.path, line if isinstance(line, int) else None)

    def describe(self) -> str:
        return f"{self.kind} {self.name}"


class Unresolved(Exception):
    """A path does not resolve; ``location`` is where that was decided."""

    def __init__(self, message: str, location: Location, *, outside: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.outside = outside
        """True when the name may exist but would come from outside trl (an external base or import)."""


OUTSIDE = "not defined in trl (inherited from outside TRL?)"


class Resolver:
    """Resolves dotted targets in one wheel; parses each module at most once."""

    def __init__(self, wheel: Wheel) -> None:
        self.wheel = wheel
        self._modules: dict[str, Module | None] = {}

    def module(self, name: str) -> Module | None:
        if name not in self._modules:
            self._modules[name] = self._load(name)
        return self._modules[name]

    def _load(self, name: str) -> Module | None:
        base = name.replace(".", "/")
        for path in (f"{base}.py", f"{base}/__init__.py"):
            source = self.wheel.text(path)
            if source is not None:
                try:
                    tree = ast.parse(source, filename=path)
                except SyntaxError:
                    return None
                return Module(name, path, source, tree)
        return None

    def resolve(self, target: str) -> Symbol:
        """Resolve ``trl.a.b.C.field``; raise Unresolved naming the file (and line) that decided it."""
        parts = target.split(".")
        root = self.module(parts[0])
        if root is None:
            raise Unresolved(f"the wheel has no {parts[0]} package", Location(f"{parts[0]}/__init__.py"))
        current = Symbol(Kind.MODULE, root.name, root, root.tree)
        for part in parts[1:]:
            current = self.member(current, part)
        return current

    def member(self, symbol: Symbol, name: str) -> Symbol:
        if symbol.kind is Kind.MODULE:
            return self._in_module(symbol.module, name, set())
        if symbol.kind is Kind.CLASS:
            return self._in_class(symbol, name, set())
        if symbol.kind is Kind.FUNCTION:
            return _parameter(symbol, name)
        raise Unresolved(f"{symbol.name} is a {symbol.kind}; nothing resolves below it", symbol.location)

    # ------------------------------------------------------------------ modules

    def _in_module(self, module: Module, name: str, seen: set[tuple[str, str]]) -> Symbol:
        key = (module.name, name)
        if key in seen:
            raise Unresolved(f"{module.name}.{name} is an import cycle", Location(module.path))
        seen.add(key)
        statements = list(_module_statements(module.tree.body))
        for stmt in statements:
            if isinstance(stmt, ast.ClassDef) and stmt.name == name:
                return Symbol(Kind.CLASS, f"{module.name}.{name}", module, stmt)
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == name:
                return Symbol(Kind.FUNCTION, f"{module.name}.{name}", module, stmt)
        for stmt in statements:
            found = self._via_import(module, stmt, name, seen)
            if found is not None:
                return found
        lazy = _lazy_exports(module.tree)
        if name in lazy:
            submodule, line = lazy[name]
            target = self.module(f"{module.name}.{submodule}")
            if target is None:
                raise Unresolved(
                    f"_import_structure names {module.name}.{submodule}, which the wheel lacks",
                    Location(module.path, line),
                )
            return self._in_module(target, name, seen)
        for stmt in statements:
            if _assigns(stmt, name):
                return Symbol(Kind.VALUE, f"{module.name}.{name}", module, stmt)
        sub = self.module(f"{module.name}.{name}")
        if sub is not None:
            return Symbol(Kind.MODULE, sub.name, sub, sub.tree)
        raise Unresolved(f"{module.path} neither defines nor exports {name}", Location(module.path))

    def _via_import(self, module: Module, stmt: ast.stmt, name: str, seen: set[tuple[str, str]]) -> Symbol | None:
        if isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                if (alias.asname or alias.name) != name:
                    continue
                source = _absolute(module, stmt)
                where = Location(module.path, stmt.lineno)
                if source != "trl" and not source.startswith("trl."):
                    raise Unresolved(f"{name} is imported from {source}: {OUTSIDE}", where, outside=True)
                origin = self.module(source)
                if origin is None:
                    raise Unresolved(f"{name} is imported from {source}, which the wheel lacks", where)
                try:
                    return self._in_module(origin, alias.name, seen)
                except Unresolved as exc:
                    # ``from . import sub`` names a submodule, which _in_module also finds.
                    raise Unresolved(
                        f"{exc.message} (imported at {where})", exc.location, outside=exc.outside
                    ) from None
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                bound = alias.asname or alias.name.split(".")[0]
                if bound != name:
                    continue
                dotted = alias.name if alias.asname else alias.name.split(".")[0]
                where = Location(module.path, stmt.lineno)
                target = self.module(dotted) if dotted.split(".")[0] == "trl" else None
                if target is None:
                    raise Unresolved(f"{name} is the module {dotted}: {OUTSIDE}", where, outside=True)
                return Symbol(Kind.MODULE, target.name, target, target.tree)
        return None

    # ------------------------------------------------------------------ classes

    def _in_class(self, cls: Symbol, name: str, seen: set[str]) -> Symbol:
        if cls.name in seen:
            raise Unresolved(f"{cls.name} inherits from itself", cls.location)
        seen.add(cls.name)
        node = cls.node
        assert isinstance(node, ast.ClassDef)
        for stmt in _class_statements(node.body):
            found = _class_member(cls, stmt, name)
            if found is not None:
                return found
        outside: list[str] = []
        deeper: Unresolved | None = None
        for base in self.bases(cls, outside):
            try:
                return self._in_class(base, name, seen)
            except Unresolved as exc:
                if exc.outside and deeper is None:
                    deeper = exc
        if outside:
            raise Unresolved(f"{name} is {OUTSIDE}: {outside[0]}", cls.location, outside=True)
        if deeper is not None:
            raise deeper
        raise Unresolved(f"{cls.name} has no member {name}", cls.location)

    def bases(self, cls: Symbol, outside: list[str] | None = None) -> list[Symbol]:
        """The base classes of ``cls`` that are defined in trl; the others are described in ``outside``."""
        node = cls.node
        assert isinstance(node, ast.ClassDef)
        found: list[Symbol] = []
        for expr in node.bases:
            if isinstance(expr, ast.Subscript):  # Generic[T], SomeBase[X]
                expr = expr.value
            text = ast.unparse(expr)
            if text in {"object", "Generic", "Protocol", "typing.Generic", "ABC", "abc.ABC"}:
                continue
            try:
                base = self.expression(cls.module, expr)
            except Unresolved:
                if outside is not None:
                    outside.append(f"{cls.name.rsplit('.', 1)[-1]} derives from {text}, which trl does not define")
                continue
            if base.kind is Kind.CLASS:
                found.append(base)
        return found

    def expression(self, module: Module, expr: ast.expr) -> Symbol:
        """Resolve a name or an attribute chain written in ``module`` (a base class, an alias)."""
        if isinstance(expr, ast.Name):
            return self._in_module(module, expr.id, set())
        if isinstance(expr, ast.Attribute):
            return self.member(self.expression(module, expr.value), expr.attr)
        raise Unresolved(f"cannot follow {ast.unparse(expr)}", Location(module.path, expr.lineno))

    def constructor(self, cls: Symbol) -> Symbol | None:
        """The ``__init__`` a class uses, if it (or a base within trl) defines one."""
        try:
            found = self._in_class(cls, "__init__", set())
        except Unresolved:
            return None
        return found if found.kind is Kind.FUNCTION else None

    def dataclass_fields(self, cls: Symbol) -> tuple[dict[str, Symbol], list[str]]:
        """Annotated fields of ``cls`` and its trl bases (nearest first); plus the bases outside trl."""
        fields: dict[str, Symbol] = {}
        outside: list[str] = []
        todo = [cls]
        visited: set[str] = set()
        while todo:
            current = todo.pop(0)
            if current.name in visited:
                continue
            visited.add(current.name)
            node = current.node
            assert isinstance(node, ast.ClassDef)
            for stmt in _class_statements(node.body):
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                    fields.setdefault(
                        stmt.target.id,
                        Symbol(Kind.FIELD, f"{current.name}.{stmt.target.id}", current.module, stmt, owner=current),
                    )
            todo.extend(self.bases(current, outside))
        return fields, outside


# ---------------------------------------------------------------------- helpers


def _module_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Top-level statements, including those nested in if/try/with blocks (not in defs)."""
    out: list[ast.stmt] = []
    for stmt in body:
        out.append(stmt)
        if isinstance(stmt, ast.If):
            out += _module_statements(stmt.body) + _module_statements(stmt.orelse)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            out += _module_statements(stmt.body) + _module_statements(stmt.orelse)
            for handler in stmt.handlers:
                out += _module_statements(handler.body)
            out += _module_statements(stmt.finalbody)
        elif isinstance(stmt, ast.With):
            out += _module_statements(stmt.body)
    return out


def _class_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for stmt in body:
        out.append(stmt)
        if isinstance(stmt, ast.If):
            out += _class_statements(stmt.body) + _class_statements(stmt.orelse)
    return out


def _class_member(cls: Symbol, stmt: ast.stmt, name: str) -> Symbol | None:
    qualified = f"{cls.name}.{name}"
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name:
        return Symbol(Kind.FIELD, qualified, cls.module, stmt, owner=cls)
    if isinstance(stmt, ast.Assign) and _assigns(stmt, name):
        return Symbol(Kind.FIELD, qualified, cls.module, stmt, owner=cls)
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == name:
        return Symbol(Kind.FUNCTION, qualified, cls.module, stmt, owner=cls)
    if isinstance(stmt, ast.ClassDef) and stmt.name == name:
        return Symbol(Kind.CLASS, qualified, cls.module, stmt, owner=cls)
    return None


def _assigns(stmt: ast.stmt, name: str) -> bool:
    if isinstance(stmt, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
    if isinstance(stmt, ast.AnnAssign):
        return isinstance(stmt.target, ast.Name) and stmt.target.id == name
    return False


def _parameter(function: Symbol, name: str) -> Symbol:
    node = function.node
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    pairs: list[tuple[ast.arg, ast.expr | None]] = list(zip(positional, defaults, strict=True))
    pairs += list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
    pairs += [(a, None) for a in (args.vararg, args.kwarg) if a is not None]
    for arg, default in pairs:
        if arg.arg == name:
            return Symbol(Kind.PARAM, f"{function.name}.{name}", function.module, arg, default, owner=function)
    raise Unresolved(f"{function.name}() has no parameter {name}", function.location)


def parameter_names(function: Symbol) -> list[str]:
    node = function.node
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    args = node.args
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, *extra)]


def _absolute(module: Module, stmt: ast.ImportFrom) -> str:
    if stmt.level == 0:
        return stmt.module or ""
    package = module.name if module.path.endswith("__init__.py") else module.name.rpartition(".")[0]
    parts = package.split(".")
    base = parts[: len(parts) - (stmt.level - 1)] if stmt.level > 1 else parts
    return ".".join([*base, stmt.module] if stmt.module else base)


def _lazy_exports(tree: ast.Module) -> dict[str, tuple[str, int]]:
    """``{name: (submodule, line)}`` from ``_import_structure`` literals and its extend/append/[]= edits."""
    out: dict[str, tuple[str, int]] = {}

    def add(submodule: str, values: ast.expr) -> None:
        elements = values.elts if isinstance(values, ast.List | ast.Tuple) else [values]
        for element in elements:
            if isinstance(element, ast.Constant) and isinstance(element.value, str):
                out.setdefault(element.value, (submodule, element.lineno))

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Name)
                    and target.id == "_import_structure"
                    and isinstance(node.value, ast.Dict)
                ):
                    for key, value in zip(node.value.keys, node.value.values, strict=True):
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            add(key.value, value)
                elif (sub := _structure_key(target)) is not None and node.value is not None:
                    add(sub, node.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            sub = _structure_key(node.func.value)
            if sub is not None and node.func.attr in {"extend", "append"} and node.args:
                add(sub, node.args[0])
    return out


def _structure_key(expr: ast.expr) -> str | None:
    """``"models"`` for the expression ``_import_structure["models"]``."""
    if (
        isinstance(expr, ast.Subscript)
        and isinstance(expr.value, ast.Name)
        and expr.value.id == "_import_structure"
        and isinstance(expr.slice, ast.Constant)
        and isinstance(expr.slice.value, str)
    ):
        return expr.slice.value
    return None
