"""/quiz-admin daily end to end: the real bot process, the loopback emulator, real time and a real SQLite file.

One test waits for a real minute boundary (at most about a minute); the others need no waiting.
"""

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import discord
import pytest

from bot.core.schedule import parse_local_time, post_time_on
from tests.e2e.quiz import answer_button, catalog, db_rows, pings, right_letter, wrong_letter

MANAGE = discord.Permissions(manage_guild=True).value | discord.Permissions.general().value
BERLIN, KOLKATA = ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Kolkata")
# Everything a bot needs to post an embed with buttons, less Send Messages.
NO_SEND = (discord.Permissions(view_channel=True, embed_links=True, read_message_history=True)).value


def is_daily(message) -> bool:
    return bool(message.embeds) and message.embeds[0].get("title") == "TRL · Question of the day"


def dailies(emulator, channel_id):
    return [m for m in emulator.channel_messages(channel_id) if is_daily(m)]


async def command(emulator, member, channel_id, path, **options):
    return await (await emulator.run_command(member, channel_id, f"quiz-admin daily {path}", options)).reply()


async def until(predicate, timeout=5.0):
    """Poll an outside view (the database) until it shows what the bot should have done."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def forge_unconfirmed(db_path, guild_id):
    """Put the database back into the state of a crash between sending the post and recording it."""
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE daily_posts SET status = 'claimed' WHERE guild_id = ?", (guild_id,))
        conn.execute("UPDATE posts SET message_id = NULL WHERE guild_id = ?", (guild_id,))


def next_occurrence(hh_mm: str, zone) -> datetime:
    """The next time the clock in ``zone`` shows ``hh_mm`` (set after today's time: tomorrow's)."""
    today, now = datetime.now(zone).date(), datetime.now(UTC)
    first = post_time_on(today, parse_local_time(hh_mm), zone)
    return first if first > now else post_time_on(today + timedelta(days=1), parse_local_time(hh_mm), zone)


def ts(moment: datetime, style: str) -> str:
    return f"<t:{int(moment.timestamp())}:{style}>"


async def test_moderators_set_check_post_now_and_switch_off(emulator, bot):
    """set (with zone autocomplete), status, now (twice), a member's answer, then off, as people see them."""
    g = emulator.guild
    await emulator.wait_for_commands({"quiz-admin"})
    mod, member = emulator.add_member(g.id, "mod", permissions=MANAGE), emulator.add_member(g.id, "member")
    role = emulator.add_role(g.id, "daily-fans")

    choices = (
        await (
            await emulator.autocomplete(
                mod,
                g.channel_id,
                "quiz-admin daily set",
                {"channel": g.channel_id, "time": "09:00", "timezone": "berl"},
                focused="timezone",
            )
        ).response()
    ).data["choices"]
    assert {"name": "Europe/Berlin", "value": "Europe/Berlin"} in choices and len(choices) <= 25
    refused = await command(emulator, member, g.channel_id, "status")
    assert refused.ephemeral and "Manage Server" in refused.text
    bad = await command(emulator, mod, g.channel_id, "set", channel=g.channel_id, time="9h", timezone="Europe/Berlin")
    assert bad.ephemeral and "'9h' is not a time of day" in bad.text

    at = (datetime.now(BERLIN) + timedelta(hours=3)).strftime("%H:%M")  # far from now: nothing posts by itself
    saved = await command(
        emulator, mod, g.channel_id, "set", channel=g.channel_id, time=at, timezone="Europe/Berlin", role=role
    )
    expected = next_occurrence(at, BERLIN)
    deck = catalog().deck("trl")
    assert deck is not None
    total = len(deck)
    assert saved.ephemeral and "Daily question set · on" in saved.text
    assert f"Every day at **{at}** Europe/Berlin in <#{g.channel_id}>" in saved.text and f"<@&{role}>" in saved.text
    assert ts(expected, "F") in saved.text and ts(expected, "R") in saved.text
    assert f"{expected.astimezone(BERLIN):%H:%M}" in saved.text and "(Europe/Berlin)" in saved.text
    assert f"{total} of {total} questions not asked yet" in saved.text

    posted = await command(emulator, mod, g.channel_id, "now")
    post = await emulator.wait_for_message(g.channel_id, is_daily)
    link = f"https://discord.com/channels/{g.id}/{g.channel_id}/{post.id}"
    assert posted.ephemeral and f"Posted today's question in <#{g.channel_id}>: {link}" in posted.text
    assert post.content == f"<@&{role}>" and not post.ephemeral
    assert [b.label for b in post.buttons] == list("ABCDE")[: len(post.buttons)]  # no Next on a daily question
    assert [p for p in pings(emulator) if str(role) in p] == pings(emulator) and len(pings(emulator)) == 1
    sent = next(
        r.body
        for r in emulator.requests
        if r.method == "POST" and r.path.endswith(f"/channels/{post.channel_id}/messages")
    )
    allowed = sent["allowed_mentions"]
    assert [str(r) for r in allowed["roles"]] == [str(role)] and not allowed.get("parse") and not allowed.get("users")

    reply = await (await emulator.click(member, post, answer_button(post, right_letter(post)))).reply()
    assert reply.ephemeral and "Correct" in reply.text and "Server leaderboard" in reply.text
    again = await command(emulator, mod, g.channel_id, "now")
    assert f"Today's question is already up in <#{g.channel_id}>: {link}" in again.text
    assert len(dailies(emulator, g.channel_id)) == 1
    status = await command(emulator, mod, g.channel_id, "status")
    assert link in status.text and f"{total - 1} of {total} questions not asked yet" in status.text

    off = await command(emulator, mod, g.channel_id, "off")
    assert off.ephemeral and "The daily question is off" in off.text
    status = await command(emulator, mod, g.channel_id, "status")
    assert "Daily question · off" in status.text and "None: it's off" in status.text
    assert db_rows(bot.db_path, "SELECT status FROM daily_posts") == [("posted",)]
    assert db_rows(bot.db_path, "SELECT kind, message_id FROM posts") == [("daily", post.id)]
    assert db_rows(bot.db_path, "SELECT member_id, correct FROM answers") == [(member.id, 1)]
    assert db_rows(bot.db_path, "SELECT points FROM scores") == [(1,)]


