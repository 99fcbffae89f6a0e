"""/quiz-admin: moderators manage questions and settings.

Discord hides a command through default permissions only at the top level, so the moderator
commands live under their own top-level group; every call is also checked here, because server
admins can override what Discord hides.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.drafts import draft_from_question
from bot.core.errors import NotAllowed, QuizError
from bot.services.questions import MAX_IMPORT_BYTES
from bot.ui import render
from bot.ui.admin_views import confirm_view, list_view
from bot.ui.buttons import moderator
from bot.ui.errors import NEEDS_MODERATOR, send_ephemeral
from bot.ui.modals import QuestionModal

if TYPE_CHECKING:
    from bot.ui.client import QuizBot

DECK = "trl"


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class AdminCog(commands.GroupCog, group_name="quiz-admin", group_description="Moderators: questions and settings"):
    question = app_commands.Group(name="question", description="Add, edit, remove, hide, list, import, export")
    config = app_commands.Group(name="config", description="Server settings for the quiz")

    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        if interaction.guild_id is None:
            raise QuizError("Moderator commands work in servers only.")
        if not await moderator(interaction):
            raise NotAllowed(NEEDS_MODERATOR + " Nothing was changed.")
        return True

    @question.command(name="add", description="Write a new question for this server (opens a form)")
    @app_commands.describe(deck="Which deck it belongs to (default trl)")
    async def add(self, interaction: discord.Interaction, deck: str = DECK) -> None:
        self.bot.services.questions.check_deck(deck)
        await interaction.response.send_modal(QuestionModal("add", deck))

    @question.command(name="edit", description="Edit one of this server's questions (opens the form filled in)")
    @app_commands.describe(question_id="The question's id, as shown by /quiz-admin question list")
    async def edit(self, interaction: discord.Interaction, question_id: str) -> None:
        question = await self.bot.services.questions.editable(interaction.guild_id or 0, question_id)
        await interaction.response.send_modal(QuestionModal("edit", question.id, draft_from_question(question)))

    @question.command(name="remove", description="Remove one of this server's questions (asks first)")
    @app_commands.describe(question_id="The question's id")
    async def remove(self, interaction: discord.Interaction, question_id: str) -> None:
        question = await self.bot.services.questions.editable(interaction.guild_id or 0, question_id)
        await send_ephemeral(
            interaction,
            f"Remove **{question.id}**? Past answers keep their history and points.\n> {question.prompt[:200]}",
            view=confirm_view(question.id),
        )

    @question.command(name="hide", description="Stop asking a built-in question in this server")
    @app_commands.describe(question_id="The built-in question's id")
    async def hide(self, interaction: discord.Interaction, question_id: str) -> None:
        changed = await self.bot.services.questions.set_hidden(
            guild_id=interaction.guild_id or 0, member_id=interaction.user.id, question_id=question_id, hidden=True
        )
        await send_ephemeral(interaction, f"**{question_id}** is hidden from this server's rounds and daily posts."
                             if changed else f"**{question_id}** was already hidden.")

    @question.command(name="unhide", description="Ask a hidden built-in question again")
    @app_commands.describe(question_id="The built-in question's id")
    async def unhide(self, interaction: discord.Interaction, question_id: str) -> None:
        changed = await self.bot.services.questions.set_hidden(
            guild_id=interaction.guild_id or 0, member_id=interaction.user.id, question_id=question_id, hidden=False
        )
        await send_ephemeral(interaction, f"**{question_id}** is asked again." if changed
                             else f"**{question_id}** wasn't hidden.")

    @question.command(name="list", description="Questions with their source and how often they were answered right")
    @app_commands.describe(deck="Which deck (default trl)")
    async def list_(self, interaction: discord.Interaction, deck: str = DECK) -> None:
        page = await self.bot.services.questions.listing(guild_id=interaction.guild_id or 0, deck=deck, page=1)
        await send_ephemeral(interaction, embed=render.question_list_embed(page),
                             view=list_view(deck, page.page, page.pages))

    @question.command(name="import", description="Import questions from a YAML file (same format as content/)")
    @app_commands.describe(file=f"A .yaml file, at most {MAX_IMPORT_BYTES // 1000} kB")
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        if file.size > MAX_IMPORT_BYTES:
            raise QuizError(f"{file.filename} is {file.size // 1000} kB; imports are limited to "
                            f"{MAX_IMPORT_BYTES // 1000} kB. Nothing was imported.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        added, updated = await self.bot.services.questions.import_yaml(
            guild_id=interaction.guild_id or 0, member_id=interaction.user.id, data=data, filename=file.filename
        )
        await send_ephemeral(interaction, f"Imported {file.filename}: {added} added, {updated} updated.")

    @question.command(name="export", description="Download this server's own questions as YAML")
    @app_commands.describe(deck="Which deck (default trl)")
    async def export(self, interaction: discord.Interaction, deck: str = DECK) -> None:
        text, count = await self.bot.services.questions.export_yaml(guild_id=interaction.guild_id or 0, deck=deck)
        file = discord.File(fp=io.BytesIO(text.encode()), filename=f"{deck}-questions.yaml")
        await send_ephemeral(interaction, f"{count} question(s). Import the file back with "
                             "/quiz-admin question import.", file=file)

    @config.command(name="mod-role", description="Set (or clear) the role whose members may moderate the quiz")
    @app_commands.describe(role="Leave empty to clear; Manage Server always counts")
    async def mod_role(self, interaction: discord.Interaction, role: discord.Role | None = None) -> None:
        if not interaction.permissions.manage_guild:
            raise NotAllowed("Only members with Manage Server can choose the moderator role. Nothing was changed.")
        await self.bot.services.guilds.set_mod_role(interaction.guild_id or 0, role.id if role else None)
        await send_ephemeral(interaction, f"Quiz moderators: Manage Server and <@&{role.id}>." if role
                             else "Quiz moderators: members with Manage Server.")


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(AdminCog(bot))
