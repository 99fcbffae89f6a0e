"""The buttons of a member's private practice: the letters, then Next and Stop."""

from __future__ import annotations

import discord

from bot.core.content import letter
from bot.core.results import PracticeQuestion
from bot.ui import ids
from bot.ui.buttons import Buttons, button
from bot.ui.reporting import report_button


def question_view(step: PracticeQuestion) -> Buttons:
    view = Buttons()
    for i in range(len(step.question.choices)):
        custom_id = ids.build(ids.PracticeAnswerId(step.session_id, step.position, i))
        view.add_item(button(custom_id, letter(i), discord.ButtonStyle.primary))
    stop = button(ids.build(ids.PracticeStopId(step.session_id)), "Stop", discord.ButtonStyle.secondary)
    stop.row = 1
    view.add_item(stop)
    return view


def after_answer_view(session_id: int, position: int) -> Buttons:
    view = Buttons()
    view.add_item(button(ids.build(ids.PracticeNextId(session_id, position)), "Next ▶", discord.ButtonStyle.primary))
    view.add_item(button(ids.build(ids.PracticeStopId(session_id)), "Stop", discord.ButtonStyle.secondary))
    view.add_item(report_button(ids.build(ids.PracticeReportId(session_id, position))))
    return view
