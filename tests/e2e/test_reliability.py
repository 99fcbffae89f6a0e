"""Faults, crashes and hostile input against the real bot process; nothing counted twice, nothing lost.

Run with `pytest tests/e2e/test_reliability.py -v` for one line per scenario.
"""

import asyncio
import sqlite3
import time

import discord
import pytest

from tests.e2e.quiz import answer_button, db_rows, is_question, pings, right_letter

MANAGE = discord.Permissions(manage_guild=True).value | discord.Permissions.general().value


async def open_question(emulator, starter, seconds=120, questions=2):
    g = emulator.guild
    await (
        await emulator.run_command(starter, g.channel_id, "quiz trl", {"questions": questions, "seconds": seconds})
    ).response()
    return await emulator.wait_for_message(g.channel_id, lambda m: is_question(m, 1))


def assert_totals_match_answers(db_path):
    """Scores are exactly what the stored answers add up to."""
    by_answers = db_rows(
        db_path,
        "SELECT member_id, COUNT(*), SUM(correct), SUM(points) FROM answers"
        " GROUP BY guild_id, member_id ORDER BY member_id",
    )
    by_scores = db_rows(db_path, "SELECT member_id, answered, correct, points FROM scores ORDER BY member_id")
    assert by_answers == by_scores
    assert db_rows(
        db_path,
        "SELECT COUNT(*) FROM (SELECT post_id, member_id FROM answers GROUP BY post_id, member_id HAVING COUNT(*) > 1)",
    ) == [(0,)]
    histogram = db_rows(db_path, "SELECT points, members FROM score_histogram WHERE members > 0 ORDER BY points")
    derived = db_rows(db_path, "SELECT points, COUNT(*) FROM scores GROUP BY points ORDER BY points")
    assert histogram == derived


# -- gateway faults ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["close-4000", "tcp-drop", "reconnect-op7", "invalid-session-resumable"])
async def test_gateway_fault_with_an_answer_during_the_outage(emulator, bot, fault):
    """An answer sent while the gateway is down is replayed after RESUME and counted once."""
    g = emulator.guild
    alice = emulator.add_member(g.id, "alice")
    post = await open_question(emulator, alice)
    resumes = emulator.session.resumes
    emulator.hold_gateway()
    if fault == "close-4000":
        await emulator.gateway_close(4000)
    elif fault == "tcp-drop":
        await emulator.gateway_drop()
    elif fault == "reconnect-op7":
        await emulator.gateway_reconnect()
    else:
        await emulator.gateway_invalid_session(resumable=True)
    await asyncio.sleep(0.2)
    click = await emulator.click(alice, post, answer_button(post, right_letter(post)))
    emulator.release_gateway()
    await emulator.wait_for_resume(resumes_above=resumes)
    reply = await click.reply(timeout=10)
    assert "Correct" in reply.text
    assert db_rows(bot.db_path, "SELECT COUNT(*) FROM answers") == [(1,)]
    again = await (await emulator.click(alice, post, answer_button(post, right_letter(post)))).reply()
    assert "already answered" in again.text
    assert_totals_match_answers(bot.db_path)


async def test_invalid_session_not_resumable_identifies_again(emulator, bot):
    """After a non-resumable INVALID_SESSION the bot identifies anew (after discord.py's 5 s) and answers."""
    g = emulator.guild
    alice = emulator.add_member(g.id, "alice")
    post = await open_question(emulator, alice)
    before = emulator.session_number
    await emulator.gateway_invalid_session(resumable=False)
    await emulator.wait_for_session(timeout=20, newer_than=before)
    reply = await (await emulator.click(alice, post, answer_button(post, right_letter(post)))).reply()
    assert "Correct" in reply.text
    assert db_rows(bot.db_path, "SELECT COUNT(*) FROM answers") == [(1,)]


# -- REST faults ---------------------------------------------------------------------------------------------------


async def test_429_on_the_answer_callback_is_retried_and_counted_once(emulator, bot):
    """A rate-limited callback is retried after retry_after; the member gets one reply, one answer."""
    g = emulator.guild
    alice = emulator.add_member(g.id, "alice")
    post = await open_question(emulator, alice)
    fault = emulator.inject_fault("POST", r"/interactions/\d+/[^/]+/callback", status=429, retry_after=0.4)
    reply = await (await emulator.click(alice, post, answer_button(post, right_letter(post)))).reply()
    assert len(fault.hits) == 1 and "Correct" in reply.text
    assert db_rows(bot.db_path, "SELECT COUNT(*) FROM answers") == [(1,)]


async def test_429_on_the_channel_post_still_posts_the_question(emulator, bot):
    """A rate-limited channel message is retried and the question appears once."""
    g = emulator.guild
    alice = emulator.add_member(g.id, "alice")
    fault = emulator.inject_fault("POST", rf"/channels/{g.channel_id}/messages$", status=429, retry_after=0.4)
    await open_question(emulator, alice)
    assert len(fault.hits) == 1
    assert len([m for m in emulator.channel_messages(g.channel_id) if is_question(m, 1)]) == 1


async def test_429_on_the_reveal_edit_still_reveals(emulator, bot):
    """A rate-limited edit of the question post is retried and the reveal lands."""
    g = emulator.guild
    alice = emulator.add_member(g.id, "alice")
    post = await open_question(emulator, alice)
    fault = emulator.inject_fault(
        "PATCH", rf"/channels/{g.channel_id}/messages/{post.id}$", status=429, retry_after=0.4
    )
    from tests.e2e.quiz import next_button

    await (await emulator.click(alice, post, next_button(post))).reply()
    revealed = await emulator.wait_for_edit(post.id, lambda m: "closed" in m.embeds[0]["title"], timeout=10)
    assert len(fault.hits) == 1 and all(b.disabled for b in revealed.buttons)


