"""Interactions: building INTERACTION_CREATE payloads, the callback route, and the interaction webhooks."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import messages
from .errors import (
    DiscordError,
    FormErrors,
    already_acknowledged,
    invalid_form,
    invalid_webhook_token,
    unknown_interaction,
    unknown_message,
    unknown_webhook,
)
from .limits import (
    CALLBACK_FLAGS,
    DEFERRED_FLAGS,
    SUPPRESS_EMBEDS,
    SUPPRESS_NOTIFICATIONS,
    check_choices,
    check_flags,
    check_modal,
)
from .models import ALL_PERMISSIONS, COMPONENTS_V2, EPHEMERAL, Attachment, Member, Message, walk_components
from .recording import RequestRecord

if TYPE_CHECKING:
    from .server import Call, DiscordEmulator

DEADLINE = 3.0
TOKEN_LIFETIME = 15 * 60.0
FOLLOWUP_FLAGS = EPHEMERAL | SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | COMPONENTS_V2
# Which callback types each interaction type may use (NOTES.md §2.5); misuse answers 400/50035 (an assumption).
ALLOWED_CALLBACKS = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}


@dataclass
class CallbackResult:
    type: int
    data: dict
    ephemeral: bool
    message: Message | None
    modal: dict | None
    record: RequestRecord


class InteractionHandle:
    def __init__(
        self,
        emu: DiscordEmulator,
        *,
        type: int,
        member: Member,
        channel_id: int,
        data: dict,
        source: Message | dict | None = None,
    ) -> None:
        self.emu = emu
        self.id = emu.ids.next()
        self.token = f"aW50ZXJhY3Rpb24.{self.id}.{secrets.token_urlsafe(24)}"
        self.type = type
        self.member = member
        self.channel_id = channel_id
        self.guild_id = member.guild_id
        self.data = data
        self.source = source  # the message a component sat on (a recorded Message or a forged dict)
        self.created_at = emu.clock.mono()
        self.delivered_at: float | None = None
        self.callback: CallbackResult | None = None
        self.rejected_callbacks: list[RequestRecord] = []
        self.message_ids: list[int] = []
        self.original_id: int | None = None
        self.loading = False
        self._source_edits_at_ack = 0
        self.payload = self._payload()

    def original_message(self) -> Message:
        """The message that answers this interaction: its reply, or the loading message of its deferral."""
        if self.original_id is None:
            raise AssertionError(f"{self!r} has no original message yet")
        return self.emu.messages[self.original_id]

    # -- payload ----------------------------------------------------------------------------------------------
    def _payload(self) -> dict[str, Any]:
        emu = self.emu
        channel = emu.channels[self.channel_id]
        perms = emu.permissions_in(self.member.id, self.channel_id)
        payload: dict[str, Any] = {
            "id": str(self.id),
            "application_id": str(emu.application_id),
            "type": self.type,
            "data": self.data,
            "guild_id": str(self.guild_id),
            "guild": {"id": str(self.guild_id), "locale": "en-US", "features": []},
            "channel_id": str(self.channel_id),
            "channel": {**channel.to_json(), "permissions": str(perms)},
            "member": {**self.member.to_json(), "permissions": str(perms)},
            "token": self.token,
            "version": 1,
            "app_permissions": str(emu.permissions_in(emu.bot_user_id, self.channel_id)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
            "attachment_size_limit": emu.attachment_size_limit,
        }
        if isinstance(self.source, Message):
            payload["message"] = self.source.to_json()
        elif isinstance(self.source, dict):
            payload["message"] = self.source
        return payload

    def _delivered(self) -> None:
        # A replay after RESUME re-delivers; the 3 s window counts from the latest delivery (NOTES.md §3.1).
        self.delivered_at = self.emu.clock.mono()

    def _changed(self) -> None:
        self.emu.notifier.notify(("ix", self.id))

    # -- test-facing ------------------------------------------------------------------------------------------
    @property
    def messages(self) -> list[Message]:
        return [self.emu.messages[m] for m in self.message_ids]

    @property
    def source_message(self) -> Message | None:
        if isinstance(self.source, Message):
            return self.emu.messages.get(self.source.id, self.source)
        return None

    async def wait_for(self, predicate: Callable[[InteractionHandle], Any], timeout: float = 5) -> Any:
        """predicate(self)'s first truthy value, re-checked when this interaction or its messages change."""
        keys: list[Any] = [("ix", self.id)]
        if isinstance(self.source, Message):
            keys.append(("message", self.source.id))
        return await self.emu.notifier.wait(keys, lambda: predicate(self), timeout, lambda: f"a condition on {self!r}")

    async def response(self, timeout: float = 5) -> CallbackResult:
        """The accepted initial callback.

        A rejected attempt may still be followed by an accepted one (an error handler's fallback), so a
        rejection fails this only once the 3 s window has closed, or at the timeout.
        """

        def accepted() -> CallbackResult | None:
            if self.callback is None and self.rejected_callbacks and self._window_over():
                raise AssertionError(f"callback of {self!r} was rejected: {self.rejected_callbacks}")
            return self.callback

        try:
            return await self.wait_for(lambda ix: accepted(), timeout)
        except TimeoutError:
            if self.rejected_callbacks:
                raise AssertionError(f"callback of {self!r} was rejected: {self.rejected_callbacks}") from None
            raise

    def _window_over(self) -> bool:
        return self.delivered_at is not None and self.emu.clock.mono() > self.delivered_at + DEADLINE

    def _rejected(self, record: RequestRecord) -> None:
        self.rejected_callbacks.append(record)
        self._changed()
        if self.delivered_at is not None:
            # Wake waiters when the window closes: no accepted callback can follow after that.
            left = self.delivered_at + DEADLINE - self.emu.clock.mono()
            asyncio.get_running_loop().call_later(max(0.0, left) + 0.01, self._changed)

    async def reply(self, timeout: float = 5) -> Message:
        """The user-visible message this interaction produced (waits through a deferral)."""
        result = await self.response(timeout)
        kind = result.type
        if kind in (8, 9):
            raise AssertionError(f"{self!r} was answered with callback type {kind}, which shows no message")
        if kind == 4:
            assert result.message is not None
            return self.emu.messages[result.message.id]
        if kind == 7:
            return self.original_message()
        if kind == 5:

            def finished() -> Message | None:
                msg = self.original_message()
                return None if msg.loading else msg

            return await self.wait_for(lambda ix: finished(), timeout)

        def updated() -> Message | None:  # type 6: an edit of the component message, or a followup
            if len(self.message_ids) > 0:
                return self.emu.messages[self.message_ids[0]]
            src = self.source_message
            if src is not None and src.edits > self._source_edits_at_ack:
                return src
            return None

        return await self.wait_for(lambda ix: updated(), timeout)

    def __repr__(self) -> str:
        cb = self.callback.type if self.callback else None
        return (
            f"<Interaction id={self.id} type={self.type} data={str(self.data)[:120]} callback={cb} "
            f"messages={self.message_ids}>"
        )


