"""The emulator's REST rules, driven by hand over loopback HTTP with a bare gateway client (no bot)."""

from __future__ import annotations

import io
import json
import zlib

import aiohttp
import discord
import discord.http
import pytest
from discord_loopback import DiscordEmulator
from discord_loopback.rawclient import RawClient

QUIZ = {
    "name": "quiz",
    "description": "TRL quizzes",
    "type": 1,
    "options": [
        {
            "name": "trl",
            "description": "Post a round",
            "type": 1,
            "options": [
                {"name": "questions", "description": "How many", "type": 4, "min_value": 1, "max_value": 20},
                {"name": "sheet", "description": "A file", "type": 11},
            ],
        },
        {
            "name": "daily",
            "description": "Daily question",
            "type": 2,
            "options": [
                {
                    "name": "set",
                    "description": "Configure",
                    "type": 1,
                    "options": [
                        {
                            "name": "timezone",
                            "description": "IANA zone",
                            "type": 3,
                            "required": True,
                            "autocomplete": True,
                        }
                    ],
                }
            ],
        },
    ],
}


@pytest.fixture
async def raw(emulator: DiscordEmulator):
    async with RawClient(emulator) as client:
        await client.sync([QUIZ])
        await client.connect()
        yield client


@pytest.fixture
def alice(emulator):
    return emulator.add_member(emulator.guild.id, "alice")


async def command(emulator, raw, member, path="quiz trl", options=None):
    ix = await emulator.run_command(member, emulator.guild.channel_id, path, options or {})
    await raw.received(ix)
    return ix


def errors_at(body: dict, *path) -> list[str]:
    node = body["errors"]
    for key in path:
        node = node[str(key)]
    return [e["code"] for e in node["_errors"]]


async def test_json_answers_have_the_exact_content_type(emulator, raw):
    """discord.py compares Content-Type with ==, so no charset may follow application/json."""
    status, body, resp = await raw.request("GET", "/users/@me")
    assert status == 200 and body["id"] == str(emulator.bot_user_id)
    assert resp.headers["Content-Type"] == "application/json"


@pytest.mark.allow_rejected(401, "/nowhere")
async def test_wrong_token_is_401_and_unknown_routes_are_recorded(emulator, raw):
    """A wrong bot token gets 401; a route the emulator lacks is a 404 listed in `unimplemented`."""
    status, body, _ = await raw.request("GET", "/users/@me", auth=False)
    assert status == 401 and body["code"] == 0
    status, _, _ = await raw.request("GET", "/nowhere/at/all")
    assert status == 404
    assert [r.path for r in emulator.unimplemented] == ["/api/v10/nowhere/at/all"]
    emulator.unimplemented.clear()
    with pytest.raises(AssertionError, match="401"):
        emulator.assert_clean()


@pytest.mark.allow_rejected(50035, 50006)
@pytest.mark.parametrize(
    ("body", "path", "code"),
    [
        ({"content": "x" * 2001}, ("content",), "BASE_TYPE_MAX_LENGTH"),
        (
            {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]},
            ("embeds",),
            "MAX_EMBED_SIZE_EXCEEDED",
        ),
        ({"embeds": [{"title": "t" * 257}]}, ("embeds", 0, "title"), "BASE_TYPE_MAX_LENGTH"),
        (
            {
                "components": [
                    {"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": f"c{i}"}]}
                    for i in range(6)
                ]
            },
            ("components",),
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [{"type": 2, "style": 1, "label": "b", "custom_id": f"c{i}"} for i in range(6)],
                    }
                ]
            },
            ("components", 0, "components"),
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            {"components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "L" * 81, "custom_id": "a"}]}]},
            ("components", 0, "components", 0, "label"),
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {
                "components": [
                    {"type": 1, "components": [{"type": 2, "style": 1, "label": "a", "custom_id": "x" * 101}]}
                ]
            },
            ("components", 0, "components", 0, "custom_id"),
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {"type": 2, "style": 1, "label": "a", "custom_id": "same"},
                            {"type": 2, "style": 1, "label": "b", "custom_id": "same"},
                        ],
                    }
                ]
            },
            ("components", 0, "components", 1, "custom_id"),
            "COMPONENT_CUSTOM_ID_DUPLICATED",
        ),
    ],
)
async def test_channel_message_limits(emulator, raw, body, path, code):
    """Over-limit message bodies get 400/50035 with the offending field in the errors tree."""
    status, answer, _ = await raw.request("POST", f"/channels/{emulator.guild.channel_id}/messages", json_body=body)
    assert status == 400 and answer["code"] == 50035, answer
    assert code in errors_at(answer, *path)
    assert emulator.channel_messages(emulator.guild.channel_id) == []