async def test_a_single_500_on_the_callback_is_retried(emulator, bot):
    """One server error on the callback is retried about 1 s later, inside the 3 s window."""
    g = emulator.guild
    alice = emulator.add_member(g.id, "alice")
    post = await open_question(emulator, alice)
    fault = emulator.inject_fault("POST", r"/interactions/\d+/[^/]+/callback", status=500)
    reply = await (await emulator.click(alice, post, answer_button(post, right_letter(post)))).reply()
    assert len(fault.hits) == 1 and "Correct" in reply.text
    assert db_rows(bot.db_path, "SELECT COUNT(*) FROM answers") == [(1,)]


async def test_a_slow_database_defers_and_still_answers_once(emulator, bot):
    """With another writer holding the database lock for 2 s, the click is deferred, then answered."""
    g = emulator.guild
    alice = emulator.add_member(g.id, "alice")
    post = await open_question(emulator, alice)
    blocker = sqlite3.connect(bot.db_path, timeout=5)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        click = await emulator.click(alice, post, answer_button(post, right_letter(post)))
        first = await click.response(timeout=3)
        assert first.type == 5 and first.ephemeral, "a slow answer must be deferred inside the window"
        await asyncio.sleep(max(0.0, 2.0 - (time.monotonic() - started)))
    finally:
        blocker.rollback()
        blocker.close()
    reply = await click.reply(timeout=10)
    assert reply.ephemeral and "Correct" in reply.text
    assert db_rows(bot.db_path, "SELECT COUNT(*) FROM answers") == [(1,)]


# -- crashes ---------------------------------------------------------------------------------------------------


async def test_sigkill_mid_burst_loses_no_confirmed_answer(emulator, bot):
    """Every member told their answer counted is in the database after a SIGKILL; none twice."""
    g = emulator.guild
    starter = emulator.add_member(g.id, "starter")
    post = await open_question(emulator, starter, seconds=300)
    members = [emulator.add_member(g.id, f"m{i}") for i in range(120)]
    button = answer_button(post, right_letter(post))
    handles = []
    for i, member in enumerate(members):
        handles.append(await emulator.click(member, post, button))
        if i == 60:
            await bot.kill()
            break
    confirmed = {
        h.member.id for h in handles if h.callback is not None and h.messages and "Correct" in h.messages[0].text
    }
    stored = {m for (m,) in db_rows(bot.db_path, "SELECT member_id FROM answers")}
    assert confirmed <= stored, f"told it counted but not stored: {confirmed - stored}"
    await bot.start()
    for member in members:
        reply = await (await emulator.click(member, post, button)).reply(timeout=10)
        expected = "already answered" if member.id in stored else "Correct"
        assert expected in reply.text, (member.name, reply.text)
    assert db_rows(bot.db_path, "SELECT COUNT(*) FROM answers") == [(len(members),)]
    assert_totals_match_answers(bot.db_path)


# -- hostile input ---------------------------------------------------------------------------------------------

HOSTILE_IDS = [
    "quiz:ans:1:A:extra",
    "quiz:ans:-1:A",
    "quiz:ans:99999999999999999999:A",
    "quiz:ans:1:a",
    "quiz:next:abc",
    "quiz:lb:all:0",
    "quiz:qrm:../etc",
    "quiz:forget:1",
    "x" * 100,
    "quiz:ans:1:A'; --",
]


@pytest.mark.parametrize("custom_id", HOSTILE_IDS)
async def test_hostile_button_ids_are_refused_and_change_nothing(emulator, bot, custom_id):
    """Forged and malformed custom_ids get an ephemeral refusal, never "interaction failed"."""
    g = emulator.guild
    mallory = emulator.add_member(g.id, "mallory")
    reply = await (await emulator.click_raw(mallory, g.channel_id, custom_id)).reply()
    assert reply.ephemeral and (
        "recognise" in reply.text or "doesn't exist" in reply.text or "Only the member" in reply.text
    ), reply.text
    assert db_rows(bot.db_path, "SELECT COUNT(*) FROM answers") == [(0,)]


async def test_mentions_markdown_and_sql_are_stored_and_shown_verbatim_pinging_no_one(emulator, bot):
    """Moderator text with @everyone, role and user mentions, markdown and SQL is shown as written."""
    g = emulator.guild
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE)
    nasty = {
        "prompt": f"@everyone @here <@&{g.everyone_role_id}> <@{mod.id}> **bold** `code`'); DROP TABLE answers;--",
        "choices": "Robert'); DROP TABLE scores;--\n@everyone\n<@&1>",
        "answer": "A",
        "explanation": "|| spoiler || > quote \\n %s %d {0} ${x}",
    }
    opener = await emulator.run_command(mod, g.channel_id, "quiz-admin question add", {})
    await opener.response()
    added = await (await emulator.submit_modal(mod, opener, nasty)).reply()
    assert "Added **custom-1**" in added.text and nasty["prompt"] in added.text
    assert "Robert'); DROP TABLE scores;--" in added.text
    stored = db_rows(bot.db_path, "SELECT body FROM custom_questions")[0][0]
    assert "DROP TABLE answers" in stored
    assert db_rows(bot.db_path, "SELECT COUNT(*) FROM scores") == [(0,)]  # the table is still there
    assert pings(emulator) == []
