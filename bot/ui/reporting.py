"""Members report a problem with a question: the button under every private answer reply, its form,
and the form's submit. Shared by play/ (rounds, daily) and learning/ (practice).

The form's custom_id carries its target (ids.ReportFormId) and the form is sent already stopped, so
discord.py keeps nothing in memory: the submit is routed by buttons.on_form_submit like a click, and
works after a restart or in another process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.core.reports import DETAILS_MAX, REASONS, ReportTarget
from bot.ui import ids
from bot.ui.buttons import Buttons, button, form_values, on_click
from bot.ui.errors import send_ephemeral
from bot.ui.render import clip

if TYPE_CHECKING:
    from bot.ui.client import QuizBot

LABEL = "Report a problem"


def report_button(custom_id: str) -> discord.ui.Button[Buttons]:
    return button(custom_id, LABEL, discord.ButtonStyle.secondary)


def post_report_view(post_id: int) -> discord.ui.View:
    """The Report button under a round or daily answer reply."""
    view = Buttons()
    view.add_item(report_button(ids.build(ids.ReportId(post_id))))
    return view


def report_form(form_id: ids.ReportFormId, target: ReportTarget) -> discord.ui.Modal:
    existing = target.existing
    modal = discord.ui.Modal(title="Report a problem with this question", custom_id=ids.build(form_id))
    question = target.question
    modal.add_item(discord.ui.TextDisplay(clip(f"**{question.id}** · {question.prompt}", 600)))
    reasons = discord.ui.Select[discord.ui.View](
        custom_id="reason",
        placeholder="Pick a reason",
        options=[
            discord.SelectOption(label=text, value=code, default=existing is not None and existing.reason == code)
            for code, text in REASONS.items()
        ],
    )
    modal.add_item(discord.ui.Label(text="What is wrong?", component=reasons))
    details = discord.ui.TextInput[discord.ui.View](
        custom_id="details",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=DETAILS_MAX,
        default=(existing.details or None) if existing is not None else None,
        placeholder="What should it say? A link to the TRL docs or source helps.",
    )
    modal.add_item(
        discord.ui.Label(
            text="Details (optional)",
            description="Moderators read this as you wrote it.",
            component=details,
        )
    )
    # Stopped: discord.py must not keep (and dispatch) its own copy; on_form_submit handles the submit.
    modal.stop()
    return modal


@on_click(ids.ReportId)
async def report_post(interaction: discord.Interaction[QuizBot], parsed: ids.ReportId) -> None:
    target = await interaction.client.services.reports.post_target(
        guild_id=interaction.guild_id, member_id=interaction.user.id, post_id=parsed.post_id
    )
    await interaction.response.send_modal(report_form(ids.ReportFormId(0, parsed.post_id), target))


@on_click(ids.PracticeReportId)
async def report_practice(interaction: discord.Interaction[QuizBot], parsed: ids.PracticeReportId) -> None:
    target = await interaction.client.services.reports.practice_target(
        guild_id=interaction.guild_id,
        member_id=interaction.user.id,
        session_id=parsed.session_id,
        position=parsed.position,
    )
    form = ids.ReportFormId(parsed.session_id, parsed.position)
    await interaction.response.send_modal(report_form(form, target))


@on_click(ids.ReportFormId, form=True)
async def report_submitted(interaction: discord.Interaction[QuizBot], parsed: ids.ReportFormId) -> None:
    service = interaction.client.services.reports
    member = interaction.user.id
    if parsed.session_id == 0:
        target = await service.post_target(guild_id=interaction.guild_id, member_id=member, post_id=parsed.target)
    else:
        target = await service.practice_target(
            guild_id=interaction.guild_id, member_id=member, session_id=parsed.session_id, position=parsed.target
        )
    values = form_values(interaction)
    reason = values.get("reason") or []
    details = values.get("details") or ""
    report, updated = await service.submit(
        guild_id=interaction.guild_id or 0,
        member_id=member,
        target=target,
        reason=reason[0] if isinstance(reason, list) and reason else "",
        details=details if isinstance(details, str) else "",
    )
    verb = "updated your report" if updated else "sent your report"
    text = f"Thanks, I {verb} on **{report.question_id}** to the moderators: {REASONS[report.reason]}."
    if report.details:
        text += f"\n> {clip(report.details, 500)}"
    await send_ephemeral(interaction, text)