# -- building and dispatching ---------------------------------------------------------------------------------


def _dispatch(emu: DiscordEmulator, ix: InteractionHandle) -> InteractionHandle:
    if emu.gateway.session is None:
        raise RuntimeError("no bot session has identified yet; nothing would receive the interaction")
    emu.interactions[ix.id] = ix
    emu.by_token[ix.token] = ix
    # To the live session of the guild's shard; with none (its process stopped, never started, or its session
    # was invalidated) the interaction waits for that shard's next IDENTIFY (NOTES.md §2.9).
    emu.gateway.deliver(ix)
    return ix


def _check_channel(emu: DiscordEmulator, member: Member, channel_id: int) -> None:
    channel = emu.channels.get(channel_id)
    if channel is None or channel.guild_id != member.guild_id:
        raise LookupError(f"channel {channel_id} is not a channel of guild {member.guild_id}")


def _leaf_value(emu: DiscordEmulator, opt: dict, value: Any, resolved: dict, guild_id: int) -> Any:
    otype, name = opt["type"], opt["name"]
    if otype == 3:
        if not isinstance(value, str):
            raise TypeError(f"option {name!r} wants a string, got {value!r}")
        lo, hi = opt.get("min_length", 0), opt.get("max_length", 6000)
        if not lo <= len(value) <= hi:
            raise ValueError(f"option {name!r}: length {len(value)} outside {lo}..{hi}")
    elif otype in (4, 10):
        if isinstance(value, bool) or not isinstance(value, int if otype == 4 else (int, float)):
            raise TypeError(f"option {name!r} wants a {'integer' if otype == 4 else 'number'}, got {value!r}")
        if opt.get("min_value") is not None and value < opt["min_value"]:
            raise ValueError(f"option {name!r}: {value} below min_value {opt['min_value']}")
        if opt.get("max_value") is not None and value > opt["max_value"]:
            raise ValueError(f"option {name!r}: {value} above max_value {opt['max_value']}")
    elif otype == 5:
        if not isinstance(value, bool):
            raise TypeError(f"option {name!r} wants a boolean, got {value!r}")
    elif otype in (6, 9) and isinstance(value, Member):
        resolved.setdefault("users", {})[str(value.id)] = value.user_json()
        member_json = value.to_json()
        member_json.pop("user")
        resolved.setdefault("members", {})[str(value.id)] = member_json
        return str(value.id)
    elif otype in (8, 9) and isinstance(value, int) and value in emu.guilds[guild_id].roles:
        resolved.setdefault("roles", {})[str(value)] = emu.guilds[guild_id].roles[value].to_json()
        return str(value)
    elif otype == 7 and isinstance(value, int) and value in emu.channels:
        ch = emu.channels[value]
        resolved.setdefault("channels", {})[str(value)] = {
            "id": str(value),
            "name": ch.name,
            "type": ch.type,
            "permissions": str(ALL_PERMISSIONS),
        }
        return str(value)
    elif otype == 11 and isinstance(value, Attachment):
        resolved.setdefault("attachments", {})[str(value.id)] = value.to_json()
        return str(value.id)
    else:
        raise TypeError(f"option {name!r} (type {otype}) cannot take {value!r}")
    choices = opt.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise ValueError(f"option {name!r}: {value!r} is not one of the choices {[c['value'] for c in choices]}")
    return value