@pytest.mark.allow_rejected(50006)
async def test_empty_message_is_50006(emulator, raw):
    status, answer, _ = await raw.request(
        "POST", f"/channels/{emulator.guild.channel_id}/messages", json_body={"content": ""}
    )
    assert (status, answer["code"]) == (400, 50006)


@pytest.mark.allow_rejected(50035)
@pytest.mark.parametrize(
    ("command", "path"),
    [
        ({"name": "Quiz", "description": "upper case", "type": 1}, (0, "name")),
        ({"name": "quiz me", "description": "space", "type": 1}, (0, "name")),
        ({"name": "quiz", "description": "d" * 101, "type": 1}, (0, "description")),
        (
            {
                "name": "quiz",
                "description": "ok",
                "type": 1,
                "options": [
                    {"name": "a", "description": "x", "type": 3, "choices": [{"name": "n", "value": "v" * 101}]}
                ],
            },
            (0, "options", 0, "choices", 0, "value"),
        ),
        (
            {
                "name": "quiz",
                "description": "ok",
                "type": 1,
                "options": [{"name": f"o{i}", "description": "x", "type": 3} for i in range(26)],
            },
            (0, "options"),
        ),
    ],
)
async def test_command_sync_limits(emulator, raw, command, path):
    status, answer, _ = await raw.request(
        "PUT", f"/applications/{emulator.application_id}/commands", json_body=[command]
    )
    assert status == 400 and answer["code"] == 50035
    assert errors_at(answer, *path)
    assert emulator.command_names() == {"quiz"}  # the earlier good sync is untouched


async def test_options_are_typed_from_the_synced_schema(emulator, raw, alice):
    """Group/subcommand paths nest; an attachment option resolves to a URL the emulator serves."""
    sheet = emulator.make_attachment("notes.txt", b"hello trl")
    ix = await command(emulator, raw, alice, "quiz trl", {"questions": 3, "sheet": sheet})
    sub = ix.payload["data"]["options"][0]
    assert sub["name"] == "trl" and sub["options"][0] == {"name": "questions", "type": 4, "value": 3}
    url = ix.payload["data"]["resolved"]["attachments"][str(sheet.id)]["url"]
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        assert await resp.read() == b"hello trl"
    with pytest.raises(ValueError, match="max_value"):
        await emulator.run_command(alice, emulator.guild.channel_id, "quiz trl", {"questions": 21})
    with pytest.raises(ValueError, match="missing required"):
        await emulator.run_command(alice, emulator.guild.channel_id, "quiz daily set", {})
    ac = await emulator.autocomplete(
        alice, emulator.guild.channel_id, "quiz daily set", {"timezone": "Eur"}, focused="timezone"
    )
    group = ac.payload["data"]["options"][0]
    assert group["type"] == 2 and group["options"][0]["options"][0]["focused"] is True


@pytest.mark.allow_rejected(10062)
async def test_callback_after_three_seconds_is_10062(emulator, raw, alice):
    ix = await command(emulator, raw, alice)
    emulator.advance_clock(3.1)
    status, body = await raw.callback(ix, {"type": 4, "data": {"content": "late"}})
    assert (status, body["code"]) == (404, 10062)
    with pytest.raises(AssertionError, match="rejected"):
        await ix.response(timeout=1)


