"""Members' data on request, online backups and pruning, with the real bot running."""

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

from tests.e2e.quiz import answer_button, db_rows, is_question, right_letter

ROOT = Path(__file__).resolve().parents[2]


async def play_one(emulator, starter, members):
    g = emulator.guild
    await (await emulator.run_command(starter, g.channel_id, "quiz trl", {"questions": 1, "seconds": 120})).response()
    post = await emulator.wait_for_message(g.channel_id, lambda m: is_question(m, 1))
    button = answer_button(post, right_letter(post))
    for reply in await asyncio.gather(*[(await emulator.click(m, post, button)).reply() for m in members]):
        assert "Correct" in reply.text
    return post


async def cli(bot, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUIZBOT_", "DISCORD_"))}
    env.update(QUIZBOT_DATABASE=str(bot.db_path), PYTHONPATH=str(ROOT))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode, out.decode(), err.decode()


async def test_forget_me_deletes_only_after_confirmation_by_that_member(emulator, bot):
    """The confirmation button works for its member only; afterwards their rows are gone."""
    g = emulator.guild
    alice, bob = emulator.add_member(g.id, "alice"), emulator.add_member(g.id, "bob")
    await play_one(emulator, alice, [alice, bob])
    ask = await (await emulator.run_command(alice, g.channel_id, "quiz forget-me", {})).reply()
    assert ask.ephemeral and "for good" in ask.text
    confirm = next(b.custom_id for b in ask.buttons if b.label == "Delete my quiz data")
    forged = await (await emulator.click_raw(bob, g.channel_id, confirm)).reply()
    assert "Only the member who asked" in forged.text
    assert db_rows(bot.db_path, "SELECT COUNT(*) FROM answers WHERE member_id = ?", (alice.id,)) == [(1,)]
    done = await (await emulator.click(alice, ask, confirm)).reply()
    assert "1 answer(s)" in done.text
    for table in ("answers", "scores", "weekly_scores", "mastered"):
        assert db_rows(bot.db_path, f"SELECT COUNT(*) FROM {table} WHERE member_id = ?", (alice.id,)) == [(0,)]
    board = await (await emulator.run_command(bob, g.channel_id, "quiz leaderboard", {})).reply()
    assert f"**1.** <@{bob.id}>" in board.text and f"<@{alice.id}>" not in board.text


async def test_backup_while_the_bot_runs_and_answers_keep_coming(emulator, bot, tmp_path):
    """`python -m bot backup` copies a consistent database during a burst of answers."""
    g = emulator.guild
    starter = emulator.add_member(g.id, "starter")
    post = await play_one(emulator, starter, [starter])
    members = [emulator.add_member(g.id, f"m{i}") for i in range(40)]
    button = answer_button(post, right_letter(post))
    clicks = asyncio.gather(*[emulator.click(m, post, button) for m in members])
    target = tmp_path / "backup.sqlite3"
    code, out, err = await cli(bot, "backup", str(target))
    await clicks
    assert code == 0, err
    assert "schema version" in out
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows, answered = copy.execute(
            "SELECT (SELECT COUNT(*) FROM answers), (SELECT SUM(answered) FROM scores)"
        ).fetchone()
    assert rows == answered and rows >= 1


async def test_prune_removes_a_server_that_removed_the_bot(emulator, bot):
    """After the bot is removed from a server, prune deletes that server's data and nothing else."""
    g = emulator.guild
    alice = emulator.add_member(g.id, "alice")
    await play_one(emulator, alice, [alice])
    other = emulator.add_guild("Guild B")
    await asyncio.sleep(0.3)
    emulator.remove_guild(g.id)
    expected = [(g.id, 1), (other.id, 0)]
    for _ in range(100):  # on_guild_remove, then on_ready's reconciliation (2 s after the last GUILD_CREATE)
        if db_rows(bot.db_path, "SELECT guild_id, left_at IS NOT NULL FROM guilds ORDER BY guild_id") == expected:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the bot did not record which servers it is in")
    code, out, _ = await cli(bot, "prune", "--days", "30")
    assert code == 0 and "0 server(s) pruned" in out
    code, out, _ = await cli(bot, "prune", "--days", "0")
    assert code == 0 and f"pruned server {g.id}: 1 answers" in out
    assert db_rows(bot.db_path, "SELECT COUNT(*) FROM answers") == [(0,)]
    assert db_rows(bot.db_path, "SELECT left_at FROM guilds WHERE guild_id = ?", (other.id,)) == [(None,)]
