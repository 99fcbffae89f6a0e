"""Gateway sharding in the loopback emulator, driven by real discord.py processes (bench/sharded_bare_bot.py).

Each process is an AutoShardedBot given a shard count and the shard ids it owns. A guild belongs to shard
(guild_id >> 22) % shard_count; the emulator sends a session only its own shard's guilds and interactions.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from discord_loopback import DiscordEmulator, Guild, Member, Message, shard_of
from discord_loopback.rawclient import RawClient

from tests.harness import REPO_ROOT, BotProcess, running

SHARDED_BOT = [sys.executable, str(REPO_ROOT / "bench" / "sharded_bare_bot.py")]


def sharded_bot(emu: DiscordEmulator, workdir: Path, *shard_args: int, pacing: str | None = None) -> BotProcess:
    """A bot process: shard_args are SHARD_COUNT followed by the shard ids it owns (none: all of them)."""
    env = {"QUIZBOT_LOG_LEVEL": "INFO"}
    if pacing is not None:
        env["QUIZBOT_IDENTIFY_PACING"] = pacing
    return BotProcess(emu, workdir, argv=SHARDED_BOT + [str(a) for a in shard_args], env=env)


async def ask_shards(emu: DiscordEmulator, guild: Guild, member: Member) -> str:
    """What the process answering in `guild` says about itself: its shard ids and the guilds in its cache."""
    return (await (await emu.run_command(member, guild.channel_id, "shards")).reply(timeout=10)).text


async def click_answer(emu: DiscordEmulator, guild: Guild, name: str) -> str:
    asker = emu.add_member(guild.id, f"{name}-asker")
    post = await (await emu.run_command(asker, guild.channel_id, "quiz trl")).reply(timeout=10)
    clicker = emu.add_member(guild.id, name)
    return (await (await emu.click(clicker, post, button(post, 0))).reply(timeout=10)).text


def button(post: Message, index: int) -> str:
    custom_id = post.buttons[index].custom_id
    assert custom_id is not None
    return custom_id


def guild_ids(payloads: list[dict]) -> set[int]:
    return {int(p["d"]["id"]) for p in payloads}


def ids_text(guilds: list[Guild]) -> str:
    return ",".join(str(g.id) for g in sorted(guilds, key=lambda g: g.id))


async def test_add_guild_picks_ids_on_the_shard_and_gateway_bot_recommends(emulator: DiscordEmulator):
    """add_guild(shard=...) lands where asked; /gateway/bot reports the shard count and max_concurrency."""
    for count in (2, 3, 16):
        for shard_id in range(count):
            guild = emulator.add_guild(f"g{shard_id}/{count}", shard=(shard_id, count))
            assert (guild.id >> 22) % count == shard_id == shard_of(guild.id, count)
    ids = sorted(emulator.guilds)
    assert len(set(ids)) == len(ids) and emulator.ids.next() > ids[-1]  # ids stay unique and increasing
    assert shard_of(None, 4) == 0  # DMs go to shard 0

    emulator.max_concurrency = 4
    emulator.max_guilds_per_shard = 10
    async with RawClient(emulator) as raw:
        status, body, _ = await raw.request("GET", "/gateway/bot")
    assert status == 200
    assert body["shards"] == 3  # 22 guilds, at most 10 a shard
    assert body["session_start_limit"]["max_concurrency"] == 4
    assert body["url"] == emulator.gateway_url


async def test_two_processes_each_get_and_answer_only_their_shard(emulator: DiscordEmulator, tmp_path: Path):
    """Shard 0 and shard 1 in two processes: each sees only its guilds and answers only their clicks."""
    emulator.max_concurrency = 2  # two processes identify at once: they must be in different buckets
    zero = emulator.add_guild("Zero", channel_name="quiz", shard=(0, 2))
    one = emulator.add_guild("One", channel_name="quiz", shard=(1, 2))
    on_shard = {i: [g for g in emulator.guilds.values() if shard_of(g.id, 2) == i] for i in (0, 1)}
    assert zero in on_shard[0] and one in on_shard[1] and emulator.guild in on_shard[0] + on_shard[1]

    proc_a = sharded_bot(emulator, tmp_path / "a", 2, 0)
    proc_b = sharded_bot(emulator, tmp_path / "b", 2, 1)
    async with running(proc_a, timeout=30), running(proc_b, timeout=30):
        a, b = await emulator.wait_for_shards([(0, 2), (1, 2)])
        await emulator.wait_for_commands({"quiz", "shards"})
        assert emulator.sessions == [a, b] and a.shard == (0, 2) and b.shard == (1, 2)
        assert emulator.identify_violations == []
        for session, shard_id in ((a, 0), (b, 1)):
            assert emulator.shard_session(shard_id) is session
            ready = emulator.sent_dispatches("READY", shard=(shard_id, 2))
            assert len(ready) == 1 and ready[0]["d"]["shard"] == [shard_id, 2]
            assert {int(g["id"]) for g in ready[0]["d"]["guilds"]} == {g.id for g in on_shard[shard_id]}
            creates = emulator.sent_dispatches("GUILD_CREATE", shard=(shard_id, 2))
            assert guild_ids(creates) == {g.id for g in on_shard[shard_id]}
        assert emulator.session_for(zero.id) is a and emulator.session_for(one.id) is b
        assert emulator.session_for(None) is a  # DMs: shard 0

        # The bots' own caches hold only their shard's guilds, and the process that owns a guild answers.
        assert await ask_shards(emulator, zero, emulator.add_member(zero.id, "z")) == (
            f"shards 0 guilds {ids_text(on_shard[0])}"
        )
        assert await ask_shards(emulator, one, emulator.add_member(one.id, "o")) == (
            f"shards 1 guilds {ids_text(on_shard[1])}"
        )
        assert await click_answer(emulator, zero, "zed") == "ok from shards 0"
        assert await click_answer(emulator, one, "uno") == "ok from shards 1"
        a_ix = {p["d"]["guild_id"] for p in emulator.sent_dispatches("INTERACTION_CREATE", shard=(0, 2))}
        b_ix = {p["d"]["guild_id"] for p in emulator.sent_dispatches("INTERACTION_CREATE", shard=(1, 2))}
        assert a_ix == {str(zero.id)} and b_ix == {str(one.id)}

        # A guild joined later goes to its own shard's session only.
        late = emulator.add_guild("Late", channel_name="quiz", shard=(1, 2))
        assert late.id in guild_ids(emulator.sent_dispatches("GUILD_CREATE", shard=(1, 2)))
        assert late.id not in guild_ids(emulator.sent_dispatches("GUILD_CREATE", shard=(0, 2)))
        assert await click_answer(emulator, late, "late") == "ok from shards 1"

        # Shard 1's process stops (a 1000 close ends its session): its clicks wait for the next shard 1.
        post = await (await emulator.run_command(emulator.add_member(one.id, "p"), one.channel_id, "quiz trl")).reply()
        await proc_b.stop()
        assert b.invalid and emulator.sessions == [a] and emulator.session_for(one.id) is None
        waiting = await emulator.click(emulator.add_member(one.id, "patient"), post, button(post, 1))
        assert emulator.pending_interactions == [waiting] and waiting.delivered_at is None
        assert await click_answer(emulator, zero, "meanwhile") == "ok from shards 0"  # shard 0 is unaffected
        await proc_b.start(timeout=30)
        fresh = await emulator.wait_for_session(shard=(1, 2), newer_than=b.number)
        assert (await waiting.reply(timeout=10)).text == "ok from shards 1"
        assert emulator.pending_interactions == [] and emulator.session_for(one.id) is fresh


async def test_one_process_with_both_shards_gets_everything_paced_by_discord_py(
    emulator: DiscordEmulator, tmp_path: Path
):
    """shard_ids [0, 1] in one process: both guild sets, and discord.py's 5 s pause between IDENTIFYs."""
    zero = emulator.add_guild("Zero", channel_name="quiz", shard=(0, 2))
    one = emulator.add_guild("One", channel_name="quiz", shard=(1, 2))
    async with running(sharded_bot(emulator, tmp_path / "both", 2, 0, 1), timeout=30):
        a, b = await emulator.wait_for_shards([(0, 2), (1, 2)], timeout=30)
        await emulator.wait_for_commands({"quiz", "shards"})
        every = ids_text(list(emulator.guilds.values()))
        assert await ask_shards(emulator, one, emulator.add_member(one.id, "o")) == f"shards 0,1 guilds {every}"
        assert await click_answer(emulator, zero, "zed") == "ok from shards 0,1"
        assert await click_answer(emulator, one, "uno") == "ok from shards 0,1"
        assert guild_ids(emulator.sent_dispatches("GUILD_CREATE", shard=(0, 2))).isdisjoint(
            guild_ids(emulator.sent_dispatches("GUILD_CREATE", shard=(1, 2)))
        )
    first, second = emulator.identifies
    assert (first.shard, second.shard) == ((0, 2), (1, 2)) and first.session is a and second.session is b
    assert first.bucket == second.bucket == 0  # max_concurrency 1: one bucket
    assert second.at - first.at >= 5.0 and emulator.identify_violations == []


