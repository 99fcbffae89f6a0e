"""The buttons under members' messages: a question's letters, leaderboard paging, forget-me confirmation."""

from __future__ import annotations

import discord

from bot.core.content import letter
from bot.core.scoring import BoardScope
from bot.ui import ids
from bot.ui.buttons import Buttons, button, cancel_button


def question_view(post_id: int, choices: int, *, round_post: bool) -> Buttons:
    view = Buttons()
    for i in range(choices):
        view.add_item(button(ids.build(ids.AnswerId(post_id, i)), letter(i), discord.ButtonStyle.primary))
    if round_post:
        next_button = button(ids.build(ids.NextId(post_id)), "Next ⏭", discord.ButtonStyle.secondary)
        next_button.row = 1
        view.add_item(next_button)
    return view


def closed_view(post_id: int, choices: int, answer: int) -> Buttons:
    view = Buttons()
    for i in range(choices):
        style = discord.ButtonStyle.success if i == answer else discord.ButtonStyle.secondary
        view.add_item(button(ids.build(ids.AnswerId(post_id, i)), letter(i), style, disabled=True))
    return view


def board_view(scope: BoardScope, page: int, pages: int) -> Buttons:
    view = Buttons()
    view.add_item(button(ids.build(ids.BoardId(scope, max(1, page - 1), "p")), "◀ Previous", disabled=page <= 1))
    view.add_item(button(ids.build(ids.BoardId(scope, min(pages, page + 1), "n")), "Next ▶", disabled=page >= pages))
    other: BoardScope = "week" if scope == "all" else "all"
    view.add_item(
        button(
            ids.build(ids.BoardId(other, 1)),
            "This week" if other == "week" else "All time",
            discord.ButtonStyle.primary,
        )
    )
    return view


def forget_view(member_id: int) -> Buttons:
    view = Buttons()
    view.add_item(button(ids.build(ids.ForgetId(member_id)), "Delete my quiz data", discord.ButtonStyle.danger))
    view.add_item(cancel_button())
    return view
