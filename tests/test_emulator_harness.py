"""The bot-process harness: the network guard and early-exit reporting."""

from __future__ import annotations

import asyncio
import sys

import pytest

from tests.harness import NETGUARD, REPO_ROOT, BotProcess

PROBE = """
import socket
for host in ("discord.com", "8.8.8.8"):
    try:
        socket.create_connection((host, 443), timeout=1)
    except OSError as exc:
        print("refused", host, "netguard" in str(exc))
import asyncio, aiohttp
async def main():
    async with aiohttp.ClientSession() as s:
        try:
            await s.get("https://gateway.discord.gg/")
        except Exception as exc:
            print("aiohttp refused", "netguard" in repr(exc))
asyncio.run(main())
print(socket.getaddrinfo("localhost", 80)[0][4][0] in ("127.0.0.1", "::1"))
"""


async def test_netguard_refuses_non_loopback_hosts():
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        PROBE,
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(NETGUARD)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    lines = out.decode().splitlines()
    assert lines == ["refused discord.com True", "refused 8.8.8.8 True", "aiohttp refused True", "True"], lines


async def test_early_exit_is_reported_with_the_log_tail(emulator, tmp_path):
    proc = BotProcess(emulator, tmp_path, argv=[sys.executable, "-c", "print('boom: bad config'); raise SystemExit(3)"])
    with pytest.raises(RuntimeError, match=r"exited with 3(.|\n)*boom: bad config"):
        await proc.start(timeout=10)
    assert proc.returncode == 3
