"""/quiz trl end to end: the real bot process, the loopback Discord emulator and a real SQLite file."""

import asyncio

import discord

from tests.e2e.quiz import (
    answer_button,
    db_rows,
    is_question,
    is_summary,
    next_button,
    question_id,
    right_letter,
    wrong_letter,
)

MANAGE = discord.Permissions(manage_guild=True).value


async def start_round(emulator, member, **options):
    g = emulator.guild
    ix = await emulator.run_command(member, g.channel_id, "quiz trl", options)
    response = await ix.response()
    assert response.type == 4 and not response.ephemeral, response
    return await emulator.wait_for_message(g.channel_id, lambda m: is_question(m, 1))


async def test_quiz_trl_posts_the_first_question_with_a_button_per_choice(emulator, bot):
    """The bot logs in, syncs /quiz with a trl subcommand, and /quiz trl posts question 1."""
    await emulator.wait_for_commands({"quiz"})
    alice = emulator.add_member(emulator.guild.id, "alice")
    post = await start_round(emulator, alice, questions=3)
    assert post.embeds[0]["title"] == "TRL · Question 1 / 3"
    question = question_id(post)
    from tests.e2e.quiz import catalog

    shown = catalog().question(question)
    assert shown is not None
    choices = shown.choices
    letters = [b.label for b in post.buttons if b.custom_id.startswith("quiz:ans:")]
    assert letters == ["A", "B", "C", "D", "E"][: len(choices)]
    assert "Checked against TRL" in post.embeds[0]["footer"]["text"]
    for i, choice in enumerate(choices):
        assert f"**{'ABCDE'[i]}.** {choice}" in post.text


async def test_a_round_with_right_wrong_and_double_answers(emulator, bot):
    """Three members answer; replies carry explanation and leaderboard; reveal and summary follow."""
    g = emulator.guild
    starter = emulator.add_member(g.id, "starter")
    alice, bob, carol = (emulator.add_member(g.id, n) for n in ("alice", "bob", "carol"))
    post = await start_round(emulator, starter, questions=2, seconds=120)
    right, wrong = right_letter(post), wrong_letter(post)

    alice_reply = await (await emulator.click(alice, post, answer_button(post, right))).reply()
    assert alice_reply.ephemeral
    assert "Correct" in alice_reply.text and "Server leaderboard" in alice_reply.text
    assert "1 / 2 answered · 1 correct" in alice_reply.text
    assert f"<@{alice.id}>" in alice_reply.text

    bob_reply = await (await emulator.click(bob, post, answer_button(post, wrong))).reply()
    assert bob_reply.ephemeral and "Not quite" in bob_reply.text and f"the answer is {right}" in bob_reply.text
    explanation_start = alice_reply.embeds[0]["description"].split("\n\n", 1)[1][:40]
    assert explanation_start in bob_reply.text

    await (await emulator.click(carol, post, answer_button(post, wrong))).reply()
    again = await (await emulator.click(carol, post, answer_button(post, right))).reply()
    assert again.ephemeral and f"You already answered {wrong}" in again.text

    skip = await (await emulator.click(starter, post, next_button(post))).reply()
    assert skip.ephemeral
    revealed = await emulator.wait_for_edit(post.id, lambda m: "closed" in m.embeds[0]["title"])
    assert all(b.disabled for b in revealed.buttons)
    assert "1 (33%)" in revealed.text and "2 (67%)" in revealed.text
    assert f"Answer: {right}" in revealed.text

    second = await emulator.wait_for_message(g.channel_id, lambda m: is_question(m, 2))
    await emulator.click(starter, second, next_button(second))
    summary = await emulator.wait_for_message(g.channel_id, is_summary)
    assert "finished" in summary.text and f"<@{alice.id}>" in summary.text

    rows = db_rows(bot.db_path, "SELECT member_id, choice, correct FROM answers ORDER BY id")
    assert [(m, c) for m, _, c in rows] == [(alice.id, 1), (bob.id, 0), (carol.id, 0)]


async def test_fifty_members_clicking_at_once_are_each_counted_once(emulator, bot):
    """Fifty simultaneous clicks store fifty answers and the leaderboard adds up."""
    g = emulator.guild
    starter = emulator.add_member(g.id, "starter")
    post = await start_round(emulator, starter, questions=1, seconds=120)
    members = [emulator.add_member(g.id, f"m{i}") for i in range(50)]
    right = answer_button(post, right_letter(post))
    handles = await asyncio.gather(*(emulator.click(m, post, right) for m in members))
    replies = await asyncio.gather(*(h.reply(timeout=15) for h in handles))
    assert all(r.ephemeral and "Correct" in r.text for r in replies)
    assert db_rows(bot.db_path, "SELECT COUNT(*), COUNT(DISTINCT member_id) FROM answers") == [(50, 50)]
    assert db_rows(bot.db_path, "SELECT SUM(points), SUM(correct), SUM(answered) FROM scores") == [(50, 50, 50)]


