# pyright: strict
"""One function per check kind: decide a check against a wheel and say where in TRL that was decided."""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from bot.core.checks import (
    AbsentCheck,
    ChoicesCheck,
    ContainsCheck,
    DefaultCheck,
    ExistsCheck,
    MetadataCheck,
    ParamsCheck,
)
from bot.verify.resolve import OUTSIDE, Kind, Location, Resolver, Symbol, Unresolved, parameter_names

AnyCheck = DefaultCheck | ChoicesCheck | ParamsCheck | ExistsCheck | AbsentCheck | ContainsCheck | MetadataCheck


@dataclass(frozen=True)
class Outcome:
    """Whether a check holds, a one-line reason, and the place in the wheel that decided it."""

    holds: bool
    message: str
    location: Location | None = None


def run_check(check: AnyCheck, resolver: Resolver) -> Outcome:
    """Decide one check; never raises for anything a wheel can contain."""
    runner: Callable[[Any, Resolver], Outcome] = _RUNNERS[type(check)]
    return runner(check, resolver)


def describe(check: AnyCheck) -> str:
    """The check as a short line: ``default trl.DPOConfig.beta = 0.1``."""
    if isinstance(check, DefaultCheck):
        return f"default {check.target} = {check.value!r}"
    if isinstance(check, ChoicesCheck):
        return f"choices {check.target} = {_set_text(check.values)}"
    if isinstance(check, ParamsCheck):
        return f"params {check.target} ⊇ {', '.join(check.includes)}"
    if isinstance(check, ContainsCheck):
        return f"contains {check.target} {check.text!r}"
    if isinstance(check, MetadataCheck):
        return f"metadata {check.field} ∋ {check.contains!r}"
    return f"{check.kind} {check.target}"


# ---------------------------------------------------------------------- kinds


def check_exists(check: ExistsCheck, resolver: Resolver) -> Outcome:
    try:
        symbol = resolver.resolve(check.target)
    except Unresolved as exc:
        return Outcome(False, f"{check.target} does not resolve: {exc.message}", exc.location)
    return Outcome(True, f"{check.target} is {symbol.describe()}", symbol.location)


def check_absent(check: AbsentCheck, resolver: Resolver) -> Outcome:
    try:
        symbol = resolver.resolve(check.target)
    except Unresolved as exc:
        if exc.outside:
            # TRL does not define it; whether a base outside TRL (TrainingArguments) does is not checked.
            return Outcome(True, f"{check.target} is absent from trl: {exc.message}", exc.location)
        return Outcome(True, f"{check.target} is absent: {exc.message}", exc.location)
    return Outcome(False, f"{check.target} still resolves, to {symbol.describe()}", symbol.location)


def check_default(check: DefaultCheck, resolver: Resolver) -> Outcome:
    try:
        symbol = resolver.resolve(check.target)
    except Unresolved as exc:
        return Outcome(False, f"{check.target} does not resolve: {exc.message}", exc.location)
    found = default_of(symbol)
    where = symbol.location
    if isinstance(found, str):
        return Outcome(False, f"{check.target}: {found}", where)
    expr, value = found
    if value is _NOT_LITERAL:
        return Outcome(False, f"{check.target}: the default is not a literal: {_short(ast.unparse(expr))}", where)
    if _same(value, check.value):
        return Outcome(True, f"{check.target} defaults to {value!r}", where)
    hint = ""
    if isinstance(check.value, str) and not isinstance(value, str) and _same(value, _number(check.value)):
        hint = " (the check's value is a string; write it as a YAML number, e.g. 2.0e-5)"
    return Outcome(False, f"{check.target} defaults to {value!r}, not {check.value!r}{hint}", where)


def check_choices(check: ChoicesCheck, resolver: Resolver) -> Outcome:
    try:
        symbol = resolver.resolve(check.target)
    except Unresolved as exc:
        return Outcome(False, f"{check.target} does not resolve: {exc.message}", exc.location)
    found = choices_of(symbol, resolver)
    if found is None:
        return Outcome(
            False,
            f"{check.target} has neither a Literal[...] type nor metadata choices",
            symbol.location,
        )
    values, origin, where = found
    expected = list(check.values)
    missing = [v for v in expected if not any(_same(v, f) for f in values)]
    extra = [f for f in values if not any(_same(f, v) for v in expected)]
    if not missing and not extra:
        return Outcome(True, f"{check.target} accepts exactly {_set_text(values)} ({origin})", where)
    parts: list[str] = []
    if missing:
        parts.append(f"no longer accepts {_set_text(missing)}")
    if extra:
        parts.append(f"also accepts {_set_text(extra)}")
    return Outcome(False, f"{check.target} {' and '.join(parts)} ({origin}: {_set_text(values)})", where)