@pytest.mark.allow_rejected(40060)
async def test_second_acknowledgement_is_40060(emulator, raw, alice):
    ix = await command(emulator, raw, alice)
    status, body = await raw.callback(ix, {"type": 5})
    assert status == 200 and body["interaction"]["response_message_loading"] is True
    status, body = await raw.callback(ix, {"type": 4, "data": {"content": "again"}})
    assert (status, body["code"]) == (400, 40060)


@pytest.mark.allow_rejected(50027)
async def test_followups_and_edits_expire_after_fifteen_minutes(emulator, raw, alice):
    """The first followup fills the deferred message; after 15 min the token is refused with 50027."""
    ix = await command(emulator, raw, alice)
    assert (await raw.callback(ix, {"type": 5}))[0] == 200
    status, first = await raw.webhook("POST", ix, "?wait=1", {"content": "done"})
    assert status == 200 and first["id"] == str(ix.original_id)
    assert (await ix.reply()).content == "done"
    emulator.advance_clock(14 * 60)
    status, second = await raw.webhook("POST", ix, "?wait=1", {"content": "more"})
    assert status == 200 and second["id"] != first["id"] and len(ix.messages) == 2
    emulator.advance_clock(61)
    status, body = await raw.webhook("PATCH", ix, "/messages/@original", {"content": "edit"})
    assert (status, body["code"]) == (401, 50027)


@pytest.mark.allow_rejected(50035)
async def test_modal_and_autocomplete_limits(emulator, raw, alice):
    ix = await command(emulator, raw, alice)
    modal = {
        "custom_id": "m",
        "title": "T" * 46,
        "components": [{"type": 1, "components": [{"type": 4, "custom_id": "f", "style": 1, "label": "Answer"}]}],
    }
    status, body = await raw.callback(ix, {"type": 9, "data": modal})
    assert status == 400 and "BASE_TYPE_BAD_LENGTH" in errors_at(body, "data", "title")
    modal["title"] = "Why?"
    assert (await raw.callback(ix, {"type": 9, "data": modal}))[0] == 200
    submitted = await emulator.submit_modal(alice, ix, {"f": "because"})
    await raw.received(submitted)
    assert submitted.payload["data"]["components"][0]["components"][0]["value"] == "because"

    ac = await emulator.autocomplete(
        alice, emulator.guild.channel_id, "quiz daily set", {"timezone": "E"}, focused="timezone"
    )
    await raw.received(ac)
    choices = [{"name": f"Europe/{i}", "value": f"Europe/{i}"} for i in range(26)]
    status, body = await raw.callback(ac, {"type": 8, "data": {"choices": choices}})
    assert status == 400 and errors_at(body, "data", "choices")
    assert (await raw.callback(ac, {"type": 8, "data": {"choices": choices[:25]}}))[0] == 200


async def test_multipart_files_are_stored_and_served(emulator, raw, alice):
    """Files sent with payload_json land on the message with their bytes and a working URL."""
    ix = await command(emulator, raw, alice)
    form = aiohttp.FormData()
    form.add_field(
        "payload_json",
        json.dumps({"type": 4, "data": {"content": "see file", "attachments": [{"id": 0, "filename": "report.csv"}]}}),
        content_type="application/json",
    )
    form.add_field("files[0]", b"a,b\n1,2\n", filename="report.csv", content_type="text/csv")
    status, body, _ = await raw.request(
        "POST", f"/interactions/{ix.id}/{ix.token}/callback?with_response=1", data=form, auth=False
    )
    assert status == 200, body
    msg = await ix.reply()
    assert [(a.filename, a.data) for a in msg.attachments] == [("report.csv", b"a,b\n1,2\n")]
    async with aiohttp.ClientSession() as http, http.get(body["resource"]["message"]["attachments"][0]["url"]) as r:
        assert await r.read() == b"a,b\n1,2\n"


