"""python -m bench.postgres [--quick] [options]: the quiz bot on PostgreSQL, against itself on SQLite.

Three scenarios in one run, on a PostgreSQL server started from the machine's binaries (tests/postgres) with
durable commits (fsync and synchronous_commit on: comparable to the bot's SQLite synchronous=FULL):

1. The answer burst of bench/burst.py (its machinery: a new round and new members per burst, every click built
   before the timed window, each contender with its own emulator, bursts alternating) for the quiz bot on a
   SQLite file against the same bot on PostgreSQL. Besides the bot's CPU (all threads), the PostgreSQL
   server's CPU over the same window (the postmaster and every child process: backends, WAL writer,
   checkpointer...) is read from /proc, so the CPU per click says where the work went.
2. Two bot processes on one PostgreSQL database, shard 0 and shard 1 of 2 on one emulator, each with a server
   of its own: bursts in both servers at once (clicks interleaved), alternating with bursts of one process
   alone in the same setup. Each process's p99 in the paired bursts is compared with the single process's
   of scenario 1 and with the lone process's; the paired bursts' combined throughput is reported.
3. The leaderboard at a million answers: bench/leaderboard.py generates the SQLite database, the bot's
   copy-db (bot.storage.copy) copies it into PostgreSQL, and `ScoreService.board(guild, member)` is timed on
   PostgreSQL, compared with aggregating the answers there (and with the SQLite file's boards).

Prints a markdown table and writes every figure to bench/results/postgres.json. Exits 1 if a correctness
check failed (not for a missed target).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import (
    REPO_ROOT,
    json_safe,
    measured,
)
from bench.machine import describe, summary_line
from bench.pg_board import run_leaderboard
from bench.pg_burst import run_backends
from bench.pg_shards import SHARDS, run_shards
from tests.postgres import PostgresServer

THROUGHPUT_RATIO_MIN = 0.8  # PostgreSQL's burst throughput against SQLite's
LEADERBOARD_P99_MAX_MS = 5.0
SIZE_BOUND = frozenset({"postgres_throughput", "postgres_leaderboard_p99"})  # only judged at the default sizes
DEFAULTS = {
    "members": 1000,
    "rounds": 10,
    "shard_rounds": 6,
    "lb_members": 100_000,
    "lb_answers": 1_000_000,
    "lb_rounds": 10,
    "lb_samples": 100,
    "lb_agg_samples": 3,
}
QUICK = {
    "members": 200,
    "rounds": 3,
    "shard_rounds": 2,
    "lb_members": 10_000,
    "lb_answers": 100_000,
    "lb_rounds": 2,
    "lb_samples": 50,
    "lb_agg_samples": 2,
}


# -- the run, its table and its JSON -----------------------------------------------------------------------------


def _n(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(b) else math.nan


def targets(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    backends = results.get("backends")
    if backends:
        value = backends["throughput_ratio"]
        out["postgres_throughput"] = {
            "target": f"≥ {THROUGHPUT_RATIO_MIN}× SQLite",
            "value": value,
            "pass": value >= THROUGHPUT_RATIO_MIN,
        }
    board = results.get("leaderboard")
    if board:
        value = board["bot"]["p99_ms"]
        out["postgres_leaderboard_p99"] = {
            "target": f"< {LEADERBOARD_P99_MAX_MS:g} ms",
            "value": value,
            "pass": value < LEADERBOARD_P99_MAX_MS,
        }
        out["postgres_leaderboard_identical"] = {
            "target": "identical boards",
            "value": board["mismatches"] + board["sqlite_mismatches"],
            "pass": board["mismatches"] + board["sqlite_mismatches"] == 0,
        }
    return out


def _verdict(results: dict[str, Any], key: str) -> str:
    target = results["targets"].get(key)
    if target is None:
        return ""
    verdict = "PASS" if target["pass"] else "MISS"
    size_bound = results["quick"] and key in SIZE_BOUND
    return f"{target['target']}: **{verdict}**" + (" (--quick: sizes too small to judge)" if size_bound else "")


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"PostgreSQL {results['postgres_version']} ({results['postgres_settings']}) · "
        f"{summary_line(results['machine'])}",
        "",
    ]
    b = results.get("backends")
    if b:
        lite, pg = b["sqlite"], b["postgres"]
        lines += [
            f"| Answer burst: {b['members']:,} members × {b['rounds']} bursts | SQLite | PostgreSQL "
            "| PostgreSQL / SQLite | Target |",
            "|---|---:|---:|---:|---|",
            f"| throughput (answered clicks/s) | {_n(lite['throughput'])} | {_n(pg['throughput'])} "
            f"| {_n(b['throughput_ratio'], 2)} | {_verdict(results, 'postgres_throughput')} |",
            f"| p50 reply latency (ms) | {_n(lite['p50_ms'])} | {_n(pg['p50_ms'])} | {_n(b['p50_ratio'], 2)} | |",
            f"| p99 reply latency (ms) | {_n(lite['p99_ms'])} | {_n(pg['p99_ms'])} | {_n(b['p99_ratio'], 2)} | |",
            f"| bot CPU per click, all threads (ms) | {_n(lite['bot_cpu_ms_per_click'], 3)} "
            f"| {_n(pg['bot_cpu_ms_per_click'], 3)} | {_n(b['bot_cpu_ratio'], 2)} | |",
            f"| PostgreSQL server CPU per click (ms) | – | {_n(pg['server_cpu_ms_per_click'], 3)} | | |",
            f"| bot + server CPU per click (ms) | {_n(lite['total_cpu_ms_per_click'], 3)} "
            f"| {_n(pg['total_cpu_ms_per_click'], 3)} | {_n(b['total_cpu_ratio'], 2)} | |",
            f"| emulator's CPU in the burst (cores) | {_n(lite['emulator_cores'], 2)} "
            f"| {_n(pg['emulator_cores'], 2)} | | near 1.0: the emulator is the ceiling |",
            f"| drift (last third / first third) | {_n(lite['drift'], 2)} | {_n(pg['drift'], 2)} | | |",
            f"| clicks answered | {lite['answered']:,}/{lite['clicks']:,} | {pg['answered']:,}/{pg['clicks']:,} "
            "| | every one |",
            "",
        ]
    s = results.get("shards")
    if s:
        single = (b or {}).get("postgres", {})
        alone = s["alone"]
        lines += [
            f"| Two shard processes on PostgreSQL: {s['members']:,} clicks in each one's server at once "
            f"× {s['rounds']} | p50 (ms) | p99 (ms) | p99 / single process | p99 / one process alone |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, fig in s["paired"].items():
            lines.append(
                f"| {name} (shard {name[-1]} of {SHARDS}), both bursting | {_n(fig['p50_ms'])} | {_n(fig['p99_ms'])} "
                f"| {_n(_ratio(fig['p99_ms'], single.get('p99_ms', math.nan)), 2)} "
                f"| {_n(_ratio(fig['p99_ms'], alone['p99_ms']), 2)} |"
            )
        lines += [
            f"| one shard process bursting alone (same setup) | {_n(alone['p50_ms'])} | {_n(alone['p99_ms'])} "
            f"| {_n(_ratio(alone['p99_ms'], single.get('p99_ms', math.nan)), 2)} | 1.00 |",
            f"| single process (scenario 1, PostgreSQL) | {_n(single.get('p50_ms'))} | {_n(single.get('p99_ms'))} "
            "| 1.00 | |",
            "",
            "| Two shard processes: throughput | clicks/s | / single process | bot CPU per click (ms) "
            "| server CPU per click (ms) | emulator (cores) |",
            "|---|---:|---:|---:|---:|---:|",
            f"| combined, both bursting ({s['combined']['answered']:,}/{s['combined']['clicks']:,} answered) "
            f"| {_n(s['combined']['throughput'])} "
            f"| {_n(_ratio(s['combined']['throughput'], single.get('throughput', math.nan)), 2)} "
            f"| {_n(s['combined']['bot_cpu_ms_per_click'], 3)} | {_n(s['combined']['server_cpu_ms_per_click'], 3)} "
            f"| {_n(s['combined']['emulator_cores'], 2)} |",
            f"| one shard process alone | {_n(alone['throughput'])} "
            f"| {_n(_ratio(alone['throughput'], single.get('throughput', math.nan)), 2)} "
            f"| {_n(alone['bot_cpu_ms_per_click'], 3)} | {_n(alone['server_cpu_ms_per_click'], 3)} | |",
            "",
        ]
    lb = results.get("leaderboard")
    if lb:
        lines += [
            f"| Leaderboard on PostgreSQL: {lb['members']:,} members, {lb['answers']:,} answers | p50 (ms) "
            "| p99 (ms) | max (ms) | Target |",
            "|---|---:|---:|---:|---|",
            f"| `ScoreService.board(guild, member)` ({lb['bot']['samples']} calls) | {_n(lb['bot']['p50_ms'], 2)} "
            f"| {_n(lb['bot']['p99_ms'], 2)} | {_n(lb['bot']['max_ms'], 2)} "
            f"| {_verdict(results, 'postgres_leaderboard_p99')} |",
            f"| aggregating the answers table ({lb['aggregation']['samples']} calls) "
            f"| {_n(lb['aggregation']['p50_ms'], 1)} | {_n(lb['aggregation']['p99_ms'], 1)} "
            f"| {_n(lb['aggregation']['max_ms'], 1)} | |",
            f"| boards identical: to aggregation {lb['compared'] - lb['mismatches']}/{lb['compared']}, "
            f"to SQLite {lb['sqlite_compared'] - lb['sqlite_mismatches']}/{lb['sqlite_compared']} | | | "
            f"| {_verdict(results, 'postgres_leaderboard_identical')} |",
            "",
            f"Leaderboard data: generated in SQLite in {lb['generate_seconds']:.0f} s, copied by copy-db "
            f"({lb['copy']['rows']:,} rows) in {lb['copy']['seconds']:.0f} s, "
            f"{lb['database_mb']:.0f} MB in PostgreSQL.",
        ]
    loads = [
        f"{name} {results[name]['other_load']['other_cores']:.2f}"
        for name in ("backends", "shards", "leaderboard")
        if name in results
    ]
    lines.append(
        f"Other processes' load meanwhile (cores of {results['machine']['nproc']}): {', '.join(loads)}; "
        f"the whole run took {results['seconds']:.0f} s."
    )
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.postgres", description=(__doc__ or "").split("\n\n")[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"small sizes, for a check in under a minute ({', '.join(f'{k}={v:,}' for k, v in QUICK.items())})",
    )
    p.add_argument("--members", type=int, help="clicks per burst, in each server (default 1,000)")
    p.add_argument("--rounds", type=int, help="bursts per backend in scenario 1 (default 10)")
    p.add_argument("--shard-rounds", type=int, help="rounds of scenario 2, each a paired and a lone burst (default 6)")
    p.add_argument("--lb-members", type=int, help="members of the leaderboard's server (default 100,000)")
    p.add_argument("--lb-answers", type=int, help="stored answers (default 1,000,000)")
    p.add_argument("--lb-rounds", type=int, help="rounds of timed boards (default 10)")
    p.add_argument("--lb-samples", type=int, help="boards timed per round (default 100)")
    p.add_argument("--lb-agg-samples", type=int, help="of those, also aggregated per round (default 3)")
    p.add_argument(
        "--json",
        type=Path,
        default=REPO_ROOT / "bench" / "results" / "postgres.json",
        help="where to write the results (default: bench/results/postgres.json)",
    )
    p.add_argument("--workdir", type=Path, help="keep databases and bot logs here (default: a temporary folder)")
    p.add_argument("--spec-check", action="store_true", help="check every request against Discord's OpenAPI spec")
    args = p.parse_args(argv)
    for key, value in (QUICK if args.quick else DEFAULTS).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    for key in DEFAULTS:
        if getattr(args, key) < 1:
            p.error(f"--{key.replace('_', '-')} must be at least 1")
    if args.lb_answers < args.lb_members:
        p.error("--lb-answers must be at least --lb-members (every member has answered)")
    args.lb_agg_samples = max(1, min(args.lb_agg_samples, args.lb_samples))
    return args


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def server_facts(server: PostgresServer) -> tuple[str, str]:
    conn = await asyncpg.connect(server.url())
    try:
        version = await conn.fetchval("SHOW server_version")
        settings = [
            f"{name}={await conn.fetchval(f'SHOW {name}')}"
            for name in ("fsync", "synchronous_commit", "full_page_writes")
        ]
    finally:
        await conn.close()
    return str(version), ", ".join(settings)


async def run(
    *,
    server: PostgresServer,
    workdir: Path,
    members: int,
    rounds: int,
    shard_rounds: int,
    lb_members: int,
    lb_answers: int,
    lb_rounds: int,
    lb_samples: int,
    lb_agg_samples: int,
    warmup: int | None = None,
    quick: bool = False,
    spec_check: bool = False,
    progress=print,
) -> dict[str, Any]:
    """The three scenarios on `server` (its migrated template built: tests.postgres.build_template)."""
    started = time.monotonic()
    version, settings = await server_facts(server)
    results: dict[str, Any] = {
        "machine": describe(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "postgres_version": version,
        "postgres_settings": settings,
        "config": {
            "members": members,
            "rounds": rounds,
            "shard_rounds": shard_rounds,
            "lb_members": lb_members,
            "lb_answers": lb_answers,
            "lb_rounds": lb_rounds,
            "lb_samples": lb_samples,
            "lb_agg_samples": lb_agg_samples,
        },
    }
    progress(f"machine: {summary_line(results['machine'])}; PostgreSQL {version} ({settings})")

    results["backends"] = await measured(
        f"answer burst: {members:,} members × {rounds} bursts, quiz bot on SQLite vs on PostgreSQL",
        run_backends(
            server=server,
            members=members,
            rounds=rounds,
            workdir=workdir,
            spec_check=spec_check,
            warmup=warmup,
            progress=progress,
        ),
        progress,
    )
    results["shards"] = await measured(
        f"two shard processes: {members:,} clicks in each one's server at once × {shard_rounds}, and alone",
        run_shards(
            server=server,
            members=members,
            rounds=shard_rounds,
            workdir=workdir,
            spec_check=spec_check,
            warmup=warmup,
            progress=progress,
        ),
        progress,
    )
    results["leaderboard"] = await measured(
        f"leaderboard: {lb_members:,} members, {lb_answers:,} answers, on PostgreSQL",
        run_leaderboard(
            server=server,
            members=lb_members,
            answers=lb_answers,
            rounds=lb_rounds,
            bot_per_round=lb_samples,
            agg_per_round=lb_agg_samples,
            workdir=workdir,
            progress=progress,
        ),
        progress,
    )
    results["targets"] = targets(results)
    results["seconds"] = time.monotonic() - started
    return results


@contextlib.asynccontextmanager
async def durable_server():
    """A PostgreSQL server of its own, commits flushed to disk, with the bot's migrated template."""
    from tests import postgres

    server = postgres.start_server(durable=True)  # returns once it accepts connections
    try:
        await postgres.build_template(server)
        yield server
    finally:
        postgres.remove(server)


async def _main(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    async with durable_server() as server:
        return await run(
            server=server,
            workdir=workdir,
            members=args.members,
            rounds=args.rounds,
            shard_rounds=args.shard_rounds,
            lb_members=args.lb_members,
            lb_answers=args.lb_answers,
            lb_rounds=args.lb_rounds,
            lb_samples=args.lb_samples,
            lb_agg_samples=args.lb_agg_samples,
            quick=args.quick,
            spec_check=args.spec_check,
            progress=progress,
        )


def problems_of(results: dict[str, Any]) -> list[str]:
    return [f"{name}: {p}" for name in ("backends", "shards", "leaderboard") for p in results.get(name, {})["problems"]]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="quizbot-bench-pg-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        results = asyncio.run(_main(args, workdir))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(json_safe(results), indent=2) + "\n", encoding="utf-8")
    print(markdown(results))
    problems = problems_of(results)
    for problem in problems:
        print(f"\nproblem: {problem}", file=sys.stderr)
    for key, target in results["targets"].items():
        if not target["pass"]:
            print(f"\ntarget missed: {key}: {target['target']} (got {_n(target['value'], 2)})", file=sys.stderr)
    print(f"\nResults written to {args.json}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
