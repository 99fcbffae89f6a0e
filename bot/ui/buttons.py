"""Every button click arrives here: one dynamic item parses the custom_id and routes it.

One catch-all item (rather than one per kind) means a forged or malformed id still gets a clear
refusal instead of Discord's "interaction failed", and no click is ever handled twice: discord.py
dispatches a click to every DynamicItem whose template matches, so per-kind items next to a
catch-all would run twice.

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


HANDLERS: dict[type, Registration] = {}


def on_click(kind: type[IdT], *, moderator_only: bool = False) -> Callable[[Handler[IdT]], Handler[IdT]]:
    """Register what a click on a button whose custom_id parses to ``kind`` does; one handler per kind."""

    def register(handler: Handler[IdT]) -> Handler[IdT]:
        existing = HANDLERS.get(kind)
        if existing is not None and _name(existing.handler) != _name(handler):
            raise RuntimeError(f"{kind.__name__} clicks are already handled by {_name(existing.handler)}")
        HANDLERS[kind] = Registration(handler, moderator_only)
        return handler

    return register


def _name(handler: Callable[..., object]) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


class QuizButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?P<custom_id>.{1,100})"):
    """Any button on a message; state lives in the custom_id and the database, never in memory."""

    def __init__(self, button: discord.ui.Button[Any]) -> None:
        super().__init__(button)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[QuizBot], item: discord.ui.Item[Any], match: Any, /
    ) -> QuizButton:
        assert isinstance(item, discord.ui.Button)
        return cls(item)

    async def callback(self, interaction: discord.Interaction[QuizBot]) -> None:
        # Errors raised here would only be logged by discord.py, leaving the member with
        # "interaction failed"; route them through the shared handler instead.
        try:
            await route(interaction, self.item.custom_id or "")
        except Exception as error:
            await handle(interaction, error)


async def route(interaction: discord.Interaction[QuizBot], custom_id: str) -> None:
    parsed = ids.parse(custom_id)
    registration = HANDLERS.get(type(parsed)) if parsed is not None else None
    if parsed is None or registration is None:
        raise InvalidButton(UNKNOWN)
    if registration.moderator_only and not await moderator(interaction):
        raise NotAllowed(NEEDS_MODERATOR)
    await registration.handler(interaction, parsed)


def button(
    custom_id: str, label: str, style: discord.ButtonStyle = discord.ButtonStyle.secondary, *, disabled: bool = False
) -> QuizButton:
    return QuizButton(discord.ui.Button(label=label, style=style, custom_id=custom_id, disabled=disabled))


CANCEL = ids.build(ids.CancelId())


def cancel_button() -> QuizButton:
    """The Cancel of any confirmation (forgetting one's data, removing a question)."""
    return button(CANCEL, "Cancel")


@on_click(ids.CancelId)
async def cancel(interaction: discord.Interaction[QuizBot], _parsed: ids.CancelId) -> None:
    await interaction.response.edit_message(content="Cancelled; nothing was changed.", view=None, embed=None)
