"""DiscordEmulator: the aiohttp app, the emulated world and the test-facing API."""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from aiohttp import BodyPartReader, web

from . import interactions, rest
from .errors import DiscordError, unauthorized
from .gateway import (
    GUILD_MEMBERS,
    GUILD_MESSAGES,
    PRIVILEGED_INTENTS,
    Gateway,
    IdentifyRecord,
    Session,
    Shard,
    ShardSelector,
)
from .models import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    Attachment,
    Channel,
    Clock,
    Guild,
    Member,
    Message,
    Role,
    Snowflakes,
    user_json,
)
from .recording import Fault, FilePart, Matcher, RequestRecord, rejection_allowed
from .spec_check import SpecChecker
from .waiters import Notifier

API_PREFIX = "/api/v10"
JSON_HEADERS = {"Content-Type": "application/json"}
_dumps = json.JSONEncoder(separators=(",", ":")).encode


class Call:
    """One REST request as a handler sees it."""

    __slots__ = ("body", "files", "headers", "method", "params", "query", "record")

    def __init__(self, request: web.Request, record: RequestRecord, body: Any, files: list[FilePart]):
        self.method = request.method
        self.params = request.match_info
        self.query = request.query
        self.headers = request.headers
        self.body = body
        self.files = files
        self.record = record

    def int_param(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise DiscordError(404, 0, "404: Not Found") from None


class DiscordEmulator:
    def __init__(
        self,
        token: str = "test-token",
        *,
        heartbeat_interval_ms: int = 41250,
        privileged_intents: int = PRIVILEGED_INTENTS,
        gateway_compress: bool = True,
        spec_check: bool = True,
        attachment_size_limit: int = 10 * 1024 * 1024,
        bot_name: str = "Bot",
        global_rate_limit: int | None = None,
        latency: float = 0.0,
        max_concurrency: int = 1,
        recommended_shards: int | None = None,
        max_guilds_per_shard: int | None = 2500,
        enforce_identify_rate: bool = False,
    ) -> None:
        self.token = token
        # Sharding (NOTES.md §2.9). One IDENTIFY per bucket (shard_id % max_concurrency) per 5 s.
        self.max_concurrency = max_concurrency
        # GET /gateway/bot's `shards`; None: the fewest shards that keep every shard within max_guilds_per_shard.
        self.recommended_shards = recommended_shards
        # An IDENTIFY whose shard would hold more guilds is closed with 4011 (None: never).
        self.max_guilds_per_shard = max_guilds_per_shard
        # False: a too-early IDENTIFY is only recorded (IdentifyRecord.violation); True: it gets op 9 (d: false).
        self.enforce_identify_rate = enforce_identify_rate
        # Discord's global REST limit per bot (50 requests a second); None: not enforced (the tests' default).
        self.global_rate_limit = global_rate_limit
        # Seconds every REST request takes before it is handled (the network and Discord's own time).
        self.latency = latency
        self._window_start = 0.0
        self._window_count = 0
        self.rate_limited: list[RequestRecord] = []  # requests answered 429 by the global limit
        # (channel id, author id, nonce) -> (message id, when): Discord's enforce_nonce de-duplication
        self.nonces: dict[tuple[int, int, str], tuple[int, float]] = {}
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.privileged_intents = privileged_intents
        self.gateway_compress = gateway_compress
        self.attachment_size_limit = attachment_size_limit
        self.clock = Clock()
        self.ids = Snowflakes(self.clock)
        self.application_id = self.ids.next()
        self.bot_user_id = self.application_id
        self.owner_id = self.ids.next()
        self.bot_name = bot_name
        self.application_flags = 0
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.dm_channels: dict[int, int] = {}  # channel id -> user id
        self.closed_dms: set[int] = set()  # users who refuse direct messages from the bot
        self.messages: dict[int, Message] = {}
        self.channel_log: dict[int, list[Message]] = {}
        self.attachment_store: dict[int, Attachment] = {}
        self.interactions: dict[int, interactions.InteractionHandle] = {}
        self.by_token: dict[str, interactions.InteractionHandle] = {}
        # scope (None = global, else guild id) -> name/type key -> command object as answered
        self.commands: dict[int | None, list[dict]] = {}
        self._command_ids: dict[tuple, int] = {}
        self.requests: list[RequestRecord] = []
        self.unimplemented: list[RequestRecord] = []
        self.rejected: list[RequestRecord] = []
        self.spec_violations: list[RequestRecord] = []
        self.faults: list[Fault] = []
        self.notifier = Notifier()
        self.gateway = Gateway(self)
        self.spec = SpecChecker() if spec_check else None
        if self.spec is not None and not self.spec.available:
            self.spec = None
        self.guild: Guild | None = None  # set by the test fixture to its default guild
        self.port = 0
        self._runner: web.AppRunner | None = None

    # -- lifecycle --------------------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        for method, template, handler, auth in rest.ROUTES + interactions.ROUTES:
            app.router.add_route(method, API_PREFIX + template, self._wrap(handler, template, auth))
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/resume", self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._serve_attachment)
        app.router.add_route("*", "/{tail:.*}", self._unimplemented)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        await self.gateway.shutdown()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def http_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base_url(self) -> str:
        return f"{self.http_base_url}{API_PREFIX}"

    @property
    def ws_base_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def gateway_url(self) -> str:
        return f"{self.ws_base_url}/gateway"

    # -- HTTP plumbing ----------------------------------------------------------------------------------------
    def _wrap(self, handler: Callable, template: str, auth: bool) -> Callable:
        async def route(request: web.Request) -> web.StreamResponse:
            return await self._handle(request, handler, template, auth)

        return route

    async def _handle(self, request: web.Request, handler: Callable, template: str, auth: bool) -> web.Response:
        record = RequestRecord(request.method, request.path, template, dict(request.query), at=self.clock.mono())
        self.requests.append(record)
        try:
            body, files, raw = await self._read_body(request)
            record.body, record.files = body, files
            api_path = request.path[len(API_PREFIX) :]
            if self.latency:
                await asyncio.sleep(self.latency)
            if auth and self.global_rate_limit is not None:  # interaction endpoints are exempt, as on Discord
                limited = self._over_global_limit(record)
                if limited is not None:
                    return limited
            late = 0.0
            for fault in self.faults:
                if fault.matches(request.method, api_path, request.path):
                    if fault.status is None:  # only slow: the request is then handled normally
                        fault.count -= 1
                        fault.hits.append(record)
                        await asyncio.sleep(fault.delay)
                        late = fault.respond_after
                        break
                    return await self._inject(fault, record)
            if auth and request.headers.get("Authorization") != f"Bot {self.token}":
                raise unauthorized()
            if self.spec is not None and raw and request.method in ("POST", "PUT", "PATCH"):
                record.spec_problems = self.spec.check(request.method, template, body, raw)
            result = await handler(self, Call(request, record, body, files))
            if late:  # handled, but the answer comes late (the caller may give up first)
                await asyncio.sleep(late)
            if record.spec_problems:  # only accepted bodies: rejected ones already show up in `rejected`
                self.spec_violations.append(record)
        except DiscordError as exc:
            record.status, record.response = exc.status, exc.body()
            self.rejected.append(record)
            return web.Response(status=exc.status, body=_dumps(record.response), headers=JSON_HEADERS)
        if result is None:
            record.status = 204
            return web.Response(status=204)
        record.status, record.response = 200, result
        return web.Response(status=200, body=_dumps(result), headers=JSON_HEADERS)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[FilePart], bytes]:
        if not request.body_exists:
            return None, [], b""
        if request.content_type.startswith("multipart/"):
            body: Any = None
            files: list[FilePart] = []
            raw = b""
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):  # Discord's bodies have no nested multipart
                    continue
                data = await part.read()
                if part.name == "payload_json":
                    raw = bytes(data)
                    body = self._parse_json(raw)
                else:
                    ctype = part.headers.get("Content-Type")
                    files.append(FilePart(part.name or "", part.filename or "file", bytes(data), ctype))
            return body, files, raw
        raw = await request.read()
        return (self._parse_json(raw) if raw else None), [], raw

    @staticmethod
    def _parse_json(raw: bytes) -> Any:
        try:
            return json.loads(raw)
        except ValueError:
            raise DiscordError(400, 50109, "The request body contains invalid JSON.") from None

    async def _inject(self, fault: Fault, record: RequestRecord) -> web.Response:
        fault.count -= 1
        fault.hits.append(record)
        record.injected = True
        if fault.delay:
            await asyncio.sleep(fault.delay)
        status, headers, body = fault.answer()
        record.status, record.response = status, body
        return web.Response(status=status, body=_dumps(body), headers={**JSON_HEADERS, **headers})

    def _over_global_limit(self, record: RequestRecord) -> web.Response | None:
        """A 429 with the global flag once this second's window holds ``global_rate_limit`` requests."""
        now = time.monotonic()
        if now - self._window_start >= 1.0:
            self._window_start, self._window_count = now, 0
        if self._window_count < (self.global_rate_limit or 0):
            self._window_count += 1
            return None
        retry_after = max(round(self._window_start + 1.0 - now, 3), 0.001)
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": True}
        record.status, record.response = 429, body
        self.rate_limited.append(record)
        headers = {
            **JSON_HEADERS,
            "Via": "1.1 google",
            "Retry-After": f"{retry_after:g}",
            "X-RateLimit-Global": "true",
            "X-RateLimit-Scope": "global",
        }
        return web.Response(status=429, body=_dumps(body), headers=headers)

    async def _unimplemented(self, request: web.Request) -> web.Response:
        record = RequestRecord(request.method, request.path, None, dict(request.query), at=self.clock.mono())
        if request.body_exists:
            record.body = (await request.read())[:2000].decode(errors="replace")
        record.status, record.response = 404, {"message": "404: Not Found (not emulated)", "code": 0}
        self.requests.append(record)
        self.unimplemented.append(record)
        return web.Response(status=404, body=_dumps(record.response), headers=JSON_HEADERS)

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        att = self.attachment_store.get(int(request.match_info["attachment_id"]))
        if att is None:
            return await self._unimplemented(request)
        return web.Response(body=att.data, content_type=att.content_type or "application/octet-stream")

    # -- faults -----------------------------------------------------------------------------------------------
    def inject_fault(
        self,
        method: str,
        path_regex: str,
        status: int | None = 429,
        retry_after: float = 0.5,
        via: bool = True,
        count: int = 1,
        *,
        is_global: bool = False,
        delay: float = 0.0,
        code: int = 0,
        message: str | None = None,
        respond_after: float = 0.0,
    ) -> Fault:
        """Answer the next `count` requests whose path matches `path_regex` with `status`.

        The regex is searched in the path after /api/v10 and in the full path. `delay` seconds pass before
        the answer; with `status=None` the request is only delayed, then handled normally, and its answer
        held back `respond_after` more seconds (Discord did the work; the caller may time out first).
        """
        fault = Fault(
            method.upper(),
            re.compile(path_regex),
            status,
            retry_after,
            via,
            count,
            is_global,
            delay,
            code,
            message,
            respond_after=respond_after,
        )
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    # `shard` picks the session: None = the latest identified one, an int = that shard id's latest session,
    # (shard_id, shard_count) = exactly that shard.
    async def gateway_close(self, code: int = 4000, *, shard: ShardSelector | None = None) -> None:
        await self.gateway.close(code, shard)

    async def gateway_drop(self, *, shard: ShardSelector | None = None) -> None:
        await self.gateway.drop(shard)

    async def gateway_reconnect(self, *, shard: ShardSelector | None = None) -> None:
        await self.gateway.reconnect(shard)

    async def gateway_invalid_session(self, resumable: bool, *, shard: ShardSelector | None = None) -> None:
        await self.gateway.invalid_session(resumable, shard)

    @property
    def ack_heartbeats(self) -> bool:
        """Set False to stop answering heartbeats (discord.py only notices after heartbeat_timeout)."""
        return self.gateway.ack_heartbeats

    @ack_heartbeats.setter
    def ack_heartbeats(self, value: bool) -> None:
        self.gateway.ack_heartbeats = value

    @property
    def identify_close_code(self) -> int | None:
        """Set e.g. 4004 or 4014 to close every IDENTIFY with that code (startup-failure tests)."""
        return self.gateway.identify_close_code

    @identify_close_code.setter
    def identify_close_code(self, value: int | None) -> None:
        self.gateway.identify_close_code = value

    def hold_gateway(self) -> None:
        """New gateway connections wait before HELLO until release_gateway(): makes outage windows exact."""
        self.gateway.open.clear()

    def release_gateway(self) -> None:
        self.gateway.open.set()

    def advance_clock(self, seconds: float) -> None:
        self.clock.offset += seconds

    # -- the world --------------------------------------------------------------------------------------------
    def bot_user_json(self) -> dict[str, Any]:
        return {
            **user_json(self.bot_user_id, self.bot_name, bot=True),
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
            "email": None,
        }

    def add_guild(
        self,
        name: str = "Guild A",
        *,
        channel_name: str = "general",
        shard: Shard | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
    ) -> Guild:
        """A new guild; with shard=(shard_id, shard_count) its id is chosen so that it lands on that shard.

        `guild_id` and `channel_id` give the guild and its first channel ids kept from elsewhere (a database
        written against another Discord) instead of new ones.
        """
        if guild_id is not None and shard is not None:
            raise ValueError("give a guild_id or a shard, not both")
        if guild_id is not None and guild_id in self.guilds:
            raise ValueError(f"guild {guild_id} already exists")
        if channel_id is not None and channel_id in self.channels:
            raise ValueError(f"channel {channel_id} already exists")
        if guild_id is not None:
            gid = self.ids.claim(guild_id)
        else:
            gid = self.ids.next() if shard is None else self.ids.next_on_shard(*shard)
        guild = Guild(gid, name, self.owner_id, everyone_role_id=gid, bot_role_id=self.ids.next())
        guild.roles[gid] = Role(gid, gid, "@everyone", DEFAULT_MEMBER_PERMISSIONS)
        guild.roles[guild.bot_role_id] = Role(
            guild.bot_role_id, gid, self.bot_name, DEFAULT_BOT_PERMISSIONS, position=1, managed=True
        )
        now = self.clock.iso()
        guild.members[self.owner_id] = Member(self.owner_id, "owner", gid, (), now)
        guild.members[self.bot_user_id] = Member(
            self.bot_user_id, self.bot_name, gid, (guild.bot_role_id,), now, bot=True
        )
        self.guilds[gid] = guild
        guild.channel_id = self._new_channel(guild, channel_name, channel_id)
        # A guild joined while connected comes without `unavailable` (discord.py: on_guild_join);
        # `unavailable: false` is for guilds announced as stubs in READY (on_guild_available).
        self._dispatch_guild(
            "GUILD_CREATE",
            guild,
            lambda s: {k: v for k, v in self.guild_create_json(guild, s.intents).items() if k != "unavailable"},
        )
        return guild

    def _new_channel(self, guild: Guild, name: str, channel_id: int | None = None) -> int:
        cid = self.ids.next() if channel_id is None else self.ids.claim(channel_id)
        channel = Channel(cid, guild.id, name, position=len(guild.channels))
        if guild.bot_override is not None:
            channel.overwrites[self.bot_user_id] = (1, guild.bot_override, ALL_PERMISSIONS & ~guild.bot_override)
        guild.channels[cid] = channel
        self.channels[cid] = channel
        self.channel_log[cid] = []
        return cid

    def remove_guild(self, guild_id: int) -> None:
        """The bot is removed from (kicked out of) a guild: GUILD_DELETE without `unavailable`."""
        guild = self.guilds[guild_id]
        self._dispatch_guild("GUILD_DELETE", guild, lambda s: {"id": str(guild_id)})
        del self.guilds[guild_id]

    def add_channel(self, guild_id: int, name: str = "general", *, channel_id: int | None = None) -> int:
        """A new text channel; `channel_id` gives an id kept from elsewhere instead of a new one."""
        guild = self.guilds[guild_id]
        if channel_id is not None and channel_id in self.channels:
            raise ValueError(f"channel {channel_id} already exists")
        cid = self._new_channel(guild, name, channel_id)
        self._dispatch_guild("CHANNEL_CREATE", guild, lambda s: self.channels[cid].to_json())
        return cid

    def remove_channel(self, channel_id: int) -> None:
        channel = self.channels.pop(channel_id)
        guild = self.guilds[channel.guild_id]
        guild.channels.pop(channel_id, None)
        self._dispatch_guild("CHANNEL_DELETE", guild, lambda s: channel.to_json())

    def add_role(self, guild_id: int, name: str = "role", permissions: int = 0) -> int:
        guild = self.guilds[guild_id]
        rid = self.ids.next()
        role = Role(rid, guild_id, name, permissions, position=len(guild.roles))
        guild.roles[rid] = role
        self._dispatch_guild("GUILD_ROLE_CREATE", guild, lambda s: {"guild_id": str(guild_id), "role": role.to_json()})
        return rid

    def add_member(
        self,
        guild_id: int,
        name: str = "member",
        permissions: int | None = None,
        roles: tuple[int, ...] | list[int] = (),
        *,
        member_id: int | None = None,
    ) -> Member:
        """A new member; `member_id` gives a user id kept from elsewhere instead of a new one."""
        guild = self.guilds[guild_id]
        if member_id is not None and (member_id in guild.members or member_id == self.bot_user_id):
            raise ValueError(f"user {member_id} is already a member of guild {guild_id}")
        uid = self.ids.next() if member_id is None else self.ids.claim(member_id)
        role_ids = tuple(roles)
        if permissions is not None:
            role_ids += (self.add_role(guild_id, f"{name} permissions", permissions),)
        member = Member(uid, name, guild_id, role_ids, self.clock.iso())
        guild.members[member.id] = member
        self._dispatch_guild(
            "GUILD_MEMBER_ADD", guild, lambda s: {**member.to_json(), "guild_id": str(guild_id)}, intents=GUILD_MEMBERS
        )
        return member

    def set_bot_permissions(self, target: int, value: int) -> None:
        """Force the bot's effective permissions in one channel, or in every channel of a guild."""
        if target in self.guilds:
            guild = self.guilds[target]
            guild.bot_override = value
            channels = list(guild.channels.values())
        else:
            channels = [self.channels[target]]
            guild = self.guilds[channels[0].guild_id]
        for channel in channels:
            channel.overwrites[self.bot_user_id] = (1, value, ALL_PERMISSIONS & ~value)
            self._dispatch_guild("CHANNEL_UPDATE", guild, lambda s, c=channel: c.to_json())

    def make_attachment(
        self, filename: str, data: bytes, content_type: str | None = None, channel_id: int = 0
    ) -> Attachment:
        """A user-uploaded file for attachment options; its url is served over loopback."""
        return self.store_attachment(channel_id, filename, data, content_type)

    def store_attachment(
        self,
        channel_id: int,
        filename: str,
        data: bytes,
        content_type: str | None = None,
        description: str | None = None,
    ) -> Attachment:
        aid = self.ids.next()
        url = f"{self.http_base_url}/attachments/{channel_id}/{aid}/{quote(filename)}"
        att = Attachment(aid, filename, data, url, content_type, description)
        self.attachment_store[aid] = att
        return att

    def guilds_for_shard(self, shard: Shard | list[int] | None) -> list[Guild]:
        if not shard or shard[1] <= 1:
            return list(self.guilds.values())
        return [g for g in self.guilds.values() if (g.id >> 22) % shard[1] == shard[0]]

    def recommended_shard_count(self) -> int:
        """GET /gateway/bot's `shards`: `recommended_shards`, else the fewest shards that avoid 4011."""
        if self.recommended_shards is not None:
            return self.recommended_shards
        per_shard = self.max_guilds_per_shard or 2500
        return max(1, math.ceil(len(self.guilds) / per_shard))

    def guild_json(self, guild: Guild) -> dict[str, Any]:
        return {
            "id": str(guild.id),
            "name": guild.name,
            "owner_id": str(guild.owner_id),
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "features": [],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "vanity_url_code": None,
            "application_id": None,
            "max_members": 500000,
            "roles": [r.to_json() for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
        }

    def guild_create_json(self, guild: Guild, intents: int) -> dict[str, Any]:
        # Sending every member (count matching) keeps a members-intent bot from chunking at startup.
        if intents & GUILD_MEMBERS:
            members = [m.to_json() for m in guild.members.values()]
        else:
            members = [guild.members[self.bot_user_id].to_json()]
        return {
            **self.guild_json(guild),
            "unavailable": False,
            "large": len(guild.members) > 250,
            "member_count": len(guild.members),
            "joined_at": guild.members[self.bot_user_id].joined_at,
            "channels": [c.to_json() for c in guild.channels.values()],
            "members": members,
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def permissions_in(self, member_id: int, channel_id: int) -> int:
        channel = self.channels.get(channel_id)
        if channel is None:
            return 0
        guild = self.guilds[channel.guild_id]
        if member_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = guild.members.get(member_id)
        role_ids = member.roles if member else ()
        perms = guild.roles[guild.everyone_role_id].permissions
        for rid in role_ids:
            if rid in guild.roles:
                perms |= guild.roles[rid].permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        over = channel.overwrites
        if guild.everyone_role_id in over:
            _, allow, deny = over[guild.everyone_role_id]
            perms = (perms & ~deny) | allow
        allow_sum = deny_sum = 0
        for rid in role_ids:
            if rid in over:
                allow_sum |= over[rid][1]
                deny_sum |= over[rid][2]
        perms = (perms & ~deny_sum) | allow_sum
        if member_id in over:
            _, allow, deny = over[member_id]
            perms = (perms & ~deny) | allow
        return perms

    # -- gateway dispatch -------------------------------------------------------------------------------------
    @property
    def session(self) -> Session | None:
        """The latest identified session, whatever its shard (the only one for an unsharded bot)."""
        return self.gateway.session

    @property
    def sessions(self) -> list[Session]:
        """The live session of every shard (connected or not, not invalidated), by (shard_count, shard_id)."""
        return self.gateway.live()

    def session_for(self, guild_id: int | None) -> Session | None:
        """The live session that receives the guild's interactions (guild_id None: DMs, shard 0), if any."""
        return self.gateway.owner(guild_id)

    def shard_session(self, shard: ShardSelector) -> Session | None:
        """The latest session of a shard (an id, or (shard_id, shard_count)), even if invalidated."""
        return self.gateway.find(shard)

    @property
    def identifies(self) -> list[IdentifyRecord]:
        """Every IDENTIFY received, accepted or refused, in order (see IdentifyRecord)."""
        return self.gateway.identifies

    @property
    def identify_violations(self) -> list[IdentifyRecord]:
        """IDENTIFYs that came while their rate-limit bucket had identified less than 5 s before."""
        return [r for r in self.gateway.identifies if r.violation]

    @property
    def pending_interactions(self) -> list[interactions.InteractionHandle]:
        """Interactions waiting for a session of their guild's shard to IDENTIFY."""
        return list(self.gateway.pending)

    def _dispatch_guild(self, t: str, guild: Guild, build: Callable[[Session], Any], intents: int = 0) -> None:
        for session in self.gateway.owners(guild.id):
            if not session.ready or (intents and not session.intents & intents):
                continue
            session.dispatch(t, build(session))

    def dispatch_message_event(self, t: str, msg: Message) -> None:
        if msg.ephemeral or msg.guild_id is None:
            return
        guild = self.guilds.get(msg.guild_id)
        if guild is None:
            return
        if t == "MESSAGE_DELETE":
            self._dispatch_guild(
                t,
                guild,
                lambda s: {"id": str(msg.id), "channel_id": str(msg.channel_id), "guild_id": str(msg.guild_id)},
                intents=GUILD_MESSAGES,
            )
        else:
            self._dispatch_guild(t, guild, lambda s: msg.to_json(), intents=GUILD_MESSAGES)

    def sent_dispatches(
        self, type: str | None = None, *, all_sessions: bool = False, shard: ShardSelector | None = None
    ) -> list[dict]:
        """Dispatches of the latest session (or of a shard's latest session, or of every session ever)."""
        sessions = list(self.gateway.sessions.values()) if all_sessions else [self.gateway.find(shard)]
        out = []
        for session in sessions:
            if session is None:
                continue
            out += [json.loads(e.frame) for e in session.log if type is None or e.t == type]
        return out

    async def wait_for_session(
        self, timeout: float = 20, *, newer_than: int = 0, shard: ShardSelector | None = None
    ) -> Session:
        """A connected session that got READY and every GUILD_CREATE, numbered above `newer_than`.

        Without `shard` it is the latest identified session; with it, that shard's latest session.
        """

        def ready() -> Session | None:
            s = self.gateway.find(shard)
            return s if s is not None and s.ready and s.connected and s.number > newer_than else None

        which = "a bot session" if shard is None else f"a session for shard {shard}"
        return await self.notifier.wait(
            ("session",), ready, timeout, lambda: f"{which} (current: {self.gateway.find(shard)!r})"
        )

    async def wait_for_shards(
        self, shards: list[Shard] | list[int], timeout: float = 30, *, newer_than: int = 0
    ) -> list[Session]:
        """A connected, ready session numbered above `newer_than` for every shard given, in that order."""

        def ready() -> list[Session] | None:
            found = [s for s in (self.gateway.find(shard) for shard in shards) if s is not None]
            if len(found) == len(shards) and all(s.ready and s.connected and s.number > newer_than for s in found):
                return found
            return None

        return await self.notifier.wait(
            ("session",), ready, timeout, lambda: f"sessions for shards {shards} (live: {self.gateway.live()!r})"
        )

    @property
    def session_number(self) -> int:
        session = self.gateway.session
        return session.number if session else 0

    async def wait_for_resume(
        self, timeout: float = 20, *, resumes_above: int = 0, shard: ShardSelector | None = None
    ) -> Session:
        def resumed() -> Session | None:
            s = self.gateway.find(shard)
            return s if s is not None and s.connected and s.resumes > resumes_above else None

        return await self.notifier.wait(
            ("session",), resumed, timeout, lambda: f"a RESUME (current: {self.gateway.find(shard)!r})"
        )

    async def wait_for_identifies(self, count: int, timeout: float = 30) -> list[IdentifyRecord]:
        """The first `count` IDENTIFYs received (accepted or refused)."""
        return await self.notifier.wait(
            ("identify",),
            lambda: self.gateway.identifies[:count] if len(self.gateway.identifies) >= count else None,
            timeout,
            lambda: f"{count} IDENTIFYs (have {self.gateway.identifies!r})",
        )

    # -- commands ---------------------------------------------------------------------------------------------
    def command_names(self, guild_id: int | None = None) -> set[str]:
        names = {c["name"] for c in self.commands.get(None, [])}
        if guild_id is not None:
            names |= {c["name"] for c in self.commands.get(guild_id, [])}
        else:
            for scope, cmds in self.commands.items():
                if scope is not None:
                    names |= {c["name"] for c in cmds}
        return names

    async def wait_for_commands(
        self, names: set[str] | list[str], timeout: float = 20, guild_id: int | None = None
    ) -> set[str]:
        wanted = set(names)
        return await self.notifier.wait(
            ("commands",),
            lambda: wanted <= self.command_names(guild_id) and self.command_names(guild_id),
            timeout,
            lambda: f"commands {sorted(wanted)} (registered: {sorted(self.command_names(guild_id))})",
        )

    def find_command(self, name: str, guild_id: int | None, ctype: int = 1) -> dict:
        for scope in (guild_id, None) if guild_id is not None else (None,):
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == ctype:
                    return cmd
        raise LookupError(f"no synced command {name!r} (registered: {sorted(self.command_names(guild_id))})")

    # -- interactions (see interactions.py) -------------------------------------------------------------------
    async def run_command(
        self, member: Member, channel_id: int, path: str, options: dict | None = None
    ) -> interactions.InteractionHandle:
        return interactions.run_command(self, member, channel_id, path, options or {})

    async def autocomplete(
        self, member: Member, channel_id: int, path: str, options: dict, *, focused: str
    ) -> interactions.InteractionHandle:
        return interactions.autocomplete(self, member, channel_id, path, options, focused)

    async def click(self, member: Member, message: Message | int, custom_id: str) -> interactions.InteractionHandle:
        return interactions.click(self, member, message, custom_id, None)

    async def select(
        self, member: Member, message: Message | int, custom_id: str, values: list[str]
    ) -> interactions.InteractionHandle:
        return interactions.click(self, member, message, custom_id, values)

    async def click_raw(
        self, member: Member, channel_id: int, custom_id: str, message_id: int | None = None
    ) -> interactions.InteractionHandle:
        return interactions.click_raw(self, member, channel_id, custom_id, message_id)

    async def submit_modal(
        self, member: Member, opener: interactions.InteractionHandle, values: dict[str, Any]
    ) -> interactions.InteractionHandle:
        return interactions.submit_modal(self, member, opener, values)

    # -- messages ---------------------------------------------------------------------------------------------
    def message(self, message_id: int) -> Message:
        return self.messages[message_id]

    def channel_messages(self, channel_id: int) -> list[Message]:
        return list(self.channel_log.get(channel_id, []))

    async def wait_for_message(
        self,
        channel_id: int,
        predicate: Callable[[Message], Any] = lambda m: True,
        timeout: float = 10,
        *,
        ephemeral: bool = False,
    ) -> Message:
        """The first message in the channel matching `predicate`, existing or future (re-checked on edits)."""

        def find() -> Message | None:
            pool = self.channel_log.get(channel_id, [])
            if ephemeral:
                pool = [m for m in self.messages.values() if m.channel_id == channel_id and not m.deleted]
            for msg in pool:
                if predicate(msg):
                    return msg
            return None

        return await self.notifier.wait(
            (("channel", channel_id),),
            find,
            timeout,
            lambda: f"a matching message in {channel_id} (have: {self.channel_log.get(channel_id, [])[-5:]})",
        )

    async def wait_for_edit(
        self, message_id: int, predicate: Callable[[Message], Any] = lambda m: True, timeout: float = 10
    ) -> Message:
        """The message once it has been edited at least once and matches `predicate`."""

        def check() -> Message | None:
            msg = self.messages.get(message_id)
            return msg if msg is not None and msg.edits > 0 and predicate(msg) else None

        return await self.notifier.wait(
            (("message", message_id),), check, timeout, lambda: f"an edit of {self.messages.get(message_id)!r}"
        )

    def notify_message(self, msg: Message) -> None:
        self.notifier.notify(("channel", msg.channel_id), ("message", msg.id))
        if msg.interaction_id is not None and msg.interaction_id in self.interactions:
            self.notifier.notify(("ix", msg.interaction_id))

    # -- cleanliness ------------------------------------------------------------------------------------------
    def assert_clean(self, allow_rejected: tuple[Matcher, ...] = (), *, allow_spec: bool = False) -> None:
        problems = [f"unimplemented route: {r!r}" for r in self.unimplemented]
        problems += [f"rejected request: {r!r}" for r in self.rejected if not rejection_allowed(r, allow_rejected)]
        if not allow_spec:
            problems += [f"spec violation: {r.method} {r.route}: {r.spec_problems}" for r in self.spec_violations]
        if problems:
            shown = problems[:25]
            if len(problems) > len(shown):
                shown.append(f"... and {len(problems) - len(shown)} more")
            raise AssertionError(f"emulator saw {len(problems)} problem(s):\n  " + "\n  ".join(shown))

    def requests_to(self, method: str, route: str) -> list[RequestRecord]:
        return [r for r in self.requests if r.method == method and r.route == route]
