"""Moderators manage questions through /quiz-admin; members without the right are refused."""

import asyncio
from pathlib import Path

import discord
import pytest
import yaml

from tests.e2e.quiz import answer_button, db_rows, is_question, is_summary, next_button, pings
from tests.harness import BotProcess, running

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "content"
MANAGE = discord.Permissions(manage_guild=True).value | discord.Permissions.general().value

NEW_QUESTION = {
    "prompt": "Which TRL trainer learns from a binary desirable/undesirable label? @everyone",
    "choices": "DPOTrainer\nKTOTrainer\nRewardTrainer",
    "answer": "B",
    "explanation": "KTO learns from unpaired labels; DPO needs chosen/rejected pairs. <@&123> **bold**",
}


@pytest.fixture
async def mini_bot(emulator, tmp_path):
    """The bot with the three-question test deck, so a round asks every question including new ones."""
    async with running(BotProcess(emulator, tmp_path / "bot", content_dir=MINI)) as proc:
        yield proc


def modal_fields(modal):
    """A form's prefilled fields: a text input's value, a select's default option (through labels too)."""
    fields = {}
    for row in modal["components"]:
        for c in [row["component"]] if "component" in row else row.get("components", []):
            if c.get("type") == 3:
                fields[c["custom_id"]] = next((o["value"] for o in c["options"] if o.get("default")), None)
            elif "custom_id" in c:
                fields[c["custom_id"]] = c.get("value")
    return fields


async def add_question(emulator, mod, values, deck=None):
    g = emulator.guild
    opener = await emulator.run_command(mod, g.channel_id, "quiz-admin question add", {"deck": deck} if deck else {})
    opened = await opener.response()
    assert opened.type == 9 and opened.modal is not None
    return await (await emulator.submit_modal(mod, opener, values)).reply()


async def test_a_moderator_adds_lists_plays_edits_exports_imports_hides_and_removes(emulator, mini_bot):
    """The whole life of a server question, as a moderator and members meet it."""
    g = emulator.guild
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE)
    member = emulator.add_member(g.id, "member")

    added = await add_question(emulator, mod, NEW_QUESTION)
    assert added.ephemeral and "Added **custom-1**" in added.text
    assert "**B.** KTOTrainer" in added.text and "Preview · custom-1" in added.text
    rows = db_rows(mini_bot.db_path, "SELECT created_by, updated_by, revision FROM custom_questions")
    assert rows == [(mod.id, mod.id, 1)]

    listing = await (await emulator.run_command(mod, g.channel_id, "quiz-admin question list", {})).reply()
    assert "`custom-1` · this server · not answered yet" in listing.text and "`mini-one` · built-in" in listing.text

    # a round asks it, and a member answers it
    await (await emulator.run_command(mod, g.channel_id, "quiz trl", {"questions": 4, "seconds": 120})).response()
    seen = None
    for number in range(1, 5):
        post = await emulator.wait_for_message(g.channel_id, lambda m, n=number: is_question(m, n))
        if post.embeds[0]["footer"]["text"].endswith("custom-1"):
            seen = post
            assert "Written by this server's moderators" in post.embeds[0]["footer"]["text"]
            reply = await (await emulator.click(member, post, answer_button(post, "B"))).reply()
            assert "Correct" in reply.text and "KTO learns from unpaired labels" in reply.text
        await emulator.click(mod, post, next_button(post))
    await emulator.wait_for_message(g.channel_id, is_summary)
    assert seen is not None, "the round did not ask the new question"
    assert "@everyone" in seen.text and "<@&123> **bold**" in reply.text  # shown verbatim...
    assert pings(emulator) == []  # ...and pinging no one

    # edit: the form opens filled in; past answers keep their points
    opener = await emulator.run_command(mod, g.channel_id, "quiz-admin question edit", {"question_id": "custom-1"})
    modal = (await opener.response()).modal
    prefilled = modal_fields(modal)
    assert prefilled["choices"] == "DPOTrainer\nKTOTrainer\nRewardTrainer" and prefilled["answer"] == "B"
    changed = {"answer": "A", "choices": "KTOTrainer\nDPOTrainer"}
    saved = await (await emulator.submit_modal(mod, opener, changed)).reply()
    assert "Saved **custom-1**" in saved.text
    assert db_rows(mini_bot.db_path, "SELECT revision FROM custom_questions") == [(2,)]
    assert db_rows(mini_bot.db_path, "SELECT points FROM scores WHERE member_id = ?", (member.id,)) == [(1,)]

    # export, then import the file back: same questions, one update
    exported = await (await emulator.run_command(mod, g.channel_id, "quiz-admin question export", {})).reply()
    assert exported.ephemeral and exported.attachments
    data = exported.attachments[0].data
    deck = yaml.safe_load(data)
    assert [q["id"] for q in deck["questions"]] == ["custom-1"] and deck["questions"][0]["answer"] == "A"
    attachment = emulator.make_attachment("trl-questions.yaml", data)
    imported = await (
        await emulator.run_command(mod, g.channel_id, "quiz-admin question import", {"file": attachment})
    ).reply()
    assert "0 added, 1 updated" in imported.text

    # hide a built-in, then remove the server question after confirming
    hidden = await (
        await emulator.run_command(mod, g.channel_id, "quiz-admin question hide", {"question_id": "mini-one"})
    ).reply()
    assert "is hidden" in hidden.text
    assert db_rows(mini_bot.db_path, "SELECT question_id FROM hidden_questions") == [("mini-one",)]
    ask = await (
        await emulator.run_command(mod, g.channel_id, "quiz-admin question remove", {"question_id": "custom-1"})
    ).reply()
    confirm = next(b.custom_id for b in ask.buttons if b.label == "Remove")
    done = await (await emulator.click(mod, ask, confirm)).reply()
    assert "Removed **custom-1**" in done.text
    assert db_rows(mini_bot.db_path, "SELECT removed_at IS NOT NULL FROM custom_questions") == [(1,)]
    assert db_rows(mini_bot.db_path, "SELECT COUNT(*) FROM answers WHERE question_id = 'custom-1'") == [(1,)]


