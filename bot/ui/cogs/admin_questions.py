"""/quiz-admin question …: moderators add, edit, remove, hide, list, import and export questions."""

from __future__ import annotations

import io

import discord
from discord import app_commands

from bot.core.drafts import draft_from_question
from bot.core.errors import QuizError
from bot.services.questions import MAX_IMPORT_BYTES
from bot.ui import render
from bot.ui.admin_views import confirm_view, list_view
from bot.ui.checks import ModeratorGroup
from bot.ui.errors import send_ephemeral
from bot.ui.modals import QuestionModal

DECK = "trl"


class QuestionCommands(ModeratorGroup, name="question", description="Add, edit, remove, hide, list, import, export"):
    @app_commands.command(name="add", description="Write a new question for this server (opens a form)")
    @app_commands.describe(deck="Which deck it belongs to (default trl)")
    async def add(self, interaction: discord.Interaction, deck: str = DECK) -> None:
        self.bot.services.questions.check_deck(deck)
        await interaction.response.send_modal(QuestionModal("add", deck))

    @app_commands.command(name="edit", description="Edit one of this server's questions (opens the form filled in)")
    @app_commands.describe(question_id="The question's id, as shown by /quiz-admin question list")
    async def edit(self, interaction: discord.Interaction, question_id: str) -> None:
        question = await self.bot.services.questions.editable(interaction.guild_id or 0, question_id)
        await interaction.response.send_modal(QuestionModal("edit", question.id, draft_from_question(question)))

    @app_commands.command(name="remove", description="Remove one of this server's questions (asks first)")
    @app_commands.describe(question_id="The question's id")
    async def remove(self, interaction: discord.Interaction, question_id: str) -> None:
        question = await self.bot.services.questions.editable(interaction.guild_id or 0, question_id)
        await send_ephemeral(
            interaction,
            f"Remove **{question.id}**? Past answers keep their history and points.\n> {question.prompt[:200]}",
            view=confirm_view(question.id),
        )

    @app_commands.command(name="hide", description="Stop asking a built-in question in this server")
    @app_commands.describe(question_id="The built-in question's id")
    async def hide(self, interaction: discord.Interaction, question_id: str) -> None:
        changed = await self.bot.services.questions.set_hidden(
            guild_id=interaction.guild_id or 0, member_id=interaction.user.id, question_id=question_id, hidden=True
        )
        await send_ephemeral(
            interaction,
            f"**{question_id}** is hidden from this server's rounds and daily posts."
            if changed
            else f"**{question_id}** was already hidden.",
        )

    @app_commands.command(name="unhide", description="Ask a hidden built-in question again")
    @app_commands.describe(question_id="The built-in question's id")
    async def unhide(self, interaction: discord.Interaction, question_id: str) -> None:
        changed = await self.bot.services.questions.set_hidden(
            guild_id=interaction.guild_id or 0, member_id=interaction.user.id, question_id=question_id, hidden=False
        )
        await send_ephemeral(
            interaction, f"**{question_id}** is asked again." if changed else f"**{question_id}** wasn't hidden."
        )

    @app_commands.command(name="list", description="Questions with their source and how often they were answered right")
    @app_commands.describe(deck="Which deck (default trl)")
    async def list_(self, interaction: discord.Interaction, deck: str = DECK) -> None:
        page = await self.bot.services.questions.listing(guild_id=interaction.guild_id or 0, deck=deck, page=1)
        await send_ephemeral(
            interaction, embed=render.question_list_embed(page), view=list_view(deck, page.page, page.pages)
        )

    @app_commands.command(name="import", description="Import questions from a YAML file (same format as content/)")
    @app_commands.describe(file=f"A .yaml file, at most {MAX_IMPORT_BYTES // 1000} kB")
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        if file.size > MAX_IMPORT_BYTES:
            raise QuizError(
                f"{file.filename} is {file.size // 1000} kB; imports are limited to "
                f"{MAX_IMPORT_BYTES // 1000} kB. Nothing was imported."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        added, updated = await self.bot.services.questions.import_yaml(
            guild_id=interaction.guild_id or 0, member_id=interaction.user.id, data=data, filename=file.filename
        )
        await send_ephemeral(interaction, f"Imported {file.filename}: {added} added, {updated} updated.")

    @app_commands.command(name="export", description="Download this server's own questions as YAML")
    @app_commands.describe(deck="Which deck (default trl)")
    async def export(self, interaction: discord.Interaction, deck: str = DECK) -> None:
        text, count = await self.bot.services.questions.export_yaml(guild_id=interaction.guild_id or 0, deck=deck)
        file = discord.File(fp=io.BytesIO(text.encode()), filename=f"{deck}-questions.yaml")
        await send_ephemeral(
            interaction, f"{count} question(s). Import the file back with /quiz-admin question import.", file=file
        )
