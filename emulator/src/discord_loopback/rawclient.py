"""A bare gateway + REST client for testing the emulator itself without a bot process.

It identifies like discord.py (text frames, no compression), records dispatches, and lets a test post
callbacks and webhook calls by hand with exact bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import aiohttp

from .server import DiscordEmulator


class RawClient:
    def __init__(self, emu: DiscordEmulator, intents: int = 1 | (1 << 9)) -> None:
        self.emu = emu
        self.intents = intents
        self.http: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.dispatches: list[dict] = []
        self._reader: asyncio.Task | None = None
        self._new = asyncio.Event()

    async def __aenter__(self) -> RawClient:
        self.http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
        if self.ws is not None:
            await self.ws.close()
        assert self.http is not None
        await self.http.close()

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bot {self.emu.token}"}

    async def request(
        self, method: str, path: str, *, json_body: Any = None, auth: bool = True, data: Any = None
    ) -> tuple[int, Any, aiohttp.ClientResponse]:
        """(status, parsed JSON or None, response) for a request to `path` under /api/v10."""
        assert self.http is not None
        headers = self.auth if auth else {}
        async with self.http.request(
            method, self.emu.api_base_url + path, json=json_body, data=data, headers=headers
        ) as resp:
            raw = await resp.read()
            body = json.loads(raw) if raw and resp.content_type == "application/json" else None
            return resp.status, body, resp

    async def sync(self, commands: list[dict]) -> list[dict]:
        status, body, _ = await self.request(
            "PUT", f"/applications/{self.emu.application_id}/commands", json_body=commands
        )
        assert status == 200, body
        return body

    async def connect(self) -> dict:
        assert self.http is not None
        self.ws = await self.http.ws_connect(self.emu.gateway_url + "?v=10&encoding=json")
        hello = await self.ws.receive_json()
        assert hello["op"] == 10, hello
        await self.ws.send_json(
            {
                "op": 2,
                "d": {
                    "token": self.emu.token,
                    "intents": self.intents,
                    "properties": {"os": "linux", "browser": "raw", "device": "raw"},
                },
            }
        )
        self._reader = asyncio.create_task(self._read())
        return await self.wait_dispatch("READY")

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            if payload.get("op") == 0:
                self.dispatches.append(payload)
                self._new.set()

    async def wait_dispatch(self, t: str, predicate: Any = None, timeout: float = 5) -> dict:
        async def find() -> dict:
            while True:
                for payload in self.dispatches:
                    if payload["t"] == t and (predicate is None or predicate(payload["d"])):
                        return payload["d"]
                self._new.clear()
                await self._new.wait()

        return await asyncio.wait_for(find(), timeout)

    async def received(self, ix: Any, timeout: float = 5) -> dict:
        """Wait until the emulator's INTERACTION_CREATE for `ix` reached this client."""
        return await self.wait_dispatch("INTERACTION_CREATE", lambda d: d["id"] == str(ix.id), timeout)

    async def callback(self, ix: Any, body: Any, *, query: str = "?with_response=1") -> tuple[int, Any]:
        status, payload, _ = await self.request(
            "POST", f"/interactions/{ix.id}/{ix.token}/callback{query}", json_body=body, auth=False
        )
        return status, payload

    async def webhook(self, method: str, ix: Any, suffix: str = "", body: Any = None) -> tuple[int, Any]:
        status, payload, _ = await self.request(
            method, f"/webhooks/{self.emu.application_id}/{ix.token}{suffix}", json_body=body, auth=False
        )
        return status, payload
