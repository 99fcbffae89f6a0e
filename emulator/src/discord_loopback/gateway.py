"""The websocket gateway: HELLO/heartbeat, IDENTIFY -> READY + GUILD_CREATE, RESUME with replay, and faults."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .interactions import InteractionHandle
    from .server import DiscordEmulator

log = logging.getLogger(__name__)

GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MESSAGES = 1 << 9
PRIVILEGED_INTENTS = GUILD_MEMBERS | (1 << 8) | (1 << 15)

_dumps = json.JSONEncoder(separators=(",", ":")).encode


class LogEntry:
    __slots__ = ("frame", "ix", "seq", "t")

    def __init__(self, seq: int, t: str, frame: str, ix: InteractionHandle | None) -> None:
        self.seq = seq
        self.t = t
        self.frame = frame
        self.ix = ix


class Connection:
    """One websocket; frames go through a queue so sends from sync code keep their order."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, compress: bool, emu: DiscordEmulator):
        self.ws = ws
        self.request = request
        self.emu = emu
        self.session: Session | None = None
        self.detached = False
        self._zlib = zlib.compressobj() if compress else None
        self._queue: asyncio.Queue[tuple[str, LogEntry | None] | None] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_loop())

    def send(self, frame: str, entry: LogEntry | None = None) -> None:
        if not self.detached:
            self._queue.put_nowait((frame, entry))

    def send_op(self, op: int, d: Any) -> None:
        self.send(_dumps({"op": op, "d": d, "s": None, "t": None}))

    async def _write_loop(self) -> None:
        while True:
            item = await self._queue.get()
            if item is None or self.detached or self.ws.closed:
                return
            frame, entry = item
            try:
                if self._zlib is not None:
                    data = self._zlib.compress(frame.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return
            if entry is not None and entry.ix is not None:
                entry.ix._delivered()

    async def stop(self) -> None:
        self._queue.put_nowait(None)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._writer, 5)


class Session:
    def __init__(self, number: int, intents: int, shard: list[int] | None) -> None:
        self.number = number
        self.session_id = secrets.token_hex(16)
        self.intents = intents
        self.shard = shard
        self.seq = 0
        self.log: list[LogEntry] = []
        self.conn: Connection | None = None
        self.ready = False
        self.invalid = False
        self.resumes = 0
        self.identifies = 1

    @property
    def connected(self) -> bool:
        return self.conn is not None

    def dispatch(self, t: str, d: Any, ix: InteractionHandle | None = None) -> LogEntry:
        self.seq += 1
        entry = LogEntry(self.seq, t, _dumps({"op": 0, "t": t, "s": self.seq, "d": d}), ix)
        self.log.append(entry)
        if self.conn is not None:
            self.conn.send(entry.frame, entry)
        return entry

    def __repr__(self) -> str:
        return (
            f"<Session #{self.number} {self.session_id[:8]} seq={self.seq} ready={self.ready} "
            f"connected={self.connected} resumes={self.resumes}>"
        )