async def test_adding_never_overwrites_an_imported_question(emulator, mini_bot):
    """An imported custom-2 keeps its text when the form adds a question afterwards (it gets custom-3)."""
    g = emulator.guild
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE)
    data = (
        b"deck: trl\nquestions:\n  - id: custom-2\n    prompt: 'Imported?'\n    choices: ['a', 'b']\n"
        b"    answer: A\n    explanation: 'kept'\n"
    )
    attachment = emulator.make_attachment("q.yaml", data)
    imported = await (
        await emulator.run_command(mod, g.channel_id, "quiz-admin question import", {"file": attachment})
    ).reply()
    assert "1 added" in imported.text
    added = await add_question(emulator, mod, NEW_QUESTION)
    assert "Added **custom-3**" in added.text
    rows = db_rows(mini_bot.db_path, "SELECT id, json_extract(body, '$.prompt') FROM custom_questions ORDER BY id")
    assert rows == [("custom-2", "Imported?"), ("custom-3", NEW_QUESTION["prompt"])]


MODERATOR_CALLS = [
    ("quiz-admin question add", {}),
    ("quiz-admin question edit", {"question_id": "custom-1"}),
    ("quiz-admin question remove", {"question_id": "custom-1"}),
    ("quiz-admin question hide", {"question_id": "mini-one"}),
    ("quiz-admin question unhide", {"question_id": "mini-one"}),
    ("quiz-admin question list", {}),
    ("quiz-admin question export", {}),
    ("quiz-admin config mod-role", {}),
    ("quiz-admin daily status", {}),
    ("quiz-admin daily off", {}),
    ("quiz-admin daily now", {}),
]


async def test_members_without_the_right_are_refused_everything(emulator, mini_bot):
    """Every moderator command and button, called by an ordinary member, is refused and changes nothing."""
    g = emulator.guild
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE)
    await add_question(emulator, mod, NEW_QUESTION)
    member = emulator.add_member(g.id, "member")
    before = db_rows(mini_bot.db_path, "SELECT * FROM custom_questions")
    daily_set = ("quiz-admin daily set", {"channel": g.channel_id, "time": "09:00", "timezone": "UTC"})
    for path, options in [*MODERATOR_CALLS, daily_set]:
        reply = await (await emulator.run_command(member, g.channel_id, path, options)).reply()
        assert reply.ephemeral and "Manage Server" in reply.text, path
    attachment = emulator.make_attachment("x.yaml", b"deck: trl\nquestions: []\n")
    reply = await (
        await emulator.run_command(member, g.channel_id, "quiz-admin question import", {"file": attachment})
    ).reply()
    assert "Manage Server" in reply.text
    for custom_id in ("quiz:qrm:custom-1", "quiz:draft:add:trl", "quiz:ql:trl:1"):
        reply = await (await emulator.click_raw(member, g.channel_id, custom_id)).reply()
        assert reply.ephemeral and "Manage Server" in reply.text, custom_id
    assert db_rows(mini_bot.db_path, "SELECT * FROM custom_questions") == before
    assert db_rows(mini_bot.db_path, "SELECT COUNT(*) FROM hidden_questions") == [(0,)]
    assert db_rows(mini_bot.db_path, "SELECT COUNT(*) FROM daily_schedules") == [(0,)]
    assert db_rows(mini_bot.db_path, "SELECT COUNT(*) FROM posts") == [(0,)]


