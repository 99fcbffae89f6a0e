"""Discord's documented limits (NOTES.md §3), checked the way Discord reports them: 400/50035 with an errors tree.

Lengths are Python code points; Discord does not document its own counting.
"""

from __future__ import annotations

from typing import Any

from .errors import FormErrors
from .models import COMPONENTS_V2, EPHEMERAL, walk_components

SUPPRESS_EMBEDS = 1 << 2
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_VOICE_MESSAGE = 1 << 13
CALLBACK_FLAGS = SUPPRESS_EMBEDS | EPHEMERAL | COMPONENTS_V2 | IS_VOICE_MESSAGE | SUPPRESS_NOTIFICATIONS
CHANNEL_MESSAGE_FLAGS = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_VOICE_MESSAGE | COMPONENTS_V2
DEFERRED_FLAGS = EPHEMERAL


def _max_len(errs: FormErrors, path: tuple, value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        errs.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _bad_len(errs: FormErrors, path: tuple, value: Any, lo: int, hi: int, *, required: bool = True) -> None:
    if value is None:
        if required:
            errs.add(path, "BASE_TYPE_REQUIRED", "This field is required")
        return
    if not isinstance(value, str):
        errs.add(path, "BASE_TYPE_STRING", "Must be a string.")
    elif not lo <= len(value) <= hi:
        errs.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {lo} and {hi} in length.")


def _int_range(errs: FormErrors, path: tuple, value: Any, lo: int, hi: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        errs.add(path, "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.')
    elif not lo <= value <= hi:
        errs.add(
            path, "NUMBER_TYPE_MAX" if value > hi else "NUMBER_TYPE_MIN", f"int value should be between {lo} and {hi}."
        )


def _max_items(errs: FormErrors, path: tuple, value: Any, limit: int) -> None:
    if isinstance(value, list) and len(value) > limit:
        errs.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def check_flags(errs: FormErrors, path: tuple, flags: Any, allowed: int) -> None:
    if flags is None:
        return
    if isinstance(flags, bool) or not isinstance(flags, int):
        errs.add(path, "NUMBER_TYPE_COERCE", f'Value "{flags}" is not int.')
    elif flags & ~allowed:
        errs.add(path, "MESSAGE_FLAGS_INVALID", f"Invalid flags: {flags & ~allowed}")


# -- messages -------------------------------------------------------------------------------------------------


def check_message(errs: FormErrors, body: dict, prefix: tuple = ()) -> None:
    """Content, embeds and components of a message create or edit body."""
    flags = body.get("flags") or 0
    v2 = isinstance(flags, int) and bool(flags & COMPONENTS_V2)
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        errs.add((*prefix, "content"), "BASE_TYPE_STRING", "Must be a string.")
    _max_len(errs, (*prefix, "content"), content, 2000)
    embeds = body.get("embeds")
    if v2 and (content or embeds):
        errs.add(
            (*prefix, "content" if content else "embeds"),
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used when using the IS_COMPONENTS_V2 flag",
        )
    if embeds is not None:
        check_embeds(errs, embeds, (*prefix, "embeds"))
    components = body.get("components")
    if components is not None:
        check_components(errs, components, (*prefix, "components"), v2=v2)


def _trimmed(value: Any) -> int:
    return len(value.strip()) if isinstance(value, str) else 0


def check_embeds(errs: FormErrors, embeds: Any, path: tuple) -> None:
    if not isinstance(embeds, list):
        errs.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
        return
    _max_items(errs, path, embeds, 10)
    total = 0
    for i, embed in enumerate(embeds):
        p = (*path, i)
        if not isinstance(embed, dict):
            errs.add(p, "MODEL_TYPE_CONVERT", "Must be an object.")
            continue
        _max_len(errs, (*p, "title"), embed.get("title"), 256)
        _max_len(errs, (*p, "description"), embed.get("description"), 4096)
        total += _trimmed(embed.get("title")) + _trimmed(embed.get("description"))
        fields = embed.get("fields") or []
        _max_items(errs, (*p, "fields"), fields, 25)
        for j, fld in enumerate(fields):
            fp = (*p, "fields", j)
            _bad_len(errs, (*fp, "name"), fld.get("name"), 1, 256)
            _bad_len(errs, (*fp, "value"), fld.get("value"), 1, 1024)
            total += _trimmed(fld.get("name")) + _trimmed(fld.get("value"))
        footer = embed.get("footer") or {}
        _max_len(errs, (*p, "footer", "text"), footer.get("text"), 2048)
        author = embed.get("author") or {}
        _max_len(errs, (*p, "author", "name"), author.get("name"), 256)
        total += _trimmed(footer.get("text")) + _trimmed(author.get("name"))
    if total > 6000:
        errs.add(path, "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")


def _check_button(errs: FormErrors, comp: dict, p: tuple, seen: set) -> None:
    style = comp.get("style")
    if style not in (1, 2, 3, 4, 5, 6):
        errs.add((*p, "style"), "BASE_TYPE_CHOICES", f"Value must be one of {{1, 2, 3, 4, 5, 6}}. ({style})")
    _max_len(errs, (*p, "label"), comp.get("label"), 80)
    if style == 5:
        if not comp.get("url"):
            errs.add((*p, "url"), "BASE_TYPE_REQUIRED", "This field is required")
        if comp.get("custom_id") is not None:
            errs.add((*p, "custom_id"), "BUTTON_LINK_CUSTOM_ID", "A link button cannot have a custom_id")
    elif style == 6:
        if not comp.get("sku_id"):
            errs.add((*p, "sku_id"), "BASE_TYPE_REQUIRED", "This field is required")
    else:
        _check_custom_id(errs, comp, p, seen)
        if comp.get("url") is not None:
            errs.add((*p, "url"), "BUTTON_NON_LINK_URL", "Only link buttons can have a url")


def _check_custom_id(errs: FormErrors, comp: dict, p: tuple, seen: set) -> None:
    cid = comp.get("custom_id")
    _bad_len(errs, (*p, "custom_id"), cid, 1, 100)
    if isinstance(cid, str):
        if cid in seen:
            errs.add((*p, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
        seen.add(cid)


def _check_select(errs: FormErrors, comp: dict, p: tuple, seen: set) -> None:
    _check_custom_id(errs, comp, p, seen)
    _max_len(errs, (*p, "placeholder"), comp.get("placeholder"), 150)
    _int_range(errs, (*p, "min_values"), comp.get("min_values"), 0, 25)
    _int_range(errs, (*p, "max_values"), comp.get("max_values"), 1, 25)
    if comp.get("type") == 3:
        options = comp.get("options")
        if not isinstance(options, list) or not 1 <= len(options) <= 25:
            errs.add((*p, "options"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.")
            options = options if isinstance(options, list) else []
        for k, opt in enumerate(options):
            op = (*p, "options", k)
            _bad_len(errs, (*op, "label"), opt.get("label"), 1, 100)
            _bad_len(errs, (*op, "value"), opt.get("value"), 1, 100)
            _max_len(errs, (*op, "description"), opt.get("description"), 100)


SELECT_TYPES = {3, 5, 6, 7, 8}


def check_components(errs: FormErrors, components: Any, path: tuple, *, v2: bool = False) -> None:
    if not isinstance(components, list):
        errs.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
        return
    seen: set[str] = set()
    if v2:
        total = len(walk_components(components))
        if total > 40:
            errs.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 40 or fewer in length.")
        _check_tree(errs, components, path, seen)
        return
    _max_items(errs, path, components, 5)
    for i, row in enumerate(components):
        p = (*path, i)
        if not isinstance(row, dict) or row.get("type") != 1:
            errs.add((*p, "type"), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).')
            continue
        children = row.get("components")
        if not isinstance(children, list) or not children:
            errs.add((*p, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
            continue
        selects = [c for c in children if isinstance(c, dict) and c.get("type") in SELECT_TYPES]
        if selects and len(children) > 1:
            errs.add(
                (*p, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        elif len(children) > 5:
            errs.add((*p, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        for j, comp in enumerate(children):
            _check_leaf(errs, comp, (*p, "components", j), seen)


def _check_leaf(errs: FormErrors, comp: Any, p: tuple, seen: set) -> None:
    if not isinstance(comp, dict):
        errs.add(p, "MODEL_TYPE_CONVERT", "Must be an object.")
        return
    ctype = comp.get("type")
    if ctype == 2:
        _check_button(errs, comp, p, seen)
    elif ctype in SELECT_TYPES:
        _check_select(errs, comp, p, seen)
    elif ctype == 4:
        errs.add((*p, "type"), "COMPONENT_TYPE_INVALID", "Text inputs are only allowed in modals")
    elif ctype == 1:
        errs.add((*p, "type"), "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "Action rows cannot be nested")


def _check_tree(errs: FormErrors, components: list, path: tuple, seen: set) -> None:
    for i, comp in enumerate(components):
        p = (*path, i)
        if not isinstance(comp, dict):
            errs.add(p, "MODEL_TYPE_CONVERT", "Must be an object.")
            continue
        ctype = comp.get("type")
        if ctype == 10:
            _bad_len(errs, (*p, "content"), comp.get("content"), 1, 4000)
        elif ctype in (2, *SELECT_TYPES):
            _check_leaf(errs, comp, p, seen)
        if ctype == 1:
            children = comp.get("components") or []
            if len(children) > 5:
                errs.add((*p, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
            for j, child in enumerate(children):
                _check_leaf(errs, child, (*p, "components", j), seen)
        elif isinstance(comp.get("components"), list):
            _check_tree(errs, comp["components"], (*p, "components"), seen)
        if isinstance(comp.get("accessory"), dict):
            _check_leaf(errs, comp["accessory"], (*p, "accessory"), seen)


def message_is_empty(content: Any, embeds: Any, components: Any, attachments: Any, extra: Any = None) -> bool:
    return not (content or embeds or components or attachments or extra)


# -- modals and autocomplete ----------------------------------------------------------------------------------


def _check_text_input(errs: FormErrors, comp: dict, p: tuple, seen: set, *, in_label: bool) -> None:
    _check_custom_id(errs, comp, p, seen)
    if comp.get("style") not in (1, 2):
        errs.add((*p, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
    if in_label:
        if comp.get("label") is not None:
            _max_len(errs, (*p, "label"), comp.get("label"), 45)
    else:
        _bad_len(errs, (*p, "label"), comp.get("label"), 1, 45)
    _max_len(errs, (*p, "value"), comp.get("value"), 4000)
    _max_len(errs, (*p, "placeholder"), comp.get("placeholder"), 100)
    _int_range(errs, (*p, "min_length"), comp.get("min_length"), 0, 4000)
    _int_range(errs, (*p, "max_length"), comp.get("max_length"), 1, 4000)


def check_modal(errs: FormErrors, data: Any, path: tuple) -> None:
    if not isinstance(data, dict):
        errs.add(path, "MODEL_TYPE_CONVERT", "Must be an object.")
        return
    _bad_len(errs, (*path, "custom_id"), data.get("custom_id"), 1, 100)
    _bad_len(errs, (*path, "title"), data.get("title"), 1, 45)
    comps = data.get("components")
    if not isinstance(comps, list) or not 1 <= len(comps) <= 5:
        errs.add((*path, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        return
    seen: set[str] = set()
    for i, comp in enumerate(comps):
        p = (*path, "components", i)
        ctype = comp.get("type") if isinstance(comp, dict) else None
        if ctype == 1:
            children = comp.get("components") or []
            if len(children) != 1 or children[0].get("type") != 4:
                errs.add((*p, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 1 in length.")
                continue
            _check_text_input(errs, children[0], (*p, "components", 0), seen, in_label=False)
        elif ctype == 18:
            _bad_len(errs, (*p, "label"), comp.get("label"), 1, 45)
            _max_len(errs, (*p, "description"), comp.get("description"), 100)
            inner = comp.get("component")
            if not isinstance(inner, dict):
                errs.add((*p, "component"), "BASE_TYPE_REQUIRED", "This field is required")
            elif inner.get("type") == 4:
                _check_text_input(errs, inner, (*p, "component"), seen, in_label=True)
            else:
                _check_leaf(errs, inner, (*p, "component"), seen)
        elif ctype == 10:
            _bad_len(errs, (*p, "content"), comp.get("content"), 1, 4000)
        else:
            errs.add((*p, "type"), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1, 10, 18).')


def check_choices(errs: FormErrors, choices: Any, path: tuple) -> None:
    if not isinstance(choices, list):
        errs.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
        return
    _max_items(errs, path, choices, 25)
    for i, choice in enumerate(choices):
        _bad_len(errs, (*path, i, "name"), choice.get("name"), 1, 100)
        value = choice.get("value")
        if isinstance(value, str):
            _max_len(errs, (*path, i, "value"), value, 100)


# -- application commands -------------------------------------------------------------------------------------


def _name_ok(name: Any) -> bool:
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return False
    for ch in name:
        if ch in "-_'":
            continue
        if not (ch.isalnum() or "\u0900" <= ch <= "\u097f" or "\u0e00" <= ch <= "\u0e7f"):
            return False
        if ch.lower() != ch:
            return False
    return True


def _check_name(errs: FormErrors, path: tuple, name: Any) -> None:
    if not _name_ok(name):
        errs.add(path, "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}")


def _command_chars(cmd: dict) -> int:
    total = len(cmd.get("name") or "") + len(cmd.get("description") or "")
    for opt in cmd.get("options") or []:
        total += _command_chars(opt)
        for choice in opt.get("choices") or []:
            total += len(str(choice.get("name") or "")) + len(str(choice.get("value") or ""))
    return total


def _check_options(errs: FormErrors, options: Any, path: tuple, parent: str) -> None:
    """`parent` is "command", "group" or "sub": groups nest only in commands, subcommands not in subcommands."""
    if not isinstance(options, list):
        errs.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
        return
    _max_items(errs, path, options, 25)
    names: set = set()
    seen_optional = False
    for i, opt in enumerate(options):
        p = (*path, i)
        otype = opt.get("type")
        _check_name(errs, (*p, "name"), opt.get("name"))
        if opt.get("name") in names:
            errs.add((*p, "name"), "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS", "Option names must be unique")
        names.add(opt.get("name"))
        _bad_len(errs, (*p, "description"), opt.get("description"), 1, 100)
        nest_ok = (otype == 2 and parent == "command") or (otype == 1 and parent in ("command", "group"))
        if (otype in (1, 2) and not nest_ok) or (parent == "group" and otype != 1):
            errs.add((*p, "type"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Invalid sub-command nesting")
        if otype in (1, 2):
            _check_options(errs, opt.get("options") or [], (*p, "options"), "group" if otype == 2 else "sub")
            continue
        if not isinstance(otype, int) or not 3 <= otype <= 11:
            errs.add((*p, "type"), "BASE_TYPE_CHOICES", f"Value must be one of 1-11. ({otype})")
        if opt.get("required"):
            if seen_optional:
                errs.add(
                    (*p, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        choices = opt.get("choices")
        if choices is not None:
            _max_items(errs, (*p, "choices"), choices, 25)
            for k, choice in enumerate(choices):
                _bad_len(errs, (*p, "choices", k, "name"), choice.get("name"), 1, 100)
                if otype == 3:
                    _max_len(errs, (*p, "choices", k, "value"), choice.get("value"), 100)
            if opt.get("autocomplete"):
                errs.add(
                    (*p, "autocomplete"),
                    "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                    "Autocomplete cannot be set for options with choices",
                )
        _int_range(errs, (*p, "min_length"), opt.get("min_length"), 0, 6000)
        _int_range(errs, (*p, "max_length"), opt.get("max_length"), 1, 6000)


def check_command(errs: FormErrors, cmd: Any, path: tuple) -> None:
    if not isinstance(cmd, dict):
        errs.add(path, "MODEL_TYPE_CONVERT", "Must be an object.")
        return
    ctype = cmd.get("type", 1)
    if ctype == 1:
        _check_name(errs, (*path, "name"), cmd.get("name"))
        _bad_len(errs, (*path, "description"), cmd.get("description"), 1, 100)
        _check_options(errs, cmd.get("options") or [], (*path, "options"), "command")
    else:
        _bad_len(errs, (*path, "name"), cmd.get("name"), 1, 32)
        if cmd.get("description"):
            errs.add(
                (*path, "description"),
                "APPLICATION_COMMAND_DESCRIPTION_INVALID",
                "Context menu commands cannot have a description",
            )
    if _command_chars(cmd) > 8000:
        errs.add(path, "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (8000)")


def check_command_list(errs: FormErrors, commands: Any) -> None:
    if not isinstance(commands, list):
        errs.add((), "BASE_TYPE_ARRAY", "Must be an array.")
        return
    counts = {1: 0, 2: 0, 3: 0}
    seen: set = set()
    for i, cmd in enumerate(commands):
        check_command(errs, cmd, (i,))
        if not isinstance(cmd, dict):
            continue
        ctype = cmd.get("type", 1)
        counts[ctype] = counts.get(ctype, 0) + 1
        key = (ctype, cmd.get("name"))
        if key in seen:
            errs.add((i, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
        seen.add(key)
    for ctype, limit in ((1, 100), (2, 15), (3, 15)):
        if counts.get(ctype, 0) > limit:
            errs.add((), "BASE_TYPE_MAX_LENGTH", f"Too many commands of type {ctype} (max {limit})")
