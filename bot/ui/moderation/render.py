"""What moderators read: question previews, refused drafts, the question list, the daily question's status."""

from __future__ import annotations

import discord

from bot.core.content import Question, letter
from bot.core.drafts import Draft
from bot.core.results import DailyPosted, DailyStatus, QuestionPage
from bot.ui.failures import failure_text
from bot.ui.render import BRAND, CLOSED, choice_lines, footer, timestamp


def preview_embed(question: Question, deck: str) -> discord.Embed:
    """The question as members will see it, plus the answer and explanation for the moderator."""
    embed = discord.Embed(
        title=f"Preview · {question.id}",
        description=f"{question.prompt}\n\n{choice_lines(question)}",
        colour=BRAND,
    )
    embed.add_field(name=f"Answer: {letter(question.answer_index)}", value=question.explanation, inline=False)
    embed.set_footer(text=f"Deck {deck} · topic {question.topic} · {footer(question)}")
    return embed


def draft_echo(draft: Draft) -> str:
    """What the moderator typed, shown back so nothing has to be retyped from memory."""
    parts = [
        ("Question", draft.prompt),
        ("Choices", draft.choices),
        ("Correct letter", draft.answer),
        ("Explanation", draft.explanation),
    ]
    if draft.topic:
        parts.append(("Topic", draft.topic))
    return "\n".join(f"**{name}:**\n{_quote(value)}" for name, value in parts)


def _quote(text: str, limit: int = 1000) -> str:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return "\n".join("> " + line for line in (text.splitlines() or [""]))


def question_list_embed(page: QuestionPage) -> discord.Embed:
    lines = []
    for row in page.rows:
        source = "built-in" if row.builtin else "this server"
        rate = f"{row.correct}/{row.answered} correct" if row.answered else "not answered yet"
        hidden = " · **hidden**" if row.hidden else ""
        prompt = row.prompt if len(row.prompt) <= 90 else row.prompt[:89] + "…"
        lines.append(f"`{row.id}` · {source} · {rate}{hidden}\n{prompt}")
    embed = discord.Embed(
        title=f"Questions in the {page.deck} deck ({page.total})",
        description="\n\n".join(lines) or "No questions.",
        colour=BRAND,
    )
    embed.set_footer(text=f"Page {page.page} / {page.pages}")
    return embed


def _daily_schedule_line(status: DailyStatus) -> str:
    line = f"Every day at **{status.local_time}** {status.timezone} in <#{status.channel_id}> · deck `{status.deck}`"
    return line + (f" · pings <@&{status.role_id}>" if status.role_id else "")


def daily_status_embed(status: DailyStatus, title: str = "Daily question") -> discord.Embed:
    if not status.configured:
        return discord.Embed(
            title=title,
            colour=CLOSED,
            description="The daily question isn't set up. Choose a channel and a time with /quiz-admin daily set.",
        )
    embed = discord.Embed(
        title=f"{title} · {'on' if status.enabled else 'off'}",
        colour=BRAND if status.enabled else CLOSED,
        description=_daily_schedule_line(status),
    )
    if status.next_post_at is not None and status.next_post_local is not None:
        local = status.next_post_local
        embed.add_field(
            name="Next post",
            value=f"**{local:%a %d %b %Y, %H:%M} {local.tzname()}** ({status.timezone})\n"
            f"Your time: {timestamp(status.next_post_at, 'F')} ({timestamp(status.next_post_at)})",
            inline=False,
        )
    else:
        embed.add_field(name="Next post", value="None: it's off. Turn it on with /quiz-admin daily set.", inline=False)
    rotation = f"{status.remaining} of {status.pool_size} questions not asked yet in this rotation."
    if status.low_on_questions:
        rotation += (
            "\n⚠️ Every question has been asked: the next post starts the rotation over."
            if status.remaining == 0
            else f"\n⚠️ Only {status.remaining} left: then the rotation starts over and questions repeat."
        )
        rotation += " Add more with /quiz-admin question add."
    embed.add_field(name="Questions", value=rotation, inline=False)
    if status.today_link:
        embed.add_field(name="Today", value=status.today_link, inline=False)
    if status.last_error:
        when = f"{timestamp(status.last_error_at, 'f')}: " if status.last_error_at else ""
        embed.add_field(
            name="Last error",
            value=f"{when}{failure_text(status.last_error)}\nI'll try again at the next day's time.",
            inline=False,
        )
    return embed


def daily_posted_text(result: DailyPosted) -> str:
    if result.already:
        return f"Today's question is already up in <#{result.channel_id}>: {result.link}"
    return (
        f"Posted today's question in <#{result.channel_id}>: {result.link}\n"
        "It counts as today's, so nothing more is posted at today's time."
    )
