"""The null contender: the least a bot can do to answer a click, so the benchmark shows the stand-in's ceiling.

No discord.py: a raw gateway connection (aiohttp), and for every click one callback with a fixed ephemeral
"ok". Whatever throughput the emulator gives this bot is the most it can give any bot; a contender that comes
near it is measuring the emulator, not itself. Configuration as for the other bots: DISCORD_TOKEN and
QUIZBOT_API_BASE_URL from the environment.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from typing import Any

import aiohttp

COMMAND = {
    "name": "quiz",
    "description": "TRL quizzes",
    "options": [
        {
            "type": 1,
            "name": "trl",
            "description": "Post one TRL question",
            "options": [{"type": 4, "name": "questions", "description": "How many", "min_value": 1, "max_value": 20}],
        }
    ],
}
REPLY = json.dumps({"type": 4, "data": {"content": "ok", "flags": 64}}).encode()


def question(interaction_id: str) -> bytes:
    buttons = [
        {"type": 2, "style": 1, "label": letter, "custom_id": f"quiz:ans:{interaction_id}:{letter}"}
        for letter in "ABCD"
    ]
    body = {"type": 4, "data": {"content": "Question 1: pick one", "components": [{"type": 1, "components": buttons}]}}
    return json.dumps(body).encode()


class NullBot:
    def __init__(self, token: str, api: str) -> None:
        self.token = token
        self.api = api.rstrip("/")
        self.http = aiohttp.ClientSession(headers={"Authorization": f"Bot {token}"})
        self.sequence: int | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        async with self.http.get(f"{self.api}/users/@me") as resp:
            me = await resp.json()
        async with self.http.put(f"{self.api}/applications/{me['id']}/commands", json=[COMMAND]) as resp:
            resp.raise_for_status()
        async with self.http.get(f"{self.api}/gateway/bot") as resp:
            url = (await resp.json())["url"]
        async with self.http.ws_connect(f"{url}?v=10&encoding=json", max_msg_size=0) as ws:
            hello = json.loads((await ws.receive()).data)
            beat = asyncio.create_task(self.heartbeat(ws, hello["d"]["heartbeat_interval"] / 1000))
            identify = {
                "token": self.token,
                "intents": 1,
                "properties": {"os": "linux", "browser": "null", "device": "null"},
            }
            await ws.send_str(json.dumps({"op": 2, "d": identify}))
            async for message in ws:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    break
                payload = json.loads(message.data)
                if payload.get("s") is not None:
                    self.sequence = payload["s"]
                if payload.get("t") == "INTERACTION_CREATE":
                    task = asyncio.create_task(self.answer(payload["d"]))
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)
            beat.cancel()

    async def heartbeat(self, ws: aiohttp.ClientWebSocketResponse, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            await ws.send_str(json.dumps({"op": 1, "d": self.sequence}))

    async def answer(self, interaction: dict[str, Any]) -> None:
        body = REPLY if interaction["type"] == 3 else question(interaction["id"])
        url = f"{self.api}/interactions/{interaction['id']}/{interaction['token']}/callback"
        async with self.http.post(url, data=body, headers={"Content-Type": "application/json"}) as resp:
            await resp.read()


async def main() -> None:
    bot = NullBot(os.environ["DISCORD_TOKEN"], os.environ["QUIZBOT_API_BASE_URL"])
    runner = asyncio.ensure_future(bot.run())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, runner.cancel)
    try:
        await runner
    except asyncio.CancelledError:
        pass
    finally:
        await bot.http.close()


if __name__ == "__main__":
    asyncio.run(main())