async def test_one_round_per_channel_and_stop(emulator, bot):
    """A second start is refused with where the round is; /quiz stop ends it with a summary."""
    g = emulator.guild
    starter, other = emulator.add_member(g.id, "starter"), emulator.add_member(g.id, "other")
    await start_round(emulator, starter, questions=3)
    refused = await (await emulator.run_command(other, g.channel_id, "quiz trl", {})).reply()
    assert refused.ephemeral and "already running" in refused.text and f"<#{g.channel_id}>" in refused.text
    not_yours = await (await emulator.run_command(other, g.channel_id, "quiz stop", {})).reply()
    assert not_yours.ephemeral and "Only the member who started" in not_yours.text
    stopped = await (await emulator.run_command(starter, g.channel_id, "quiz stop", {})).reply()
    assert stopped.ephemeral
    summary = await emulator.wait_for_message(g.channel_id, is_summary)
    assert "stopped" in summary.text


async def test_restart_mid_round_loses_nothing(emulator, bot):
    """After a restart the open question still answers, no answer doubles, closed ones say so."""
    g = emulator.guild
    starter, alice, bob = (emulator.add_member(g.id, n) for n in ("starter", "alice", "bob"))
    post = await start_round(emulator, starter, questions=2, seconds=120)
    right = right_letter(post)
    await (await emulator.click(alice, post, answer_button(post, right))).reply()

    await bot.restart()

    bob_reply = await (await emulator.click(bob, post, answer_button(post, right))).reply()
    assert "Correct" in bob_reply.text
    alice_again = await (await emulator.click(alice, post, answer_button(post, right))).reply()
    assert "already answered" in alice_again.text
    await (await emulator.click(starter, post, next_button(post))).reply()
    second = await emulator.wait_for_message(g.channel_id, lambda m: is_question(m, 2))
    closed = await (await emulator.click_raw(bob, g.channel_id, answer_button(post, right), message_id=post.id)).reply()
    assert closed.ephemeral and f"closed — the answer was {right}" in closed.text
    assert second.id != post.id
    assert db_rows(bot.db_path, "SELECT COUNT(*) FROM answers") == [(2,)]
    puts = [r for r in emulator.requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert len(puts) == 1, "a restart with unchanged commands must not sync again"


async def test_servers_are_separate_and_forged_buttons_are_refused(emulator, bot):
    """Another server's leaderboard stays empty; its members can't answer this server's posts."""
    g = emulator.guild
    alice = emulator.add_member(g.id, "alice")
    post = await start_round(emulator, alice, questions=1, seconds=120)
    await (await emulator.click(alice, post, answer_button(post, right_letter(post)))).reply()

    other = emulator.add_guild(name="Guild B")
    await asyncio.sleep(0.2)
    mallory = emulator.add_member(other.id, "mallory")
    board = await (await emulator.run_command(mallory, other.channel_id, "quiz leaderboard", {})).reply()
    assert "Nobody has scored yet" in board.text and f"<@{alice.id}>" not in board.text

    forged = answer_button(post, right_letter(post))
    refused = await (await emulator.click_raw(mallory, other.channel_id, forged)).reply()
    assert refused.ephemeral and "another server" in refused.text
    for custom_id in ("quiz:ans:abc:A", "quiz:ans:999999:A", "quiz:ans:1:Z", "nonsense"):
        reply = await (await emulator.click_raw(alice, g.channel_id, custom_id)).reply()
        assert reply.ephemeral and ("recognise" in reply.text or "doesn't exist" in reply.text), custom_id
    assert db_rows(bot.db_path, "SELECT COUNT(*) FROM answers") == [(1,)]


async def test_leaderboard_pages_and_stats(emulator, bot):
    """The leaderboard shows ranks with paging buttons; stats show the member's numbers."""
    g = emulator.guild
    alice = emulator.add_member(g.id, "alice")
    post = await start_round(emulator, alice, questions=1, seconds=120)
    await (await emulator.click(alice, post, answer_button(post, right_letter(post)))).reply()
    board = await (await emulator.run_command(alice, g.channel_id, "quiz leaderboard", {})).reply()
    assert board.ephemeral and f"**1.** <@{alice.id}> — 1 pts" in board.text and "rank **1**" in board.text
    week_button = next(b for b in board.buttons if b.custom_id == "quiz:lb:week:1")
    week = await (await emulator.click(alice, board, week_button.custom_id)).reply()
    assert "this week" in week.text and f"<@{alice.id}>" in week.text
    stats = await (await emulator.run_command(alice, g.channel_id, "quiz stats", {})).reply()
    assert stats.ephemeral and "Accuracy" in stats.text and "100%" in stats.text


async def test_a_question_closes_by_itself_when_its_time_is_up(emulator, bot):
    """With nobody pressing Next, the timer closes the question, reveals it and ends the round."""
    g = emulator.guild
    alice = emulator.add_member(g.id, "alice")
    post = await start_round(emulator, alice, questions=1, seconds=10)
    await (await emulator.click(alice, post, answer_button(post, right_letter(post)))).reply()
    revealed = await emulator.wait_for_edit(post.id, lambda m: "closed" in m.embeds[0]["title"], timeout=20)
    assert "1 (100%)" in revealed.text
    summary = await emulator.wait_for_message(g.channel_id, is_summary, timeout=10)
    assert "finished" in summary.text and "1 of 1 questions asked" in summary.text


async def test_sync_command_copies_the_commands_to_one_guild(emulator, bot, tmp_path):
    """`python -m bot sync --guild ID` puts /quiz and /quiz-admin on that guild at once."""
    import os
    import sys

    from tests.e2e.quiz import ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUIZBOT_", "DISCORD_"))}
    env.update(
        DISCORD_TOKEN=emulator.token,
        QUIZBOT_API_BASE_URL=emulator.api_base_url,
        QUIZBOT_DATABASE=str(tmp_path / "sync.sqlite3"),
        PYTHONPATH=str(ROOT),
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sync",
        "--guild",
        str(emulator.guild.id),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert f"to guild {emulator.guild.id}" in out.decode()
    assert {"quiz", "quiz-admin"} <= emulator.command_names(emulator.guild.id)
    assert emulator.token not in out.decode() + err.decode()


async def test_leaderboard_pages_past_ten_and_a_moderator_may_move_a_round_on(emulator, bot):
    """Twelve scorers fill two pages; a moderator who didn't start the round may press Next."""
    g = emulator.guild
    starter = emulator.add_member(g.id, "starter")
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE | discord.Permissions.general().value)
    post = await start_round(emulator, starter, questions=2, seconds=120)
    members = [emulator.add_member(g.id, f"m{i}") for i in range(12)]
    button = answer_button(post, right_letter(post))
    for reply in await asyncio.gather(*[(await emulator.click(m, post, button)).reply() for m in members]):
        assert "Correct" in reply.text
    moved = await (await emulator.click(mod, post, next_button(post))).reply()
    assert "Closing this question now" in moved.text
    await emulator.wait_for_message(g.channel_id, lambda m: is_question(m, 2))

    first = await (await emulator.run_command(members[0], g.channel_id, "quiz leaderboard", {})).reply()
    assert first.text.count(".** <@") == 10 and "Page 1 / 2" in first.text
    forward = next(b for b in first.buttons if b.label.startswith("Next"))
    second = await (await emulator.click(members[0], first, forward.custom_id)).reply()
    assert second.text.count(".** <@") == 2 and "Page 2 / 2" in second.text
    stats = await (await emulator.run_command(starter, g.channel_id, "quiz stats", {"member": members[3]})).reply()
    assert f"<@{members[3].id}>" in stats.text and "100%" in stats.text


async def test_a_round_of_one_topic_and_difficulty_with_autocomplete(emulator, bot):
    """/quiz trl topic:<t> difficulty:<d> asks only that slice; autocomplete lists topics with their sizes;
    an unknown topic and an empty slice are refused plainly; a slice smaller than asked says so."""
    from collections import Counter

    from tests.e2e.quiz import catalog

    g = emulator.guild
    starter = emulator.add_member(g.id, "starter")
    deck = catalog().deck("trl") or ()
    sizes = Counter(q.topic for q in deck)
    topic = "grpo"
    ix = await emulator.autocomplete(starter, g.channel_id, "quiz trl", {"topic": "grp"}, focused="topic")
    choices = (await ix.response()).data["choices"]
    assert {"name": f"grpo ({sizes['grpo']} questions)", "value": "grpo"} in choices
    assert all("grp" in c["value"] for c in choices)

    refused = await (await emulator.run_command(starter, g.channel_id, "quiz trl", {"topic": "bananas"})).reply()
    assert refused.ephemeral and "no topic “bananas”" in refused.text and "grpo" in refused.text

    hard = [q for q in deck if q.topic == topic and q.difficulty == "hard"]
    ix = await emulator.run_command(
        starter, g.channel_id, "quiz trl", {"topic": topic, "difficulty": "hard", "questions": 25, "seconds": 120}
    )
    started = await ix.reply()
    assert f"on grpo · hard: {len(hard)} questions" in started.text
    assert f"Only {len(hard)} question" in started.text
    post = await emulator.wait_for_message(g.channel_id, lambda m: is_question(m, 1))
    assert question_id(post) in {q.id for q in hard}


async def test_one_ready_line_says_who_the_bot_is_and_what_it_sees(emulator, bot):
    """The operator's log has one 'ready' line: the bot user, the number of servers, the database and schema."""
    for _ in range(100):
        if "ready as" in bot.log_text():
            break
        await asyncio.sleep(0.05)
    (line,) = [x for x in bot.log_text().splitlines() if "ready as" in x]
    assert f"(id {emulator.bot_user_id}): 1 servers, all shards, database sqlite:{bot.db_path} schema v" in line
