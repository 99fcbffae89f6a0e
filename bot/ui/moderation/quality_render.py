"""What moderators read about question quality: one question's figures, the deck overview, open reports."""

from __future__ import annotations

import discord

from bot.core.content import LETTERS
from bot.core.insights import DeckInsight, InsightRow, QuestionInsight
from bot.core.item_analysis import MIN_ANSWERS, ItemStats, describe
from bot.core.reports import REASONS, Report
from bot.ui.render import BRAND, CLOSED, WRONG, timestamp

CHART = "insights.png"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


def quote(text: str, limit: int) -> str:
    """A member's words, verbatim, as a block quote (mentions in it never ping: replies allow none)."""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return "\n".join(f"> {line}" for line in text.splitlines() or [""])


def figures_line(stats: ItemStats) -> str:
    return (
        f"First answers **{stats.answered}** · facility **{percent(stats.facility)}** · "
        f"discrimination **{signed(stats.discrimination)}** · efficiency **{percent(stats.efficiency)}** · "
        f"guessing scores {percent(stats.chance)}"
    )


def option_lines(stats: ItemStats) -> str:
    lines: list[str] = []
    for option in stats.options:
        mark = "✅" if option.key else "▫️"
        letter = LETTERS[option.choice] if option.choice < len(LETTERS) else str(option.choice)
        lines.append(
            f"{mark} **{letter}** {option.count} ({percent(option.share)}) · r {signed(option.point_biserial)}"
        )
    return "\n".join(lines)


def verdict(stats: ItemStats, flags_text: list[str]) -> str:
    if not stats.judged:
        return f"Too few answers to judge yet ({stats.answered} of {MIN_ANSWERS} first answers)."
    if not flags_text:
        return "Nothing to fix: it separates strong from weak members and every distractor works."
    return "\n".join(f"⚠️ {line}" for line in flags_text)


def report_line(report: Report) -> str:
    head = f"**#{report.id}** {REASONS[report.reason]} · <@{report.member_id}> · {timestamp(report.updated_at)}"
    return head + ("\n" + quote(report.details, 300) if report.details else "")


def question_embed(insight: QuestionInsight) -> discord.Embed:
    stats, question = insight.stats, insight.question
    hidden = " (hidden in this server)" if insight.hidden else ""
    embed = discord.Embed(
        title=f"Insights · {question.id}{hidden}",
        description=f"{question.prompt[:600]}\n\n{figures_line(stats)}",
        colour=WRONG if insight.flags or insight.reports else BRAND,
    )
    embed.add_field(
        name="Answers per option (r = the option's point-biserial)", value=option_lines(stats), inline=False
    )
    embed.add_field(name="Flags", value=verdict(stats, [describe(f) for f in insight.flags])[:1024], inline=False)
    if insight.reports:
        text = "\n".join(report_line(r) for r in insight.reports[:5])
        more = len(insight.reports) - 5
        if more > 0:
            text += f"\n… and {more} more in /quiz-admin reports"
        embed.add_field(name=f"Open reports ({len(insight.reports)})", value=text[:1024], inline=False)
    embed.set_footer(
        text="First answers only, in this server. Discrimination: correlation of being right here with the member's "
        "accuracy on the other questions."
    )
    return embed


def attention_line(row: InsightRow) -> str:
    s = row.stats
    parts = [f"**{row.question.id}**" + (" (hidden)" if row.hidden else "")]
    parts.append(f"{s.answered} answers · facility {percent(s.facility)} · discrimination {signed(s.discrimination)}")
    if row.open_reports:
        # The counter's keys come from the database, so an unknown code (a newer release's) shows as itself.
        words: dict[str, str] = {str(code): text for code, text in REASONS.items()}
        reasons = ", ".join(f"{words.get(code, code)} ×{n}" for code, n in row.reports.most_common())
        parts.append(f"{row.open_reports} open report(s): {reasons}")
    line = " · ".join(parts)
    for flag in row.flags:
        line += f"\n  ⚠️ {describe(flag)}"
    return line


def deck_embed(insight: DeckInsight, chart: bool) -> discord.Embed:
    answered = sum(1 for r in insight.rows if r.stats.answered)
    if insight.attention:
        text = "\n".join(attention_line(r) for r in insight.attention)
    else:
        text = "No question needs attention: no flags and no open reports."
    embed = discord.Embed(
        title=f"Insights · {insight.deck}: {insight.needing} of {len(insight.rows)} questions need attention",
        description=text[:4000],
        colour=WRONG if insight.needing else CLOSED,
    )
    embed.add_field(
        name="How to read it",
        value=(
            f"{answered} questions have answers. Worst first: flags and open reports. "
            "`/quiz-admin insights question:<id>` shows one in detail; `export:True` gives the CSV. "
            f"Figures as of {timestamp(insight.as_of)}, counting every answer until then."
        ),
        inline=False,
    )
    if chart:
        embed.set_image(url=f"attachment://{CHART}")
    embed.set_footer(text=f"Page {insight.page} / {insight.pages}")
    return embed


def reports_embed(reports: list[Report], page: int, pages: int, total: int) -> discord.Embed:
    if not reports:
        return discord.Embed(title="Open reports", description="No open reports. 🎉", colour=CLOSED)
    embed = discord.Embed(title=f"Open reports ({total}), newest first", colour=WRONG)
    for report in reports:
        embed.add_field(
            name=f"#{report.id} · {report.question_id} · {REASONS[report.reason]}",
            value=(
                f"by <@{report.member_id}> {timestamp(report.updated_at)}\n"
                f"{quote(report.question.prompt, 200)}\n"
                + (f"**Details:**\n{quote(report.details, 500)}" if report.details else "*(no details)*")
            )[:1024],
            inline=False,
        )
    embed.set_footer(text=f"Page {page} / {pages} · Resolve = fixed · Dismiss = nothing to fix")
    return embed
