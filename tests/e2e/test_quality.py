"""Question quality end to end: members report a bad question, moderators see which questions fail and why."""

import asyncio
import csv
import io
import re

from tests.e2e.quiz import answer_button, db_rows, is_question, is_summary, next_button, pings, question_id
from tests.e2e.test_cli import run
from tests.e2e.test_moderators import MANAGE, MINI, mini_bot  # noqa: F401 - the fixture, reused

NEEDS = "This needs the Manage Server permission"
# mini-three's key is C; the strong members pick A, the weak ones C: it behaves as if miskeyed.
STRONG = {"mini-one": "A", "mini-two": "B", "mini-three": "A"}
WEAK = {"mini-one": "B", "mini-two": "A", "mini-three": "C"}


def report_button(message) -> str:
    found = [b.custom_id for b in message.buttons if b.label == "Report a problem"]
    assert found, f"no Report button on {message.id}: {message.buttons}"
    return found[0]


async def play_population(emulator, mod, members):
    """One round of the three mini questions; every member answers by their group, all at once."""
    g = emulator.guild
    await (await emulator.run_command(mod, g.channel_id, "quiz trl", {"questions": 3, "seconds": 300})).response()
    for number in range(1, 4):
        post = await emulator.wait_for_message(g.channel_id, lambda m, n=number: is_question(m, n))
        qid = question_id(post)
        clicks = [emulator.click(m, post, answer_button(post, answers[qid])) for m, answers in members]
        handles = await asyncio.gather(*clicks)
        await asyncio.gather(*(h.response(timeout=20) for h in handles))
        await emulator.click(mod, post, next_button(post))
    await emulator.wait_for_message(g.channel_id, is_summary)


async def test_a_miskeyed_question_is_flagged_first_and_the_csv_matches(emulator, mini_bot):  # noqa: F811
    """Strong members pick a distractor on one question: it tops the overview, its flags say why, CSV agrees."""
    g = emulator.guild
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE)
    members = [(emulator.add_member(g.id, f"strong{i}"), STRONG) for i in range(18)]
    members += [(emulator.add_member(g.id, f"weak{i}"), WEAK) for i in range(18)]
    await play_population(emulator, mod, members)

    overview = await (await emulator.run_command(mod, g.channel_id, "quiz-admin insights", {})).reply()
    assert overview.ephemeral
    description = overview.embeds[0]["description"]
    assert description.startswith("**mini-three**"), description
    assert "strong members get this wrong" in description
    assert [a.filename for a in overview.attachments] == ["insights.png"]
    assert overview.attachments[0].data.startswith(b"\x89PNG")

    one = await (
        await emulator.run_command(mod, g.channel_id, "quiz-admin insights", {"question": "mini-three"})
    ).reply()
    text = one.text
    assert "First answers **36**" in text and "facility **50%**" in text
    assert "strong members get this wrong: check the key or the wording" in text
    assert "A: attracts strong members: check the key" in text
    found = re.search(r"discrimination \*\*([+-][0-9.]+)\*\*", text)
    assert found is not None, text
    shown = float(found[1])

    exported = await (await emulator.run_command(mod, g.channel_id, "quiz-admin insights", {"export": True})).reply()
    data = exported.attachments[0].data.decode()
    rows = {r["question_id"]: r for r in csv.DictReader(io.StringIO(data))}
    assert set(rows) == {"mini-one", "mini-two", "mini-three"}
    row = rows["mini-three"]
    assert int(row["answered"]) == 36 and float(row["facility"]) == 0.5
    assert round(float(row["discrimination"]), 2) == shown < 0
    assert (int(row["A_count"]), int(row["B_count"]), int(row["C_count"])) == (18, 0, 18)

    # The operator's command gives the same figures from the database (one server here).
    out = mini_bot.db_path.parent / "all.csv"
    cli = run(
        ["insights", "--csv", str(out)],
        mini_bot.db_path.parent,
        QUIZBOT_DATABASE=str(mini_bot.db_path),
        QUIZBOT_CONTENT_DIR=str(MINI),
    )
    assert cli.returncode == 0, cli.stderr
    assert "mini-three" in cli.stdout and "strong members get this wrong" in cli.stdout
    assert out.read_text(encoding="utf-8") == data


