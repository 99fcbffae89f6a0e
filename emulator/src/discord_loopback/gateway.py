"""The websocket gateway: HELLO/heartbeat, IDENTIFY -> READY + GUILD_CREATE, RESUME with replay, sharding, faults."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from dataclasses import dataclass
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

IDENTIFY_WINDOW = 5.0  # one IDENTIFY per rate-limit bucket per 5 s (NOTES.md §2.9)

_dumps = json.JSONEncoder(separators=(",", ":")).encode

Shard = tuple[int, int]  # (shard_id, shard_count)
ShardSelector = int | tuple[int, int]  # a shard id, or (shard_id, shard_count)


def shard_of(guild_id: int | None, shard_count: int) -> int:
    """The shard a guild's events go to; DMs (no guild) go to shard 0."""
    return 0 if guild_id is None else (guild_id >> 22) % shard_count


@dataclass(eq=False)
class IdentifyRecord:
    """One IDENTIFY as the gateway received it (accepted or refused), for pacing and sharding assertions."""

    at: float  # the emulator's monotonic clock (emu.clock.mono())
    shard: Shard | None  # as sent; None when absent (then [0, 1]) or malformed (then 4010)
    bucket: int | None = None  # shard_id % max_concurrency, once the shard is valid
    violation: bool = False  # its bucket had already identified within the last IDENTIFY_WINDOW seconds
    close_code: int | None = None  # the close code it was refused with (4004, 4010, 4011, 4014, ...)
    invalidated: bool = False  # refused with op 9 because of the rate limit (enforce_identify_rate)
    session: Session | None = None  # the session it started, when accepted

    @property
    def shard_id(self) -> int:
        return self.shard[0] if self.shard else 0

    @property
    def accepted(self) -> bool:
        return self.session is not None


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
    def __init__(self, number: int, intents: int, shard: Shard = (0, 1)) -> None:
        self.number = number
        self.session_id = secrets.token_hex(16)
        self.intents = intents
        self.shard: Shard = shard
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

    @property
    def shard_id(self) -> int:
        return self.shard[0]

    @property
    def shard_count(self) -> int:
        return self.shard[1]

    def owns(self, guild_id: int | None) -> bool:
        """Whether the guild's events (or a DM's, for guild_id None) belong to this session's shard."""
        return shard_of(guild_id, self.shard[1]) == self.shard[0]

    def dispatch(self, t: str, d: Any, ix: InteractionHandle | None = None) -> LogEntry:
        self.seq += 1
        entry = LogEntry(self.seq, t, _dumps({"op": 0, "t": t, "s": self.seq, "d": d}), ix)
        self.log.append(entry)
        if self.conn is not None:
            self.conn.send(entry.frame, entry)
        return entry

    def __repr__(self) -> str:
        return (
            f"<Session #{self.number} {self.session_id[:8]} shard={list(self.shard)} seq={self.seq} "
            f"ready={self.ready} connected={self.connected} invalid={self.invalid} resumes={self.resumes}>"
        )


