"""The emulated world: clock, snowflakes, guilds, channels, roles, members, messages, attachments."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1420070400000
EPHEMERAL = 1 << 6
LOADING = 1 << 7
COMPONENTS_V2 = 1 << 15

# Permission bits used by the emulator's own checks and defaults.
CREATE_INSTANT_INVITE = 1 << 0
ADMINISTRATOR = 1 << 3
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_EXTERNAL_EMOJIS = 1 << 18
CHANGE_NICKNAME = 1 << 26
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 53) - 1

DEFAULT_MEMBER_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)
DEFAULT_BOT_PERMISSIONS = DEFAULT_MEMBER_PERMISSIONS | MANAGE_MESSAGES


class Clock:
    """Wall and monotonic time plus an offset that tests move forward instead of sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def mono(self) -> float:
        return time.monotonic() + self.offset

    def iso(self, ts: float | None = None) -> str:
        return datetime.fromtimestamp(self.time() if ts is None else ts, UTC).isoformat()


class Snowflakes:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last = 0

    def next(self) -> int:
        value = (int(self._clock.time() * 1000) - DISCORD_EPOCH_MS) << 22
        if value <= self._last:
            value = self._last + 1
        self._last = value
        return value

    def claim(self, value: int) -> int:
        """An id chosen by the caller (one kept from elsewhere); ids made later never repeat it."""
        if value <= 0:
            raise ValueError(f"a snowflake is a positive integer, not {value}")
        self._last = max(self._last, value)
        return value

    def next_on_shard(self, shard_id: int, shard_count: int) -> int:
        """The next snowflake whose guild shard, (id >> 22) % shard_count, is shard_id."""
        if shard_count < 1 or not 0 <= shard_id < shard_count:
            raise ValueError(f"no shard {shard_id} among {shard_count}")
        value = self.next()
        ms = value >> 22
        if ms % shard_count != shard_id:
            value = (ms + (shard_id - ms) % shard_count) << 22  # a few milliseconds ahead, on the right shard
            self._last = value
        return value


def user_json(uid: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(uid),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
        "flags": 0,
        "public_flags": 0,
    }


@dataclass(eq=False)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "hoist": False,
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
            "icon": None,
            "unicode_emoji": None,
        }


@dataclass(eq=False)
class Channel:
    id: int
    guild_id: int
    name: str
    position: int = 0
    type: int = 0
    # target id -> (type 0 role / 1 member, allow, deny)
    overwrites: dict[int, tuple[int, int, int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
            "permission_overwrites": [
                {"id": str(t), "type": kind, "allow": str(allow), "deny": str(deny)}
                for t, (kind, allow, deny) in self.overwrites.items()
            ],
        }


@dataclass(eq=False)
class Member:
    id: int
    name: str
    guild_id: int
    roles: tuple[int, ...] = ()
    joined_at: str = ""
    bot: bool = False

    def user_json(self) -> dict[str, Any]:
        return user_json(self.id, self.name, bot=self.bot)

    def to_json(self) -> dict[str, Any]:
        return {
            "user": self.user_json(),
            "roles": [str(r) for r in self.roles],
            "joined_at": self.joined_at,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "avatar": None,
            "pending": False,
        }


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int
    everyone_role_id: int
    bot_role_id: int
    channel_id: int = 0
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    # Permissions forced on the bot in every channel (None: computed from roles as usual).
    bot_override: int | None = None


@dataclass(eq=False)
class Attachment:
    id: int
    filename: str
    data: bytes
    url: str
    content_type: str | None = None
    description: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
        }
        if self.content_type:
            out["content_type"] = self.content_type
        if self.description:
            out["description"] = self.description
        return out


@dataclass(frozen=True)
class Button:
    custom_id: str | None
    label: str | None
    style: int
    disabled: bool
    url: str | None = None


def walk_components(components: list[dict]) -> list[dict]:
    """Every component, depth first, through action rows, sections, containers and labels."""
    out: list[dict] = []
    stack = list(reversed(components or []))
    while stack:
        comp = stack.pop()
        if not isinstance(comp, dict):
            continue
        out.append(comp)
        children = list(comp.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), dict):
                children.append(comp[key])
        stack.extend(reversed(children))
    return out


@dataclass(eq=False)
class Message:
    id: int
    channel_id: int
    guild_id: int | None
    author: dict[str, Any]
    timestamp: str
    content: str = ""
    embeds: list[dict] = field(default_factory=list)
    components: list[dict] = field(default_factory=list)
    flags: int = 0
    attachments: list[Attachment] = field(default_factory=list)
    type: int = 0
    edited_timestamp: str | None = None
    interaction_id: int | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    message_reference: dict | None = None
    interaction_metadata: dict | None = None
    pinned: bool = False
    deleted: bool = False
    edits: int = 0
    history: list[Message] = field(default_factory=list)
    nonce: str | None = None  # echoed in the create answer and MESSAGE_CREATE only, as on Discord

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    @property
    def author_id(self) -> int:
        return int(self.author["id"])

    @property
    def text(self) -> str:
        parts: list[str | None] = [self.content] if self.content else []
        for embed in self.embeds:
            author = embed.get("author") or {}
            parts += [author.get("name"), embed.get("title"), embed.get("description")]
            for fld in embed.get("fields") or []:
                parts += [fld.get("name"), fld.get("value")]
            parts.append((embed.get("footer") or {}).get("text"))
        for comp in walk_components(self.components):
            if comp.get("type") == 10:
                parts.append(comp.get("content"))
        return "\n".join(p for p in parts if p)

    @property
    def buttons(self) -> list[Button]:
        return [
            Button(c.get("custom_id"), c.get("label"), c.get("style", 1), bool(c.get("disabled")), c.get("url"))
            for c in walk_components(self.components)
            if c.get("type") == 2
        ]

    def component(self, custom_id: str) -> dict | None:
        for comp in walk_components(self.components):
            if comp.get("custom_id") == custom_id:
                return comp
        return None

    def snapshot(self) -> Message:
        snap = copy.copy(self)
        snap.history = []
        return snap

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "content": self.content,
            "channel_id": str(self.channel_id),
            "author": self.author,
            "embeds": self.embeds,
            "components": self.components,
            "flags": self.flags,
            "attachments": [a.to_json() for a in self.attachments],
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "pinned": self.pinned,
        }
        if self.guild_id is not None:
            out["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            out["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            out["application_id"] = str(self.application_id)
        if self.message_reference is not None:
            out["message_reference"] = self.message_reference
        if self.interaction_metadata is not None:
            out["interaction_metadata"] = self.interaction_metadata
        return out

    def __repr__(self) -> str:
        return (
            f"<Message id={self.id} channel={self.channel_id} flags={self.flags} edits={self.edits} "
            f"text={self.text[:80]!r} buttons={[b.custom_id for b in self.buttons]}>"
        )
