# pyright: strict
"""Fetch a TRL wheel from the package index once, cache it, and read its files without importing them.

The cache holds the wheel files exactly as the index serves them, named as on the index
(``trl-1.16.0-py3-none-any.whl``). A download is checked against the index's sha256 before it is
moved into place, so a cached file is always a complete, verified wheel.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Protocol, cast

INDEX_URL = "https://pypi.org/simple/trl/"
"""The package index page for trl (PEP 691 JSON)."""
JSON_ACCEPT = "application/vnd.pypi.simple.v1+json"
TIMEOUT_SECONDS = 60.0
VERSION_PATTERN = re.compile(r"^[0-9]+(\.[0-9]+)*([._-]?(a|b|rc|post|dev)[0-9]*)*$")


class WheelError(Exception):
    """A wheel cannot be found, downloaded or read; the message is one line for the user."""


class _Response(Protocol):
    def read(self) -> bytes: ...
    def __enter__(self) -> _Response: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None, /
    ) -> object: ...


Opener = Callable[[urllib.request.Request, float], _Response]


def _urlopen(request: urllib.request.Request, timeout: float) -> _Response:
    return urllib.request.urlopen(request, timeout=timeout)


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/trl-quiz-bot/wheels``, or ``~/.cache/trl-quiz-bot/wheels``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "trl-quiz-bot" / "wheels"


def fetch_wheel(
    version: str,
    cache_dir: Path,
    *,
    index_url: str = INDEX_URL,
    opener: Opener = _urlopen,
) -> Path:
    """Return the path of ``trl-<version>-*.whl`` in ``cache_dir``, downloading it on first use."""
    if not VERSION_PATTERN.match(version):
        raise WheelError(f"{version!r} is not a TRL version number (e.g. 1.16.0)")
    cached = _cached(version, cache_dir)
    if cached is not None:
        return cached
    files = _index_files(index_url, opener)
    wheel = _pick_wheel(files, version)
    if wheel is None:
        latest = _latest_versions(files)
        hint = f"; recent releases: {', '.join(latest)}" if latest else ""
        raise WheelError(f"trl {version} has no wheel on the package index ({index_url}){hint}")
    filename, url, sha256 = wheel
    return _download(url, sha256, cache_dir / filename, opener)


def _cached(version: str, cache_dir: Path) -> Path | None:
    if not cache_dir.is_dir():
        return None
    for path in sorted(cache_dir.glob(f"trl-{version}-*.whl")):
        if zipfile.is_zipfile(path):
            return path
        path.unlink(missing_ok=True)  # a damaged copy: fetch it again
    return None


def _index_files(index_url: str, opener: Opener) -> list[dict[str, object]]:
    request = urllib.request.Request(index_url, headers={"Accept": JSON_ACCEPT})
    try:
        with opener(request, TIMEOUT_SECONDS) as response:
            page: object = json.loads(response.read())
    except (OSError, urllib.error.URLError, ValueError) as exc:
        raise WheelError(f"cannot read the package index {index_url}: {_reason(exc)}") from None
    files = cast("dict[str, object]", page).get("files") if isinstance(page, dict) else None
    if not isinstance(files, list):
        raise WheelError(f"the package index {index_url} did not answer with a PEP 691 file list")
    return [cast("dict[str, object]", f) for f in cast("list[object]", files) if isinstance(f, dict)]


def _pick_wheel(files: list[dict[str, object]], version: str) -> tuple[str, str, str] | None:
    for entry in files:
        filename, url, hashes = entry.get("filename"), entry.get("url"), entry.get("hashes")
        if not (isinstance(filename, str) and isinstance(url, str) and isinstance(hashes, dict)):
            continue
        sha256 = cast("dict[str, object]", hashes).get("sha256")
        if filename.startswith(f"trl-{version}-") and filename.endswith(".whl") and isinstance(sha256, str):
            return filename, url, sha256
    return None


def _latest_versions(files: list[dict[str, object]], count: int = 5) -> list[str]:
    versions: set[str] = set()
    for entry in files:
        match = re.match(r"^trl-([^-]+)-.*\.whl$", str(entry.get("filename", "")))
        if match:
            versions.add(match.group(1))

    def key(v: str) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"[0-9]+", v))

    return sorted(versions, key=key)[-count:]


def _download(url: str, sha256: str, target: Path, opener: Opener) -> Path:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with opener(urllib.request.Request(url), TIMEOUT_SECONDS) as response:
            data = response.read()
    except (OSError, urllib.error.URLError) as exc:
        raise WheelError(f"cannot download {url}: {_reason(exc)}") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise WheelError(f"{target.name}: sha256 {digest} does not match the index's {sha256}")
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-", suffix=".whl")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a cache is shared
        os.replace(tmp, target)  # atomic: another run never sees half a wheel
    except OSError as exc:
        raise WheelError(f"cannot write {target}: {_reason(exc)}") from None
    return target


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


@dataclass
class Wheel:
    """The text files of one release, from a ``.whl`` file or an unpacked wheel folder."""

    origin: str
    _files: dict[str, Callable[[], bytes]]
    _cache: dict[str, str | None] = field(default_factory=dict[str, "str | None"])

    @classmethod
    def open(cls, path: Path) -> Wheel:
        """Open a wheel; raise WheelError if it cannot be read or holds no trl package."""
        files: dict[str, Callable[[], bytes]] = {}
        if path.is_dir():
            for item in path.rglob("*"):
                if item.is_file():
                    files[item.relative_to(path).as_posix()] = item.read_bytes
        else:
            try:
                archive = zipfile.ZipFile(path)
            except (OSError, zipfile.BadZipFile) as exc:
                raise WheelError(f"cannot read {path} as a wheel: {_reason(exc)}") from None
            for name in archive.namelist():
                files[name] = _reader(archive, name)
        wheel = cls(str(path), files)
        if "trl/__init__.py" not in files:
            raise WheelError(f"{path} holds no trl/__init__.py; is it a trl wheel?")
        return wheel

    def text(self, name: str) -> str | None:
        """The file's text, or None if the wheel has no such file (or it is not UTF-8)."""
        if name not in self._cache:
            reader = self._files.get(name)
            try:
                self._cache[name] = None if reader is None else reader().decode("utf-8")
            except (OSError, UnicodeDecodeError, zipfile.BadZipFile):
                self._cache[name] = None
        return self._cache[name]

    def has(self, name: str) -> bool:
        return name in self._files

    @property
    def metadata_path(self) -> str | None:
        """``trl-<version>.dist-info/METADATA``, if the wheel has one."""
        found = [n for n in self._files if re.fullmatch(r"trl-[^/]+\.dist-info/METADATA", n)]
        return found[0] if found else None

    def metadata(self) -> list[tuple[int, str, str]]:
        """The METADATA header as (line, field, value), continuation lines folded in."""
        path = self.metadata_path
        text = self.text(path) if path else None
        headers: list[tuple[int, str, str]] = []
        for number, line in enumerate((text or "").splitlines(), start=1):
            if not line.strip():
                break  # the body (the long description) starts after the first blank line
            if line[0] in " \t" and headers:
                at, name, value = headers[-1]
                headers[-1] = (at, name, f"{value} {line.strip()}")
            elif ":" in line:
                name, _, value = line.partition(":")
                headers.append((number, name.strip(), value.strip()))
        return headers

    def description(self) -> tuple[int, str] | None:
        """The METADATA body (the long description, i.e. the README) and the line it starts on."""
        path = self.metadata_path
        text = self.text(path) if path else None
        if text is None:
            return None
        lines = text.splitlines(keepends=True)
        for index, line in enumerate(lines):
            if not line.strip():
                return index + 2, "".join(lines[index + 1 :])
        return None

    @property
    def version(self) -> str | None:
        return next((v for _, n, v in self.metadata() if n.lower() == "version"), None)


def _reader(archive: zipfile.ZipFile, name: str) -> Callable[[], bytes]:
    return lambda: archive.read(name)
