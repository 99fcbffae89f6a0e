"""The loopback Discord emulator, driven by a real discord.py process (bench/bare_bot.py)."""

from __future__ import annotations

import asyncio
import sys

import pytest
from discord_loopback import DiscordEmulator

from tests.harness import REPO_ROOT, BotProcess, running

BARE_BOT = [sys.executable, str(REPO_ROOT / "bench" / "bare_bot.py")]
WAVE = 250


@pytest.fixture
async def bare_bot(emulator: DiscordEmulator, tmp_path):
    async with running(BotProcess(emulator, tmp_path / "bare", argv=BARE_BOT), timeout=20) as proc:
        await emulator.wait_for_commands({"quiz"}, timeout=10)
        yield proc


async def post_question(emu: DiscordEmulator):
    guild = emu.guild
    assert guild is not None
    member = emu.add_member(guild.id, "asker")
    ix = await emu.run_command(member, guild.channel_id, "quiz trl", {"questions": 3})
    return await ix.reply()


async def test_login_sync_command_and_click(emulator, bare_bot):
    """The bot logs in, syncs /quiz, posts buttons A-D publicly, and answers a click with an ephemeral ok."""
    routes = {(r.method, r.route) for r in emulator.requests}
    assert {
        ("GET", "/users/@me"),
        ("GET", "/oauth2/applications/@me"),
        ("GET", "/gateway/bot"),
        ("PUT", "/applications/{application_id}/commands"),
    } <= routes
    quiz = emulator.find_command("quiz", None)
    assert [o["name"] for o in quiz["options"]] == ["trl"]

    post = await post_question(emulator)
    assert not post.ephemeral and post.content == "Question 1 of 3: pick one"
    assert [b.label for b in post.buttons] == ["A", "B", "C", "D"]
    assert emulator.channel_messages(emulator.guild.channel_id) == [post]

    alice = emulator.add_member(emulator.guild.id, "alice")
    ix = await emulator.click(alice, post, post.buttons[2].custom_id)
    response = await ix.response()
    assert response.type == 4 and response.ephemeral
    reply = await ix.reply()
    assert reply.text == "ok" and reply.ephemeral
    assert emulator.channel_messages(emulator.guild.channel_id) == [post]  # ephemeral replies stay private


async def test_fifty_members_click_at_once(emulator, bare_bot):
    """50 concurrent clicks from distinct members each get their own ephemeral ok."""
    post = await post_question(emulator)
    members = [emulator.add_member(emulator.guild.id, f"m{i}") for i in range(50)]
    handles = [await emulator.click(m, post, post.buttons[i % 4].custom_id) for i, m in enumerate(members)]
    replies = await asyncio.gather(*(ix.reply(timeout=15) for ix in handles))
    assert all(r.text == "ok" and r.ephemeral for r in replies)
    assert len({r.id for r in replies}) == 50
    assert {ix.member.id for ix in handles} == {m.id for m in members}


async def test_a_burst_of_2000_clicks_with_1000_guilds(emulator, tmp_path):
    """1,000 guilds in READY and 2,000 distinct members clicking in waves of 250: every click answered in time.

    Waves, not one 2,000-click wall: the emulator's scale is under test here, and how fast
    one bot drains a wall is a benchmark figure (bench/burst.py), not a deadline for a test
    that runs on a loaded CI machine.
    """
    for i in range(999):
        emulator.add_guild(f"Guild {i}")
    members = [emulator.add_member(emulator.guild.id, f"m{i}") for i in range(2000)]
    proc = BotProcess(emulator, tmp_path / "burst", argv=BARE_BOT, env={"QUIZBOT_LOG_LEVEL": "INFO"})
    try:
        await proc.start(timeout=30)
        assert len(emulator.sent_dispatches("GUILD_CREATE")) == 1000
        await emulator.wait_for_commands({"quiz"})
        post = await post_question(emulator)
        replies = []
        for start in range(0, len(members), WAVE):
            wave = list(enumerate(members))[start : start + WAVE]
            handles = [await emulator.click(m, post, post.buttons[i % 4].custom_id) for i, m in wave]
            replies += await asyncio.gather(*(ix.reply(timeout=30) for ix in handles))
    finally:
        await proc.stop()
    assert all(r.text == "ok" and r.ephemeral for r in replies)
    assert len({r.id for r in replies}) == 2000 and emulator.rejected == []


