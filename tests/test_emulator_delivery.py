"""The emulator's delivery rules: the global rate limit, added latency and enforce_nonce de-duplication."""

from __future__ import annotations

import asyncio
import contextlib
import time

from discord_loopback import DiscordEmulator
from discord_loopback.rawclient import RawClient


async def test_the_global_limit_answers_429_with_the_global_flag_once_a_second_is_full():
    """With a limit of 5 a second, the sixth request in the second is 429, global, with Retry-After."""
    async with DiscordEmulator(global_rate_limit=5) as emu:
        guild = emu.add_guild()
        async with RawClient(emu) as raw:
            answers = [
                await raw.request("POST", f"/channels/{guild.channel_id}/messages", json_body={"content": str(i)})
                for i in range(6)
            ]
        assert [status for status, _, _ in answers] == [200] * 5 + [429]
        _status, body, resp = answers[-1]
        assert body["global"] is True and 0 < body["retry_after"] <= 1
        assert resp.headers["X-RateLimit-Global"] == "true" and resp.headers["Via"]
        assert float(resp.headers["Retry-After"]) == body["retry_after"]
        assert len(emu.channel_messages(guild.channel_id)) == 5 and len(emu.rate_limited) == 1


async def test_latency_delays_every_request():
    """With 0.2 s of latency, a request takes at least 0.2 s."""
    async with DiscordEmulator(latency=0.2) as emu:
        guild = emu.add_guild()
        async with RawClient(emu) as raw:
            started = time.monotonic()
            status, _, _ = await raw.request("GET", f"/channels/{guild.channel_id}")
        assert status == 200 and time.monotonic() - started >= 0.2


async def test_an_enforced_nonce_returns_the_original_message():
    """A second create with the same enforced nonce in the channel returns the first message, not a new one."""
    async with DiscordEmulator() as emu:
        guild = emu.add_guild()
        path = f"/channels/{guild.channel_id}/messages"
        async with RawClient(emu) as raw:
            body = {"content": "hi", "nonce": "q123", "enforce_nonce": True}
            _, first, _ = await raw.request("POST", path, json_body=body)
            _, again, _ = await raw.request("POST", path, json_body={**body, "content": "hi again"})
            _, unenforced, _ = await raw.request("POST", path, json_body={"content": "x", "nonce": "q123"})
        assert again["id"] == first["id"] and again["nonce"] == "q123" and again["content"] == "hi"
        assert unenforced["id"] != first["id"]
        assert [m.content for m in emu.channel_messages(guild.channel_id)] == ["hi", "x"]


async def test_a_nonce_of_a_deleted_message_is_unknown_message():
    """Reusing the nonce of a message deleted meanwhile is 404 Unknown Message, as on Discord."""
    async with DiscordEmulator() as emu:
        guild = emu.add_guild()
        path = f"/channels/{guild.channel_id}/messages"
        async with RawClient(emu) as raw:
            body = {"content": "hi", "nonce": "q9", "enforce_nonce": True}
            _, first, _ = await raw.request("POST", path, json_body=body)
            await raw.request("DELETE", f"{path}/{first['id']}")
            status, error, _ = await raw.request("POST", path, json_body=body)
        assert status == 404 and error["code"] == 10008


async def test_a_late_answer_still_creates_the_message():
    """respond_after holds the answer back after the message was created: the caller can time out."""
    async with DiscordEmulator() as emu:
        guild = emu.add_guild()
        emu.inject_fault("POST", r"/messages$", status=None, respond_after=5)
        async with RawClient(emu) as raw:
            request = raw.request("POST", f"/channels/{guild.channel_id}/messages", json_body={"content": "x"})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(request, 0.5)
        assert [m.content for m in emu.channel_messages(guild.channel_id)] == ["x"]
