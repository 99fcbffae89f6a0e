"""What the emulator saw: requests, their answers, and injected faults."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class FilePart:
    name: str
    filename: str
    data: bytes
    content_type: str | None = None


@dataclass(eq=False)
class RequestRecord:
    method: str
    path: str
    route: str | None
    query: dict[str, str]
    body: Any = None
    files: list[FilePart] = field(default_factory=list)
    status: int = 0
    response: Any = None
    at: float = 0.0
    injected: bool = False
    spec_problems: list[str] = field(default_factory=list)

    @property
    def code(self) -> int | None:
        return self.response.get("code") if isinstance(self.response, dict) else None

    def __repr__(self) -> str:
        detail = f" code={self.code}" if self.code is not None else ""
        errors = self.response.get("errors") if isinstance(self.response, dict) else None
        return (
            f"<{self.method} {self.path} -> {self.status}{detail}"
            f"{' errors=' + str(errors)[:400] if errors else ''}{' (injected)' if self.injected else ''}>"
        )


@dataclass(eq=False)
class Fault:
    """An injected REST failure: the next `count` matching requests get `status` instead of being handled."""

    method: str
    pattern: re.Pattern
    status: int | None = 429
    retry_after: float = 0.5
    via: bool = True
    count: int = 1
    is_global: bool = False
    delay: float = 0.0
    code: int = 0
    message: str | None = None
    respond_after: float = 0.0
    hits: list[RequestRecord] = field(default_factory=list)

    def matches(self, method: str, api_path: str, full_path: str) -> bool:
        return (
            self.count > 0
            and self.method in ("*", method)
            and (self.pattern.search(api_path) is not None or self.pattern.search(full_path) is not None)
        )

    def answer(self) -> tuple[int, dict[str, str], dict[str, Any]]:
        headers: dict[str, str] = {}
        if self.via:
            headers["Via"] = "1.1 google"
        if self.status == 429:
            headers["Retry-After"] = f"{self.retry_after:g}"
            headers["X-RateLimit-Scope"] = "shared"
            if self.is_global:
                headers["X-RateLimit-Global"] = "true"
            body: dict[str, Any] = {
                "message": self.message or "You are being rate limited.",
                "retry_after": self.retry_after,
                "global": self.is_global,
            }
            if self.code:
                body["code"] = self.code
            return 429, headers, body
        status = self.status or 500
        return status, headers, {"message": self.message or f"{status}: Injected fault", "code": self.code}


Matcher = int | str | Callable[[RequestRecord], bool]


def rejection_allowed(record: RequestRecord, allowed: tuple[Matcher, ...]) -> bool:
    """int < 600: an HTTP status; other ints: a Discord error code; str: regex on "METHOD path"; callable."""
    for item in allowed:
        if isinstance(item, bool):
            continue
        if isinstance(item, int):
            if (item < 600 and record.status == item) or record.code == item:
                return True
        elif isinstance(item, str):
            if re.search(item, f"{record.method} {record.path}"):
                return True
        elif callable(item) and item(record):
            return True
    return False