async def test_a_report_survives_a_restart_reaches_moderators_and_is_resolved(emulator, mini_bot):  # noqa: F811
    """Report from the answer reply; the form is submitted after a restart; a moderator resolves it."""
    g = emulator.guild
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE)
    member = emulator.add_member(g.id, "member")
    await (await emulator.run_command(mod, g.channel_id, "quiz trl", {"questions": 1, "seconds": 300})).response()
    post = await emulator.wait_for_message(g.channel_id, is_question)
    reply = await (await emulator.click(member, post, answer_button(post, "A"))).reply()
    opener = await emulator.click(member, reply, report_button(reply))
    modal = (await opener.response()).modal
    assert modal is not None and modal["custom_id"].startswith("quiz:rf:0:")

    await mini_bot.restart()
    details = "The key says one thing, the docs another. @everyone <@&1>"
    sent = await (await emulator.submit_modal(member, opener, {"reason": ["wrong_key"], "details": details})).reply()
    assert sent.ephemeral and "sent your report" in sent.text
    qid = question_id(post)
    assert db_rows(mini_bot.db_path, "SELECT member_id, question_id, reason, status FROM question_reports") == [
        (member.id, qid, "wrong_key", "open")
    ]

    # Reporting again updates the one open report.
    again = await emulator.click(member, reply, report_button(reply))
    refilled = (await again.response()).modal
    assert "The key says one thing" in str(refilled)
    updated = await (await emulator.submit_modal(member, again, {"reason": ["typo"]})).reply()
    assert "updated your report" in updated.text
    assert db_rows(mini_bot.db_path, "SELECT COUNT(*), MIN(reason) FROM question_reports") == [(1, "typo")]

    listing = await (await emulator.run_command(mod, g.channel_id, "quiz-admin reports", {})).reply()
    assert qid in listing.text and "Typo" in listing.text and "@everyone <@&1>" in listing.text
    (report_id,) = db_rows(mini_bot.db_path, "SELECT id FROM question_reports")[0]
    resolve = f"quiz:rpa:{report_id}:r"
    assert resolve in [b.custom_id for b in listing.buttons]
    done = await (await emulator.click(mod, listing, resolve)).reply()
    assert f"Report #{report_id}" in done.text and "resolved" in done.text
    rows = db_rows(mini_bot.db_path, "SELECT status, handled_by, handled_at IS NOT NULL FROM question_reports")
    assert rows == [("resolved", mod.id, 1)]
    assert pings(emulator) == []


async def test_a_plain_member_is_refused_insights_reports_and_the_buttons(emulator, mini_bot):  # noqa: F811
    """Commands and forged moderator ids are refused server-side, and nothing changes."""
    g = emulator.guild
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE)
    member = emulator.add_member(g.id, "member")
    await (await emulator.run_command(mod, g.channel_id, "quiz trl", {"questions": 1, "seconds": 300})).response()
    post = await emulator.wait_for_message(g.channel_id, is_question)
    reply = await (await emulator.click(member, post, answer_button(post, "B"))).reply()
    opener = await emulator.click(member, reply, report_button(reply))
    await opener.response()
    await (await emulator.submit_modal(member, opener, {"reason": ["unclear"]})).reply()
    (report_id,) = db_rows(mini_bot.db_path, "SELECT id FROM question_reports")[0]

    for command, options in (("quiz-admin insights", {}), ("quiz-admin reports", {})):
        refused = await (await emulator.run_command(member, g.channel_id, command, options)).reply()
        assert NEEDS in refused.text
    for custom_id in (f"quiz:rpa:{report_id}:r", f"quiz:rpa:{report_id}:h", "quiz:rpl:1", "quiz:ins:trl:1"):
        refused = await (await emulator.click_raw(member, g.channel_id, custom_id)).reply()
        assert NEEDS in refused.text
    assert db_rows(mini_bot.db_path, "SELECT status FROM question_reports") == [("open",)]
    assert db_rows(mini_bot.db_path, "SELECT COUNT(*) FROM hidden_questions") == [(0,)]


async def test_another_servers_post_cannot_be_reported_here(emulator, mini_bot):  # noqa: F811
    """A forged Report button or form naming another server's post is refused; nothing is stored."""
    g = emulator.guild
    other = emulator.add_guild("Guild B")
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE)
    stranger = emulator.add_member(other.id, "stranger")
    await (await emulator.run_command(mod, g.channel_id, "quiz trl", {"questions": 1, "seconds": 300})).response()
    await emulator.wait_for_message(g.channel_id, is_question)
    (post_id,) = db_rows(mini_bot.db_path, "SELECT id FROM posts")[0]
    refused = await (await emulator.click_raw(stranger, other.channel_id, f"quiz:rep:{post_id}")).reply()
    assert "can't be found" in refused.text
    assert db_rows(mini_bot.db_path, "SELECT COUNT(*) FROM question_reports") == [(0,)]


async def test_the_question_form_picks_the_letter_and_topic_from_lists(emulator, mini_bot):  # noqa: F811
    """The add form offers A-E and the decks' topics as selects; the picked ones are stored."""
    g = emulator.guild
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE)
    opener = await emulator.run_command(mod, g.channel_id, "quiz-admin question add", {})
    modal = (await opener.response()).modal
    selects = {c["component"]["custom_id"]: c["component"] for c in modal["components"] if c["type"] == 18}
    assert [o["value"] for o in selects["answer"]["options"]] == list("ABCDE")
    assert {"sft", "dpo", "grpo", "general"} <= {o["value"] for o in selects["topic"]["options"]}
    values = {
        "prompt": "Which trainer learns from preference pairs?",
        "choices": "SFTTrainer\nDPOTrainer",
        "answer": ["B"],
        "explanation": "DPO learns from chosen/rejected pairs.",
        "topic": ["dpo"],
    }
    added = await (await emulator.submit_modal(mod, opener, values)).reply()
    assert "Added **custom-1**" in added.text
    body = db_rows(mini_bot.db_path, "SELECT body FROM custom_questions")[0][0]
    assert '"topic":"dpo"' in body and '"answer":"B"' in body
