"""Bot-token REST routes: login, gateway discovery, command sync, channels, messages, guilds, users."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import messages
from .errors import (
    DiscordError,
    FormErrors,
    cannot_message_user,
    missing_access,
    missing_permissions,
    not_author,
    unknown_channel,
    unknown_command,
    unknown_guild,
    unknown_message,
)
from .limits import CHANNEL_MESSAGE_FLAGS, SUPPRESS_EMBEDS, check_command, check_command_list
from .models import ATTACH_FILES, MANAGE_MESSAGES, SEND_MESSAGES, VIEW_CHANNEL, Message, user_json

if TYPE_CHECKING:
    from .server import Call, DiscordEmulator


# -- login and gateway ----------------------------------------------------------------------------------------


async def get_me(emu: DiscordEmulator, call: Call) -> Any:
    return emu.bot_user_json()


async def get_application(emu: DiscordEmulator, call: Call) -> Any:
    return {
        "id": str(emu.application_id),
        "name": emu.bot_name,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": emu.application_flags,
        "owner": user_json(emu.owner_id, "owner"),
        "team": None,
        "interactions_endpoint_url": None,
        "bot": emu.bot_user_json(),
        "tags": [],
        "redirect_uris": [],
        "approximate_guild_count": len(emu.guilds),
    }


async def get_gateway(emu: DiscordEmulator, call: Call) -> Any:
    return {"url": emu.gateway_url}


async def get_gateway_bot(emu: DiscordEmulator, call: Call) -> Any:
    started = sum(1 for r in emu.identifies if r.accepted)
    return {
        "url": emu.gateway_url,
        "shards": emu.recommended_shard_count(),
        "session_start_limit": {
            "total": 1000,
            "remaining": max(0, 1000 - started),
            "reset_after": 14_400_000,
            "max_concurrency": emu.max_concurrency,
        },
    }


# -- application commands -------------------------------------------------------------------------------------


def _scope(emu: DiscordEmulator, call: Call) -> int | None:
    if call.int_param("application_id") != emu.application_id:
        raise DiscordError(403, 50001, "Missing Access")
    if "guild_id" not in call.params:
        return None
    gid = call.int_param("guild_id")
    if gid not in emu.guilds:
        raise missing_access()
    return gid


def _stored(emu: DiscordEmulator, scope: int | None, cmd: dict) -> dict:
    key = (scope, cmd.get("type", 1), cmd["name"])
    if key not in emu._command_ids:
        emu._command_ids[key] = emu.ids.next()
    out = {
        "type": 1,
        "description": "",
        "options": [],
        "default_member_permissions": None,
        "nsfw": False,
        **cmd,
        "id": str(emu._command_ids[key]),
        "application_id": str(emu.application_id),
        "version": str(emu.ids.next()),
    }
    if out["default_member_permissions"] is not None:
        out["default_member_permissions"] = str(out["default_member_permissions"])
    if scope is not None:
        out["guild_id"] = str(scope)
    return out


async def put_commands(emu: DiscordEmulator, call: Call) -> Any:
    scope = _scope(emu, call)
    errs = FormErrors()
    check_command_list(errs, call.body)
    errs.raise_if_any()
    emu.commands[scope] = [_stored(emu, scope, cmd) for cmd in call.body]
    emu.notifier.notify("commands")
    return emu.commands[scope]


async def get_commands(emu: DiscordEmulator, call: Call) -> Any:
    return emu.commands.get(_scope(emu, call), [])


async def post_command(emu: DiscordEmulator, call: Call) -> Any:
    scope = _scope(emu, call)
    errs = FormErrors()
    check_command(errs, call.body, ())
    errs.raise_if_any()
    stored = _stored(emu, scope, call.body)
    cmds = [c for c in emu.commands.get(scope, []) if (c["type"], c["name"]) != (stored["type"], stored["name"])]
    emu.commands[scope] = [*cmds, stored]
    emu.notifier.notify("commands")
    return stored


def _command(emu: DiscordEmulator, call: Call) -> tuple[int | None, dict]:
    scope = _scope(emu, call)
    for cmd in emu.commands.get(scope, []):
        if cmd["id"] == call.params["command_id"]:
            return scope, cmd
    raise unknown_command()


async def get_command(emu: DiscordEmulator, call: Call) -> Any:
    return _command(emu, call)[1]


async def delete_command(emu: DiscordEmulator, call: Call) -> Any:
    scope, cmd = _command(emu, call)
    emu.commands[scope] = [c for c in emu.commands[scope] if c is not cmd]
    emu.notifier.notify("commands")
    return None


# -- channels and messages ------------------------------------------------------------------------------------


def _channel(emu: DiscordEmulator, call: Call, needs: int = VIEW_CHANNEL) -> tuple[int, int | None]:
    """(channel id, guild id) after existence and permission checks; DM channels have no guild."""
    cid = call.int_param("channel_id")
    if cid in emu.dm_channels:
        return cid, None
    channel = emu.channels.get(cid)
    if channel is None:
        raise unknown_channel()
    perms = emu.permissions_in(emu.bot_user_id, cid)
    if not perms & VIEW_CHANNEL:
        raise missing_access()
    if needs & ~perms:
        raise missing_permissions()
    return cid, channel.guild_id


def _channel_json(emu: DiscordEmulator, cid: int) -> dict:
    if cid in emu.dm_channels:
        uid = emu.dm_channels[cid]
        return {"id": str(cid), "type": 1, "last_message_id": None, "flags": 0, "recipients": [_user(emu, uid)]}
    return emu.channels[cid].to_json()


def _user(emu: DiscordEmulator, uid: int) -> dict:
    if uid == emu.bot_user_id:
        return emu.bot_user_json()
    for guild in emu.guilds.values():
        if uid in guild.members:
            return guild.members[uid].user_json()
    raise DiscordError(404, 10013, "Unknown User")


def _message(emu: DiscordEmulator, call: Call, cid: int) -> Message:
    msg = emu.messages.get(call.int_param("message_id"))
    if msg is None or msg.deleted or msg.channel_id != cid or msg.ephemeral:
        raise unknown_message()
    return msg


async def get_channel(emu: DiscordEmulator, call: Call) -> Any:
    cid, _ = _channel(emu, call)
    return _channel_json(emu, cid)


async def post_message(emu: DiscordEmulator, call: Call) -> Any:
    cid, gid = _channel(emu, call, VIEW_CHANNEL | SEND_MESSAGES | (ATTACH_FILES if call.files else 0))
    if cid in emu.dm_channels and emu.dm_channels[cid] in emu.closed_dms:
        raise cannot_message_user()
    body = messages.validate_body(call.body, CHANNEL_MESSAGE_FLAGS)
    original = messages.deduplicated(emu, cid, body)
    if original is not None:
        return _created_json(original)
    msg_type = 0
    ref = body.get("message_reference")
    if isinstance(ref, dict) and ref.get("message_id") is not None:
        target = emu.messages.get(int(ref["message_id"]))
        if (target is None or target.deleted) and ref.get("fail_if_not_exists", True):
            errs = FormErrors()
            errs.add(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
            errs.raise_if_any()
        msg_type = 19
    msg = messages.new_message(emu, cid, gid, body, call.files, flags=body.get("flags") or 0, msg_type=msg_type)
    messages.remember_nonce(emu, msg, body)
    return _created_json(messages.publish(emu, msg))


def _created_json(msg: Message) -> dict[str, Any]:
    """The create answer echoes the nonce; a later fetch of the message does not."""
    data = msg.to_json()
    if msg.nonce is not None:
        data["nonce"] = msg.nonce
    return data


async def get_message(emu: DiscordEmulator, call: Call) -> Any:
    cid, _ = _channel(emu, call, VIEW_CHANNEL | (1 << 16))
    return _message(emu, call, cid).to_json()


async def patch_message(emu: DiscordEmulator, call: Call) -> Any:
    cid, _ = _channel(emu, call)
    msg = _message(emu, call, cid)
    body = messages.validate_body(call.body, CHANNEL_MESSAGE_FLAGS, current_flags=msg.flags)
    if msg.author_id != emu.bot_user_id and set(body) - {"flags"}:
        raise not_author()
    return messages.edit(emu, msg, body, call.files, changeable_flags=SUPPRESS_EMBEDS).to_json()


async def delete_message(emu: DiscordEmulator, call: Call) -> Any:
    cid, _ = _channel(emu, call)
    msg = _message(emu, call, cid)
    if msg.author_id != emu.bot_user_id and not emu.permissions_in(emu.bot_user_id, cid) & MANAGE_MESSAGES:
        raise missing_permissions()
    messages.delete(emu, msg)
    return None


async def get_messages(emu: DiscordEmulator, call: Call) -> Any:
    cid, _ = _channel(emu, call, VIEW_CHANNEL | (1 << 16))
    try:
        limit = int(call.query.get("limit", "50"))
    except ValueError:
        limit = -1
    if not 1 <= limit <= 100:
        errs = FormErrors()
        errs.add(("limit",), "NUMBER_TYPE_MAX", "int value should be less than or equal to 100.")
        errs.raise_if_any()
    log = emu.channel_log.get(cid, [])
    if "before" in call.query:
        before = int(call.query["before"])
        picked = [m for m in log if m.id < before][-limit:]
    elif "after" in call.query:
        after = int(call.query["after"])
        picked = [m for m in log if m.id > after][:limit]
    elif "around" in call.query:
        around = int(call.query["around"])
        older = [m for m in log if m.id <= around][-((limit + 1) // 2) :]
        newer = [m for m in log if m.id > around][: limit - len(older)]
        picked = older + newer
    else:
        picked = log[-limit:]
    return [m.to_json() for m in reversed(picked)]


async def pin(emu: DiscordEmulator, call: Call) -> Any:
    cid, _ = _channel(emu, call, VIEW_CHANNEL | MANAGE_MESSAGES)
    msg = _message(emu, call, cid)
    msg.pinned = call.method == "PUT"
    emu.notify_message(msg)
    return None


async def get_pins(emu: DiscordEmulator, call: Call) -> Any:
    cid, _ = _channel(emu, call, VIEW_CHANNEL | (1 << 16))
    pinned = [m for m in reversed(emu.channel_log.get(cid, [])) if m.pinned]
    if (call.record.route or "").endswith("/messages/pins"):
        return {"items": [{"pinned_at": m.timestamp, "message": m.to_json()} for m in pinned], "has_more": False}
    return [m.to_json() for m in pinned]


async def react(emu: DiscordEmulator, call: Call) -> Any:
    cid, _ = _channel(emu, call, VIEW_CHANNEL | (1 << 6))
    _message(emu, call, cid)
    return None


async def typing(emu: DiscordEmulator, call: Call) -> Any:
    _channel(emu, call, VIEW_CHANNEL | SEND_MESSAGES)
    return None


async def create_dm(emu: DiscordEmulator, call: Call) -> Any:
    uid = int((call.body or {}).get("recipient_id", 0))
    user = _user(emu, uid)
    cid = next((c for c, other in emu.dm_channels.items() if other == uid), None)
    if cid is None:
        cid = emu.ids.next()
        emu.dm_channels[cid] = uid
        emu.channel_log[cid] = []
    return {"id": str(cid), "type": 1, "last_message_id": None, "flags": 0, "recipients": [user]}


# -- guilds and users -----------------------------------------------------------------------------------------


def _guild(emu: DiscordEmulator, call: Call) -> Any:
    guild = emu.guilds.get(call.int_param("guild_id"))
    if guild is None:
        raise unknown_guild()
    return guild


async def get_guild(emu: DiscordEmulator, call: Call) -> Any:
    return emu.guild_json(_guild(emu, call))


async def get_guild_channels(emu: DiscordEmulator, call: Call) -> Any:
    return [c.to_json() for c in _guild(emu, call).channels.values()]


async def get_guild_roles(emu: DiscordEmulator, call: Call) -> Any:
    return [r.to_json() for r in _guild(emu, call).roles.values()]


async def get_member(emu: DiscordEmulator, call: Call) -> Any:
    member = _guild(emu, call).members.get(call.int_param("user_id"))
    if member is None:
        raise DiscordError(404, 10007, "Unknown Member")
    return member.to_json()


async def get_user(emu: DiscordEmulator, call: Call) -> Any:
    return _user(emu, call.int_param("user_id"))


ROUTES: list[tuple[str, str, Any, bool]] = [
    ("GET", "/users/@me", get_me, True),
    ("GET", "/oauth2/applications/@me", get_application, True),
    ("GET", "/applications/@me", get_application, True),
    ("GET", "/gateway", get_gateway, False),
    ("GET", "/gateway/bot", get_gateway_bot, True),
    ("PUT", "/applications/{application_id}/commands", put_commands, True),
    ("GET", "/applications/{application_id}/commands", get_commands, True),
    ("POST", "/applications/{application_id}/commands", post_command, True),
    ("GET", "/applications/{application_id}/commands/{command_id}", get_command, True),
    ("DELETE", "/applications/{application_id}/commands/{command_id}", delete_command, True),
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", put_commands, True),
    ("GET", "/applications/{application_id}/guilds/{guild_id}/commands", get_commands, True),
    ("POST", "/applications/{application_id}/guilds/{guild_id}/commands", post_command, True),
    ("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", get_command, True),
    ("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", delete_command, True),
    ("GET", "/channels/{channel_id}", get_channel, True),
    ("POST", "/channels/{channel_id}/messages", post_message, True),
    ("GET", "/channels/{channel_id}/messages", get_messages, True),
    ("GET", "/channels/{channel_id}/messages/pins", get_pins, True),
    ("PUT", "/channels/{channel_id}/messages/pins/{message_id}", pin, True),
    ("DELETE", "/channels/{channel_id}/messages/pins/{message_id}", pin, True),
    ("GET", "/channels/{channel_id}/pins", get_pins, True),
    ("PUT", "/channels/{channel_id}/pins/{message_id}", pin, True),
    ("DELETE", "/channels/{channel_id}/pins/{message_id}", pin, True),
    ("GET", "/channels/{channel_id}/messages/{message_id}", get_message, True),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}", patch_message, True),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}", delete_message, True),
    ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me", react, True),
    ("POST", "/channels/{channel_id}/typing", typing, True),
    ("POST", "/users/@me/channels", create_dm, True),
    ("GET", "/users/{user_id}", get_user, True),
    ("GET", "/guilds/{guild_id}", get_guild, True),
    ("GET", "/guilds/{guild_id}/channels", get_guild_channels, True),
    ("GET", "/guilds/{guild_id}/roles", get_guild_roles, True),
    ("GET", "/guilds/{guild_id}/members/{user_id}", get_member, True),
]
