"""Spaced review end to end: misses come back in /quiz practice, progress with its chart, reminders by DM."""

import asyncio
import io
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from tests.e2e.quiz import (
    answer_button,
    catalog,
    db_rows,
    is_question,
    is_summary,
    next_button,
    question_id,
    wrong_letter,
)

LONG_AGO = "2000-01-01T00:00:00.000000+00:00"


async def play_round_missing_everything(emulator, starter, member, questions=2):
    """A round in which ``member`` answers every question wrong; returns the missed question ids."""
    g = emulator.guild
    ix = await emulator.run_command(starter, g.channel_id, "quiz trl", {"questions": questions, "seconds": 120})
    await ix.response()
    missed = []
    for n in range(1, questions + 1):
        post = await emulator.wait_for_message(g.channel_id, lambda m, n=n: is_question(m, n))
        await (await emulator.click(member, post, answer_button(post, wrong_letter(post)))).reply()
        missed.append(question_id(post))
        await (await emulator.click(starter, post, next_button(post))).reply()
    await emulator.wait_for_message(g.channel_id, is_summary)
    return missed


def practice_buttons(message):
    return [b.custom_id for b in message.buttons if b.custom_id.startswith("quiz:pa:")]


def button_labelled(message, label):
    return next(b.custom_id for b in message.buttons if b.label == label)


def right_practice_button(message):
    question = catalog().question(question_id(message))
    assert question is not None
    right = question.answer
    return next(c for c in practice_buttons(message) if c.endswith(":" + right))


def shift_days(stamp, days):
    return (datetime.fromisoformat(stamp) - timedelta(days=days)).isoformat(timespec="microseconds")


async def make_due(bot, member_id, days=3):
    """The days pass: with the bot stopped, the member's reviews (when they were last seen and when they
    fall due) move ``days`` into the past, so every one of them is due and FSRS sees the days that went by."""
    await bot.stop()
    with sqlite3.connect(bot.db_path) as conn:
        rows = conn.execute("SELECT rowid, due, last_review FROM reviews WHERE member_id = ?", (member_id,))
        for rowid, due, last in rows.fetchall():
            conn.execute(
                "UPDATE reviews SET due = ?, last_review = ? WHERE rowid = ?",
                (shift_days(due, days), shift_days(last, days), rowid),
            )
    await bot.start()


async def test_misses_come_back_first_in_practice_and_move_out_when_right(emulator, bot):
    """Two misses in a round, days later /quiz practice brings both first; right answers push them out;
    a restart mid-session carries on; the leaderboard never moves; /quiz progress draws its chart."""
    g = emulator.guild
    starter, alice = emulator.add_member(g.id, "starter"), emulator.add_member(g.id, "alice")
    missed = await play_round_missing_everything(emulator, starter, alice)
    scores = "SELECT answered, correct, points FROM scores WHERE member_id = ?"
    before_scores = db_rows(bot.db_path, scores, (alice.id,))
    assert before_scores == [(2, 0, 0)]
    await make_due(bot, alice.id)

    practised_at = datetime.now(UTC)
    first = await (await emulator.run_command(alice, g.channel_id, "quiz practice", {})).reply()
    assert first.ephemeral and "Due for review" in first.text
    shown = [question_id(first)]
    feedback = await (await emulator.click(alice, first, right_practice_button(first))).reply()
    assert feedback.id == first.id and "Correct" in feedback.text  # the same private message, edited

    second = await (await emulator.click(alice, feedback, button_labelled(feedback, "Next ▶"))).reply()
    shown.append(question_id(second))
    assert sorted(shown) == sorted(missed)  # both misses, before anything new

    await bot.restart()  # mid-session: the next click carries on
    after_restart = await (await emulator.click(alice, second, right_practice_button(second))).reply()
    assert "Correct" in after_restart.text and "Reviewed 2 (2 right)" in after_restart.text
    third = await (await emulator.click(alice, after_restart, button_labelled(after_restart, "Next ▶"))).reply()
    assert "New to you" in third.text and question_id(third) not in missed
    done = await (await emulator.click(alice, third, button_labelled(third, "Stop"))).reply()
    assert "Practice done" in done.text and "2** reviewed (2 right)" in done.text

    dues = db_rows(bot.db_path, "SELECT question_id, due, reviews FROM reviews WHERE member_id = ?", (alice.id,))
    assert sorted(qid for qid, _due, _reviews in dues) == sorted(missed)
    for _qid, due, reviews in dues:
        # Due in the past before; a right answer three days after a miss moves it days out, not minutes.
        assert reviews == 2 and datetime.fromisoformat(due) > practised_at + timedelta(days=1)
    assert db_rows(bot.db_path, "SELECT COUNT(*) FROM practice_answers WHERE member_id = ?", (alice.id,)) == [(2,)]
    after_scores = db_rows(bot.db_path, scores, (alice.id,))
    assert after_scores == before_scores  # practice never scores

    progress = await (await emulator.run_command(alice, g.channel_id, "quiz progress", {})).reply()
    assert progress.ephemeral
    total = len(catalog().deck("trl") or ())
    assert f"Hugging Face TRL: 2 / {total} completed" in progress.text
    assert "Day streak: **1**" in progress.text
    (chart,) = progress.attachments
    image = Image.open(io.BytesIO(chart.data))
    image.load()
    assert image.format == "PNG" and image.width > 400 and image.height > 200
    assert len(set(image.convert("RGB").get_flattened_data())) > 10  # bars and text, not a blank card
    assert progress.embeds[0]["image"]["url"] == "attachment://progress.png"


