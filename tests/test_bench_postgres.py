"""bench/postgres.py keeps working: a tiny run of its three scenarios checks what they verify, never their speed."""

from __future__ import annotations

import json

from bench import postgres as bench_pg
from bench.common import json_safe


def quiet(line: str) -> None:
    pass


async def test_postgres_benchmark_answers_and_stores_every_click_once_on_both_backends(postgres_server, tmp_path):
    """Every click answered as expected and stored once on SQLite and on PostgreSQL; the two shard processes
    stored every click of both servers (and each got only its own server's clicks); the leaderboard on
    PostgreSQL equals aggregating its answers, and the SQLite file's boards it was copied from."""
    members, warmup = 30, 10
    result = await bench_pg.run(
        server=postgres_server,
        workdir=tmp_path,
        members=members,
        rounds=2,
        shard_rounds=1,
        warmup=warmup,
        lb_members=300,
        lb_answers=3000,
        lb_rounds=1,
        lb_samples=10,
        lb_agg_samples=5,
        quick=True,
        spec_check=True,
        progress=quiet,
    )
    assert bench_pg.problems_of(result) == []

    backends = result["backends"]
    for name in ("sqlite", "postgres"):
        assert backends[name]["answered"] == backends[name]["clicks"] == 2 * members
        stored = backends["stored"][name]
        assert stored["answers"] == stored["members"] == 2 * members + warmup
        assert stored["points"] == stored["correct"]  # fresh members: every right answer scores
    assert [s["contender"] for s in backends["samples"]] == ["sqlite", "postgres", "postgres", "sqlite"]
    assert all(s["server_cpu_s"] is not None for s in backends["samples"] if s["contender"] == "postgres")

    shards = result["shards"]
    assert shards["combined"]["answered"] == shards["combined"]["clicks"] == 2 * members
    assert all(fig["answered"] == fig["clicks"] == members for fig in shards["paired"].values())
    assert shards["alone"]["answered"] == shards["alone"]["clicks"] == members
    # Warm-up and paired bursts in both servers, the lone burst (round 1) in shard 0's.
    assert shards["stored"]["by_server"] == {"shard0": warmup + 2 * members, "shard1": warmup + members}
    assert shards["stored"]["answers"] == 2 * warmup + 3 * members

    board = result["leaderboard"]
    assert board["stored"]["answers"] == 3000 and board["stored"]["members"] == 300
    assert board["copy"]["figures_match"]
    assert board["compared"] == 5 + 1 and board["mismatches"] == 0  # +1: a member who never answered
    assert board["sqlite_compared"] == 51 and board["sqlite_mismatches"] == 0
    assert result["targets"]["postgres_leaderboard_identical"]["pass"]

    table = bench_pg.markdown(result)
    assert f"PostgreSQL {result['postgres_version']}" in table and "| Answer burst: 30 members × 2 bursts" in table
    assert json.loads(json.dumps(json_safe(result)))["shards"]["stored"]["by_server"]["shard1"] == 40
