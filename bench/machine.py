"""What the figures were measured on."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from importlib.metadata import version
from typing import Any

from bench.common import REPO_ROOT


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5, check=True)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def describe() -> dict[str, Any]:
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "ram_gib": round(_ram_gib(), 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "discord.py": version("discord.py"),
        "aiosqlite": version("aiosqlite"),
        "aiohttp": version("aiohttp"),
        "loadavg": os.getloadavg()[0],
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--", "bot", "migrations", "content")),
    }


def summary_line(m: dict[str, Any]) -> str:
    commit = f"{m['commit']}{' (modified)' if m['dirty'] else ''}" if m["commit"] else "unknown"
    return (
        f"{m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']:g} GiB RAM, Linux {m['kernel']}, "
        f"Python {m['python']}, SQLite {m['sqlite']}, discord.py {m['discord.py']}, "
        f"aiosqlite {m['aiosqlite']}; commit {commit}; load {m['loadavg']:.2f} at start"
    )