def _command_data(emu: DiscordEmulator, guild_id: int, path: str, options: dict, focused: str | None) -> dict:
    parts = path.split()
    cmd = emu.find_command(parts[0], guild_id)
    node: dict = cmd
    chain: list[dict] = []
    for part in parts[1:]:
        sub = next((o for o in node.get("options") or [] if o["name"] == part and o["type"] in (1, 2)), None)
        if sub is None:
            raise LookupError(f"/{path}: {part!r} is not a subcommand of {node['name']!r}")
        chain.append(sub)
        node = sub
    if any(o["type"] in (1, 2) for o in node.get("options") or []):
        raise LookupError(f"/{path} needs a subcommand: {[o['name'] for o in node['options']]}")
    defs = {o["name"]: o for o in node.get("options") or []}
    resolved: dict = {}
    leaves = []
    for name, value in options.items():
        if name not in defs:
            raise LookupError(f"/{path} has no option {name!r} (has {sorted(defs)})")
        if name == focused:
            leaves.append({"name": name, "type": defs[name]["type"], "value": value, "focused": True})
        else:
            leaves.append(
                {
                    "name": name,
                    "type": defs[name]["type"],
                    "value": _leaf_value(emu, defs[name], value, resolved, guild_id),
                }
            )
    if focused is None:
        missing = [n for n, o in defs.items() if o.get("required") and n not in options]
        if missing:
            raise ValueError(f"/{path} is missing required options {missing}")
    elif focused not in options:
        raise ValueError(f"focused option {focused!r} must be among the options given")
    for sub in reversed(chain):
        leaves = [{"name": sub["name"], "type": sub["type"], "options": leaves}]
    data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": cmd.get("type", 1), "options": leaves}
    if cmd.get("guild_id"):
        data["guild_id"] = cmd["guild_id"]
    if resolved:
        data["resolved"] = resolved
    return data


