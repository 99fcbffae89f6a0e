"""What a click on a member's button does: answer, skip to the next question, page the board, forget me."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.core.errors import InvalidButton, NotAllowed
from bot.ui import ids
from bot.ui.buttons import MUTED, on_click
from bot.ui.checks import moderator
from bot.ui.errors import counting_an_answer, send_ephemeral
from bot.ui.interaction_window import in_time
from bot.ui.play import render
from bot.ui.play.views import board_view
from bot.ui.reporting import post_report_view

if TYPE_CHECKING:
    from bot.ui.client import QuizBot


@on_click(ids.AnswerId)
async def answer(interaction: discord.Interaction[QuizBot], parsed: ids.AnswerId) -> None:
    with counting_an_answer():
        result = await in_time(
            interaction,
            interaction.client.services.answers.answer(
                post_id=parsed.post_id,
                guild_id=interaction.guild_id,
                member_id=interaction.user.id,
                choice=parsed.choice,
            ),
        )
    await send_ephemeral(interaction, embed=render.answer_embed(result), view=post_report_view(parsed.post_id))


@on_click(ids.NextId)
async def next_question(interaction: discord.Interaction[QuizBot], parsed: ids.NextId) -> None:
    await interaction.client.services.rounds.skip(
        post_id=parsed.post_id,
        guild_id=interaction.guild_id,
        member_id=interaction.user.id,
        is_moderator=await moderator(interaction),
    )
    await send_ephemeral(interaction, "Closing this question now.")


@on_click(ids.BoardId)
async def board_page(interaction: discord.Interaction[QuizBot], parsed: ids.BoardId) -> None:
    if interaction.guild_id is None:
        raise InvalidButton("Leaderboards belong to a server.")
    board = await interaction.client.services.scores.board(
        interaction.guild_id, interaction.user.id, scope=parsed.scope, page=parsed.page
    )
    await interaction.response.edit_message(
        embed=render.board_embed(board),
        view=board_view(board.scope, board.page, board.pages),
        allowed_mentions=MUTED,
    )


@on_click(ids.ForgetId)
async def forget_me(interaction: discord.Interaction[QuizBot], parsed: ids.ForgetId) -> None:
    if parsed.member_id != interaction.user.id or interaction.guild_id is None:
        raise NotAllowed("Only the member who asked can confirm deleting their own data. Nothing was changed.")
    removed = await interaction.client.services.guilds.forget_member(interaction.guild_id, interaction.user.id)
    await interaction.response.edit_message(
        content=f"Done: your {removed} answer(s) and your scores in this server are deleted.", view=None
    )
