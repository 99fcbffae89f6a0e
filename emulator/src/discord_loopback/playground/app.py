"""The playground: a web page on 127.0.0.1 that shows an emulated guild as Discord would and lets a person act
as its members. It serves plain HTML, one script and one stylesheet from `static/` (nothing from the network)
and a small JSON API over the emulator's programmatic one (run_command, autocomplete, click, select,
submit_modal, attachments), with server-sent events telling the page when something changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from ..interactions import DEADLINE, InteractionHandle
from ..models import Attachment, Button, Guild, Member, Message
from ..server import DiscordEmulator

STATIC = Path(__file__).with_name("static")
# Discord's client says this when an interaction got no accepted answer in time.
NO_RESPONSE = "The application did not respond"
CROWD_NAMES = (
    "Ada Byte",
    "Grace Loop",
    "Alan Tensor",
    "Katherine Grad",
    "Edsger Batch",
    "Barbara Epoch",
    "Donald Token",
    "Frances Logit",
    "John Adam",
    "Radia Sample",
)
MAX_CROWD = 200
# What Discord's client accepts in an INTEGER / NUMBER option (ASCII digits, no `1e`, no `1_000`, no infinity).
_INTEGER = re.compile(r"[-+]?[0-9]+")
_NUMBER = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")
MAX_SAFE_INTEGER = 2**53  # Discord's integer options are limited to JavaScript's safe integers
_dumps = json.JSONEncoder(separators=(",", ":")).encode


class BadRequest(Exception):
    """Input the page should not have sent (Discord's client would have refused it): answered with 400."""


@dataclass
class PlayMember:
    member: Member
    note: str = ""


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=_dumps(data), content_type="application/json")