def check_params(check: ParamsCheck, resolver: Resolver) -> Outcome:
    try:
        symbol = resolver.resolve(check.target)
    except Unresolved as exc:
        return Outcome(False, f"{check.target} does not resolve: {exc.message}", exc.location)
    outside: list[str] = []
    if symbol.kind is Kind.FUNCTION:
        names, where, what = parameter_names(symbol), symbol.location, f"{symbol.name}()"
    elif symbol.kind is Kind.CLASS:
        init = resolver.constructor(symbol)
        if init is not None:
            names, where, what = parameter_names(init), init.location, f"{init.name}()"
        else:
            fields, outside = resolver.dataclass_fields(symbol)
            names, where, what = list(fields), symbol.location, f"the fields of {symbol.name}"
    else:
        return Outcome(False, f"{check.target} is a {symbol.kind}, not a function or a class", symbol.location)
    missing = [n for n in check.includes if n not in names]
    if not missing:
        return Outcome(True, f"{what} takes {', '.join(check.includes)}", where)
    note = f"; {OUTSIDE}: {outside[0]}" if outside else ""
    return Outcome(False, f"{what} has no parameter {', '.join(missing)}{note}", where)


def check_contains(check: ContainsCheck, resolver: Resolver) -> Outcome:
    try:
        symbol = resolver.resolve(check.target)
    except Unresolved as exc:
        return Outcome(False, f"{check.target} does not resolve: {exc.message}", exc.location)
    source = symbol.module.source
    start, end = _span(symbol)
    segment = source[start:end]
    line = find_folded(segment, check.text)
    if line is None:
        return Outcome(False, f"the source of {check.target} does not contain {check.text!r}", symbol.location)
    first = source.count("\n", 0, start) + line
    return Outcome(True, f"the source of {check.target} contains the text", Location(symbol.module.path, first))


def check_metadata(check: MetadataCheck, resolver: Resolver) -> Outcome:
    wheel = resolver.wheel
    path = wheel.metadata_path or "METADATA"
    headers = [(n, v) for n, f, v in wheel.metadata() if f.lower() == check.field.lower()]
    body = wheel.description() if check.field.lower() == "description" and not headers else None
    if body is not None:
        # Metadata 2.1+ puts the long description (the README) in the body instead of a header.
        start, text = body
        line = find_folded(text, check.contains)
        if line is None:
            return Outcome(False, f"the description does not contain {check.contains!r}", Location(path, start))
        return Outcome(True, "the description contains the text", Location(path, start + line - 1))
    if not headers:
        return Outcome(False, f"METADATA has no {check.field} field", Location(path))
    needle = fold(check.contains)
    for line, value in headers:
        if needle in fold(value):
            return Outcome(True, f"{check.field}: {_short(value)}", Location(path, line))
    line, value = headers[0]
    return Outcome(False, f"{check.field} is {_short(value)!r}, without {check.contains!r}", Location(path, line))


_RUNNERS: dict[type[Any], Callable[[Any, Resolver], Outcome]] = {
    DefaultCheck: check_default,
    ChoicesCheck: check_choices,
    ParamsCheck: check_params,
    ExistsCheck: check_exists,
    AbsentCheck: check_absent,
    ContainsCheck: check_contains,
    MetadataCheck: check_metadata,
}


# ---------------------------------------------------------------------- defaults


class _NotLiteral:
    def __repr__(self) -> str:
        return "<not a literal>"


_NOT_LITERAL = _NotLiteral()


def default_of(symbol: Symbol) -> tuple[ast.expr, object] | str:
    """``(expression, literal value)`` of a field's, parameter's or value's default, or why there is none."""
    expr: ast.expr | None
    if symbol.kind is Kind.PARAM:
        if symbol.default is None:
            return "the parameter has no default (it is required)"
        return symbol.default, _literal(symbol.default)
    if symbol.kind not in {Kind.FIELD, Kind.VALUE}:
        return f"{symbol.describe()} is not a field or a parameter, so it has no default"
    node = symbol.node
    expr = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
    if expr is None:
        return "the field has no default (it is required)"
    call = _field_call(expr)
    if call is None:
        return expr, _literal(expr)
    for keyword in call.keywords:
        if keyword.arg == "default":
            return keyword.value, _literal(keyword.value)
        if keyword.arg == "default_factory":
            return keyword.value, _factory(keyword.value)
    return "the field has no default (field() without default=)"