@pytest.mark.parametrize("shard", [(2, 2), (5, 2), (0, 0)], ids=["id-equals-count", "id-above", "count-0"])
async def test_an_invalid_shard_is_closed_with_4010(emulator: DiscordEmulator, tmp_path: Path, shard):
    """IDENTIFY with shard [id, count] where id >= count, or count < 1: close 4010, and discord.py gives up."""
    shard_id, shard_count = shard
    proc = sharded_bot(emulator, tmp_path / "bad", shard_count, shard_id)
    await proc.start(wait=False)
    try:
        assert proc.proc is not None
        code = await asyncio.wait_for(proc.proc.wait(), 30)
    finally:
        await proc.kill()
    assert code != 0, proc.log_tail()
    assert [(r.shard, r.close_code, r.accepted) for r in emulator.identifies] == [(shard, 4010, False)]
    assert emulator.session is None and emulator.sessions == []
    assert "4010" in proc.log_text()


async def test_too_many_guilds_for_one_shard_is_closed_with_4011(emulator: DiscordEmulator, tmp_path: Path):
    """More guilds on a shard than allowed: 4011 Sharding required; the recommended count would fit."""
    emulator.max_guilds_per_shard = 1
    emulator.add_guild("Second")
    assert emulator.recommended_shard_count() == 2
    proc = sharded_bot(emulator, tmp_path / "one-shard", 1)
    await proc.start(wait=False)
    try:
        assert proc.proc is not None
        code = await asyncio.wait_for(proc.proc.wait(), 30)
    finally:
        await proc.kill()
    assert code != 0 and "4011" in proc.log_text(), proc.log_tail()
    assert [(r.shard, r.close_code) for r in emulator.identifies] == [((0, 1), 4011)]


