"""/quiz trl, /quiz stop, /quiz leaderboard, /quiz stats, /quiz forget-me: playing and reading scores."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.content import DEFAULT_DECK, Difficulty
from bot.core.errors import QuizError
from bot.core.rounds import DEFAULT_SECONDS, MAX_QUESTIONS, MAX_SECONDS, MIN_SECONDS
from bot.core.scoring import BoardScope
from bot.ui.buttons import MUTED
from bot.ui.checks import guild_id, moderator
from bot.ui.errors import send_ephemeral
from bot.ui.interaction_window import in_time
from bot.ui.learning.commands import LearningCommands
from bot.ui.play import clicks, render
from bot.ui.play.views import board_view, forget_view

if TYPE_CHECKING:
    from bot.ui.client import QuizBot

log = logging.getLogger(__name__)

# Importing the click handlers registers them: loading this cog is what puts them in place.
CLICK_HANDLERS = clicks


@app_commands.guild_only()
class QuizCog(
    LearningCommands, commands.GroupCog, group_name="quiz", group_description="Learn Hugging Face TRL with quizzes"
):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="trl", description="Start a round of TRL questions in this channel")
    @app_commands.describe(
        questions="How many questions (default: the whole deck, up to 10)",
        seconds=f"Seconds per question ({MIN_SECONDS}-{MAX_SECONDS}, default {DEFAULT_SECONDS})",
        topic="Only questions of this topic (default: all)",
        difficulty="Only questions of this difficulty (default: all)",
    )
    async def trl(
        self,
        interaction: discord.Interaction[QuizBot],
        questions: app_commands.Range[int, 1, MAX_QUESTIONS] | None = None,
        seconds: app_commands.Range[int, MIN_SECONDS, MAX_SECONDS] = DEFAULT_SECONDS,
        topic: str | None = None,
        difficulty: Difficulty | None = None,
    ) -> None:
        guild = guild_id(interaction)
        try:
            rnd = await in_time(
                interaction,
                self.bot.services.rounds.start(
                    guild_id=guild,
                    channel_id=interaction.channel_id or 0,
                    member_id=interaction.user.id,
                    deck=DEFAULT_DECK,
                    count=questions,
                    seconds=seconds,
                    topic=topic,
                    difficulty=difficulty,
                ),
                ephemeral=False,
            )
        except QuizError as refusal:
            if interaction.response.is_done():
                # The deferral was public; the refusal is for the caller only.
                await interaction.delete_original_response()
            raise refusal from None
        send = interaction.followup.send if interaction.response.is_done() else interaction.response.send_message
        await send(
            render.round_started(interaction.user.id, rnd.total, seconds, topic, difficulty, questions),
            allowed_mentions=MUTED,
        )

    @trl.autocomplete("topic")
    async def trl_topics(
        self, interaction: discord.Interaction[QuizBot], current: str
    ) -> list[app_commands.Choice[str]]:
        sizes = await self.bot.services.rounds.topics(guild_id(interaction), DEFAULT_DECK)
        wanted = current.strip().casefold()
        return [
            app_commands.Choice(name=f"{topic} ({n} question{'s' if n != 1 else ''})", value=topic)
            for topic, n in sizes.items()
            if wanted in topic
        ][:25]

    @app_commands.command(name="stop", description="End this channel's round and show its summary")
    async def stop(self, interaction: discord.Interaction[QuizBot]) -> None:
        guild_id(interaction)
        await self.bot.services.rounds.stop(
            channel_id=interaction.channel_id or 0,
            member_id=interaction.user.id,
            is_moderator=await moderator(interaction),
        )
        await send_ephemeral(interaction, "Stopping the round — its summary follows in the channel.")

    @app_commands.command(name="leaderboard", description="The server's leaderboard and your rank")
    @app_commands.describe(period="All time (default) or this week")
    async def leaderboard(
        self, interaction: discord.Interaction[QuizBot], period: Literal["all time", "this week"] = "all time"
    ) -> None:
        guild = guild_id(interaction)
        scope: BoardScope = "week" if period == "this week" else "all"
        board = await in_time(interaction, self.bot.services.scores.board(guild, interaction.user.id, scope=scope))
        await send_ephemeral(
            interaction, embed=render.board_embed(board), view=board_view(scope, board.page, board.pages)
        )

    @app_commands.command(name="stats", description="Answers, accuracy, points, rank and best streak")
    @app_commands.describe(member="Whose stats (default: yours)")
    async def stats(self, interaction: discord.Interaction[QuizBot], member: discord.Member | None = None) -> None:
        guild = guild_id(interaction)
        target = member or interaction.user
        stats = await in_time(interaction, self.bot.services.scores.stats(guild, target.id))
        await send_ephemeral(interaction, embed=render.stats_embed(stats))

    @app_commands.command(name="forget-me", description="Delete your answers and scores in this server")
    async def forget_me(self, interaction: discord.Interaction[QuizBot]) -> None:
        guild_id(interaction)
        await send_ephemeral(
            interaction,
            "This deletes every answer you gave in this server and your scores here, for good. "
            "Other servers are not affected. Are you sure?",
            view=forget_view(interaction.user.id),
        )

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        left = await self.bot.services.guilds.reconcile({guild.id for guild in self.bot.guilds})
        if left:
            log.info("%d server(s) removed the bot while it was offline", left)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.bot.services.guilds.joined(guild.id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        # Data is kept until an operator prunes it, so a server that re-adds the bot soon loses nothing.
        await self.bot.services.guilds.left(guild.id)


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(QuizCog(bot))
