"""/quiz-admin daily …: moderators set up, switch off, inspect and trigger the daily question."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.core.content import DEFAULT_DECK
from bot.core.delivery import Failure
from bot.core.errors import QuizError
from bot.core.schedule import common_timezones
from bot.ui.checks import ModeratorGroup, guild_id
from bot.ui.errors import send_ephemeral
from bot.ui.failures import failure_text
from bot.ui.moderation import render

if TYPE_CHECKING:
    from bot.ui.client import QuizBot


def _warning(channel: discord.TextChannel) -> str:
    """A heads-up when the bot can't post in the chosen channel yet; the schedule is saved anyway."""
    me = channel.guild.me
    if me is None:
        return ""
    perms = channel.permissions_for(me)
    if perms.view_channel and perms.send_messages and perms.embed_links:
        return ""
    return "\n⚠️ " + failure_text(Failure("forbidden", channel.id))


def _ping_warning(channel: discord.TextChannel, role: discord.Role | None) -> str:
    """Discord shows a role mention without notifying anyone unless the role is mentionable or the bot may
    mention every role; say so rather than let the ping fail silently every day."""
    me = channel.guild.me
    if role is None or role.mentionable or me is None or channel.permissions_for(me).mention_everyone:
        return ""
    return (
        f"\n⚠️ <@&{role.id}> is not mentionable and I lack *Mention @everyone, @here and All Roles*: "
        "the post will show the role but notify no one. Make the role mentionable or grant that permission."
    )


class DailyCommands(ModeratorGroup, name="daily", description="The daily question: set, off, status, now"):
    @app_commands.command(name="set", description="Post one question every day in a channel at a local time")
    @app_commands.describe(
        channel="Where to post it",
        time="Time of day, 24-hour HH:MM, e.g. 09:00",
        timezone="The server's timezone (IANA name), e.g. Europe/Berlin",
        deck=f"Which deck (default {DEFAULT_DECK})",
        role="A role to ping with each post (optional; nobody else is pinged)",
    )
    async def set_(
        self,
        interaction: discord.Interaction[QuizBot],
        channel: discord.TextChannel,
        time: str,
        timezone: str,
        deck: str = DEFAULT_DECK,
        role: discord.Role | None = None,
    ) -> None:
        if role is not None and role.is_default():
            raise QuizError("Pick a specific role to ping, not @everyone. Nothing was changed.")
        status = await self.bot.services.daily.set(
            guild_id=guild_id(interaction),
            member_id=interaction.user.id,
            channel_id=channel.id,
            time_text=time,
            timezone=timezone,
            deck=deck,
            role_id=role.id if role else None,
        )
        await send_ephemeral(
            interaction,
            "Saved." + _warning(channel) + _ping_warning(channel, role),
            embed=render.daily_status_embed(status, "Daily question set"),
        )

    @set_.autocomplete("timezone")
    async def timezone_choices(
        self, interaction: discord.Interaction[QuizBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=name, value=name) for name in common_timezones(current)]

    @app_commands.command(name="off", description="Stop posting the daily question")
    async def off(self, interaction: discord.Interaction[QuizBot]) -> None:
        changed = await self.bot.services.daily.off(guild_id=guild_id(interaction), member_id=interaction.user.id)
        await send_ephemeral(
            interaction,
            "The daily question is off. An open one still closes and shows its answer."
            if changed
            else "The daily question was already off.",
        )

    @app_commands.command(name="status", description="When the next daily question comes, and what's left to ask")
    async def status(self, interaction: discord.Interaction[QuizBot]) -> None:
        status = await self.bot.services.daily.status(guild_id(interaction))
        await send_ephemeral(interaction, embed=render.daily_status_embed(status))

    @app_commands.command(name="now", description="Post today's daily question right now (it counts as today's)")
    async def now(self, interaction: discord.Interaction[QuizBot]) -> None:
        # Sending the post can take longer than Discord's three seconds to answer.
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.bot.services.daily.post_now(guild_id=guild_id(interaction))
        await send_ephemeral(interaction, render.daily_posted_text(result))