@pytest.mark.allow_rejected(404)
async def test_a_deleted_channel_is_reported_not_retried(emulator, bot):
    """/now into a deleted channel: the moderator is told why, status keeps it, and the bot carries on."""
    g = emulator.guild
    await emulator.wait_for_commands({"quiz-admin"})
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE)
    doomed = emulator.add_channel(g.id, "daily")
    await asyncio.sleep(0.2)  # let the bot see the new channel before a command names it
    at = (datetime.now(BERLIN) + timedelta(hours=3)).strftime("%H:%M")
    await command(emulator, mod, g.channel_id, "set", channel=doomed, time=at, timezone="Europe/Berlin")
    emulator.remove_channel(doomed)
    failed = await command(emulator, mod, g.channel_id, "now")
    assert failed.ephemeral and f"could not be posted: The channel <#{doomed}> no longer exists" in failed.text
    status = await command(emulator, mod, g.channel_id, "status")
    assert "Last error" in status.text and f"<#{doomed}> no longer exists" in status.text
    assert "I'll try again at the next day's time" in status.text
    assert db_rows(bot.db_path, "SELECT status FROM daily_posts") == [("failed",)]
    assert len([r for r in emulator.requests if r.method == "POST" and r.path.endswith(f"{doomed}/messages")]) == 1


