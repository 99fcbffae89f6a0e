"""Several bot processes, each owning some shards of one application, on one PostgreSQL server.

The real bot processes (`python -m bot` with QUIZBOT_SHARD_COUNT/QUIZBOT_SHARD_IDS and QUIZBOT_DATABASE_URL)
against the emulator, which gives each gateway session only its shard's servers, and a real PostgreSQL
server started from its binaries: bursts in servers of both shards at once, a SIGKILL of one process in the
middle of its burst, a PostgreSQL restart under clicks, the daily question on both shards, and a second
process refused on one SQLite file.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from tests.e2e.quiz import answer_button, is_question, right_letter
from tests.harness import REPO_ROOT, BotProcess

COUNT = 2


def shard_bot(emulator, tmp_path, url: str, *ids: int) -> BotProcess:
    name = "shard-" + "-".join(map(str, ids))
    env = {"QUIZBOT_DATABASE_URL": url, "QUIZBOT_SHARD_COUNT": str(COUNT), "QUIZBOT_SHARD_IDS": ",".join(map(str, ids))}
    return BotProcess(emulator, tmp_path / name, env=env)


async def rows(url: str, sql: str, *args) -> list[tuple]:
    conn = await asyncpg.connect(url)
    try:
        return [tuple(r) for r in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


async def open_question(emulator, guild, starter, seconds=300):
    await (
        await emulator.run_command(starter, guild.channel_id, "quiz trl", {"questions": 2, "seconds": seconds})
    ).response()
    return await emulator.wait_for_message(guild.channel_id, lambda m: is_question(m, 1))


async def assert_totals_match_answers(url: str) -> None:
    by_answers = await rows(
        url,
        "SELECT guild_id, member_id, COUNT(*), SUM(correct), SUM(points) FROM answers"
        " GROUP BY guild_id, member_id ORDER BY guild_id, member_id",
    )
    by_scores = await rows(
        url, "SELECT guild_id, member_id, answered, correct, points FROM scores ORDER BY guild_id, member_id"
    )
    assert by_answers == by_scores
    doubled = await rows(url, "SELECT post_id, member_id FROM answers GROUP BY post_id, member_id HAVING COUNT(*) > 1")
    assert doubled == []


@pytest.fixture
async def two_shards(emulator, postgres_server, tmp_path):
    """Shard 0 and shard 1 of one application, each in its own process, on one fresh PostgreSQL database
    (unmigrated: the two processes start together and migrate it once between them)."""
    url = await postgres_server.fresh_database(migrated=False)
    guilds = [emulator.add_guild(f"Shard {s} server", channel_name="quiz", shard=(s, COUNT)) for s in range(COUNT)]
    procs = [shard_bot(emulator, tmp_path, url, s) for s in range(COUNT)]
    await asyncio.gather(*(p.start(wait=False) for p in procs))
    await emulator.wait_for_shards([(s, COUNT) for s in range(COUNT)], timeout=60)
    await emulator.wait_for_commands({"quiz"}, timeout=30)
    try:
        yield url, guilds, procs
    finally:
        for proc in procs:
            await proc.stop()


async def test_two_shard_processes_answer_their_own_servers_and_a_killed_one_loses_nothing(emulator, two_shards):
    """Bursts in a server of each shard at once; shard 0's process is SIGKILLed halfway through its burst
    and started again. Every answer a member was told counted is stored, none twice; shard 1's process
    answered every click meanwhile; the scores are what the answers add up to."""
    url, (g0, g1), (p0, p1) = two_shards
    assert {s.shard[0] for s in emulator.sessions} == {0, 1}
    # The two processes started together; their identifies took turns (max_concurrency 1: 5 s apart).
    assert len(emulator.identifies) >= 2 and emulator.identify_violations == []
    posts = [await open_question(emulator, g, emulator.add_member(g.id, f"starter{g.id}")) for g in (g0, g1)]
    members = {g.id: [emulator.add_member(g.id, f"m{g.id}-{i}") for i in range(80)] for g in (g0, g1)}
    buttons = [answer_button(post, right_letter(post)) for post in posts]

    handles0, handles1 = [], []
    for i in range(80):  # interleaved, as members of two busy servers click
        handles1.append(await emulator.click(members[g1.id][i], posts[1], buttons[1]))
        if p0.running:
            handles0.append(await emulator.click(members[g0.id][i], posts[0], buttons[0]))
        if i == 40:
            await p0.kill()
    replies1 = await asyncio.gather(*(h.reply(timeout=20) for h in handles1))
    assert all("Correct" in r.text for r in replies1), [r.text for r in replies1 if "Correct" not in r.text][:3]

    confirmed = {
        h.member.id for h in handles0 if h.callback is not None and h.messages and "Correct" in h.messages[0].text
    }
    stored = {m for (m,) in await rows(url, "SELECT member_id FROM answers WHERE guild_id = $1", g0.id)}
    assert confirmed <= stored, f"told it counted but not stored: {confirmed - stored}"

    await p0.start(timeout=60)
    for member in members[g0.id]:
        reply = await (await emulator.click(member, posts[0], buttons[0])).reply(timeout=15)
        expected = "already answered" if member.id in stored else "Correct"
        assert expected in reply.text, (member.name, reply.text)
    assert p1.running and p1.starts == 1  # shard 1's process never stopped
    assert emulator.identify_violations == []  # the restart waited for its turn too
    counts = dict(await rows(url, "SELECT guild_id, COUNT(*) FROM answers GROUP BY guild_id"))
    assert counts == {g0.id: 80, g1.id: 80}
    await assert_totals_match_answers(url)
    # Each process's session was given only its own server's clicks.
    for shard, mine in ((0, g0.id), (1, g1.id)):
        clicks = emulator.sent_dispatches("INTERACTION_CREATE", shard=(shard, COUNT))
        guilds = {int(c["d"]["guild_id"]) for c in clicks if c["d"]["type"] == 3}
        assert guilds == {mine}, (shard, guilds)


async def test_the_daily_question_of_servers_on_both_shards_posts_exactly_once(emulator, postgres_server, tmp_path):
    """Schedules due now in a server of each shard: each posts once, by its own shard's process, and a
    restart of both processes posts nothing again."""
    url = await postgres_server.fresh_database()
    guilds = [emulator.add_guild(f"Daily {s}", channel_name="quiz", shard=(s, COUNT)) for s in range(COUNT)]
    zone = next(z for z in ("UTC", "Asia/Tokyo", "America/New_York") if 1 <= datetime.now(ZoneInfo(z)).hour <= 22)
    local = datetime.now(ZoneInfo(zone)) - timedelta(minutes=2)
    set_at = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="microseconds")
    conn = await asyncpg.connect(url)
    try:
        for g in guilds:
            await conn.execute(
                "INSERT INTO daily_schedules (guild_id, channel_id, local_time, timezone, deck, updated_by, updated_at)"
                " VALUES ($1, $2, $3, $4, 'trl', 1, $5)",
                g.id,
                g.channel_id,
                local.strftime("%H:%M"),
                zone,
                set_at,
            )
    finally:
        await conn.close()
    procs = [shard_bot(emulator, tmp_path, url, s) for s in range(COUNT)]
    try:
        for _ in range(2):  # the second start finds the day done
            before = emulator.session_number
            await asyncio.gather(*(p.start(wait=False) for p in procs))
            await emulator.wait_for_shards([(s, COUNT) for s in range(COUNT)], timeout=60, newer_than=before)
            for g in guilds:
                await emulator.wait_for_message(g.channel_id, lambda m: bool(m.embeds), timeout=30)
            await asyncio.sleep(1.5)  # room for a wrong second post to show up
            for p in procs:
                await p.stop()
        for g in guilds:
            posted = [m for m in emulator.channel_messages(g.channel_id) if m.embeds]
            assert len(posted) == 1, (g.id, len(posted))
        days = await rows(url, "SELECT guild_id, status FROM daily_posts ORDER BY guild_id")
        assert days == sorted((g.id, "posted") for g in guilds)
    finally:
        for p in procs:
            await p.stop()


async def test_a_postgresql_restart_under_clicks_is_said_plainly_and_both_processes_recover_by_themselves(
    emulator, two_shards, postgres_server
):
    """While the server is down a click in either shard's server is told its answer was not saved (never that it
    counted); once the server is back, the same clicks count, without restarting either process."""
    url, guilds, procs = two_shards
    posts = [await open_question(emulator, g, emulator.add_member(g.id, f"starter{g.id}")) for g in guilds]
    buttons = [answer_button(post, right_letter(post)) for post in posts]
    early = [emulator.add_member(g.id, f"early{g.id}") for g in guilds]
    for member, post, button in zip(early, posts, buttons, strict=True):
        assert "Correct" in (await (await emulator.click(member, post, button)).reply(timeout=10)).text
    late = [emulator.add_member(g.id, f"late{g.id}") for g in guilds]
    postgres_server.stop()
    try:
        for member, post, button in zip(late, posts, buttons, strict=True):
            refused = await (await emulator.click(member, post, button)).reply(timeout=20)
            assert "couldn't save your answer" in refused.text and "not counted" in refused.text, refused.text
            assert "Correct" not in refused.text
    finally:
        postgres_server.start()
    for member, post, button in zip(late, posts, buttons, strict=True):
        for _ in range(40):  # the pools reconnect on their own; a retry a moment later counts
            reply = await (await emulator.click(member, post, button)).reply(timeout=20)
            if "couldn't save" not in reply.text:
                break
            await asyncio.sleep(0.5)
        assert "Correct" in reply.text, reply.text
    assert all(p.running and p.starts == 1 for p in procs)
    stored = sorted(m for (m,) in await rows(url, "SELECT member_id FROM answers"))
    assert stored == sorted(m.id for m in early + late)
    await assert_totals_match_answers(url)


@pytest.mark.allow_rejected()
async def test_a_second_process_on_the_same_sqlite_file_is_refused_in_one_line(emulator, bot, tmp_path):
    """SQLite is for one process: a second bot on the running one's file stops at start, saying why."""
    second = BotProcess(emulator, bot.workdir)
    await second.start(wait=False)
    assert second.proc is not None
    code = await asyncio.wait_for(second.proc.wait(), 30)
    assert code == 2
    last = second.log_text().strip().splitlines()[-1]
    assert last.startswith("error: ") and "in use by another bot process" in last and "QUIZBOT_DATABASE_URL" in last
    assert bot.running


