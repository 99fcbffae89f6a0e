"""Every button click arrives here: the client's on_interaction hands it to ``click()``, which parses the
custom_id and routes it through one table.

One entry point for every click (rather than discord.py's views or dynamic items) means a forged or
malformed id still gets a clear refusal instead of Discord's "interaction failed", no click is handled
twice, a click works the same after a restart or in another process, and discord.py builds no View from
the message for each click (a measurable share of the answer burst's CPU when it did).

Features register what a click on their buttons does with ``@on_click(ids.SomeId)``; this module
imports none of them. Ids of moderator messages are registered with ``moderator_only=True``: the
member is checked again here, since anyone can forge a custom_id.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import discord

from bot.core.errors import InvalidButton, NotAllowed
from bot.ui import ids
from bot.ui.checks import NEEDS_MODERATOR, moderator
from bot.ui.errors import handle

if TYPE_CHECKING:
    from bot.ui.client import QuizBot

log = logging.getLogger(__name__)

MUTED = discord.AllowedMentions.none()
UNKNOWN = "This button isn't one I recognise (it may be from an old version). Nothing changed."

IdT = TypeVar("IdT", bound=ids.ButtonId)
Handler = Callable[["discord.Interaction[QuizBot]", IdT], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Registration:
    handler: Handler[Any]
    moderator_only: bool
    form: bool = False  # a modal's submit, not a button's click


HANDLERS: dict[type, Registration] = {}


def on_click(
    kind: type[IdT], *, moderator_only: bool = False, form: bool = False
) -> Callable[[Handler[IdT]], Handler[IdT]]:
    """Register what a click on a button whose custom_id parses to ``kind`` does; one handler per kind.

    ``form=True`` registers the submit of a modal whose custom_id parses to ``kind`` instead: modals
    can't be DynamicItems, so their submits arrive through ``on_form_submit``, routed the same way.
    """

    def register(handler: Handler[IdT]) -> Handler[IdT]:
        existing = HANDLERS.get(kind)
        if existing is not None and _name(existing.handler) != _name(handler):
            raise RuntimeError(f"{kind.__name__} clicks are already handled by {_name(existing.handler)}")
        HANDLERS[kind] = Registration(handler, moderator_only, form)
        return handler

    return register


def _name(handler: Callable[..., object]) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


async def click(interaction: discord.Interaction[QuizBot]) -> None:
    """Every button click of every message: parse the custom_id and run its handler.

    Called from the client's ``on_interaction``. Errors never leave here: discord.py would only log them,
    leaving the member with "interaction failed", so they go through the shared handler instead.
    """
    custom_id = (interaction.data or {}).get("custom_id")
    try:
        await route(interaction, custom_id if isinstance(custom_id, str) else "")
    except Exception as error:
        await handle(interaction, error)


class Buttons(discord.ui.View):
    """The components of one message, sent as data only.

    The view is finished before it is sent, so discord.py keeps no copy of it (a view store entry per
    message would grow for ever) and never rebuilds one from the message on a click: clicks come back
    through ``click()`` above, whose state is the custom_id and the database.
    """

    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.stop()


async def on_form_submit(interaction: discord.Interaction[QuizBot]) -> None:
    """Every modal submit whose custom_id is ours (a form that outlives a restart); others are discord.py's.

    The form was sent already stopped, so discord.py keeps no copy in memory: this is its only handler.
    """
    if interaction.type is not discord.InteractionType.modal_submit:
        return
    custom_id = str((interaction.data or {}).get("custom_id", ""))
    if not custom_id.startswith(f"{ids.PREFIX}:"):
        return
    try:
        await route(interaction, custom_id)
    except Exception as error:
        await handle(interaction, error)


def form_values(interaction: discord.Interaction[Any]) -> dict[str, str | list[str]]:
    """A submitted modal's fields by custom_id: a text input's value, or a select's chosen values."""
    found: dict[str, str | list[str]] = {}

    def walk(components: Any) -> None:
        for component in components or ():
            if not isinstance(component, dict):
                continue
            c: dict[str, Any] = component
            if "component" in c:
                walk([c["component"]])
            if "components" in c:
                walk(c["components"])
            custom_id = c.get("custom_id")
            if isinstance(custom_id, str):
                if "values" in c:
                    found[custom_id] = [str(v) for v in c.get("values") or ()]
                elif "value" in c:
                    found[custom_id] = str(c.get("value") or "")

    walk((interaction.data or {}).get("components"))
    return found


async def route(interaction: discord.Interaction[QuizBot], custom_id: str) -> None:
    parsed = ids.parse(custom_id)
    registration = HANDLERS.get(type(parsed)) if parsed is not None else None
    is_form = interaction.type is discord.InteractionType.modal_submit
    # A forged button with a form's id (or the reverse) is refused, never half-handled.
    if parsed is None or registration is None or registration.form is not is_form:
        raise InvalidButton(UNKNOWN)
    if registration.moderator_only and not await moderator(interaction):
        raise NotAllowed(NEEDS_MODERATOR)
    await registration.handler(interaction, parsed)


def button(
    custom_id: str, label: str, style: discord.ButtonStyle = discord.ButtonStyle.secondary, *, disabled: bool = False
) -> discord.ui.Button[Buttons]:
    return discord.ui.Button(label=label, style=style, custom_id=custom_id, disabled=disabled)


CANCEL = ids.build(ids.CancelId())


def cancel_button() -> discord.ui.Button[Buttons]:
    """The Cancel of any confirmation (forgetting one's data, removing a question)."""
    return button(CANCEL, "Cancel")


@on_click(ids.CancelId)
async def cancel(interaction: discord.Interaction[QuizBot], _parsed: ids.CancelId) -> None:
    await interaction.response.edit_message(content="Cancelled; nothing was changed.", view=None, embed=None)
