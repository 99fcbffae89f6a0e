"""Views of the moderators' messages: question list paging and the remove confirmation."""

from __future__ import annotations

import discord

from bot.ui import ids
from bot.ui.buttons import QuizButton


def list_view(deck: str, page: int, pages: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(
        QuizButton(
            discord.ui.Button(
                label="◀ Previous", custom_id=ids.list_id(deck, max(1, page - 1), "p"), disabled=page <= 1
            )
        )
    )
    view.add_item(
        QuizButton(
            discord.ui.Button(
                label="Next ▶", custom_id=ids.list_id(deck, min(pages, page + 1), "n"), disabled=page >= pages
            )
        )
    )
    return view


def confirm_view(question_id: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(
        QuizButton(
            discord.ui.Button(label="Remove", style=discord.ButtonStyle.danger, custom_id=ids.remove_id(question_id))
        )
    )
    view.add_item(QuizButton(discord.ui.Button(label="Cancel", custom_id=ids.CANCEL)))
    return view


def fix_view(mode: str, target: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(
        QuizButton(
            discord.ui.Button(label="Fix it", style=discord.ButtonStyle.primary, custom_id=ids.draft_id(mode, target))
        )
    )
    return view
