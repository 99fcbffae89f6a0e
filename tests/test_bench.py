"""The benchmark keeps working: a small run of each scenario checks what it verifies, not its speed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bench import burst, daily, leaderboard, learning, startup
from bench.__main__ import main as bench_main
from bot.services.scores import ScoreService
from bot.storage.database import Database
from bot.storage.scores import ScoreRepository


def quiet(line: str) -> None:
    pass


async def test_answer_burst_is_answered_and_stored_exactly_once(tmp_path):
    """All three bots answer every click as expected; the quiz bot stores one answer per click (each burst on a
    new round) and the totals add up; each contender goes first in turn."""
    result = await burst.run(members=40, rounds=2, warmup=10, workdir=tmp_path, spec_check=True, progress=quiet)
    assert result["problems"] == []
    for name in ("null", "bare", "quiz"):
        assert result[name]["rounds"] == 2
        assert result[name]["answered"] == result[name]["clicks"] == 80
        assert result[name]["p99_ms"] > 0 and result[name]["throughput"] > 0
    assert result["stored"]["answers"] == result["stored"]["members"] == 2 * 40 + 10
    assert result["stored"]["points"] == result["stored"]["correct"]  # fresh members: every right answer scores
    assert [s["contender"] for s in result["samples"]] == ["null", "bare", "quiz", "bare", "quiz", "null"]
    assert result["ceiling"] > 0 and result["quiz"]["emulator_cores"] > 0


async def test_leaderboard_by_the_bot_equals_aggregating_the_answers(tmp_path):
    """The generated database is consistent, and both ways give identical boards for the sampled members."""
    result = await leaderboard.run(
        members=400, answers=5000, rounds=2, bot_per_round=20, agg_per_round=10, workdir=tmp_path, progress=quiet
    )
    assert result["problems"] == []
    assert result["stored"]["answers"] == 5000 and result["stored"]["members"] == 400
    assert result["compared"] == 2 * 10 + 1 and result["mismatches"] == 0  # +1: a member who never answered
    assert result["bot"]["samples"] == 2 * 20 + 1 and result["aggregation"]["samples"] == 21


async def test_the_learning_scenario_rebuilds_reviews_and_finds_nothing_to_practise(tmp_path):
    """Review state is rebuilt for every answered pair, members who saw the whole deck get nothing to practise,
    and the chart is a PNG."""
    result = await learning.run(members=200, answers=3000, samples=10, workdir=tmp_path, progress=quiet)
    assert result["problems"] == []
    assert 0 < result["reviews_built"] <= 3000
    assert result["pick"]["samples"] == 10 and result["chart"]["bytes"] > 1000


async def test_board_by_aggregation_ranks_ties_like_the_bot(tmp_path):
    """Shared ranks for equal points, the viewer's own line, and none for a member without answers."""
    path = leaderboard.fresh_path(tmp_path / "small.sqlite3")
    generated = await leaderboard.generate(path, members=60, answers=300)
    db = await Database.open(path)
    try:
        scores = ScoreService(ScoreRepository(db), clock=lambda: datetime.now(UTC))
        for member in [*generated.members, 42]:
            mine = await scores.board(leaderboard.GUILD_ID, member)
            theirs = await leaderboard.board_by_aggregation(db, leaderboard.GUILD_ID, member)
            assert mine == theirs
        ranks = [row.rank for row in mine.rows]
        assert len(ranks) == 10 and len(set(ranks)) < len(ranks), "the sample should hold a tie"
        assert mine.me is None and mine.pages == 6
    finally:
        await db.close()


async def test_startup_delivers_every_server_and_reads_memory(tmp_path):
    """Each start gets READY and every GUILD_CREATE, answers a first click, and reports its memory."""
    result = await startup.run(servers=20, rounds=1, workdir=tmp_path, spec_check=True, progress=quiet)
    assert result["problems"] == []
    assert [s["contender"] for s in result["samples"]] == ["bare", "quiz"]
    assert all(s["guild_creates"] == 20 for s in result["samples"])
    for name in ("bare", "quiz"):
        assert 0 < result[name]["ready_s"] <= result[name]["first_reply_s"] < 30
        assert 10 < result[name]["rss_mb"] < 1000


def test_command_line_writes_json_and_the_table(tmp_path, capsys):
    """`python -m bench --only leaderboard …` prints the markdown table with targets and writes the JSON."""
    out = tmp_path / "latest.json"
    code = bench_main(
        [
            "--only",
            "leaderboard",
            "--lb-members",
            "100",
            "--lb-answers",
            "500",
            "--lb-rounds",
            "1",
            "--lb-samples",
            "5",
            "--json",
            str(out),
            "--workdir",
            str(tmp_path / "work"),
        ]
    )
    assert code == 0
    table = capsys.readouterr().out
    assert "| Leaderboard: 100 members, 500 answers" in table and "identical boards | PASS" in table
    data = json.loads(out.read_text())
    assert data["leaderboard"]["mismatches"] == 0 and data["machine"]["nproc"] >= 1
    assert set(data["targets"]) == {"leaderboard_p99", "leaderboard_speedup", "leaderboard_identical"}


async def test_the_daily_fan_out_posts_and_closes_every_server_once(tmp_path):
    """Every due server is posted and recorded once, every closing edit made; an idle pass is timed."""
    result = await daily.run(servers=60, idle_servers=300, workdir=tmp_path, progress=quiet)
    assert result["problems"] == []
    assert result["due"]["floor_s"] == 60 / 50 and result["due"]["last_post_s"] <= result["due"]["last_edit_s"]
    assert result["idle"]["servers"] == 300 and result["idle"]["pass_p99_ms"] > 0
