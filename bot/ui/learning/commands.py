"""/quiz practice, /quiz progress and /quiz remind: the learner's own commands, mixed into the /quiz group."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.charts import mastery_png
from bot.core.content import DEFAULT_DECK
from bot.core.results import PracticeQuestion, Progress
from bot.core.schedule import common_timezones
from bot.ui.checks import guild_id
from bot.ui.errors import send_ephemeral
from bot.ui.interaction_window import in_time
from bot.ui.learning import clicks, render
from bot.ui.learning.views import question_view
from bot.ui.play.render import stats_embed

if TYPE_CHECKING:
    from bot.ui.client import QuizBot

# Importing the click handlers registers them with the button registry.
CLICK_HANDLERS = clicks
CHART = "progress.png"


class LearningCommands(commands.Cog):
    """Mixed into the /quiz GroupCog (bot/ui/play/cog.py), which sets ``bot``; never added on its own."""

    bot: QuizBot

    @app_commands.command(name="practice", description="Private practice: your due reviews first, then new questions")
    async def practice(self, interaction: discord.Interaction[QuizBot]) -> None:
        step = await in_time(
            interaction,
            self.bot.services.practice.start(
                guild_id=guild_id(interaction), member_id=interaction.user.id, deck=DEFAULT_DECK
            ),
        )
        if isinstance(step, PracticeQuestion):
            await send_ephemeral(interaction, embed=render.question_embed(step), view=question_view(step))
        else:
            await send_ephemeral(interaction, embed=render.summary_embed(step))

    @app_commands.command(name="progress", description="Your progress over the deck, mastery by topic and streak")
    @app_commands.describe(member="Whose progress (others show only their public stats)")
    async def progress(self, interaction: discord.Interaction[QuizBot], member: discord.Member | None = None) -> None:
        guild = guild_id(interaction)
        if member is not None and member.id != interaction.user.id:
            # Reviews are private: another member's page is what /quiz stats shows publicly anyway.
            stats = await in_time(interaction, self.bot.services.scores.stats(guild, member.id))
            await send_ephemeral(interaction, embed=stats_embed(stats))
            return
        progress, png = await in_time(interaction, self._progress(guild, interaction.user.id))
        await send_ephemeral(
            interaction,
            embed=render.progress_embed(progress, CHART),
            file=discord.File(io.BytesIO(png), filename=CHART),
        )

    async def _progress(self, guild: int, member_id: int) -> tuple[Progress, bytes]:
        progress = await self.bot.services.progress.progress(guild_id=guild, member_id=member_id, deck=DEFAULT_DECK)
        png = await asyncio.to_thread(mastery_png, progress.topics, f"{progress.title} · mastery by topic")
        return progress, png

    @app_commands.command(name="remind", description="A direct message when reviews are due (at most one a day)")
    @app_commands.describe(
        turn="on or off (leave out to see your setting)",
        time="Your local time for it, 24-hour HH:MM (default 19:00)",
        timezone="Your timezone (IANA name), e.g. Europe/Berlin (default UTC)",
    )
    async def remind(
        self,
        interaction: discord.Interaction[QuizBot],
        turn: Literal["on", "off"] | None = None,
        time: str = "19:00",
        timezone: str = "UTC",
    ) -> None:
        guild = guild_id(interaction)
        reminders = self.bot.services.reminders
        if turn == "on":
            reminder = await reminders.turn_on(
                member_id=interaction.user.id, guild_id=guild, time_text=time, timezone=timezone
            )
        elif turn == "off":
            await reminders.turn_off(member_id=interaction.user.id)
            reminder = await reminders.status(member_id=interaction.user.id)
        else:
            reminder = await reminders.status(member_id=interaction.user.id)
        await send_ephemeral(interaction, render.reminder_status(reminder))

    @remind.autocomplete("timezone")
    async def remind_timezones(
        self, interaction: discord.Interaction[QuizBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=name, value=name) for name in common_timezones(current)]