async def test_the_configured_mod_role_counts_as_moderator(emulator, mini_bot):
    """A member with the quiz-moderator role (no Manage Server) may moderate once the role is set."""
    g = emulator.guild
    admin = emulator.add_member(g.id, "admin", permissions=MANAGE)
    role = emulator.add_role(g.id, "Quiz mods")
    helper = emulator.add_member(g.id, "helper", roles=(role,))
    refused = await (await emulator.run_command(helper, g.channel_id, "quiz-admin question list", {})).reply()
    assert "Manage Server" in refused.text
    await (await emulator.run_command(admin, g.channel_id, "quiz-admin config mod-role", {"role": role})).reply()
    allowed = await (await emulator.run_command(helper, g.channel_id, "quiz-admin question list", {})).reply()
    assert "Questions in the trl deck" in allowed.text
    not_config = await (await emulator.run_command(helper, g.channel_id, "quiz-admin config mod-role", {})).reply()
    assert "Only members with Manage Server" in not_config.text


async def test_fields_exactly_at_their_limits_are_accepted(emulator, mini_bot):
    """A 1000-character question, 200-character choices and a 1000-character explanation fit and render."""
    g = emulator.guild
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE)
    values = {
        "prompt": "Q" * 999 + "?",
        "choices": "\n".join(c * 200 for c in "abcde"),
        "answer": "E",
        "explanation": "x" * 1000,
    }
    added = await add_question(emulator, mod, values)
    assert "Added **custom-1**" in added.text
    await (
        await emulator.run_command(mod, g.channel_id, "quiz-admin question hide", {"question_id": "mini-one"})
    ).reply()
    for qid in ("mini-two", "mini-three"):
        await (await emulator.run_command(mod, g.channel_id, "quiz-admin question hide", {"question_id": qid})).reply()
    await (await emulator.run_command(mod, g.channel_id, "quiz trl", {"seconds": 10})).response()
    post = await emulator.wait_for_message(g.channel_id, lambda m: is_question(m, 1))
    assert post.embeds[0]["footer"]["text"].endswith("custom-1")
    await emulator.click(mod, post, next_button(post))
    revealed = await emulator.wait_for_edit(post.id, lambda m: "closed" in m.embeds[0]["title"])
    assert "x" * 1000 in revealed.text  # the full explanation, within Discord's limits


BAD_DRAFTS = [
    ({"prompt": "x" * 1001}, "Question: String should have at most 1000 characters"),
    ({"choices": "only one"}, "Choices: write 2 to 5 choices, one per line (found 1)"),
    ({"choices": "Same\nsame"}, "choices must be distinct"),
    ({"answer": "D"}, "answer 'D' is out of range: there are 3 choices (A-C)"),
    ({"answer": "7"}, "Correct letter: write one letter"),
    ({"explanation": "   "}, "Explanation: String should have at least 1 character"),
    ({"choices": "a\n" + "b" * 201}, "Choices, line 2: String should have at most 200 characters"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_DRAFTS)
async def test_bad_modal_input_gets_its_specific_message_and_the_text_back(emulator, mini_bot, changes, message):
    """Each bad field is named; what was typed is given back with a Fix-it button; nothing is stored."""
    g = emulator.guild
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE)
    reply = await add_question(emulator, mod, {**NEW_QUESTION, **changes})
    assert reply.ephemeral and "Nothing was saved" in reply.text and message in reply.text, reply.text
    assert "What you typed" in reply.text
    fix = next(b for b in reply.buttons if b.label == "Fix it")
    reopened = await (await emulator.click(mod, reply, fix.custom_id)).response()
    fields = modal_fields(reopened.modal)
    typed = {**NEW_QUESTION, **changes}
    assert fields["prompt"] == typed["prompt"][:1000] or len(typed["prompt"]) > 1000
    assert db_rows(mini_bot.db_path, "SELECT COUNT(*) FROM custom_questions") == [(0,)]