async def test_a_sqlite_deployment_moved_with_copy_db_keeps_every_answer_and_button(emulator, bot, postgres_server):
    """A bot on SQLite takes answers; it stops, `copy-db` moves its file into PostgreSQL and counts both sides;
    started as two shard processes on PostgreSQL, the same members find their answers already counted (in
    whichever process owns the server now) and their scores intact."""
    g = emulator.guild
    post = await open_question(emulator, g, emulator.add_member(g.id, "starter"))
    button = answer_button(post, right_letter(post))
    members = [emulator.add_member(g.id, f"m{i}") for i in range(12)]
    for member in members:
        assert "Correct" in (await (await emulator.click(member, post, button)).reply(timeout=10)).text
    await bot.stop()

    url = await postgres_server.fresh_database(migrated=False)
    copied = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "copy-db",
        str(bot.db_path),
        url,
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await asyncio.wait_for(copied.communicate(), 120))[0].decode()
    assert copied.returncode == 0, output
    assert "match" in output.lower()

    moved = [shard_bot(emulator, bot.workdir, url, s) for s in range(COUNT)]  # now two shard processes
    before = emulator.session_number
    await asyncio.gather(*(p.start(wait=False) for p in moved))
    await emulator.wait_for_shards([(s, COUNT) for s in range(COUNT)], timeout=60, newer_than=before)
    try:
        for member in members[:3]:
            reply = await (await emulator.click(member, post, button)).reply(timeout=10)
            assert "already answered" in reply.text, reply.text
        late = emulator.add_member(g.id, "late")
        assert "Correct" in (await (await emulator.click(late, post, button)).reply(timeout=10)).text
        stats = await (await emulator.run_command(members[0], g.channel_id, "quiz stats", {})).reply()
        assert "100%" in stats.text
        assert (await rows(url, "SELECT COUNT(*) FROM answers"))[0][0] == len(members) + 1
        await assert_totals_match_answers(url)
    finally:
        for proc in moved:
            await proc.stop()