def run_command(emu: DiscordEmulator, member: Member, channel_id: int, path: str, options: dict) -> InteractionHandle:
    _check_channel(emu, member, channel_id)
    data = _command_data(emu, member.guild_id, path, options, None)
    return _dispatch(emu, InteractionHandle(emu, type=2, member=member, channel_id=channel_id, data=data))


def autocomplete(
    emu: DiscordEmulator, member: Member, channel_id: int, path: str, options: dict, focused: str
) -> InteractionHandle:
    _check_channel(emu, member, channel_id)
    data = _command_data(emu, member.guild_id, path, options, focused)
    return _dispatch(emu, InteractionHandle(emu, type=4, member=member, channel_id=channel_id, data=data))


def click(
    emu: DiscordEmulator, member: Member, message: Message | int, custom_id: str, values: list[str] | None
) -> InteractionHandle:
    msg = emu.messages[message if isinstance(message, int) else message.id]
    if msg.deleted:
        raise LookupError(f"message {msg.id} was deleted")
    comp = msg.component(custom_id)
    if comp is None:
        have = [c.get("custom_id") for c in walk_components(msg.components) if c.get("custom_id")]
        raise LookupError(f"no component {custom_id!r} on message {msg.id} (has {have})")
    if comp.get("disabled"):
        raise AssertionError(f"component {custom_id!r} on message {msg.id} is disabled and cannot be used")
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": comp["type"]}
    if comp["type"] == 2 and values is not None:
        raise TypeError("buttons take no values")
    if comp["type"] != 2:
        if values is None:
            raise TypeError(f"{custom_id!r} is a select; pass values")
        if comp["type"] == 3:
            allowed = {o["value"] for o in comp.get("options", [])}
            if not set(values) <= allowed:
                raise ValueError(f"values {values} not among select options {sorted(allowed)}")
        data["values"] = list(values)
    _check_channel(emu, member, msg.channel_id)
    return _dispatch(
        emu, InteractionHandle(emu, type=3, member=member, channel_id=msg.channel_id, data=data, source=msg)
    )


def click_raw(
    emu: DiscordEmulator, member: Member, channel_id: int, custom_id: str, message_id: int | None
) -> InteractionHandle:
    _check_channel(emu, member, channel_id)
    forged = {
        "id": str(message_id or emu.ids.next()),
        "type": 0,
        "content": "",
        "channel_id": str(channel_id),
        "author": emu.bot_user_json(),
        "embeds": [],
        "attachments": [],
        "flags": 0,
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        "mention_everyone": False,
        "tts": False,
        "timestamp": emu.clock.iso(),
        "edited_timestamp": None,
        "components": [{"type": 1, "components": [{"type": 2, "style": 2, "label": "?", "custom_id": custom_id}]}],
    }
    data = {"custom_id": custom_id, "component_type": 2}
    return _dispatch(
        emu, InteractionHandle(emu, type=3, member=member, channel_id=channel_id, data=data, source=forged)
    )


def submit_modal(
    emu: DiscordEmulator, member: Member, opener: InteractionHandle, values: dict[str, Any]
) -> InteractionHandle:
    if opener.callback is None or opener.callback.modal is None:
        raise AssertionError(f"{opener!r} did not open a modal")
    modal = opener.callback.modal
    known = {c["custom_id"] for c in walk_components(modal["components"]) if c.get("type") != 1 and "custom_id" in c}
    unknown = set(values) - known
    if unknown:
        raise LookupError(f"modal {modal['custom_id']!r} has no fields {sorted(unknown)} (has {sorted(known)})")

    def answer(comp: dict) -> dict:
        cid: str = comp["custom_id"]
        if comp.get("type") == 4:
            return {"type": 4, "custom_id": cid, "value": values.get(cid, comp.get("value") or "")}
        return {"type": comp.get("type"), "custom_id": cid, "values": list(values.get(cid, []))}

    rows = []
    for comp in modal["components"]:
        if comp.get("type") == 1:
            rows.append({"type": 1, "components": [answer(c) for c in comp.get("components", [])]})
        elif comp.get("type") == 18:
            rows.append({"type": 18, "component": answer(comp["component"])})
        else:
            rows.append({"type": comp.get("type")})
    data = {"custom_id": modal["custom_id"], "components": rows}
    return _dispatch(
        emu,
        InteractionHandle(
            emu,
            type=5,
            member=member,
            channel_id=opener.channel_id,
            data=data,
            source=opener.source_message or opener.source,
        ),
    )