@pytest.mark.allow_rejected(403)
async def test_posts_at_its_time_once_across_a_restart_and_records_a_channel_it_cannot_post_in(emulator, bot):
    """At the set minute one server gets its question and the other a recorded failure; a restart changes neither."""
    a = emulator.guild
    b = emulator.add_guild("Guild B")
    await emulator.wait_for_commands({"quiz-admin"})
    mod_a, mod_b = (
        emulator.add_member(a.id, "mod-a", permissions=MANAGE),
        emulator.add_member(b.id, "mod-b", permissions=MANAGE),
    )
    member = emulator.add_member(a.id, "member")
    emulator.set_bot_permissions(b.channel_id, NO_SEND)
    await asyncio.sleep(0.2)  # the bot's cache learns the new guild and its permissions

    now = datetime.now(BERLIN)
    due = (now + timedelta(minutes=1 if now.second < 55 else 2)).replace(second=0, microsecond=0)
    set_a = await command(
        emulator, mod_a, a.channel_id, "set", channel=a.channel_id, time=f"{due:%H:%M}", timezone="Europe/Berlin"
    )
    set_b = await command(
        emulator,
        mod_b,
        b.channel_id,
        "set",
        channel=b.channel_id,
        time=f"{due.astimezone(KOLKATA):%H:%M}",
        timezone="Asia/Kolkata",
    )
    assert ts(due, "F") in set_a.text and ts(due, "F") in set_b.text  # the same instant in two zones
    assert f"I'm not allowed to post in <#{b.channel_id}>" in set_b.text  # warned at once
    assert dailies(emulator, a.channel_id) == []

    wait = (due - datetime.now(BERLIN)).total_seconds() + 15
    post = await emulator.wait_for_message(a.channel_id, is_daily, timeout=wait)
    opened = datetime.fromisoformat(db_rows(bot.db_path, "SELECT opened_at FROM posts")[0][0])
    assert due <= opened < due + timedelta(seconds=5)
    unsettled = ([], [("claimed",)])  # not tried yet, or the send to B still in flight
    await until(
        lambda: db_rows(bot.db_path, "SELECT status FROM daily_posts WHERE guild_id = ?", (b.id,)) not in unsettled
    )
    assert db_rows(bot.db_path, "SELECT status FROM daily_posts WHERE guild_id = ?", (b.id,)) == [("failed",)]

    await bot.kill()  # a crash right after the post, as if it came before the message id was recorded...
    forge_unconfirmed(bot.db_path, a.id)
    await bot.start()  # ...and a start while the day is not over: it finds the message instead of resending
    await until(
        lambda: db_rows(bot.db_path, "SELECT status FROM daily_posts WHERE guild_id = ?", (a.id,)) == [("posted",)]
    )  # settled by the first pass, which runs as the bot starts
    assert dailies(emulator, a.channel_id) == [post]
    assert emulator.requests_to("GET", "/channels/{channel_id}/messages"), "it looked in the channel first"
    attempts = [r for r in emulator.requests if r.method == "POST" and r.path.endswith(f"{b.channel_id}/messages")]
    assert len(attempts) == 1 and attempts[0].status == 403
    reply = await (await emulator.click(member, post, answer_button(post, wrong_letter(post)))).reply()
    assert reply.ephemeral and "Not quite" in reply.text

    status_b = await command(emulator, mod_b, b.channel_id, "status")
    assert f"I'm not allowed to post in <#{b.channel_id}>" in status_b.text
    tomorrow = due + timedelta(days=1)
    assert ts(tomorrow, "F") in status_b.text and "next day's time" in status_b.text
    status_a = await command(emulator, mod_a, a.channel_id, "status")
    assert f"/{post.id}" in status_a.text and "Last error" not in status_a.text
    assert db_rows(bot.db_path, "SELECT guild_id, status FROM daily_posts ORDER BY guild_id") == [
        (a.id, "posted"),
        (b.id, "failed"),
    ]
    assert db_rows(bot.db_path, "SELECT message_id FROM posts WHERE guild_id = ?", (a.id,)) == [(post.id,)]