class Gateway:
    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.sessions: dict[str, Session] = {}
        self.session: Session | None = None
        self.connections: set[Connection] = set()
        self.open = asyncio.Event()
        self.open.set()
        self.ack_heartbeats = True
        self.identify_close_code: int | None = None
        self.heartbeats = 0
        self._numbers = 0
        self._tasks: set[asyncio.Future] = set()

    # -- websocket handling -----------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        await self.open.wait()
        compress = request.query.get("compress") == "zlib-stream" and self.emu.gateway_compress
        conn = Connection(ws, request, compress, self.emu)
        self.connections.add(conn)
        conn.send_op(10, {"heartbeat_interval": self.emu.heartbeat_interval_ms})
        try:
            async for msg in ws:
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    await self._on_payload(conn, json.loads(msg.data))
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._detach(conn)
            self.connections.discard(conn)
            await conn.stop()
        return ws

    async def _on_payload(self, conn: Connection, payload: dict) -> None:
        op, d = payload.get("op"), payload.get("d")
        if op == 1:
            self.heartbeats += 1
            if self.ack_heartbeats:
                conn.send_op(11, None)
        elif op == 2:
            await self._identify(conn, d or {})
        elif op == 6:
            await self._resume(conn, d or {})
        elif op == 8:
            self._request_members(conn, d or {})
        # op 3 (presence) and 4 (voice) need no answer.

    async def _identify(self, conn: Connection, d: dict) -> None:
        emu = self.emu
        if d.get("token") != emu.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        if self.identify_close_code is not None:
            await conn.ws.close(code=self.identify_close_code)
            return
        intents = int(d.get("intents") or 0)
        if intents & PRIVILEGED_INTENTS & ~emu.privileged_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self._detach(conn)
        self._numbers += 1
        session = Session(self._numbers, intents, d.get("shard"))
        self.sessions[session.session_id] = session
        self.session = session
        self._attach(session, conn)
        base = emu.ws_base_url
        guilds = emu.guilds_for_shard(session.shard)
        session.dispatch(
            "READY",
            {
                "v": 10,
                "user": emu.bot_user_json(),
                "session_id": session.session_id,
                "resume_gateway_url": f"{base}/resume",
                "session_type": "normal",
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "application": {"id": str(emu.application_id), "flags": emu.application_flags},
                "shard": session.shard or [0, 1],
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "auth": {},
            },
        )
        for guild in guilds:
            session.dispatch("GUILD_CREATE", emu.guild_create_json(guild, intents))
        session.ready = True
        emu.notifier.notify("session")

    async def _resume(self, conn: Connection, d: dict) -> None:
        session = self.sessions.get(d.get("session_id") or "")
        if session is None or session.invalid or d.get("token") != self.emu.token:
            conn.send_op(9, False)
            return
        if session.conn is not None and session.conn is not conn:
            old = session.conn
            self._detach(old)
            self._tasks.add(task := asyncio.ensure_future(old.ws.close(code=4000)))
            task.add_done_callback(self._tasks.discard)
        self._detach(conn)
        session.resumes += 1
        seq = d.get("seq") or 0
        session.conn = conn
        conn.session = session
        for entry in session.log[seq:]:
            conn.send(entry.frame, entry)
        # discord.py writes into RESUMED's d (gateway.py:583), so it must be an object, as Discord's is.
        session.dispatch("RESUMED", {"_trace": ["loopback-emulator"]})
        self.emu.notifier.notify("session")

    def _request_members(self, conn: Connection, d: dict) -> None:
        session = conn.session
        if session is None:
            return
        ids = d.get("guild_id")
        for gid in ids if isinstance(ids, list) else [ids]:
            if gid is None:
                continue
            guild = self.emu.guilds.get(int(gid))
            if guild is None:
                continue
            chunk: dict[str, Any] = {
                "guild_id": str(guild.id),
                "members": [m.to_json() for m in guild.members.values()],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if d.get("nonce") is not None:
                chunk["nonce"] = d["nonce"]
            session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    def _attach(self, session: Session, conn: Connection) -> None:
        session.conn = conn
        conn.session = session

    def _detach(self, conn: Connection) -> None:
        session = conn.session
        if session is not None and session.conn is conn:
            session.conn = None
            self.emu.notifier.notify("session")
        conn.session = None

    # -- faults -----------------------------------------------------------------------------------------------
    def _current(self) -> Connection:
        session = self.session
        if session is None or session.conn is None:
            raise RuntimeError(f"no connected gateway session ({session!r})")
        return session.conn

    async def close(self, code: int = 4000) -> None:
        conn = self._current()
        self._detach(conn)
        conn.detached = True
        await conn.ws.close(code=code, message=b"emulator fault")

    async def drop(self) -> None:
        conn = self._current()
        self._detach(conn)
        conn.detached = True
        transport = conn.request.transport
        if transport is not None:
            transport.abort()

    async def reconnect(self) -> None:
        conn = self._current()
        conn.send_op(7, None)

    async def invalid_session(self, resumable: bool) -> None:
        conn = self._current()
        if not resumable and conn.session is not None:
            conn.session.invalid = True
        conn.send_op(9, resumable)

    async def shutdown(self) -> None:
        for conn in list(self.connections):
            conn.detached = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001), 2)
