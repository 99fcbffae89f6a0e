"""What members read while playing: question posts, reveals, answer replies, summaries, boards, stats."""

from __future__ import annotations

import discord

from bot.core.content import Difficulty, letter
from bot.core.posts import PostInfo
from bot.core.results import AnswerResult, Board, MemberStats, QuestionToPost, Reveal, RoundSummary
from bot.core.scoring import Standing, accuracy
from bot.ui.render import BRAND, CLOSED, RIGHT, WRONG, choice_lines, footer, timestamp


def header(post: PostInfo, number: int | None, total: int | None) -> str:
    if post.kind == "daily":
        return "TRL · Question of the day"
    return f"TRL · Question {number} / {total}"


def question_embed(item: QuestionToPost) -> discord.Embed:
    post = item.post
    embed = discord.Embed(
        title=header(post, item.number, item.total),
        description=f"{item.question.prompt}\n\n{choice_lines(item.question)}",
        colour=BRAND,
    )
    embed.add_field(name="Closes", value=f"{timestamp(post.closes_at)} · one answer each, only you see your result")
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
    points = "Points: 1 for each question you get right for the first time in this server."
    embed.set_footer(text=summary_mark(summary.round.id) + points)
    return embed


def summary_mark(round_id: int) -> str:
    """How a round's summary starts its footer: the mark the bot looks for after a crash, before sending again."""
    return f"Round {round_id} · "


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


def daily_ping(role_id: int | None) -> str | None:
    """The message content of a daily post: the opted-in role's mention, or nothing."""
    return f"<@&{role_id}>" if role_id else None


def round_started(
    member_id: int, total: int, seconds: int, topic: str | None, difficulty: Difficulty | None, asked: int | None
) -> str:
    """The public line that opens a round, saying which slice of the deck it asks and if it is smaller."""
    slice_ = " · ".join(x for x in (topic, difficulty) if x)
    count = f"{total} question{'s' if total != 1 else ''}"
    text = f"<@{member_id}> started a TRL round{f' on {slice_}' if slice_ else ''}: {count}, {seconds} s each."
    if asked is not None and total < asked:
        text += f" (Only {total} question{'s' if total != 1 else ''} match, so the round has {total}, not {asked}.)"
    return text + " Pick a letter under each question; only you see whether you were right."
