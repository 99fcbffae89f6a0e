"""python -m bench [--quick] [options]: the performance benchmark of the quiz bot (issue 7).

Three scenarios, each run against its contender in the same run, alternating, on loopback only:
the answer burst and start-up drive the real bot process (`python -m bot`) and the bare discord.py bot
(bench/bare_bot.py) through the loopback Discord emulator; the leaderboard times the bot's own code path
against aggregating the answers table. Prints a markdown table with the targets and writes every figure
to bench/results/latest.json. Exits 1 if a correctness check failed (not for a missed target).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import burst, daily, leaderboard, learning, report, startup
from bench.common import REPO_ROOT, json_safe, measured
from bench.machine import describe, summary_line

SCENARIOS = ("burst", "leaderboard", "learning", "startup", "daily")
DEFAULTS = {
    "members": 1000,
    "rounds": 10,
    "lb_members": 100_000,
    "lb_answers": 1_000_000,
    "lb_rounds": 10,
    "lb_samples": 100,
    "lb_agg_samples": 3,
    "servers": 1000,
    "start_rounds": 5,
    "learn_members": 10_000,
    "learn_answers": 1_000_000,
    "learn_samples": 300,
    "daily_servers": 1000,
    "daily_idle": 10_000,
}
QUICK = {
    "members": 300,
    "rounds": 3,
    "lb_members": 10_000,
    "lb_answers": 100_000,
    "lb_rounds": 2,
    "lb_samples": 50,
    "lb_agg_samples": 3,
    "servers": 100,
    "start_rounds": 2,
    "learn_members": 1_000,
    "learn_answers": 50_000,
    "learn_samples": 50,
    "daily_servers": 100,
    "daily_idle": 1_000,
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=(__doc__ or "").split("\n\n")[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"small sizes, for a check in a quarter of a minute ({', '.join(f'{k}={v:,}' for k, v in QUICK.items())})",
    )
    p.add_argument(
        "--only", default=",".join(SCENARIOS), help=f"comma-separated subset of {', '.join(SCENARIOS)} (default: all)"
    )
    g = p.add_argument_group("answer burst")
    g.add_argument("--members", type=int, help=f"distinct members clicking per burst (default {DEFAULTS['members']:,})")
    g.add_argument("--rounds", type=int, help=f"bursts per contender (default {DEFAULTS['rounds']})")
    g = p.add_argument_group("leaderboard")
    g.add_argument("--lb-members", type=int, help=f"members of the server (default {DEFAULTS['lb_members']:,})")
    g.add_argument("--lb-answers", type=int, help=f"stored answers (default {DEFAULTS['lb_answers']:,})")
    g.add_argument("--lb-rounds", type=int, help=f"alternating rounds (default {DEFAULTS['lb_rounds']})")
    g.add_argument(
        "--lb-samples",
        type=int,
        help=f"random members timed per round with the bot's code (default {DEFAULTS['lb_samples']})",
    )
    g.add_argument(
        "--lb-agg-samples",
        type=int,
        help=f"of those, timed per round by aggregating (default {DEFAULTS['lb_agg_samples']})",
    )
    g = p.add_argument_group("learning")
    g.add_argument("--learn-members", type=int, help=f"members of the server (default {DEFAULTS['learn_members']:,})")
    g.add_argument("--learn-answers", type=int, help=f"stored answers (default {DEFAULTS['learn_answers']:,})")
    g.add_argument("--learn-samples", type=int, help=f"members timed (default {DEFAULTS['learn_samples']})")
    g = p.add_argument_group("daily")
    g.add_argument(
        "--daily-servers", type=int, help=f"servers due at the same minute (default {DEFAULTS['daily_servers']:,})"
    )
    g.add_argument("--daily-idle", type=int, help=f"servers configured, none due (default {DEFAULTS['daily_idle']:,})")
    g = p.add_argument_group("start-up")
    g.add_argument("--servers", type=int, help=f"servers in the emulator (default {DEFAULTS['servers']:,})")
    g.add_argument("--start-rounds", type=int, help=f"timed starts per contender (default {DEFAULTS['start_rounds']})")
    g = p.add_argument_group("output")
    g.add_argument(
        "--json",
        type=Path,
        default=REPO_ROOT / "bench" / "results" / "latest.json",
        help="where to write the results (default: bench/results/latest.json)",
    )
    g.add_argument(
        "--workdir",
        type=Path,
        help="keep databases and bot logs here (default: a temporary folder, removed afterwards)",
    )
    g.add_argument(
        "--spec-check",
        action="store_true",
        help="also check every request against Discord's OpenAPI spec (costs emulator CPU)",
    )
    args = p.parse_args(argv)
    sizes = QUICK if args.quick else DEFAULTS
    for key, value in sizes.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.only) - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenario(s) {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")
    for key in (
        "members",
        "rounds",
        "lb_members",
        "lb_answers",
        "lb_rounds",
        "lb_samples",
        "servers",
        "start_rounds",
        "learn_members",
        "learn_answers",
        "learn_samples",
    ):
        if getattr(args, key) < 1:
            p.error(f"--{key.replace('_', '-')} must be at least 1")
    if args.lb_answers < args.lb_members:
        p.error("--lb-answers must be at least --lb-members (every member has answered)")
    args.lb_agg_samples = max(1, min(args.lb_agg_samples, args.lb_samples))
    return args


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {
        "machine": describe(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "config": {k: getattr(args, k) for k in DEFAULTS},
    }
    progress(f"machine: {summary_line(results['machine'])}")
    if "burst" in args.only:
        results["burst"] = await measured(
            f"answer burst: {args.members:,} members × {args.rounds} rounds, null vs bare vs quiz bot",
            burst.run(
                members=args.members, rounds=args.rounds, workdir=workdir, spec_check=args.spec_check, progress=progress
            ),
            progress,
        )
    if "leaderboard" in args.only:
        results["leaderboard"] = await measured(
            f"leaderboard: {args.lb_members:,} members, {args.lb_answers:,} answers",
            leaderboard.run(
                members=args.lb_members,
                answers=args.lb_answers,
                rounds=args.lb_rounds,
                bot_per_round=args.lb_samples,
                agg_per_round=args.lb_agg_samples,
                workdir=workdir,
                progress=progress,
            ),
            progress,
        )
    if "learning" in args.only:
        results["learning"] = await measured(
            f"learning: {args.learn_members:,} members, {args.learn_answers:,} answers",
            learning.run(
                members=args.learn_members,
                answers=args.learn_answers,
                samples=args.learn_samples,
                workdir=workdir,
                progress=progress,
            ),
            progress,
        )
    if "startup" in args.only:
        results["startup"] = await measured(
            f"start-up: {args.servers:,} servers × {args.start_rounds} starts, bare bot vs quiz bot",
            startup.run(
                servers=args.servers,
                rounds=args.start_rounds,
                workdir=workdir,
                spec_check=args.spec_check,
                progress=progress,
            ),
            progress,
        )
    if "daily" in args.only:
        results["daily"] = await measured(
            f"daily: {args.daily_servers:,} servers due at once (100 ms latency, 50/s), {args.daily_idle:,} idle",
            daily.run(servers=args.daily_servers, idle_servers=args.daily_idle, workdir=workdir, progress=progress),
            progress,
        )
    results["targets"] = report.targets(results)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="quizbot-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        results = asyncio.run(run(args, workdir))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(json_safe(results), indent=2) + "\n", encoding="utf-8")
    print(report.markdown(results))
    problems = [f"{name}: {p}" for name in SCENARIOS for p in results.get(name, {}).get("problems", [])]
    for problem in problems:
        print(f"\nproblem: {problem}", file=sys.stderr)
    for name in SCENARIOS:
        for target in results.get(name, {}).get("missed", []):
            print(f"\ntarget missed: {name}: {target}", file=sys.stderr)
    if args.quick:
        print("\n(--quick: small sizes; the targets that need the default sizes are shown but not judged.)")
    print(f"\nResults written to {args.json}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
