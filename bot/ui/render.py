"""Pure rendering: result objects become embeds. Every member-facing quiz text lives here."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.core.content import Question, letter
from bot.core.drafts import Draft
from bot.core.results import (
    AnswerResult,
    Board,
    DailyPosted,
    DailyStatus,
    MemberStats,
    QuestionPage,
    QuestionToPost,
    Reveal,
    RoundSummary,
)
from bot.core.rounds import PostInfo
from bot.core.scoring import Standing, accuracy, percentages

BRAND = discord.Colour.from_rgb(255, 179, 0)
RIGHT = discord.Colour.green()
WRONG = discord.Colour.red()
CLOSED = discord.Colour.dark_grey()


def _ts(moment: datetime, style: str = "R") -> str:
    return f"<t:{int(moment.timestamp())}:{style}>"


def footer(question: Question) -> str:
    if question.trl_version:
        return f"Checked against TRL {question.trl_version} · {question.id}"
    return f"Written by this server's moderators · {question.id}"


def header(post: PostInfo, number: int | None, total: int | None) -> str:
    if post.kind == "daily":
        return "TRL · Question of the day"
    return f"TRL · Question {number} / {total}"


def choice_lines(question: Question, counts: tuple[int, ...] | None = None) -> str:
    shares = percentages(list(counts)) if counts is not None else None
    lines = []
    for i, text in enumerate(question.choices):
        if counts is None or shares is None:
            lines.append(f"**{letter(i)}.** {text}")
            continue
        mark = "✅" if i == question.answer_index else "▫️"
        lines.append(f"{mark} **{letter(i)}.** {text} — {counts[i]} ({shares[i]}%)")
    return "\n".join(lines)


def question_embed(item: QuestionToPost) -> discord.Embed:
    post = item.post
    embed = discord.Embed(
        title=header(post, item.number, item.total),
        description=f"{item.question.prompt}\n\n{choice_lines(item.question)}",
        colour=BRAND,
    )
    embed.add_field(name="Closes", value=f"{_ts(post.closes_at)} · one answer each, only you see your result")
    embed.set_footer(text=footer(item.question))
    return embed


def reveal_embed(reveal: Reveal) -> discord.Embed:
    post, question = reveal.post, reveal.post.question
    answered = sum(reveal.counts)
    right = reveal.counts[question.answer_index] if answered else 0
    embed = discord.Embed(
        title=f"{header(post, post.position, reveal.round_total)} · closed",
        description=f"{question.prompt}\n\n{choice_lines(question, reveal.counts)}",
        colour=CLOSED,
    )
    embed.add_field(
        name=f"Answer: {letter(question.answer_index)}",
        value=f"{right} of {answered} answered correctly." if answered else "Nobody answered this one.",
        inline=False,
    )
    embed.add_field(name="Why", value=question.explanation, inline=False)
    embed.set_footer(text=footer(question))
    return embed


def standing_line(row: Standing) -> str:
    return f"**{row.rank}.** <@{row.member_id}> — {row.points} pts ({row.correct}/{row.answered} correct)"


def board_text(board: Board, empty: str = "No answers yet.") -> str:
    if not board.rows:
        return empty
    return "\n".join(standing_line(row) for row in board.rows)


def me_text(board: Board) -> str:
    if board.me is None:
        return "You haven't answered anything yet."
    return f"You: rank **{board.me.rank}** · {board.me.points} pts ({board.me.correct}/{board.me.answered} correct)"


def answer_embed(result: AnswerResult) -> discord.Embed:
    question = result.post.question
    right = letter(question.answer_index)
    if result.correct:
        title = f"✅ Correct — {right}" + (" · +1 point" if result.points else " · no new point (already mastered)")
    else:
        title = f"❌ Not quite — you chose {letter(result.choice)}, the answer is {right}"
    embed = discord.Embed(
        title=title,
        description=f"**{right}.** {question.choices[question.answer_index]}\n\n{question.explanation}",
        colour=RIGHT if result.correct else WRONG,
    )
    if result.progress is not None:
        answered, correct, total = result.progress
        embed.add_field(name="This round", value=f"{answered} / {total} answered · {correct} correct", inline=False)
    embed.add_field(
        name="Server leaderboard", value=f"{board_text(result.board)}\n{me_text(result.board)}", inline=False
    )
    embed.set_footer(text=footer(question))
    return embed


def summary_embed(summary: RoundSummary) -> discord.Embed:
    verb = "stopped" if summary.stopped else "finished"
    embed = discord.Embed(
        title=f"TRL round {verb}",
        description=f"{summary.asked} of {summary.round.total} questions asked.",
        colour=BRAND,
    )
    if summary.top:
        top = "\n".join(
            f"**{row.rank}.** <@{row.member_id}> — {row.correct} / {row.answered} correct" for row in summary.top
        )
    else:
        top = "Nobody answered this round."
    embed.add_field(name="Top of this round", value=top, inline=False)
    embed.add_field(name="Server leaderboard", value=board_text(summary.board), inline=False)
    embed.set_footer(text="Points: 1 for each question you get right for the first time in this server.")
    return embed


def board_embed(board: Board) -> discord.Embed:
    scope = "this week" if board.scope == "week" else "all time"
    embed = discord.Embed(
        title=f"Server leaderboard · {scope}",
        description=board_text(board, "Nobody has scored yet. Start with /quiz trl!"),
        colour=BRAND,
    )
    embed.add_field(name="Your rank", value=me_text(board), inline=False)
    embed.set_footer(text=f"Page {board.page} / {board.pages}")
    return embed


def stats_embed(stats: MemberStats) -> discord.Embed:
    embed = discord.Embed(title="Quiz stats", description=f"<@{stats.member_id}>", colour=BRAND)
    embed.add_field(name="Answered", value=str(stats.answered))
    embed.add_field(name="Correct", value=str(stats.correct))
    embed.add_field(name="Accuracy", value=f"{accuracy(stats.correct, stats.answered):.0%}")
    embed.add_field(name="Points", value=str(stats.points))
    embed.add_field(name="Rank", value=f"#{stats.rank}" if stats.rank else "—")
    embed.add_field(name="Best streak", value=str(stats.best_streak))
    return embed


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


def clip(text: str, limit: int = 1900) -> str:
    """Fit a long message into one Discord message, saying how much was left out."""
    if len(text) <= limit:
        return text
    lines, kept, size = text.splitlines(), [], 0
    for line in lines:
        if size + len(line) + 1 > limit - 40:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept) + f"\n… and {len(lines) - len(kept)} more line(s)"


# -- the daily question -------------------------------------------------------------------------
def daily_ping(role_id: int | None) -> str | None:
    """The message content of a daily post: the opted-in role's mention, or nothing."""
    return f"<@&{role_id}>" if role_id else None


def daily_cannot_post(channel_id: int, *, gone: bool) -> str:
    """Why a daily post failed, as moderators read it in /quiz-admin daily status."""
    if gone:
        return (
            f"The channel <#{channel_id}> no longer exists or I can't see it; "
            "choose another with /quiz-admin daily set."
        )
    return (
        f"I'm not allowed to post in <#{channel_id}>; give me View Channel, Send Messages, Embed Links "
        "and Read Message History there."
    )


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
            f"Your time: {_ts(status.next_post_at, 'F')} ({_ts(status.next_post_at)})",
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
        when = f"{_ts(status.last_error_at, 'f')}: " if status.last_error_at else ""
        embed.add_field(
            name="Last error", value=f"{when}{status.last_error}\nI'll try again at the next day's time.", inline=False
        )
    return embed


def daily_posted_text(result: DailyPosted) -> str:
    if result.already:
        return f"Today's question is already up in <#{result.channel_id}>: {result.link}"
    return (
        f"Posted today's question in <#{result.channel_id}>: {result.link}\n"
        "It counts as today's, so nothing more is posted at today's time."
    )
