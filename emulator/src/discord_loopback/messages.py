"""Creating, editing and deleting messages, shared by the channel routes and the interaction webhooks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import DiscordError, FormErrors, empty_message
from .limits import check_flags, check_message
from .models import COMPONENTS_V2, EPHEMERAL, LOADING, Attachment, Message
from .recording import FilePart

if TYPE_CHECKING:
    from .server import DiscordEmulator


def validate_body(body: Any, allowed_flags: int, prefix: tuple = (), *, current_flags: int = 0) -> dict:
    """Limits of a create or edit body; an edit of a Components V2 message keeps V2 rules without the flag."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise DiscordError(400, 50109, "The request body contains invalid JSON.")
    errs = FormErrors()
    check_flags(errs, (*prefix, "flags"), body.get("flags"), allowed_flags)
    if body.get("flags") is None and current_flags & COMPONENTS_V2:
        check_message(errs, {**body, "flags": current_flags}, prefix)
    else:
        check_message(errs, body, prefix)
    errs.raise_if_any()
    return body


def _check_size(emu: DiscordEmulator, files: list[FilePart]) -> None:
    for part in files:
        if len(part.data) > emu.attachment_size_limit:
            raise DiscordError(413, 40005, "Request entity too large")


def resolve_attachments(
    emu: DiscordEmulator, channel_id: int, body: dict, files: list[FilePart], existing: list[Attachment] | None
) -> list[Attachment] | None:
    """The message's attachments after this request; None means "leave them as they are" (edits)."""
    _check_size(emu, files)
    new = {}
    for part in files:
        key = part.name[6:-1] if part.name.startswith("files[") and part.name.endswith("]") else part.name
        new[key] = part
    entries = body.get("attachments")
    if entries is None:
        if not files:
            return None if existing is not None else []
        return list(existing or []) + [
            emu.store_attachment(channel_id, p.filename, p.data, p.content_type) for p in new.values()
        ]
    kept = {str(a.id): a for a in existing or []}
    result: list[Attachment] = []
    used: set[str] = set()
    errs = FormErrors()
    for i, entry in enumerate(entries):
        key = str(entry.get("id")) if isinstance(entry, dict) else ""
        if key in new and key not in used:
            part = new[key]
            used.add(key)
            result.append(
                emu.store_attachment(
                    channel_id,
                    entry.get("filename") or part.filename,
                    part.data,
                    part.content_type,
                    entry.get("description"),
                )
            )
        elif key in kept:
            result.append(kept[key])
        else:
            errs.add(("attachments", i, "id"), "ATTACHMENT_NOT_FOUND", f"Unknown attachment {key}")
    errs.raise_if_any()
    result += [
        emu.store_attachment(channel_id, p.filename, p.data, p.content_type) for k, p in new.items() if k not in used
    ]
    return result


def new_message(
    emu: DiscordEmulator,
    channel_id: int,
    guild_id: int | None,
    body: dict,
    files: list[FilePart],
    *,
    flags: int,
    msg_type: int = 0,
    interaction_id: int | None = None,
    allow_empty: bool = False,
) -> Message:
    attachments = resolve_attachments(emu, channel_id, body, files, None) or []
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    components = body.get("components") or []
    if not allow_empty and not (
        content or embeds or components or attachments or body.get("sticker_ids") or body.get("poll")
    ):
        raise empty_message()
    msg = Message(
        id=emu.ids.next(),
        channel_id=channel_id,
        guild_id=guild_id,
        author=emu.bot_user_json(),
        timestamp=emu.clock.iso(),
        content=content,
        embeds=embeds,
        components=components,
        flags=flags,
        attachments=attachments,
        type=msg_type,
        interaction_id=interaction_id,
    )
    if interaction_id is not None:
        msg.webhook_id = msg.application_id = emu.application_id
    if isinstance(body.get("message_reference"), dict):
        msg.message_reference = {**body["message_reference"], "channel_id": str(channel_id)}
    return msg


# Discord: "checked for uniqueness in the past few minutes" (the exact window is not documented).
NONCE_WINDOW = 300.0


def _nonce_key(emu: DiscordEmulator, channel_id: int, body: dict) -> tuple[int, int, str] | None:
    nonce = body.get("nonce")
    if nonce is None or not body.get("enforce_nonce"):
        return None
    return (channel_id, emu.bot_user_id, str(nonce))


def deduplicated(emu: DiscordEmulator, channel_id: int, body: dict) -> Message | None:
    """The message an earlier create with the same enforced nonce made (same author and channel, a few
    minutes ago); a deleted one is 404 Unknown Message, as Discord answers."""
    key = _nonce_key(emu, channel_id, body)
    seen = emu.nonces.get(key) if key is not None else None
    if seen is None or emu.clock.mono() - seen[1] > NONCE_WINDOW:
        return None
    msg = emu.messages.get(seen[0])
    if msg is None or msg.deleted:
        raise DiscordError(404, 10008, "Unknown Message")
    return msg


def remember_nonce(emu: DiscordEmulator, msg: Message, body: dict) -> None:
    if body.get("nonce") is not None:
        msg.nonce = str(body["nonce"])
    key = _nonce_key(emu, msg.channel_id, body)
    if key is not None:
        emu.nonces[key] = (msg.id, emu.clock.mono())


def publish(emu: DiscordEmulator, msg: Message) -> Message:
    emu.messages[msg.id] = msg
    if not msg.ephemeral and msg.channel_id in emu.channel_log:
        emu.channel_log[msg.channel_id].append(msg)
    emu.dispatch_message_event("MESSAGE_CREATE", msg)
    emu.notify_message(msg)
    return msg


def edit(emu: DiscordEmulator, msg: Message, body: dict, files: list[FilePart], *, changeable_flags: int) -> Message:
    """Apply a PATCH-style body; only the fields present change. Completing a deferred message drops LOADING."""
    attachments = resolve_attachments(emu, msg.channel_id, body, files, msg.attachments)
    content = body.get("content", msg.content)
    embeds = body.get("embeds", msg.embeds)
    components = body.get("components", msg.components)
    final_attachments = msg.attachments if attachments is None else attachments
    if not (content or embeds or components or final_attachments):
        raise empty_message()
    msg.history.append(msg.snapshot())
    msg.content = content or ""
    msg.embeds = embeds or []
    msg.components = components or []
    msg.attachments = final_attachments
    flags = msg.flags & ~LOADING
    if body.get("flags") is not None:
        flags = (flags & ~changeable_flags) | (body["flags"] & changeable_flags)
    msg.flags = flags
    msg.edits += 1
    msg.edited_timestamp = emu.clock.iso()
    emu.dispatch_message_event("MESSAGE_UPDATE", msg)
    emu.notify_message(msg)
    return msg


def delete(emu: DiscordEmulator, msg: Message) -> None:
    msg.deleted = True
    log = emu.channel_log.get(msg.channel_id)
    if log and msg in log:
        log.remove(msg)
    emu.dispatch_message_event("MESSAGE_DELETE", msg)
    emu.notify_message(msg)


def loading_message(
    emu: DiscordEmulator, channel_id: int, guild_id: int | None, *, ephemeral: bool, interaction_id: int, msg_type: int
) -> Message:
    flags = LOADING | (EPHEMERAL if ephemeral else 0)
    return new_message(
        emu,
        channel_id,
        guild_id,
        {},
        [],
        flags=flags,
        msg_type=msg_type,
        interaction_id=interaction_id,
        allow_empty=True,
    )
