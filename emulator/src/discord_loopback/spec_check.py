"""Optional check of request bodies against Discord's OpenAPI spec (NOTES.md §5); the documented limits stay primary.

Validators are compiled once per route and results are memoised by the raw body, so a burst of identical
bodies (2,000 "ok" replies) costs one validation.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("discord-api-spec") / "openapi.json"
_PARAM = re.compile(r"\{[^}]+\}")


def _norm(path: str) -> str:
    return _PARAM.sub("{}", path)


SNOWFLAKE_PATTERN = "^(0|[1-9][0-9]*)$"


def _types(value: Any) -> set[str]:
    return set(value) if isinstance(value, list) else {value}


def _benign(error: Any) -> bool:
    """True for errors Discord would not raise: digit strings for integers, integers for snowflakes.

    The spec types int-like fields (permissions, flags) as integer, while discord.py sends digit strings;
    it types snowflakes as strings, while discord.py sends new attachments' ids as ints. Both are accepted
    by Discord. A failed anyOf/oneOf is benign when one branch failed only benignly.
    """
    if error.validator in ("anyOf", "oneOf"):
        if not error.context:
            return error.validator == "oneOf"  # several branches matched: Discord picks by `type`
        branches: dict[Any, list] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        return any(all(_benign(e) for e in errs) for errs in branches.values())
    if error.validator == "type":
        wanted = _types(error.validator_value)
        inst = error.instance
        if isinstance(inst, str) and inst.isdigit() and "integer" in wanted:
            return True
        if isinstance(inst, int) and not isinstance(inst, bool) and "string" in wanted:
            return error.schema.get("pattern") == SNOWFLAKE_PATTERN
    return False


class SpecChecker:
    def __init__(self, path: Path = SPEC_PATH) -> None:
        self.path = path
        self._spec: dict | None = None
        self._routes: dict[str, str] = {}
        self._validators: dict[tuple[str, str], Any] = {}
        self._memo: dict[tuple[str, str, bytes], list[str]] = {}

    @property
    def available(self) -> bool:
        return self.path.is_file()

    def _load(self) -> dict:
        if self._spec is None:
            spec: dict = json.loads(self.path.read_text())
            self._routes = {_norm(p): p for p in spec["paths"]}
            self._spec = spec
        return self._spec

    def _validator(self, method: str, template: str) -> Any:
        key = (method, template)
        if key not in self._validators:
            self._validators[key] = self._compile(method, template)
        return self._validators[key]

    def _compile(self, method: str, template: str) -> Any:
        from jsonschema import Draft202012Validator

        spec = self._load()
        spec_path = self._routes.get(_norm(template))
        op = spec["paths"].get(spec_path, {}).get(method.lower()) if spec_path else None
        schema = (((op or {}).get("requestBody") or {}).get("content") or {}).get("application/json", {})
        schema = schema.get("schema")
        if schema is None:
            return None
        root = dict(schema)
        root["components"] = spec["components"]
        return Draft202012Validator(root)

    def check(self, method: str, template: str, body: Any, raw: bytes) -> list[str]:
        """Messages for the body's spec violations, minus the benign int/string mismatches."""
        memo_key = (method, template, raw)
        if memo_key in self._memo:
            return self._memo[memo_key]
        validator = self._validator(method, template)
        problems: list[str] = []
        if validator is not None:
            problems = [
                f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message[:300]}"
                for e in validator.iter_errors(body)
                if not _benign(e)
            ]
        if len(self._memo) > 4096:
            self._memo.clear()
        self._memo[memo_key] = problems
        return problems