BAD_IMPORTS = [
    (b"deck: trl\nquestions: [\n", "not valid YAML"),
    (
        b"deck: trl\nquestions:\n  - id: q1\n    prompt: 'p'\n    choices: ['a']\n    answer: A\n"
        b"    explanation: 'e'\n",
        "question 1 (id 'q1'): choices: List should have at least 2 items",
    ),
    (
        b"deck: trl\nquestions:\n  - id: q1\n    prompt: 'p'\n    choices: ['a', 'b']\n    answer: A\n"
        b"    explanation: 'e'\n    colour: red\n",
        "question 1 (id 'q1'): colour: unknown field",
    ),
    (
        b"deck: trl\nquestions:\n  - id: mini-one\n    prompt: 'p'\n    choices: ['a', 'b']\n    answer: A\n"
        b"    explanation: 'e'\n",
        "belongs to a built-in question",
    ),
    (b"a: &a [x, x]\nb: [*a, *a]\n", "anchors and aliases"),
    (
        b"deck: nope\nquestions:\n  - id: q1\n    prompt: 'p'\n    choices: ['a', 'b']\n    answer: A\n"
        b"    explanation: 'e'\n",
        "no deck called",
    ),
    (b"x" * 300_000, "imports are limited to 256 kB"),
]


@pytest.mark.parametrize(("data", "message"), BAD_IMPORTS)
async def test_bad_imports_are_refused_whole_with_the_reason(emulator, mini_bot, data, message):
    """Malformed, invalid, colliding, expanding or huge files import nothing and say why."""
    g = emulator.guild
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE)
    attachment = emulator.make_attachment("bad.yaml", data)
    reply = await (
        await emulator.run_command(mod, g.channel_id, "quiz-admin question import", {"file": attachment})
    ).reply()
    assert reply.ephemeral and message in reply.text, reply.text
    assert db_rows(mini_bot.db_path, "SELECT COUNT(*) FROM custom_questions") == [(0,)]


async def test_a_second_server_never_sees_the_first_servers_questions(emulator, mini_bot):
    """Questions added in one server are absent from another's list and rounds."""
    g = emulator.guild
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE)
    await add_question(emulator, mod, NEW_QUESTION)
    other = emulator.add_guild(name="Guild B")
    await asyncio.sleep(0.2)
    other_mod = emulator.add_member(other.id, "mod-b", permissions=MANAGE)
    listing = await (await emulator.run_command(other_mod, other.channel_id, "quiz-admin question list", {})).reply()
    assert "custom-1" not in listing.text and "(3)" in listing.text
    await (await emulator.run_command(other_mod, other.channel_id, "quiz trl", {"questions": 5})).response()
    first = await emulator.wait_for_message(other.channel_id, lambda m: is_question(m, 1))
    assert first.embeds[0]["title"].endswith("/ 3")
    edit = await (
        await emulator.run_command(other_mod, other.channel_id, "quiz-admin question edit", {"question_id": "custom-1"})
    ).reply()
    assert "has no question" in edit.text


async def test_a_question_form_opened_before_a_restart_is_accepted_after_it(emulator, mini_bot):
    """The form carries what it adds in its custom_id and lives in no process's memory: a moderator who
    submits it after the bot restarted gets the question added, never "interaction failed"."""
    g = emulator.guild
    mod = emulator.add_member(g.id, "mod", permissions=MANAGE)
    opener = await emulator.run_command(mod, g.channel_id, "quiz-admin question add", {})
    opened = await opener.response()
    assert opened.type == 9 and opened.modal["custom_id"] == "quiz:qform:add:trl"
    await mini_bot.restart()
    added = await (await emulator.submit_modal(mod, opener, NEW_QUESTION)).reply()
    assert added.ephemeral and "Added **custom-1**" in added.text
    assert db_rows(mini_bot.db_path, "SELECT COUNT(*) FROM custom_questions") == [(1,)]
    member = emulator.add_member(g.id, "member")
    forged = await (await emulator.submit_modal(member, opener, NEW_QUESTION)).reply()
    assert forged.ephemeral and "moderator" in forged.text.lower()
    assert db_rows(mini_bot.db_path, "SELECT COUNT(*) FROM custom_questions") == [(1,)]

    # The edit form too: opened, the bot restarts, submitted.
    editor = await emulator.run_command(mod, g.channel_id, "quiz-admin question edit", {"question_id": "custom-1"})
    assert (await editor.response()).modal["custom_id"] == "quiz:qform:edit:custom-1"
    await mini_bot.restart()
    saved = await (
        await emulator.submit_modal(mod, editor, {"answer": "A", "choices": "KTOTrainer\nDPOTrainer"})
    ).reply()
    assert "Saved **custom-1**" in saved.text
    assert db_rows(mini_bot.db_path, "SELECT revision FROM custom_questions") == [(2,)]
