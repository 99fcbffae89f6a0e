"""Every button click arrives here: one dynamic item parses the custom_id and routes it.

One catch-all item (rather than one per kind) means a forged or malformed id still gets a clear
refusal instead of Discord's "interaction failed", and no click is ever handled twice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.core.content import letter
from bot.core.drafts import draft_from_question
from bot.core.errors import InvalidButton, NotAllowed
from bot.ui import ids, render
from bot.ui.checks import NEEDS_MODERATOR, moderator
from bot.ui.deadline import in_time
from bot.ui.errors import handle, send_ephemeral

if TYPE_CHECKING:
    from bot.ui.client import QuizBot

log = logging.getLogger(__name__)

MUTED = discord.AllowedMentions.none()


class QuizButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?P<custom_id>.{1,100})"):
    """Any button on a message; state lives in the custom_id and the database, never in memory."""

    def __init__(self, button: discord.ui.Button[Any]) -> None:
        super().__init__(button)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /
    ) -> QuizButton:
        assert isinstance(item, discord.ui.Button)
        return cls(item)

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        # Errors raised here would only be logged by discord.py, leaving the member with
        # "interaction failed"; route them through the shared handler instead.
        try:
            await route(interaction, self.item.custom_id or "")
        except Exception as error:
            await handle(interaction, error)


async def route(interaction: discord.Interaction, custom_id: str) -> None:
    bot: QuizBot = interaction.client  # type: ignore[assignment]
    parsed = ids.parse(custom_id)
    if parsed is None:
        raise InvalidButton("This button isn't one I recognise (it may be from an old version). Nothing changed.")
    if isinstance(parsed, ids.AnswerId):
        result = await in_time(
            interaction,
            bot.services.answers.answer(
                post_id=parsed.post_id,
                guild_id=interaction.guild_id,
                member_id=interaction.user.id,
                choice=parsed.choice,
            ),
        )
        await send_ephemeral(interaction, embed=render.answer_embed(result))
    elif isinstance(parsed, ids.NextId):
        await bot.services.rounds.skip(
            post_id=parsed.post_id,
            guild_id=interaction.guild_id,
            member_id=interaction.user.id,
            is_moderator=await moderator(interaction),
        )
        await send_ephemeral(interaction, "Closing this question now.")
    elif isinstance(parsed, ids.BoardId):
        if interaction.guild_id is None:
            raise InvalidButton("Leaderboards belong to a server.")
        board = await bot.services.scores.board(
            interaction.guild_id, interaction.user.id, scope=parsed.scope, page=parsed.page
        )
        await interaction.response.edit_message(
            embed=render.board_embed(board),
            view=board_view(board.scope, board.page, board.pages),
            allowed_mentions=MUTED,
        )
    elif isinstance(parsed, ids.CancelId):
        await interaction.response.edit_message(content="Cancelled; nothing was changed.", view=None, embed=None)
    elif isinstance(parsed, ids.ForgetId):
        if parsed.member_id != interaction.user.id or interaction.guild_id is None:
            raise NotAllowed("Only the member who asked can confirm deleting their own data. Nothing was changed.")
        removed = await bot.services.guilds.forget_member(interaction.guild_id, interaction.user.id)
        await interaction.response.edit_message(
            content=f"Done: your {removed} answer(s) and your scores in this server are deleted.", view=None
        )
    else:
        await route_moderator(interaction, parsed)


async def route_moderator(interaction: discord.Interaction, parsed: ids.ButtonId) -> None:
    """Buttons of moderator messages: checked again, since any member can forge a custom_id."""
    from bot.ui.admin_views import list_view
    from bot.ui.modals import QuestionModal

    bot: QuizBot = interaction.client  # type: ignore[assignment]
    if interaction.guild_id is None or not await moderator(interaction):
        raise NotAllowed(NEEDS_MODERATOR)
    guild_id = interaction.guild_id
    if isinstance(parsed, ids.RemoveId):
        question = await bot.services.questions.remove(guild_id=guild_id, question_id=parsed.question_id)
        await interaction.response.edit_message(
            content=f"Removed **{question.id}**. Its past answers keep their history and points.", view=None
        )
    elif isinstance(parsed, ids.ListId):
        page = await bot.services.questions.listing(guild_id=guild_id, deck=parsed.deck, page=parsed.page)
        await interaction.response.edit_message(
            embed=render.question_list_embed(page),
            view=list_view(page.deck, page.page, page.pages),
            allowed_mentions=MUTED,
        )
    elif isinstance(parsed, ids.DraftId):
        draft = bot.drafts.get((guild_id, interaction.user.id))
        if draft is None and parsed.mode == "edit":
            draft = draft_from_question(await bot.services.questions.editable(guild_id, parsed.target))
        await interaction.response.send_modal(QuestionModal(parsed.mode, parsed.target, draft))


def _button(custom_id: str, label: str, style: discord.ButtonStyle, disabled: bool = False) -> QuizButton:
    return QuizButton(discord.ui.Button(label=label, style=style, custom_id=custom_id, disabled=disabled))


def question_view(post_id: int, choices: int, *, round_post: bool) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for i in range(choices):
        view.add_item(_button(ids.answer_id(post_id, i), letter(i), discord.ButtonStyle.primary))
    if round_post:
        next_button = _button(ids.next_id(post_id), "Next ⏭", discord.ButtonStyle.secondary)
        next_button.item.row = 1
        view.add_item(next_button)
    return view


def closed_view(post_id: int, choices: int, answer: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for i in range(choices):
        style = discord.ButtonStyle.success if i == answer else discord.ButtonStyle.secondary
        view.add_item(_button(ids.answer_id(post_id, i), letter(i), style, disabled=True))
    return view


def board_view(scope: str, page: int, pages: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(
        _button(
            ids.board_id(scope, max(1, page - 1), "p"), "◀ Previous", discord.ButtonStyle.secondary, disabled=page <= 1
        )
    )
    view.add_item(
        _button(
            ids.board_id(scope, min(pages, page + 1), "n"),
            "Next ▶",
            discord.ButtonStyle.secondary,
            disabled=page >= pages,
        )
    )
    other = "week" if scope == "all" else "all"
    view.add_item(
        _button(ids.board_id(other, 1), "This week" if other == "week" else "All time", discord.ButtonStyle.primary)
    )
    return view


def forget_view(member_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(_button(ids.forget_id(member_id), "Delete my quiz data", discord.ButtonStyle.danger))
    view.add_item(_button(ids.CANCEL, "Cancel", discord.ButtonStyle.secondary))
    return view
