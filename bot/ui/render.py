"""Text pieces every feature's messages share: colours, timestamps, footers, choice lists, clipping.

Each feature keeps its own texts next to it (play/render.py, moderation/render.py); the services
phrase their refusals themselves (QuizError messages), which the ui only relays.
"""

from __future__ import annotations

from datetime import datetime

import discord

from bot.core.content import Question, letter
from bot.core.scoring import percentages

BRAND = discord.Colour.from_rgb(255, 179, 0)
RIGHT = discord.Colour.green()
WRONG = discord.Colour.red()
CLOSED = discord.Colour.dark_grey()


def timestamp(moment: datetime, style: str = "R") -> str:
    return f"<t:{int(moment.timestamp())}:{style}>"


def footer(question: Question) -> str:
    if question.trl_version:
        return f"Checked against TRL {question.trl_version} · {question.id}"
    return f"Written by this server's moderators · {question.id}"


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
