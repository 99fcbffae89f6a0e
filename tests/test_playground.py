"""The playground's API without a bot: where it listens, what it refuses, and that its page loads nothing remote."""

from __future__ import annotations

import re

import aiohttp
from discord_loopback import DiscordEmulator
from discord_loopback.playground import Playground, PlayMember
from discord_loopback.playground.app import STATIC


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
