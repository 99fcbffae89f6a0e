"""What a click in a member's private practice does: answer, go on, or stop. Each edits that message."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.core.results import PracticeQuestion, PracticeSummary
from bot.ui import ids
from bot.ui.buttons import MUTED, Buttons, on_click
from bot.ui.errors import counting_an_answer
from bot.ui.interaction_window import in_time
from bot.ui.learning import render
from bot.ui.learning.views import after_answer_view, question_view

if TYPE_CHECKING:
    from bot.ui.client import QuizBot


async def show(interaction: discord.Interaction[QuizBot], step: PracticeQuestion | PracticeSummary) -> None:
    """Replace the practice message with the next question or the summary."""
    if isinstance(step, PracticeQuestion):
        await replace(interaction, render.question_embed(step), question_view(step))
    else:
        await replace(interaction, render.summary_embed(step), None)


async def replace(interaction: discord.Interaction[QuizBot], embed: discord.Embed, view: Buttons | None) -> None:
    """Edit the clicked private message (after a deferral, through the deferred response)."""
    if interaction.response.is_done():
        await interaction.edit_original_response(embed=embed, view=view, allowed_mentions=MUTED)
    else:
        await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=MUTED)


@on_click(ids.PracticeAnswerId)
async def answer(interaction: discord.Interaction[QuizBot], parsed: ids.PracticeAnswerId) -> None:
    with counting_an_answer():
        result = await in_time(
            interaction,
            interaction.client.services.practice.answer(
                session_id=parsed.session_id,
                position=parsed.position,
                guild_id=interaction.guild_id,
                member_id=interaction.user.id,
                choice=parsed.choice,
            ),
            update=True,
        )
    await replace(interaction, render.feedback_embed(result), after_answer_view(result.session_id, result.position))


@on_click(ids.PracticeNextId)
async def next_question(interaction: discord.Interaction[QuizBot], parsed: ids.PracticeNextId) -> None:
    step = await in_time(
        interaction,
        interaction.client.services.practice.next(
            session_id=parsed.session_id,
            position=parsed.position,
            guild_id=interaction.guild_id,
            member_id=interaction.user.id,
        ),
        update=True,
    )
    await show(interaction, step)


@on_click(ids.PracticeStopId)
async def stop(interaction: discord.Interaction[QuizBot], parsed: ids.PracticeStopId) -> None:
    summary = await in_time(
        interaction,
        interaction.client.services.practice.stop(
            session_id=parsed.session_id, guild_id=interaction.guild_id, member_id=interaction.user.id
        ),
        update=True,
    )
    await show(interaction, summary)