async def test_another_members_progress_shows_only_public_stats(emulator, bot):
    """Reviews are private: /quiz progress member:<someone else> shows what /quiz stats shows."""
    g = emulator.guild
    alice, bob = emulator.add_member(g.id, "alice"), emulator.add_member(g.id, "bob")
    reply = await (await emulator.run_command(alice, g.channel_id, "quiz progress", {"member": bob})).reply()
    assert reply.ephemeral and reply.embeds[0]["title"] == "Quiz stats"  # what /quiz stats shows, for bob
    assert f"<@{bob.id}>" in reply.text and not reply.attachments
    assert "due" not in reply.text.lower() and "mastery" not in reply.text.lower()


async def dm_channel_of(emulator, member, timeout=10.0):
    """The DM channel the bot opened with ``member`` (it opens one on its first direct message)."""
    for _ in range(int(timeout / 0.05)):
        found = [cid for cid, uid in emulator.dm_channels.items() if uid == member.id]
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"the bot never opened a DM with {member.name}")


async def until(check, timeout=10.0):
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.mark.allow_rejected(403)  # Discord refusing the DM to the member who closed their DMs
async def test_a_reminder_dm_when_reviews_are_due_and_off_when_dms_are_closed(emulator, bot):
    """One DM naming the server and how many are due; a refused DM turns reminders off, and says why."""
    g = emulator.guild
    starter = emulator.add_member(g.id, "starter")
    bob, carol = emulator.add_member(g.id, "bob"), emulator.add_member(g.id, "carol")
    await play_round_missing_everything(emulator, starter, bob, questions=1)
    await play_round_missing_everything(emulator, starter, carol, questions=1)
    with sqlite3.connect(bot.db_path) as conn:
        conn.execute("UPDATE reviews SET due = ?", (LONG_AGO,))
    emulator.closed_dms.add(carol.id)
    settings = {"turn": "on", "time": "00:00", "timezone": "UTC"}

    on = await (await emulator.run_command(bob, g.channel_id, "quiz remind", settings)).reply()
    assert on.ephemeral and "Review reminders are **on**" in on.text
    dm = await emulator.wait_for_message(await dm_channel_of(emulator, bob))
    assert "**1** question(s) due in **" in dm.text and "/quiz practice" in dm.text
    assert db_rows(bot.db_path, "SELECT last_sent_on IS NOT NULL FROM reminders WHERE member_id = ?", (bob.id,)) == [
        (1,)
    ]

    await (await emulator.run_command(carol, g.channel_id, "quiz remind", settings)).reply()
    stopped = "SELECT enabled, stopped_reason FROM reminders WHERE member_id = ?"
    await until(lambda: db_rows(bot.db_path, stopped, (carol.id,)) == [(0, "dm_closed")])
    status = await (await emulator.run_command(carol, g.channel_id, "quiz remind", {})).reply()
    assert "turned **off** because Discord refused my direct message" in status.text

    await bot.restart()  # never twice a day, even after a restart
    await asyncio.sleep(1.0)
    dms = emulator.channel_messages(await dm_channel_of(emulator, bob))
    assert len(dms) == 1
