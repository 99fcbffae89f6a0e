"""/quiz-admin insights and /quiz-admin reports: which questions fail and why, and members' reports.

Both commands sit directly in the /quiz-admin group and check the member themselves (the group's
Discord permission can be overridden by server admins); their buttons are registered moderator-only,
so a forged id is refused too.
"""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.charts import insights_png
from bot.core.content import DEFAULT_DECK
from bot.core.insights import DeckInsight
from bot.core.reports import Report
from bot.services.insights import to_csv
from bot.ui import ids
from bot.ui.buttons import MUTED, Buttons, button, on_click
from bot.ui.checks import guild_id, moderator
from bot.ui.errors import send_ephemeral
from bot.ui.moderation import quality_render as render

if TYPE_CHECKING:
    from bot.ui.client import QuizBot


def insight_view(deck: str, page: int, pages: int) -> discord.ui.View:
    view = Buttons()
    prev_id = ids.build(ids.InsightPageId(deck, max(1, page - 1), "p"))
    next_id = ids.build(ids.InsightPageId(deck, min(pages, page + 1), "n"))
    view.add_item(button(prev_id, "◀ Previous", disabled=page <= 1))
    view.add_item(button(next_id, "Next ▶", disabled=page >= pages))
    return view


def reports_view(reports: list[Report], page: int, pages: int) -> discord.ui.View:
    view = Buttons()
    for row, report in enumerate(reports):
        actions: list[tuple[ids.ReportAction, str, discord.ButtonStyle]] = [
            ("r", f"Resolve #{report.id}", discord.ButtonStyle.success),
            ("d", f"Dismiss #{report.id}", discord.ButtonStyle.secondary),
            ("h", f"Hide {report.question_id}"[:80], discord.ButtonStyle.danger),
        ]
        for action, label, style in actions:
            item = button(ids.build(ids.ReportActionId(report.id, action)), label, style)
            item.row = row
            view.add_item(item)
    if pages > 1:
        pager: list[tuple[str, int, ids.Direction, bool]] = [
            ("◀ Previous", max(1, page - 1), "p", page <= 1),
            ("Next ▶", min(pages, page + 1), "n", page >= pages),
        ]
        for label, target, direction, disabled in pager:
            item = button(ids.build(ids.ReportPageId(target, direction)), label, disabled=disabled)
            item.row = 4
            view.add_item(item)
    return view


def chart_points(insight: DeckInsight) -> list[tuple[str, float, float, bool]]:
    return [
        (r.question.id, r.stats.facility, r.stats.discrimination, bool(r.flags or r.open_reports))
        for r in insight.rows
        if r.stats.facility is not None and r.stats.discrimination is not None
    ]


@app_commands.command(name="insights", description="Which questions fail and why (first answers, as Moodle counts)")
@app_commands.describe(
    question="One question's id for its figures and reports; leave empty for the deck, worst first",
    deck=f"Which deck (default {DEFAULT_DECK})",
    export="Send the deck's figures as a CSV file (one row per question)",
)
@app_commands.check(moderator)
async def insights(
    interaction: discord.Interaction[QuizBot],
    question: str | None = None,
    deck: str = DEFAULT_DECK,
    export: bool = False,
) -> None:
    service = interaction.client.services.insights
    guild = guild_id(interaction)
    await interaction.response.defer(ephemeral=True, thinking=True)
    if question and not export:
        found = await service.question(guild, question.strip())
        await send_ephemeral(interaction, embed=render.question_embed(found))
        return
    overview = await service.deck(guild, deck)
    if export:
        data = to_csv(overview.rows).encode()
        file = discord.File(io.BytesIO(data), filename=f"insights-{deck}.csv")
        await send_ephemeral(interaction, f"{len(overview.rows)} questions, one row each.", file=file)
        return
    points = chart_points(overview)
    embed = render.deck_embed(overview, chart=bool(points))
    view = insight_view(deck, overview.page, overview.pages)
    if not points:
        await send_ephemeral(interaction, embed=embed, view=view)
        return
    png = await asyncio.to_thread(insights_png, points, f"{deck}: facility against discrimination")
    await send_ephemeral(interaction, embed=embed, view=view, file=discord.File(io.BytesIO(png), filename=render.CHART))


@app_commands.command(name="reports", description="Members' open reports of bad questions, newest first")
@app_commands.check(moderator)
async def reports(interaction: discord.Interaction[QuizBot]) -> None:
    rows, page, pages, total = await interaction.client.services.reports.open_page(guild_id(interaction), 1)
    await send_ephemeral(
        interaction, embed=render.reports_embed(rows, page, pages, total), view=reports_view(rows, page, pages)
    )


COMMANDS = (insights, reports)


# -- the buttons of the replies above: moderators only, checked again on every click --------------
@on_click(ids.InsightPageId, moderator_only=True)
async def insight_page(interaction: discord.Interaction[QuizBot], parsed: ids.InsightPageId) -> None:
    overview = await interaction.client.services.insights.deck(guild_id(interaction), parsed.deck, parsed.page)
    message = interaction.message
    chart = message is not None and any(a.filename == render.CHART for a in message.attachments)
    await interaction.response.edit_message(
        embed=render.deck_embed(overview, chart=chart),
        view=insight_view(overview.deck, overview.page, overview.pages),
        allowed_mentions=MUTED,
    )


async def show_reports(interaction: discord.Interaction[QuizBot], page: int, note: str | None = None) -> None:
    rows, page, pages, total = await interaction.client.services.reports.open_page(guild_id(interaction), page)
    await interaction.response.edit_message(
        content=note,
        embed=render.reports_embed(rows, page, pages, total),
        view=reports_view(rows, page, pages),
        allowed_mentions=MUTED,
    )


@on_click(ids.ReportPageId, moderator_only=True)
async def reports_page(interaction: discord.Interaction[QuizBot], parsed: ids.ReportPageId) -> None:
    await show_reports(interaction, parsed.page)


@on_click(ids.ReportActionId, moderator_only=True)
async def report_action(interaction: discord.Interaction[QuizBot], parsed: ids.ReportActionId) -> None:
    service = interaction.client.services.reports
    guild, me = guild_id(interaction), interaction.user.id
    if parsed.action == "h":
        report, changed = await service.hide(guild_id=guild, report_id=parsed.report_id, moderator_id=me)
        note = (
            f"**{report.question_id}** is hidden from this server's rounds and daily posts "
            "(`/quiz-admin question unhide` brings it back). Resolve the report once it is fixed."
            if changed
            else f"**{report.question_id}** was already hidden."
        )
    else:
        status = "resolved" if parsed.action == "r" else "dismissed"
        report = await service.close(guild_id=guild, report_id=parsed.report_id, moderator_id=me, status=status)
        note = f"Report #{report.id} on **{report.question_id}** {status} by <@{me}>."
    await show_reports(interaction, 1, note)
