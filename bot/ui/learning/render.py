"""What practice, progress and reminders look like: private embeds and the reminder's direct message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import discord

from bot.core.content import letter
from bot.core.results import (
    PracticeCounts,
    PracticeFeedback,
    PracticeQuestion,
    PracticeSummary,
    Progress,
    Reminder,
    ReminderMessage,
)
from bot.ui.render import BRAND, CLOSED, RIGHT, WRONG, choice_lines, footer, timestamp

REASONS = {"due": "🔁 Due for review", "new": "🆕 New to you"}
NO_STREAK_EFFECT = "Practice teaches; it never changes points, ranks or the leaderboard."


def counts_line(counts: PracticeCounts) -> str:
    return (
        f"Reviewed {counts.reviewed} ({counts.reviewed_right} right) · new {counts.fresh} ({counts.fresh_right} right)"
    )


def question_embed(step: PracticeQuestion) -> discord.Embed:
    embed = discord.Embed(
        title=f"Practice · question {step.position}",
        description=f"{step.question.prompt}\n\n{choice_lines(step.question)}",
        colour=BRAND,
    )
    embed.add_field(name=REASONS[step.reason], value=counts_line(step.counts), inline=False)
    embed.set_footer(text=footer(step.question))
    return embed


def feedback_embed(result: PracticeFeedback) -> discord.Embed:
    question = result.question
    right = letter(question.answer_index)
    if result.correct:
        title = f"✅ Correct — {right}"
        when = "It comes back later, further out each time you get it right."
    else:
        title = f"❌ Not quite — you chose {letter(result.choice)}, the answer is {right}"
        when = "It comes back tomorrow."
    embed = discord.Embed(
        title=title,
        description=f"**{right}.** {question.choices[question.answer_index]}\n\n{question.explanation}",
        colour=RIGHT if result.correct else WRONG,
    )
    embed.add_field(name="This session", value=f"{counts_line(result.counts)}\n{when}", inline=False)
    embed.set_footer(text=footer(question))
    return embed


def _next_due(summary: PracticeSummary) -> str:
    if summary.next_due is None:
        return "Nothing is scheduled yet."
    line = f"Next review {timestamp(summary.next_due)} ({timestamp(summary.next_due, 'f')})."
    if summary.due_within_day:
        line += f"\n{summary.due_within_day} question(s) due within a day."
    return line


def summary_embed(summary: PracticeSummary) -> discord.Embed:
    if summary.nothing_to_do:
        return discord.Embed(
            title="Nothing to practise right now",
            description="No review is due and you have seen every question of the deck. " + _next_due(summary),
            colour=CLOSED,
        )
    c = summary.counts
    embed = discord.Embed(
        title="Practice done",
        description=(
            f"**{c.reviewed}** reviewed ({c.reviewed_right} right) · **{c.fresh}** new ({c.fresh_right} right)\n"
            + _next_due(summary)
        ),
        colour=BRAND,
    )
    embed.set_footer(text=NO_STREAK_EFFECT)
    return embed


def progress_embed(progress: Progress, chart_name: str | None) -> discord.Embed:
    lines = [f"**{progress.title}: {progress.completed} / {progress.total} completed** (answered right at least once)"]
    due = f"**{progress.due_now}** due for review now"
    if progress.due_now:
        due += " — /quiz practice"
    elif progress.next_due is not None:
        due += f"; next {timestamp(progress.next_due)}"
    lines.append(due)
    lines.append(f"Day streak: **{progress.day_streak}** day(s) in a row with an answer")
    embed = discord.Embed(title="Your progress", description="\n".join(lines), colour=BRAND)
    mastery = "\n".join(
        f"`{t.topic:<16}` {100 * t.mastery:3.0f}%  ({t.seen}/{t.questions} seen)" for t in progress.topics
    )
    embed.add_field(name="Mastery by topic (predicted recall now)", value=mastery[:1024] or "—", inline=False)
    if chart_name is not None:
        embed.set_image(url=f"attachment://{chart_name}")
    return embed


def reminder_status(reminder: Reminder | None) -> str:
    if reminder is None:
        return "Review reminders are off. Turn them on with `/quiz remind turn:on time:19:00 timezone:Europe/Berlin`."
    if reminder.enabled:
        return (
            f"Review reminders are **on**: one direct message a day at **{reminder.local_time}** "
            f"{reminder.timezone}, only when a review is due."
        )
    if reminder.stopped_reason == "dm_closed":
        return (
            "Review reminders were turned **off** because Discord refused my direct message "
            "(your DMs from server members are closed). Allow them, then `/quiz remind turn:on` again."
        )
    return "Review reminders are off."


class Named(Protocol):
    """What a reminder needs of a server: its name (a ``discord.Guild`` has one)."""

    @property
    def name(self) -> str: ...


def reminder_text(message: ReminderMessage, guild: Callable[[int], Named | None]) -> str:
    lines = ["📚 Time for a little TRL review:"]
    for due in message.due:
        found = guild(due.guild_id)
        # A shard process knows only its own servers' names; the channel link still shows any server's.
        name = f"**{discord.utils.escape_markdown(found.name)}**" if found is not None else "another server"
        where = f" — <#{due.channel_id}>" if due.channel_id else ""
        lines.append(f"• **{due.count}** question(s) due in {name}{where}")
    lines.append("Run `/quiz practice` there. (`/quiz remind turn:off` stops these messages.)")
    return "\n".join(lines)
