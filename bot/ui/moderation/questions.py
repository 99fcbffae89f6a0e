"""/quiz-admin question …: moderators add, edit, remove, hide, list, import and export questions,
and what the buttons of those replies (Remove, list paging, "Fix it") do."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.core.content import DEFAULT_DECK
from bot.core.drafts import draft_from_question
from bot.core.errors import QuizError
from bot.services.questions import MAX_IMPORT_BYTES
from bot.ui import ids
from bot.ui.buttons import MUTED, on_click
from bot.ui.checks import ModeratorGroup, guild_id
from bot.ui.errors import send_ephemeral
from bot.ui.moderation import drafts, render
from bot.ui.moderation.modal import QuestionModal
from bot.ui.moderation.views import confirm_view, list_view

if TYPE_CHECKING:
    from bot.ui.client import QuizBot


class QuestionCommands(ModeratorGroup, name="question", description="Add, edit, remove, hide, list, import, export"):
    @app_commands.command(name="add", description="Write a new question for this server (opens a form)")
    @app_commands.describe(deck=f"Which deck it belongs to (default {DEFAULT_DECK})")
    async def add(self, interaction: discord.Interaction[QuizBot], deck: str = DEFAULT_DECK) -> None:
        self.bot.services.questions.check_deck(deck)
        await interaction.response.send_modal(QuestionModal("add", deck, topics=self.bot.services.questions.topics()))

    @app_commands.command(name="edit", description="Edit one of this server's questions (opens the form filled in)")
    @app_commands.describe(question_id="The question's id, as shown by /quiz-admin question list")
    async def edit(self, interaction: discord.Interaction[QuizBot], question_id: str) -> None:
        question = await self.bot.services.questions.editable(guild_id(interaction), question_id)
        topics = self.bot.services.questions.topics()
        await interaction.response.send_modal(QuestionModal("edit", question.id, draft_from_question(question), topics))

    @app_commands.command(name="remove", description="Remove one of this server's questions (asks first)")
    @app_commands.describe(question_id="The question's id")
    async def remove(self, interaction: discord.Interaction[QuizBot], question_id: str) -> None:
        question = await self.bot.services.questions.editable(guild_id(interaction), question_id)
        await send_ephemeral(
            interaction,
            f"Remove **{question.id}**? Past answers keep their history and points.\n> {question.prompt[:200]}",
            view=confirm_view(question.id),
        )

    @app_commands.command(name="hide", description="Stop asking a built-in question in this server")
    @app_commands.describe(question_id="The built-in question's id")
    async def hide(self, interaction: discord.Interaction[QuizBot], question_id: str) -> None:
        changed = await self.bot.services.questions.set_hidden(
            guild_id=guild_id(interaction), member_id=interaction.user.id, question_id=question_id, hidden=True
        )
        await send_ephemeral(
            interaction,
            f"**{question_id}** is hidden from this server's rounds and daily posts."
            if changed
            else f"**{question_id}** was already hidden.",
        )

    @app_commands.command(name="unhide", description="Ask a hidden built-in question again")
    @app_commands.describe(question_id="The built-in question's id")
    async def unhide(self, interaction: discord.Interaction[QuizBot], question_id: str) -> None:
        changed = await self.bot.services.questions.set_hidden(
            guild_id=guild_id(interaction), member_id=interaction.user.id, question_id=question_id, hidden=False
        )
        await send_ephemeral(
            interaction, f"**{question_id}** is asked again." if changed else f"**{question_id}** wasn't hidden."
        )

    @app_commands.command(name="list", description="Questions with their source and how often they were answered right")
    @app_commands.describe(deck=f"Which deck (default {DEFAULT_DECK})")
    async def list_(self, interaction: discord.Interaction[QuizBot], deck: str = DEFAULT_DECK) -> None:
        page = await self.bot.services.questions.listing(guild_id=guild_id(interaction), deck=deck, page=1)
        await send_ephemeral(
            interaction, embed=render.question_list_embed(page), view=list_view(deck, page.page, page.pages)
        )

    @app_commands.command(name="import", description="Import questions from a YAML file (same format as content/)")
    @app_commands.describe(file=f"A .yaml file, at most {MAX_IMPORT_BYTES // 1000} kB")
    async def import_(self, interaction: discord.Interaction[QuizBot], file: discord.Attachment) -> None:
        if file.size > MAX_IMPORT_BYTES:
            raise QuizError(
                f"{file.filename} is {file.size // 1000} kB; imports are limited to "
                f"{MAX_IMPORT_BYTES // 1000} kB. Nothing was imported."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        added, updated = await self.bot.services.questions.import_yaml(
            guild_id=guild_id(interaction), member_id=interaction.user.id, data=data, filename=file.filename
        )
        await send_ephemeral(interaction, f"Imported {file.filename}: {added} added, {updated} updated.")

    @app_commands.command(name="export", description="Download this server's own questions as YAML")
    @app_commands.describe(deck=f"Which deck (default {DEFAULT_DECK})")
    async def export(self, interaction: discord.Interaction[QuizBot], deck: str = DEFAULT_DECK) -> None:
        text, count = await self.bot.services.questions.export_yaml(guild_id=guild_id(interaction), deck=deck)
        file = discord.File(fp=io.BytesIO(text.encode()), filename=f"{deck}-questions.yaml")
        await send_ephemeral(
            interaction, f"{count} question(s). Import the file back with /quiz-admin question import.", file=file
        )


# -- the buttons of the replies above: moderators only, checked again on every click --------------
@on_click(ids.RemoveId, moderator_only=True)
async def remove_confirmed(interaction: discord.Interaction[QuizBot], parsed: ids.RemoveId) -> None:
    question = await interaction.client.services.questions.remove(
        guild_id=guild_id(interaction), question_id=parsed.question_id
    )
    await interaction.response.edit_message(
        content=f"Removed **{question.id}**. Its past answers keep their history and points.", view=None
    )


@on_click(ids.ListId, moderator_only=True)
async def list_page(interaction: discord.Interaction[QuizBot], parsed: ids.ListId) -> None:
    page = await interaction.client.services.questions.listing(
        guild_id=guild_id(interaction), deck=parsed.deck, page=parsed.page
    )
    await interaction.response.edit_message(
        embed=render.question_list_embed(page),
        view=list_view(page.deck, page.page, page.pages),
        allowed_mentions=MUTED,
    )


@on_click(ids.DraftId, moderator_only=True)
async def fix_draft(interaction: discord.Interaction[QuizBot], parsed: ids.DraftId) -> None:
    draft = await drafts.recall(interaction)
    if draft is None and parsed.mode == "edit":
        question = await interaction.client.services.questions.editable(guild_id(interaction), parsed.target)
        draft = draft_from_question(question)
    topics = interaction.client.services.questions.topics()
    await interaction.response.send_modal(QuestionModal(parsed.mode, parsed.target, draft, topics))
