"""The buttons under moderators' messages: question list paging, the remove confirmation, "Fix it"."""

from __future__ import annotations

import discord

from bot.ui import ids
from bot.ui.buttons import Buttons, button, cancel_button


def list_view(deck: str, page: int, pages: int) -> Buttons:
    view = Buttons()
    view.add_item(button(ids.build(ids.ListId(deck, max(1, page - 1), "p")), "◀ Previous", disabled=page <= 1))
    view.add_item(button(ids.build(ids.ListId(deck, min(pages, page + 1), "n")), "Next ▶", disabled=page >= pages))
    return view


def confirm_view(question_id: str) -> Buttons:
    view = Buttons()
    view.add_item(button(ids.build(ids.RemoveId(question_id)), "Remove", discord.ButtonStyle.danger))
    view.add_item(cancel_button())
    return view


def fix_view(mode: ids.FormMode, target: str) -> Buttons:
    view = Buttons()
    view.add_item(button(ids.build(ids.DraftId(mode, target)), "Fix it", discord.ButtonStyle.primary))
    return view
