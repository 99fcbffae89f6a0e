"""The playground's API without a bot: where it listens, what it refuses, and that its page loads nothing remote."""

from __future__ import annotations

import re

import aiohttp
from discord_loopback import DiscordEmulator
from discord_loopback.playground import Playground, PlayMember
from discord_loopback.playground.app import STATIC, _command_line


async def test_the_page_listens_on_loopback_only_and_refuses_bad_input():
    async with DiscordEmulator(token="t", bot_name="Bot") as emu:
        guild = emu.add_guild("G")
        alice = emu.add_member(guild.id, "alice")
        play = Playground(emu, guild, [PlayMember(alice, "member")])
        url = await play.start()
        try:
            assert url.startswith("http://127.0.0.1:")
            assert play._runner is not None
            hosts = {site.name for site in play._runner.sites}
            assert hosts == {url.rstrip("/")}
            async with aiohttp.ClientSession() as http:
                async with http.get(url) as res:
                    assert res.status == 200 and "/static/play.js" in await res.text()
                async with http.get(url + "api/state") as res:
                    state = await res.json()
                assert [p["name"] for p in state["players"]] == ["alice"] and state["commands"] == []
                cases = [
                    ("api/command", {"member": alice.id, "command": "nope"}, "no synced command 'nope'"),
                    ("api/command", {"member": 1, "command": "x"}, "no member 1"),
                    ("api/crowd", {"count": 5}, "no open question"),
                    ("api/crowd", {"count": 10_000}, "the crowd is 1 to 200 members"),
                    ("api/modal", {"member": alice.id, "interaction": 5, "values": {}}, "no longer open"),
                ]
                for path, body, error in cases:
                    async with http.post(url + path, json=body) as res:
                        assert res.status == 400, path
                        assert error in (await res.json())["error"]
                async with http.get(url + "static/..%2Fapp.py") as res:
                    assert res.status == 404
        finally:
            await play.stop()


def test_the_page_fetches_nothing_from_the_network():
    """No CDN, no web fonts: every URL in the page's files is its own (relative) or a link a message carries."""
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=[\"']https?:", text), path.name
        assert "@import" not in text and "url(http" not in text, path.name
        assert "fonts.googleapis" not in text and "cdn" not in text.lower(), path.name


async def test_numbers_discords_client_would_not_take_are_refused_not_dropped():
    """`1e`, `1.5` or `1_000` in an integer option, `nan` or `inf` in a number option: a clear refusal (400)."""
    async with DiscordEmulator(token="t", bot_name="Bot") as emu:
        guild = emu.add_guild("G")
        alice = emu.add_member(guild.id, "alice")
        options = [
            {"type": 4, "name": "questions", "description": "d"},
            {"type": 10, "name": "ratio", "description": "d"},
            {"type": 5, "name": "public", "description": "d"},
        ]
        emu.commands[None] = [{"id": "1", "name": "quiz", "type": 1, "description": "d", "options": options}]
        play = Playground(emu, guild, [PlayMember(alice, "member")])
        url = await play.start()
        try:
            async with aiohttp.ClientSession() as http:
                cases = [
                    ({"questions": "1e"}, "questions: '1e' is not a whole number"),
                    ({"questions": "1.5"}, "questions: '1.5' is not a whole number"),
                    ({"questions": "1_000"}, "questions: '1_000' is not a whole number"),
                    ({"questions": "9" * 20}, "is out of range"),
                    ({"ratio": "nan"}, "ratio: 'nan' is not a number"),
                    ({"ratio": "inf"}, "ratio: 'inf' is not a number"),
                    ({"ratio": "1e"}, "ratio: '1e' is not a number"),
                    ({"public": "yes please"}, "public: 'yes please' is not True or False"),
                ]
                for given, error in cases:
                    body = {"member": alice.id, "command": "quiz", "options": given}
                    async with http.post(url + "api/command", json=body) as res:
                        assert res.status == 400, given
                        assert error in (await res.json())["error"]
            assert play._options("quiz", {"questions": " 12 ", "ratio": "-2.5e1", "public": "False"}) == {
                "questions": 12,
                "ratio": -25.0,
                "public": False,
            }
        finally:
            await play.stop()


def test_the_used_command_line_names_members_channels_and_roles():
    data = {
        "name": "quiz-admin",
        "options": [
            {
                "name": "daily",
                "type": 2,
                "options": [
                    {
                        "name": "set",
                        "type": 1,
                        "options": [
                            {"name": "channel", "type": 7, "value": "157"},
                            {"name": "role", "type": 8, "value": "158"},
                            {"name": "member", "type": 6, "value": "159"},
                            {"name": "who", "type": 9, "value": "160"},
                            {"name": "gone", "type": 6, "value": "1100000000000001234"},
                            {"name": "time", "type": 3, "value": "09:00"},
                        ],
                    }
                ],
            }
        ],
        "resolved": {
            "channels": {"157": {"id": "157", "name": "quiz"}},
            "roles": {"158": {"id": "158", "name": "Pingers"}},
            "users": {"159": {"id": "159", "username": "bob"}, "160": {"id": "160", "username": "chen"}},
            "members": {"159": {"nick": "Bob"}},
        },
    }
    assert _command_line(data) == (
        "/quiz-admin daily set channel: #quiz role: @Pingers member: @Bob who: @chen gone: @member 1234 time: 09:00"
    )
