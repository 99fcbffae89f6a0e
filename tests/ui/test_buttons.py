"""The click registry: loading the feature cogs gives every id kind exactly one handler."""

import importlib
from typing import get_args

import pytest

from bot.ui import buttons, ids
from bot.ui.client import EXTENSIONS

MODERATOR_ONLY: set[type] = {
    ids.RemoveId,
    ids.ListId,
    ids.DraftId,
    ids.InsightPageId,
    ids.ReportPageId,
    ids.ReportActionId,
    ids.QuestionFormId,
}


@pytest.fixture(scope="module")
def handlers():
    for name in EXTENSIONS:
        importlib.import_module(name)
    return buttons.HANDLERS


def test_every_kind_has_exactly_one_handler(handlers):
    # The registry is a dict keyed by kind, and on_click refuses a second handler for a kind.
    assert set(handlers) == set(get_args(ids.ButtonId))


def test_moderator_only_kinds_are_flagged(handlers):
    assert {kind for kind, registration in handlers.items() if registration.moderator_only} == MODERATOR_ONLY


def test_a_second_handler_for_a_kind_is_refused(handlers):
    async def impostor(interaction, parsed):
        raise AssertionError("never called")

    with pytest.raises(RuntimeError, match="already handled"):
        buttons.on_click(ids.AnswerId)(impostor)
    assert handlers[ids.AnswerId].handler is not impostor


@pytest.mark.parametrize("kind", sorted(MODERATOR_ONLY, key=lambda k: str(k)))
def test_moderator_handlers_live_with_the_moderation_feature(handlers, kind):
    assert handlers[kind].handler.__module__.startswith("bot.ui.moderation.")