@pytest.mark.allow_rejected(50013, 50001, 10003)
async def test_missing_permissions_and_removed_channels(emulator, raw):
    guild = emulator.guild
    other = emulator.add_channel(guild.id, "locked")
    emulator.set_bot_permissions(other, 1 << 10)  # view only
    status, body, _ = await raw.request("POST", f"/channels/{other}/messages", json_body={"content": "hi"})
    assert (status, body["code"]) == (403, 50013)
    emulator.remove_channel(other)
    status, body, _ = await raw.request("POST", f"/channels/{other}/messages", json_body={"content": "hi"})
    assert (status, body["code"]) == (404, 10003)
    status, _, _ = await raw.request("POST", f"/channels/{guild.channel_id}/messages", json_body={"content": "x"})
    assert status == 200
    await raw.wait_dispatch("CHANNEL_DELETE")


async def test_history_edits_and_message_events(emulator, raw):
    cid = emulator.guild.channel_id
    ids = []
    for i in range(5):
        status, body, _ = await raw.request("POST", f"/channels/{cid}/messages", json_body={"content": f"m{i}"})
        ids.append(body["id"])
    status, page, _ = await raw.request("GET", f"/channels/{cid}/messages?limit=2&before={ids[3]}")
    assert [m["content"] for m in page] == ["m2", "m1"]
    status, _, _ = await raw.request("PATCH", f"/channels/{cid}/messages/{ids[0]}", json_body={"content": "new"})
    assert status == 200
    edited = await emulator.wait_for_edit(int(ids[0]), lambda m: m.content == "new")
    assert edited.edits == 1 and edited.history[0].content == "m0"
    update = await raw.wait_dispatch("MESSAGE_UPDATE")
    assert update["content"] == "new"


async def test_discord_py_multipart_followup_and_edit(emulator, raw, alice, monkeypatch):
    """discord.py's own webhook adapter: files on a followup, then an edit that swaps the attachment."""
    monkeypatch.setattr(discord.http.Route, "BASE", emulator.api_base_url)
    ix = await command(emulator, raw, alice)
    assert (await raw.callback(ix, {"type": 5, "data": {"flags": 64}}))[0] == 200
    async with aiohttp.ClientSession() as http:
        hook = discord.Webhook.partial(emulator.application_id, ix.token, session=http)
        sent = await hook.send("here", file=discord.File(io.BytesIO(b"abc"), "a.txt"), wait=True)
        assert sent.id == ix.original_id and sent.flags.ephemeral
        edited = await hook.edit_message(
            sent.id, content="swapped", attachments=[discord.File(io.BytesIO(b"xyz"), "b.txt")]
        )
        assert [a.filename for a in edited.attachments] == ["b.txt"]
        async with http.get(edited.attachments[0].url) as resp:
            assert await resp.read() == b"xyz"
    msg = emulator.message(ix.original_id)
    assert (msg.content, msg.edits, msg.ephemeral) == ("swapped", 2, True)
    assert [(a.filename, a.data) for a in msg.history[-1].attachments] == [("a.txt", b"abc")]


async def test_spec_check_flags_bodies_the_limits_let_through(emulator, raw):
    """A body within the documented limits but outside Discord's OpenAPI schema is listed, not rejected."""
    body = {"content": "hi", "allowed_mentions": {"parse": ["everyone", "nobody"]}}
    status, _, _ = await raw.request("POST", f"/channels/{emulator.guild.channel_id}/messages", json_body=body)
    assert status == 200
    assert len(emulator.spec_violations) == 1 and "allowed_mentions" in emulator.spec_violations[0].spec_problems[0]
    with pytest.raises(AssertionError, match="spec violation"):
        emulator.assert_clean()
    emulator.spec_violations.clear()