async def test_resume_replays_an_interaction_queued_during_an_outage(emulator, bare_bot):
    """After a 4000 close the bot RESUMEs; a click sent while it was away is replayed and answered."""
    post = await post_question(emulator)
    session = emulator.session
    emulator.hold_gateway()
    await emulator.gateway_close(4000)
    assert not session.connected
    ix = await emulator.click(emulator.add_member(emulator.guild.id, "late"), post, post.buttons[0].custom_id)
    assert ix.delivered_at is None
    emulator.release_gateway()
    await emulator.wait_for_resume(timeout=10)
    assert (await ix.reply()).text == "ok"
    assert emulator.session is session and session.resumes == 1  # resumed, not re-identified


async def test_gateway_drop_reconnect_and_invalid_session(emulator, bare_bot):
    """A dropped socket and op 7 resume the session; op 9 (not resumable) makes the bot identify afresh."""
    post = await post_question(emulator)
    session = emulator.session
    await emulator.gateway_drop()
    await emulator.wait_for_resume(resumes_above=0)
    await emulator.gateway_reconnect()
    await emulator.wait_for_resume(resumes_above=1)
    assert emulator.session is session
    await emulator.gateway_invalid_session(resumable=False)
    fresh = await emulator.wait_for_session(timeout=15, newer_than=session.number)
    assert fresh is not session
    ix = await emulator.click(emulator.add_member(emulator.guild.id, "after"), post, post.buttons[1].custom_id)
    assert (await ix.reply()).text == "ok"


async def test_a_429_with_via_on_the_callback_is_retried(emulator, bare_bot):
    """discord.py honours retry_after on a 429 that carries Via, and the retried callback is accepted."""
    post = await post_question(emulator)
    fault = emulator.inject_fault("POST", r"^/interactions/\d+/[^/]+/callback$", status=429, retry_after=0.5)
    ix = await emulator.click(emulator.add_member(emulator.guild.id, "bob"), post, post.buttons[0].custom_id)
    assert (await ix.reply()).text == "ok"
    assert len(fault.hits) == 1 and fault.count == 0
    attempts = [r for r in emulator.requests if r.path.startswith(f"/api/v10/interactions/{ix.id}/")]
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.45


async def test_a_500_on_the_callback_is_retried_within_the_window(emulator, bare_bot):
    """The webhook adapter retries a 5xx after about 1 s, still inside the 3 s window."""
    post = await post_question(emulator)
    fault = emulator.inject_fault("POST", r"/callback$", status=500)
    ix = await emulator.click(emulator.add_member(emulator.guild.id, "dan"), post, post.buttons[0].custom_id)
    assert (await ix.reply()).text == "ok"
    attempts = [
        r
        for r in emulator.requests
        if r.route and r.route.endswith("/callback") and r.path.startswith(f"/api/v10/interactions/{ix.id}/")
    ]
    assert [r.status for r in attempts] == [500, 200] and len(fault.hits) == 1
    assert 0.9 <= attempts[1].at - attempts[0].at < 3


async def test_restart_keeps_commands_and_old_buttons_work(emulator, bare_bot):
    """After a restart the new session answers a click on a message posted by the previous process."""
    post = await post_question(emulator)
    old = emulator.session.number
    await bare_bot.restart()
    assert emulator.session.number > old
    assert "quiz" in emulator.command_names()
    ix = await emulator.click(emulator.add_member(emulator.guild.id, "carol"), post, post.buttons[3].custom_id)
    assert (await ix.reply()).text == "ok"