# -- the callback route ---------------------------------------------------------------------------------------


def _interaction_for_callback(emu: DiscordEmulator, call: Call) -> InteractionHandle:
    ix = emu.interactions.get(call.int_param("interaction_id"))
    if ix is None or ix.token != call.params["interaction_token"]:
        raise unknown_interaction()
    return ix


async def post_callback(emu: DiscordEmulator, call: Call) -> Any:
    ix = _interaction_for_callback(emu, call)
    try:
        result = _callback(emu, ix, call)
    except DiscordError:
        ix._rejected(call.record)
        raise
    ix._changed()
    if call.query.get("with_response", "").lower() not in ("1", "true"):
        return None
    return result


def _callback(emu: DiscordEmulator, ix: InteractionHandle, call: Call) -> dict:
    if ix.callback is not None:
        raise already_acknowledged()
    now = emu.clock.mono()
    if ix.delivered_at is None or now - ix.delivered_at > DEADLINE:
        raise unknown_interaction()
    body = call.body if isinstance(call.body, dict) else {}
    kind = body.get("type")
    given = body.get("data")
    data: dict = given if isinstance(given, dict) else {}
    errs = FormErrors()
    if not isinstance(kind, int) or kind not in ALLOWED_CALLBACKS[ix.type] or (kind in (6, 7) and ix.source is None):
        errs.add(
            ("type",),
            "INTERACTION_CALLBACK_TYPE_INVALID",
            f"Callback type {kind} is not valid for interaction type {ix.type}",
        )
        raise invalid_form(errs.tree)
    message: Message | None = None
    modal = None
    ephemeral = False
    msg_type = 20 if ix.type == 2 else 0
    if kind == 4:
        messages.validate_body(data, CALLBACK_FLAGS, ("data",))
        flags = data.get("flags") or 0
        ephemeral = bool(flags & EPHEMERAL)
        message = messages.new_message(
            emu, ix.channel_id, ix.guild_id, data, call.files, flags=flags, msg_type=msg_type, interaction_id=ix.id
        )
        _own(ix, message)
    elif kind == 5:
        check_flags(errs, ("data", "flags"), data.get("flags"), DEFERRED_FLAGS)
        errs.raise_if_any()
        ephemeral = bool((data.get("flags") or 0) & EPHEMERAL)
        message = messages.loading_message(
            emu, ix.channel_id, ix.guild_id, ephemeral=ephemeral, interaction_id=ix.id, msg_type=msg_type
        )
        _own(ix, message)
        ix.loading = True
    elif kind in (6, 7):
        src = ix.source_message
        if kind == 7:
            if src is None:
                raise unknown_message()
            messages.validate_body(data, CALLBACK_FLAGS, ("data",), current_flags=src.flags)
            message = messages.edit(emu, src, data, call.files, changeable_flags=SUPPRESS_EMBEDS)
        if src is not None:
            ix.original_id = src.id
            ix._source_edits_at_ack = src.edits
            ephemeral = src.ephemeral
    elif kind == 8:
        check_choices(errs, data.get("choices"), ("data", "choices"))
        errs.raise_if_any()
    elif kind == 9:
        check_modal(errs, data, ("data",))
        errs.raise_if_any()
        modal = data
    ix.callback = CallbackResult(kind, data, ephemeral, message, modal, call.record)
    if message is not None and kind in (4, 5):
        messages.publish(emu, message)
    answer: dict[str, Any] = {
        "interaction": {
            "id": str(ix.id),
            "type": ix.type,
            "activity_instance_id": None,
            "response_message_id": str(message.id) if message else None,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": ephemeral,
        },
        "resource": {"type": kind},
    }
    if message is not None:
        answer["resource"]["message"] = message.to_json()
    return answer


