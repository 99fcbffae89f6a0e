"""Delivery end to end: a timed-out send is one message (nonce), and a SIGKILL after a close loses no reveal."""

import asyncio
from datetime import datetime, timedelta

from bot.ui.publisher import SEND_TIMEOUT
from tests.e2e.quiz import db_rows, is_question, is_summary
from tests.e2e.test_daily import BERLIN, MANAGE, command, dailies, until


async def test_a_daily_send_that_times_out_after_discord_created_it_is_one_message(emulator, bot):
    """The first send's answer comes too late; the retry, with the same nonce, gets the same message back."""
    g = emulator.guild
    await emulator.wait_for_commands({"quiz-admin"})
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE)
    later = datetime.now(BERLIN) + timedelta(hours=6)
    await command(
        emulator, mod, g.channel_id, "set", channel=g.channel_id, time=f"{later:%H:%M}", timezone="Europe/Berlin"
    )
    emulator.inject_fault("POST", rf"/channels/{g.channel_id}/messages$", status=None, respond_after=SEND_TIMEOUT + 3)

    handle = await emulator.run_command(mod, g.channel_id, "quiz-admin daily now", {})
    reply = await handle.reply(timeout=SEND_TIMEOUT * 3)
    [post] = dailies(emulator, g.channel_id)
    assert f"/{post.id}" in reply.text
    sends = [r for r in emulator.requests if r.method == "POST" and r.path.endswith(f"/{g.channel_id}/messages")]
    assert len(sends) == 2 and {r.body["nonce"] for r in sends} == {sends[0].body["nonce"]}
    assert all(r.body["enforce_nonce"] is True for r in sends)
    assert db_rows(bot.db_path, "SELECT status FROM daily_posts") == [("posted",)]
    assert db_rows(bot.db_path, "SELECT message_id FROM posts") == [(post.id,)]


async def test_a_sigkill_right_after_a_close_still_reveals_and_sums_up_after_the_restart(emulator, bot):
    """The close committed the pending reveal; the bot dies before the edit; the restarted bot makes it."""
    g = emulator.guild
    alice = emulator.add_member(g.id, "alice")
    await emulator.wait_for_commands({"quiz"})
    await (await emulator.run_command(alice, g.channel_id, "quiz trl", {"questions": 1, "seconds": 10})).response()
    post = await emulator.wait_for_message(g.channel_id, lambda m: is_question(m, 1))
    stuck = emulator.inject_fault("PATCH", rf"/messages/{post.id}$", status=None, delay=300)

    await until(lambda: stuck.hits, timeout=20)  # closed, and the reveal edit on its way
    # The close of the round's last question recorded the reveal and the round's summary in one transaction.
    assert db_rows(bot.db_path, "SELECT kind FROM outbox ORDER BY id") == [("reveal",), ("summary",)]
    assert db_rows(bot.db_path, "SELECT status FROM rounds") == [("finished",)]
    await bot.kill()  # SIGKILL: no clean-up of any kind
    emulator.clear_faults()
    assert emulator.message(post.id).edits == 0

    await bot.start()
    revealed = await emulator.wait_for_edit(post.id, timeout=20)
    assert "answer" in revealed.text.lower()
    await emulator.wait_for_message(g.channel_id, is_summary, timeout=20)
    await until(lambda: db_rows(bot.db_path, "SELECT COUNT(*) FROM outbox") == [(0,)])
    await asyncio.sleep(0.5)
    assert len([m for m in emulator.channel_messages(g.channel_id) if is_summary(m)]) == 1


async def test_a_summary_sent_just_before_a_crash_is_found_after_a_long_outage_not_sent_twice(emulator, bot):
    """Discord created the summary, the bot died before recording it, and came back after the nonce had
    expired: the restarted bot finds the summary in the channel instead of posting a second one."""
    g = emulator.guild
    alice = emulator.add_member(g.id, "alice")
    await emulator.wait_for_commands({"quiz"})
    await (await emulator.run_command(alice, g.channel_id, "quiz trl", {"questions": 1, "seconds": 10})).response()
    await emulator.wait_for_message(g.channel_id, lambda m: is_question(m, 1))
    # From now on a new message is created in the channel but its answer never reaches the bot.
    emulator.inject_fault("POST", rf"/channels/{g.channel_id}/messages$", status=None, respond_after=300)
    summary = await emulator.wait_for_message(g.channel_id, is_summary, timeout=30)
    await bot.kill()
    emulator.clear_faults()
    emulator.clock.offset += 600  # ten minutes down: Discord no longer matches the summary's nonce
    assert db_rows(bot.db_path, "SELECT summary_message_id FROM rounds") == [(None,)]

    await bot.start()
    await until(lambda: db_rows(bot.db_path, "SELECT COUNT(*) FROM outbox") == [(0,)], timeout=20)
    assert db_rows(bot.db_path, "SELECT summary_message_id FROM rounds") == [(summary.id,)]
    await asyncio.sleep(0.5)
    assert [m.id for m in emulator.channel_messages(g.channel_id) if is_summary(m)] == [summary.id]