async def test_guilds_added_later_are_dispatched(emulator, raw):
    guild = emulator.add_guild("Guild B")
    created = await raw.wait_dispatch("GUILD_CREATE", lambda d: d["id"] == str(guild.id))
    assert [c["name"] for c in created["channels"]] == ["general"]  # the emulator's default channel name


async def test_privileged_intents_not_enabled_close_4014(emulator):
    emulator.privileged_intents = 0
    async with RawClient(emulator, intents=1 | (1 << 1)) as client:
        assert client.http is not None
        ws = await client.http.ws_connect(emulator.gateway_url)
        await ws.receive_json()
        await ws.send_json({"op": 2, "d": {"token": emulator.token, "intents": 3, "properties": {}}})
        msg = await ws.receive()
        assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 4014
        await ws.close()


async def test_deferred_update_then_edit_of_the_component_message(emulator, raw, alice):
    """Type 6 acknowledges a click silently; editing @original then edits the message the button is on."""
    row = [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Next", "custom_id": "next"}]}]
    status, body, _ = await raw.request(
        "POST", f"/channels/{emulator.guild.channel_id}/messages", json_body={"content": "Q1", "components": row}
    )
    assert status == 200
    post = emulator.message(int(body["id"]))
    ix = await emulator.click(alice, post, "next")
    await raw.received(ix)
    assert (await raw.callback(ix, {"type": 6}))[0] == 200
    status, _ = await raw.webhook("PATCH", ix, "/messages/@original", {"content": "Q2", "components": []})
    assert status == 200
    updated = await ix.reply()
    assert updated is post and post.content == "Q2" and post.buttons == []
    with pytest.raises(LookupError, match="no component"):
        await emulator.click(alice, post, "next")


async def test_zlib_stream_frames_share_one_context(emulator):
    """With compress=zlib-stream every frame is binary, Z_SYNC_FLUSH-terminated, from one zlib context."""
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(emulator.gateway_url + "?v=10&encoding=json&compress=zlib-stream")
        inflate = zlib.decompressobj()
        hello = await ws.receive()
        assert hello.type is aiohttp.WSMsgType.BINARY and hello.data.endswith(b"\x00\x00\xff\xff")
        assert json.loads(inflate.decompress(hello.data))["op"] == 10
        await ws.send_json({"op": 1, "d": None})
        ack = await ws.receive()
        assert json.loads(inflate.decompress(ack.data))["op"] == 11
        await ws.close()


@pytest.mark.allow_rejected(50035)
async def test_update_message_callback_edits_the_clicked_message(emulator, raw, alice):
    """Type 7 replaces the component message in place; it is refused for slash commands."""
    row = [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": "go"}]}]
    _, body, _ = await raw.request(
        "POST", f"/channels/{emulator.guild.channel_id}/messages", json_body={"content": "before", "components": row}
    )
    post = emulator.message(int(body["id"]))
    ix = await emulator.click(alice, post, "go")
    await raw.received(ix)
    status, answer = await raw.callback(ix, {"type": 7, "data": {"content": "after", "components": []}})
    assert status == 200 and answer["resource"]["message"]["content"] == "after"
    assert (await ix.reply()) is post and post.edits == 1 and ix.messages == []
    slash = await command(emulator, raw, alice)
    status, answer = await raw.callback(slash, {"type": 7, "data": {"content": "nope"}})
    assert status == 400 and errors_at(answer, "type")


@pytest.mark.allow_rejected(10062)
async def test_a_delay_only_fault_can_push_a_callback_past_the_deadline(emulator, raw, alice):
    """2.9 s of clock plus 0.2 s of injected latency lands the callback outside the 3 s window."""
    ix = await command(emulator, raw, alice)
    fault = emulator.inject_fault("POST", r"/callback$", status=None, delay=0.2)
    emulator.advance_clock(2.9)
    status, body = await raw.callback(ix, {"type": 4, "data": {"content": "slow"}})
    assert (status, body["code"]) == (404, 10062) and len(fault.hits) == 1
    assert not fault.hits[0].injected  # delayed, then answered by the emulator itself