class Gateway:
    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.sessions: dict[str, Session] = {}  # every session ever started, by session id
        self.session: Session | None = None  # the latest identified session, whatever its shard
        self.current: dict[Shard, Session] = {}  # the latest session per (shard_id, shard_count)
        # Interactions for a guild whose shard had no live session: delivered by that shard's next IDENTIFY.
        self.pending: list[InteractionHandle] = []
        self.identifies: list[IdentifyRecord] = []
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
            if not conn.detached and ws.close_code in (1000, 1001) and conn.session is not None:
                # A client closing with 1000/1001 ends its session: it cannot be resumed (Discord's rule).
                conn.session.invalid = True
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

    async def _refuse(self, conn: Connection, record: IdentifyRecord, code: int, message: bytes = b"") -> None:
        record.close_code = code
        await conn.ws.close(code=code, message=message)

    async def _identify(self, conn: Connection, d: dict) -> None:
        emu = self.emu
        raw_shard = d.get("shard")
        sent = _parse_shard(raw_shard)
        record = IdentifyRecord(emu.clock.mono(), sent)
        self.identifies.append(record)
        self.emu.notifier.notify("identify")
        if d.get("token") != emu.token:
            await self._refuse(conn, record, 4004, b"Authentication failed.")
            return
        if self.identify_close_code is not None:
            await self._refuse(conn, record, self.identify_close_code)
            return
        if raw_shard is None:
            shard: Shard = (0, 1)
        elif sent is None or sent[1] < 1 or not 0 <= sent[0] < sent[1]:
            await self._refuse(conn, record, 4010, b"Invalid shard.")
            return
        else:
            shard = sent
        intents = int(d.get("intents") or 0)
        if intents & PRIVILEGED_INTENTS & ~emu.privileged_intents:
            await self._refuse(conn, record, 4014, b"Disallowed intent(s).")
            return
        guilds = emu.guilds_for_shard(shard)
        if emu.max_guilds_per_shard is not None and len(guilds) > emu.max_guilds_per_shard:
            await self._refuse(conn, record, 4011, b"Sharding required.")
            return
        record.bucket = shard[0] % max(1, emu.max_concurrency)
        record.violation = any(
            r.accepted and r.bucket == record.bucket and record.at - r.at < IDENTIFY_WINDOW for r in self.identifies
        )
        if record.violation and emu.enforce_identify_rate:
            record.invalidated = True
            conn.send_op(9, False)
            return
        self._detach(conn)
        self._numbers += 1
        session = Session(self._numbers, intents, shard)
        record.session = session
        self.sessions[session.session_id] = session
        self.session = session
        self.current[shard] = session
        self._attach(session, conn)
        base = emu.ws_base_url
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
                "shard": list(session.shard),
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
        # Interactions that waited for this shard (no live session owned their guild) arrive after GUILD_CREATE.
        for ix in [ix for ix in self.pending if session.owns(ix.guild_id)]:
            self.pending.remove(ix)
            session.dispatch("INTERACTION_CREATE", ix.payload, ix)
        emu.notifier.notify("session")

    # -- routing ----------------------------------------------------------------------------------------------
    def live(self) -> list[Session]:
        """The latest session of every shard, unless it was invalidated; ordered by (shard_count, shard_id)."""
        return sorted((s for s in self.current.values() if not s.invalid), key=lambda s: (s.shard[1], s.shard[0]))

    def owners(self, guild_id: int | None) -> list[Session]:
        """Every live session whose shard the guild belongs to (several only while shard counts differ)."""
        return [s for s in self.live() if s.owns(guild_id)]

    def owner(self, guild_id: int | None) -> Session | None:
        """The session an interaction in this guild goes to: the newest live session owning the guild."""
        return max(self.owners(guild_id), key=lambda s: s.number, default=None)

    def find(self, shard: ShardSelector | None) -> Session | None:
        """The latest session for a shard: None = the latest session overall, an int = that shard id."""
        if shard is None:
            return self.session
        if isinstance(shard, tuple):
            return self.current.get(shard)
        same = [s for s in self.current.values() if s.shard[0] == shard]
        return max(same, key=lambda s: s.number, default=None)

    def deliver(self, ix: InteractionHandle) -> Session | None:
        """Dispatch an interaction to its guild's shard; with no live session there, queue it for the next one."""
        session = self.owner(ix.guild_id)
        if session is None:
            self.pending.append(ix)
            return None
        session.dispatch("INTERACTION_CREATE", ix.payload, ix)
        return session

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
    def _current(self, shard: ShardSelector | None = None) -> Connection:
        session = self.find(shard)
        if session is None or session.conn is None:
            which = "" if shard is None else f" for shard {shard}"
            raise RuntimeError(f"no connected gateway session{which} ({session!r})")
        return session.conn

    async def close(self, code: int = 4000, shard: ShardSelector | None = None) -> None:
        conn = self._current(shard)
        self._detach(conn)
        conn.detached = True
        await conn.ws.close(code=code, message=b"emulator fault")

    async def drop(self, shard: ShardSelector | None = None) -> None:
        conn = self._current(shard)
        self._detach(conn)
        conn.detached = True
        transport = conn.request.transport
        if transport is not None:
            transport.abort()

    async def reconnect(self, shard: ShardSelector | None = None) -> None:
        conn = self._current(shard)
        conn.send_op(7, None)

    async def invalid_session(self, resumable: bool, shard: ShardSelector | None = None) -> None:
        conn = self._current(shard)
        if not resumable and conn.session is not None:
            conn.session.invalid = True
        conn.send_op(9, resumable)

    async def shutdown(self) -> None:
        for conn in list(self.connections):
            conn.detached = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001), 2)


def _parse_shard(raw: Any) -> Shard | None:
    """[shard_id, shard_count] as two ints, else None (a malformed shard is refused with 4010)."""
    if isinstance(raw, list | tuple) and len(raw) == 2 and all(type(v) is int for v in raw):
        return (raw[0], raw[1])
    return None