def _field_call(expr: ast.expr) -> ast.Call | None:
    if isinstance(expr, ast.Call):
        name = ast.unparse(expr.func)
        if name in {"field", "dataclasses.field"}:
            return expr
    return None


def _literal(expr: ast.expr) -> object:
    try:
        return ast.literal_eval(expr)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL


def _factory(expr: ast.expr) -> object:
    if isinstance(expr, ast.Lambda):
        return _literal(expr.body)
    empty: dict[str, object] = {"list": [], "dict": {}, "set": set(), "tuple": ()}
    return empty.get(ast.unparse(expr), _NOT_LITERAL)


def _same(a: object, b: object) -> bool:
    """Equal values of compatible types: bool never equals a number, int equals float."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


# ---------------------------------------------------------------------- choices


def choices_of(symbol: Symbol, resolver: Resolver) -> tuple[list[object], str, Location] | None:
    """The accepted values: ``metadata={"choices": [...]}`` if given, else the ``Literal[...]`` type."""
    node = symbol.node
    annotation: ast.expr | None = None
    if isinstance(node, ast.AnnAssign):
        annotation = node.annotation
        call = _field_call(node.value) if node.value is not None else None
        for keyword in call.keywords if call else []:
            if keyword.arg == "metadata" and isinstance(keyword.value, ast.Dict):
                for key, value in zip(keyword.value.keys, keyword.value.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "choices":
                        literal = _literal(value)
                        if isinstance(literal, list | tuple):
                            where = Location(symbol.module.path, value.lineno)
                            return list(cast("Sequence[object]", literal)), "metadata choices", where
    elif isinstance(node, ast.arg):
        annotation = node.annotation
    if annotation is None:
        return None
    values = _literal_values(annotation, symbol, resolver, depth=0)
    if values is None:
        return None
    return values, "Literal type", Location(symbol.module.path, annotation.lineno)


def _literal_values(annotation: ast.expr, symbol: Symbol, resolver: Resolver, depth: int) -> list[object] | None:
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body  # a quoted annotation
        except SyntaxError:
            return None
    found: list[object] = []
    seen_literal = False
    for node in ast.walk(annotation):
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) in {"Literal", "typing.Literal"}:
            seen_literal = True
            elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            found += [_literal(e) for e in elements]
        elif isinstance(node, ast.Name) and depth < 3 and node.id[:1].isupper() and node.id not in {"Literal"}:
            alias = _alias(node, symbol, resolver)
            if alias is not None:
                more = _literal_values(alias, symbol, resolver, depth + 1)
                if more is not None:
                    seen_literal = True
                    found += more
    return found if seen_literal else None


def _alias(name: ast.Name, symbol: Symbol, resolver: Resolver) -> ast.expr | None:
    """The value of a module-level type alias such as ``LossType = Literal[...]``."""
    try:
        target = resolver.expression(symbol.module, name)
    except Unresolved:
        return None
    node = target.node
    if target.kind is Kind.VALUE and isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
        return node.value
    return None


# ---------------------------------------------------------------------- source text


def fold(text: str) -> str:
    """Collapse every run of white space to one space."""
    return " ".join(text.split())


def find_folded(segment: str, text: str) -> int | None:
    """1-based line (within ``segment``) where the folded ``text`` starts in the folded segment, or None."""
    tokens = list(re.finditer(r"\S+", segment))
    folded_starts: list[int] = []
    position = 0
    for token in tokens:
        folded_starts.append(position)
        position += len(token.group()) + 1
    folded = " ".join(t.group() for t in tokens)
    index = folded.find(fold(text))
    if index < 0:
        return None
    token = bisect.bisect_right(folded_starts, index) - 1
    offset = tokens[token].start() + (index - folded_starts[token])
    return segment.count("\n", 0, offset) + 1


def _span(symbol: Symbol) -> tuple[int, int]:
    """Character offsets of the symbol's source in its module (the whole file for a module)."""
    source = symbol.module.source
    node = symbol.node
    if symbol.kind is Kind.MODULE or not hasattr(node, "lineno"):
        return 0, len(source)
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    first = getattr(node, "lineno", 1)
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    if decorators:
        first = min(first, *(d.lineno for d in decorators))
    last = getattr(node, "end_lineno", None) or first
    if symbol.kind is Kind.PARAM and symbol.default is not None:
        last = max(last, symbol.default.end_lineno or last)
    return starts[first - 1], starts[min(last, len(lines))]


def _set_text(values: list[Any]) -> str:
    return "{" + ", ".join(repr(v) for v in values) + "}"


def _short(text: str, limit: int = 120) -> str:
    text = fold(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