def _int(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{what} must be an id, got {value!r}") from None


class Playground:
    """The page and its API for one guild of a running DiscordEmulator.

    `members` are the people the page can act as (the first is selected at first); `crowd_button` tells
    which buttons simulated members may press when the crowd answers (default: every enabled button).
    """

    def __init__(
        self,
        emu: DiscordEmulator,
        guild: Guild,
        members: list[PlayMember],
        *,
        title: str = "Discord playground",
        crowd_button: Callable[[Button], bool] = lambda button: True,
        seed: int | None = None,
    ) -> None:
        if not members:
            raise ValueError("the playground needs at least one member to act as")
        self.emu = emu
        self.guild = guild
        self.members = members
        self.title = title
        self.crowd_button = crowd_button
        self.crowd: list[Member] = []
        self.random = random.Random(seed)
        self.version = 0
        self._changed = asyncio.Event()
        self._openers: dict[int, InteractionHandle] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0
        emu.notifier.listeners.append(self._on_notify)

    # -- lifecycle --------------------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=emu_upload_limit(self.emu), middlewares=[self._errors])
        app.router.add_get("/", self._index)
        app.router.add_get("/static/{name}", self._static)
        app.router.add_get("/api/state", self._state)
        app.router.add_get("/api/messages", self._messages)
        app.router.add_get("/api/events", self._events)
        app.router.add_get("/api/attachments/{attachment_id}/{filename}", self._attachment)
        app.router.add_post("/api/command", self._command)
        app.router.add_post("/api/autocomplete", self._autocomplete)
        app.router.add_post("/api/click", self._click)
        app.router.add_post("/api/modal", self._modal)
        app.router.add_post("/api/upload", self._upload)
        app.router.add_post("/api/crowd", self._crowd)
        return app

    async def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1 only (never another interface); returns the page's URL."""
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self.url

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self.emu.notifier.listeners.remove(self._on_notify)
        self._changed.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _on_notify(self, keys: tuple[Hashable, ...]) -> None:
        self.version += 1
        self._changed.set()

    @web.middleware
    async def _errors(self, request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
        try:
            return await handler(request)
        except BadRequest as exc:
            return _json({"error": str(exc)}, 400)
        except (LookupError, ValueError, TypeError, AssertionError) as exc:
            # The emulator's own refusals of impossible input (a missing option, a disabled button, …).
            return _json({"error": str(exc).strip("'\"")}, 400)

    # -- static -----------------------------------------------------------------------------------------------
    async def _index(self, request: web.Request) -> web.StreamResponse:
        html = (STATIC / "index.html").read_text(encoding="utf-8").replace("{{title}}", _escape(self.title))
        return web.Response(text=html, content_type="text/html", headers=_NO_CACHE)

    async def _static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        path = STATIC / name
        if "/" in name or name.startswith(".") or not path.is_file():
            raise web.HTTPNotFound()
        types = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
        return web.Response(
            body=path.read_bytes(), content_type=types.get(path.suffix, "application/octet-stream"), headers=_NO_CACHE
        )

    # -- reading ----------------------------------------------------------------------------------------------
    async def _state(self, request: web.Request) -> web.StreamResponse:
        guild = self.guild
        commands = self.emu.commands.get(None, []) + self.emu.commands.get(guild.id, [])
        members = [{"id": str(m.id), "name": m.name} for m in guild.members.values()]
        return _json(
            {
                "title": self.title,
                "version": self.version,
                "guild": {"id": str(guild.id), "name": guild.name},
                "bot": {"id": str(self.emu.bot_user_id), "name": self.emu.bot_name},
                "channels": [
                    {"id": str(c.id), "name": c.name} for c in sorted(guild.channels.values(), key=lambda c: c.position)
                ],
                "default_channel": str(guild.channel_id),
                "players": [{"id": str(p.member.id), "name": p.member.name, "note": p.note} for p in self.members],
                "members": members,
                "roles": [{"id": str(r.id), "name": r.name} for r in guild.roles.values()],
                "commands": [c for c in commands if c.get("type", 1) == 1],
                "crowd": len(self.crowd),
                "upload_limit": self.emu.attachment_size_limit,
            }
        )

    def _owner(self, msg: Message) -> int | None:
        if msg.interaction_id is not None and msg.interaction_id in self.emu.interactions:
            return self.emu.interactions[msg.interaction_id].member.id
        return None

    def _message_json(self, msg: Message) -> dict[str, Any]:
        out = msg.to_json()
        out["attachments"] = [{**a.to_json(), "url": f"/api/attachments/{a.id}/{a.filename}"} for a in msg.attachments]
        out["ephemeral"] = msg.ephemeral
        out["loading"] = msg.loading
        out["edits"] = msg.edits
        owner = self._owner(msg)
        out["owner_id"] = str(owner) if owner is not None else None
        if msg.interaction_id is not None and msg.interaction_id in self.emu.interactions:
            ix = self.emu.interactions[msg.interaction_id]
            action = {2: f"used {_command_line(ix.data)}", 5: "submitted a form"}.get(ix.type, "used a component")
            out["invoked"] = {"user": ix.member.name, "action": action}
        return out

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        channel_id = _int(request.query.get("channel", self.guild.channel_id), "channel")
        viewer = _int(request.query.get("member", self.members[0].member.id), "member")
        if channel_id not in self.guild.channels:
            raise BadRequest(f"no channel {channel_id} in this server")
        shown: dict[int, Message] = {m.id: m for m in self.emu.channel_log.get(channel_id, []) if not m.deleted}
        for msg in self.emu.messages.values():
            if msg.channel_id == channel_id and msg.ephemeral and not msg.deleted and self._owner(msg) == viewer:
                shown[msg.id] = msg
        ordered = [shown[k] for k in sorted(shown)][-200:]
        return _json({"version": self.version, "messages": [self._message_json(m) for m in ordered]})

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: the current version now, then each new one (at most ten a second)."""
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )
        await response.prepare(request)
        sent = -1
        try:
            while self._runner is not None:
                if self.version != sent:
                    sent = self.version
                    await response.write(f"data: {sent}\n\n".encode())
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 15)
                if self.version == sent:
                    await response.write(b": keep-alive\n\n")
                await asyncio.sleep(0.1)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        att = self.emu.attachment_store.get(_int(request.match_info["attachment_id"], "attachment"))
        if att is None:
            raise web.HTTPNotFound()
        headers = dict(_NO_CACHE)
        if request.query.get("download"):
            headers["Content-Disposition"] = f'attachment; filename="{_safe_filename(att.filename)}"'
        return web.Response(body=att.data, content_type=att.content_type or "application/octet-stream", headers=headers)

    # -- acting -----------------------------------------------------------------------------------------------
    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise BadRequest("the request body is not JSON") from None
        if not isinstance(body, dict):
            raise BadRequest("the request body must be a JSON object")
        return body

    def _member(self, body: dict[str, Any]) -> Member:
        member_id = _int(body.get("member"), "member")
        member = self.guild.members.get(member_id)
        if member is None or member.bot:
            raise BadRequest(f"no member {member_id} in this server")
        return member

    def _channel(self, body: dict[str, Any]) -> int:
        channel_id = _int(body.get("channel", self.guild.channel_id), "channel")
        if channel_id not in self.guild.channels:
            raise BadRequest(f"no channel {channel_id} in this server")
        return channel_id

    def _leaf_options(self, path: str) -> dict[str, dict[str, Any]]:
        parts = path.split()
        if not parts:
            raise BadRequest("type a command")
        node: dict[str, Any] = self.emu.find_command(parts[0], self.guild.id)
        for part in parts[1:]:
            node = next((o for o in node.get("options") or [] if o["name"] == part and o["type"] in (1, 2)), {})
            if not node:
                raise BadRequest(f"/{path}: no such subcommand")
        return {o["name"]: o for o in node.get("options") or [] if o["type"] not in (1, 2)}

    def _options(self, path: str, given: Any, focused: str | None = None) -> dict[str, Any]:
        """Option values as typed on the page (strings), converted the way Discord's client sends them."""
        if not isinstance(given, dict):
            raise BadRequest("options must be an object")
        defs = self._leaf_options(path)
        out: dict[str, Any] = {}
        for name, raw in given.items():
            if raw is None or raw == "":
                continue
            opt = defs.get(name)
            if opt is None:
                raise BadRequest(f"/{path} has no option {name!r}")
            if name == focused:
                out[name] = str(raw)
                continue
            out[name] = self._convert(opt, raw)
        return out

    def _convert(self, opt: dict[str, Any], raw: Any) -> Any:
        kind, name = opt["type"], opt["name"]
        text = str(raw).strip()
        if kind == 3:
            return str(raw)
        if kind == 4:
            if not _INTEGER.fullmatch(text):
                raise BadRequest(f"{name}: {raw!r} is not a whole number")
            value = int(text)
            if abs(value) > MAX_SAFE_INTEGER:
                raise BadRequest(f"{name}: {raw!r} is out of range")
            return value
        if kind == 10:
            number = float(text) if _NUMBER.fullmatch(text) else math.nan
            if not math.isfinite(number):
                raise BadRequest(f"{name}: {raw!r} is not a number")
            return number
        if kind == 5:
            if text.lower() not in ("true", "false"):
                raise BadRequest(f"{name}: {raw!r} is not True or False")
            return text.lower() == "true"
        if kind in (6, 9) and text.isdigit() and int(text) in self.guild.members:
            return self.guild.members[int(text)]
        if kind in (7, 8, 9) and text.isdigit():
            return int(text)
        if kind == 11:
            att = self.emu.attachment_store.get(int(text)) if text.isdigit() else None
            if att is None:
                raise BadRequest(f"{name}: upload the file first")
            return att
        raise BadRequest(f"{name}: {raw!r} is not a valid value")

    async def _outcome(self, ix: InteractionHandle) -> web.StreamResponse:
        """What Discord's client shows after an interaction: a modal to fill in, nothing, or a failure."""
        try:
            result = await ix.response(timeout=DEADLINE + 0.5)
        except TimeoutError:
            return _json({"error": NO_RESPONSE}, 200)
        except AssertionError:
            detail = "; ".join(_rejection(r.response) for r in ix.rejected_callbacks)
            return _json({"error": f"{NO_RESPONSE} (the emulator refused its answer: {detail})"}, 200)
        if result.type == 9 and result.modal is not None:
            self._openers[ix.id] = ix
            return _json({"modal": result.modal, "interaction": str(ix.id)})
        return _json({"ok": True, "type": result.type, "ephemeral": result.ephemeral})

    async def _command(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        member, channel = self._member(body), self._channel(body)
        path = str(body.get("command", "")).strip().lstrip("/")
        options = self._options(path, body.get("options") or {})
        ix = await self.emu.run_command(member, channel, path, options)
        return await self._outcome(ix)

    async def _autocomplete(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        member, channel = self._member(body), self._channel(body)
        path = str(body.get("command", "")).strip().lstrip("/")
        focused = str(body.get("focused", ""))
        given = dict(body.get("options") or {})
        given[focused] = str(given.get(focused) or "")
        try:
            options = self._options(path, given, focused)
        except BadRequest:
            options = {focused: given[focused]}  # Discord sends what it can; an unfinished other option is left out
        options.setdefault(focused, "")
        try:
            ix = await self.emu.autocomplete(member, channel, path, options, focused=focused)
            result = await ix.response(timeout=DEADLINE + 0.5)
        except (TimeoutError, AssertionError, LookupError, ValueError, TypeError):
            return _json({"choices": [], "error": "Loading options failed"})
        return _json({"choices": result.data.get("choices") or []})

    async def _click(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        member = self._member(body)
        message_id = _int(body.get("message"), "message")
        msg = self.emu.messages.get(message_id)
        if msg is None or msg.channel_id not in self.guild.channels:
            raise BadRequest(f"no message {message_id}")
        custom_id = str(body.get("custom_id", ""))
        values = body.get("values")
        if values is None:
            ix = await self.emu.click(member, msg, custom_id)
        else:
            if not isinstance(values, list):
                raise BadRequest("values must be a list")
            ix = await self.emu.select(member, msg, custom_id, [str(v) for v in values])
        return await self._outcome(ix)

    async def _modal(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        member = self._member(body)
        opener = self._openers.get(_int(body.get("interaction"), "interaction"))
        if opener is None:
            raise BadRequest("this form is no longer open")
        values = body.get("values")
        if not isinstance(values, dict):
            raise BadRequest("values must be an object")
        ix = await self.emu.submit_modal(member, opener, values)
        self._openers.pop(opener.id, None)
        return await self._outcome(ix)

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        """A file for an attachment option, as Discord's client uploads it before sending the command."""
        try:
            reader = await request.multipart()
            part = await reader.next()
        except (ValueError, AssertionError):
            raise BadRequest("send the file as multipart/form-data") from None
        if not isinstance(part, BodyPartReader):
            raise BadRequest("no file in the upload")
        data = bytes(await part.read())
        filename = part.filename or "file"
        limit = self.emu.attachment_size_limit
        if len(data) > limit:
            raise BadRequest(f"Your files are too powerful: {len(data):,} bytes, the limit is {limit:,}")
        ctype = part.headers.get("Content-Type")
        att: Attachment = self.emu.store_attachment(self.guild.channel_id, filename, data, ctype)
        return _json({"id": str(att.id), "filename": att.filename, "size": att.size})

    async def _crowd(self, request: web.Request) -> web.StreamResponse:
        """`count` simulated members each press one of the crowd's buttons on a message (default: the newest
        message with any), chosen at random, so some answers are right and some wrong."""
        body = await self._body(request)
        count = _int(body.get("count", 5), "count")
        if not 1 <= count <= MAX_CROWD:
            raise BadRequest(f"the crowd is 1 to {MAX_CROWD} members")
        channel = self._channel(body)
        if body.get("message"):
            target = self.emu.messages.get(_int(body["message"], "message"))
        else:
            target = next(
                (m for m in reversed(self.emu.channel_log.get(channel, [])) if not m.deleted and self._pressable(m)),
                None,
            )
        if target is None or not self._pressable(target):
            raise BadRequest("no open question for the crowd to answer")
        while len(self.crowd) < count:
            n = len(self.crowd)
            lap = n // len(CROWD_NAMES)
            name = CROWD_NAMES[n % len(CROWD_NAMES)] + (f" {lap + 1}" if lap else "")
            self.crowd.append(self.emu.add_member(self.guild.id, name))
        buttons = self._pressable(target)
        handles: list[InteractionHandle] = []
        for member in self.crowd[:count]:
            handles.append(await self.emu.click(member, target, self.random.choice(buttons).custom_id or ""))
        results = await asyncio.gather(*(ix.response(timeout=DEADLINE + 0.5) for ix in handles), return_exceptions=True)
        answered = sum(1 for r in results if not isinstance(r, BaseException))
        return _json({"pressed": len(handles), "answered": answered, "message": str(target.id)})

    def _pressable(self, msg: Message) -> list[Button]:
        return [b for b in msg.buttons if b.custom_id and not b.disabled and self.crowd_button(b)]


_NO_CACHE = {"Cache-Control": "no-store"}


def emu_upload_limit(emu: DiscordEmulator) -> int:
    # Room for the multipart envelope around a file at the emulator's attachment limit; larger is refused.
    return emu.attachment_size_limit + 64 * 1024


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _safe_filename(name: str) -> str:
    return re.sub(r"[^\w.\- ]", "_", name) or "file"


def _rejection(response: Any) -> str:
    if isinstance(response, dict):
        return f"{response.get('code')}: {response.get('message')} {json.dumps(response.get('errors', {}))[:300]}"
    return str(response)


def _command_line(data: dict[str, Any]) -> str:
    """`/quiz trl questions: 3` (`/quiz stats member: @Bob`, `channel: #quiz`) from an APPLICATION_COMMAND's data."""
    words = [data.get("name", "")]
    options = data.get("options") or []
    while options and options[0].get("type") in (1, 2):
        words.append(options[0]["name"])
        options = options[0].get("options") or []
    resolved: dict[str, Any] = data.get("resolved") or {}
    for opt in options:
        words.append(f"{opt['name']}: {_option_text(opt.get('type'), opt.get('value'), resolved)}")
    return "/" + " ".join(str(w) for w in words)


def _option_text(kind: Any, value: Any, resolved: dict[str, Any]) -> str:
    """An option's value as Discord's client shows it: users and roles as @name, channels as #name."""
    key = str(value)
    if kind == 11:
        return str((resolved.get("attachments") or {}).get(key, {}).get("filename", value))
    if kind in (6, 9) and key in (resolved.get("users") or {}):
        user = resolved["users"][key]
        nick = (resolved.get("members") or {}).get(key, {}).get("nick")
        return f"@{nick or user.get('global_name') or user.get('username') or key}"
    if kind in (8, 9) and key in (resolved.get("roles") or {}):
        return f"@{resolved['roles'][key].get('name', key)}"
    if kind == 7 and key in (resolved.get("channels") or {}):
        return f"#{resolved['channels'][key].get('name', key)}"
    if kind in (6, 9):
        return f"@member {key[-4:]}"
    if kind == 7:
        return "#unknown"
    return str(value)