def _own(ix: InteractionHandle, msg: Message) -> None:
    msg.interaction_metadata = {
        "id": str(ix.id),
        "type": ix.type,
        "user": ix.member.user_json(),
        "authorizing_integration_owners": {"0": str(ix.guild_id)},
    }
    ix.message_ids.append(msg.id)
    if ix.original_id is None:
        ix.original_id = msg.id


# -- interaction webhooks -------------------------------------------------------------------------------------


def _webhook_interaction(emu: DiscordEmulator, call: Call) -> InteractionHandle:
    ix = emu.by_token.get(call.params["webhook_token"])
    if ix is None or call.params["webhook_id"] != str(emu.application_id) or ix.callback is None:
        raise unknown_webhook()
    if emu.clock.mono() - ix.created_at > TOKEN_LIFETIME:
        raise invalid_webhook_token()
    return ix


def _target(emu: DiscordEmulator, ix: InteractionHandle, call: Call) -> Message:
    mid = call.params.get("message_id", "@original")
    if mid == "@original":
        target = ix.original_id
    else:
        target = int(mid) if mid.isdigit() else None
        if target not in ix.message_ids and target != ix.original_id:
            target = None
    msg = emu.messages.get(target) if target is not None else None
    if msg is None or msg.deleted:
        raise unknown_message()
    return msg


async def post_followup(emu: DiscordEmulator, call: Call) -> Any:
    ix = _webhook_interaction(emu, call)
    body = messages.validate_body(call.body, FOLLOWUP_FLAGS)
    if ix.loading:
        # The first followup after a "thinking" deferral fills in the loading message (NOTES.md §2.5).
        msg = ix.original_message()
        ix.loading = False
        out = messages.edit(emu, msg, body, call.files, changeable_flags=SUPPRESS_EMBEDS | COMPONENTS_V2)
        ix._changed()
        return out.to_json()
    flags = body.get("flags") or 0
    msg = messages.new_message(
        emu, ix.channel_id, ix.guild_id, body, call.files, flags=flags, msg_type=0, interaction_id=ix.id
    )
    msg.interaction_metadata = None
    ix.message_ids.append(msg.id)
    messages.publish(emu, msg)
    ix._changed()
    return msg.to_json()


async def get_webhook_message(emu: DiscordEmulator, call: Call) -> Any:
    ix = _webhook_interaction(emu, call)
    return _target(emu, ix, call).to_json()


async def patch_webhook_message(emu: DiscordEmulator, call: Call) -> Any:
    ix = _webhook_interaction(emu, call)
    msg = _target(emu, ix, call)
    body = messages.validate_body(call.body, FOLLOWUP_FLAGS, current_flags=msg.flags)
    if msg.id == ix.original_id:
        ix.loading = False
    out = messages.edit(emu, msg, body, call.files, changeable_flags=SUPPRESS_EMBEDS)
    ix._changed()
    return out.to_json()


async def delete_webhook_message(emu: DiscordEmulator, call: Call) -> Any:
    ix = _webhook_interaction(emu, call)
    msg = _target(emu, ix, call)
    messages.delete(emu, msg)
    ix._changed()
    return None


ROUTES: list[tuple[str, str, Any, bool]] = [
    ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", post_callback, False),
    ("POST", "/webhooks/{webhook_id}/{webhook_token}", post_followup, False),
    ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", get_webhook_message, False),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", patch_webhook_message, False),
    ("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", delete_webhook_message, False),
    ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", get_webhook_message, False),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", patch_webhook_message, False),
    ("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", delete_webhook_message, False),
]