async def test_identifies_too_fast_are_recorded_as_violations(emulator: DiscordEmulator, tmp_path: Path):
    """A bot that does not pace its IDENTIFYs: the second one of bucket 0 inside 5 s is a violation."""
    async with running(sharded_bot(emulator, tmp_path / "rush", 2, 0, 1, pacing="none"), timeout=30):
        await emulator.wait_for_shards([(0, 2), (1, 2)])
    first, second = emulator.identifies
    assert second.at - first.at < 5.0
    assert not first.violation and second.violation and emulator.identify_violations == [second]
    assert second.accepted  # recorded, not enforced by default


async def test_bucket_pacing_uses_max_concurrency(emulator: DiscordEmulator, tmp_path: Path):
    """max_concurrency 2: shards 0 and 1 identify together, 2 and 3 wait 5 s for their buckets; no violation."""
    emulator.max_concurrency = 2
    async with running(sharded_bot(emulator, tmp_path / "buckets", 4, pacing="buckets"), timeout=30):
        await emulator.wait_for_shards([(i, 4) for i in range(4)], timeout=30)
    ids = emulator.identifies
    assert [r.shard for r in ids] == [(i, 4) for i in range(4)] and [r.bucket for r in ids] == [0, 1, 0, 1]
    assert emulator.identify_violations == [] and all(r.accepted for r in ids)
    assert ids[1].at - ids[0].at < 2.5  # a different bucket need not wait
    assert ids[2].at - ids[0].at >= 5.0 and ids[3].at - ids[1].at >= 5.0


async def test_enforced_identify_rate_answers_op_9_and_discord_py_retries(emulator: DiscordEmulator, tmp_path: Path):
    """With enforce_identify_rate, a second bucket-0 IDENTIFY inside 5 s gets op 9; discord.py's 5 s pause fixes it."""
    emulator.enforce_identify_rate = True
    proc_a = sharded_bot(emulator, tmp_path / "a", 2, 0)
    proc_b = sharded_bot(emulator, tmp_path / "b", 2, 1)
    async with running(proc_a, timeout=30), running(proc_b, timeout=30):
        await emulator.wait_for_shards([(0, 2), (1, 2)], timeout=30)
    refused = [r for r in emulator.identifies if r.invalidated]
    accepted = [r for r in emulator.identifies if r.accepted]
    assert [r.shard for r in accepted] == [(0, 2), (1, 2)]
    assert refused and all(r.shard == (1, 2) and not r.accepted for r in refused)
    assert accepted[1].at - accepted[0].at >= 5.0
