"""The custom_id grammar: every kind round-trips, nothing else parses, nothing exceeds 100 chars."""

from typing import get_args

import pytest

from bot.ui import ids

BIG_POST = 10**19 - 1  # the largest post id the grammar accepts (19 digits)
BIG_MEMBER = 10**20 - 1  # Discord snowflakes fit in 20 digits
LONG_SLUG = "a" * 31 + "-" + "b" * 32  # question ids and decks are slugs of at most 64 chars
BIG_PAGE = 9_999_999

EXAMPLES: list[ids.ButtonId] = [
    ids.AnswerId(1, 0),
    ids.AnswerId(BIG_POST, 4),
    ids.NextId(42),
    ids.NextId(BIG_POST),
    ids.BoardId("all", 1),
    ids.BoardId("week", BIG_PAGE, "p"),
    ids.BoardId("all", 3, "n"),
    ids.RemoveId("custom-1"),
    ids.RemoveId(LONG_SLUG),
    ids.CancelId(),
    ids.ListId("trl", 1),
    ids.ListId(LONG_SLUG, BIG_PAGE, "n"),
    ids.DraftId("add", "trl"),
    ids.DraftId("edit", LONG_SLUG),
    ids.ForgetId(BIG_MEMBER),
    ids.QuestionFormId("add", "trl"),
    ids.QuestionFormId("edit", LONG_SLUG),
    ids.PracticeAnswerId(1, 1, 0),
    ids.PracticeAnswerId(BIG_POST, BIG_PAGE, 4),
    ids.PracticeNextId(BIG_POST, BIG_PAGE),
    ids.PracticeStopId(BIG_POST),
    ids.ReportId(BIG_POST),
    ids.PracticeReportId(BIG_POST, BIG_PAGE),
    ids.ReportFormId(0, BIG_POST),
    ids.ReportFormId(BIG_POST, BIG_PAGE),
    ids.InsightPageId(LONG_SLUG, BIG_PAGE, "p"),
    ids.InsightPageId("trl", 1),
    ids.ReportPageId(BIG_PAGE, "n"),
    ids.ReportActionId(BIG_POST, "h"),
    ids.ReportActionId(1, "r"),
]


def test_examples_cover_every_kind():
    assert {type(example) for example in EXAMPLES} == set(get_args(ids.ButtonId)) == set(ids.KINDS)


@pytest.mark.parametrize("button", EXAMPLES, ids=repr)
def test_round_trip(button):
    custom_id = ids.build(button)
    assert custom_id.startswith(f"{ids.PREFIX}:")
    assert ids.parse(custom_id) == button


@pytest.mark.parametrize("button", EXAMPLES, ids=repr)
def test_at_most_100_chars(button):
    assert len(ids.build(button)) <= ids.MAX_LENGTH == 100


def test_answer_prefix_starts_every_answer_id_of_its_post():
    prefix = ids.answer_prefix(12)
    assert prefix == "quiz:ans:12:"
    assert all(ids.build(ids.AnswerId(12, i)).startswith(prefix) for i in range(5))
    assert not ids.build(ids.AnswerId(123, 0)).startswith(prefix)


FORGED = [
    "",
    "nonsense",
    "x" * 100,
    "quiz",
    "quiz:",
    "other:ans:1:A",
    "quiz:ans:1:A:extra",
    "quiz:ans:1:A ",
    " quiz:ans:1:A",
    "quiz:ans:0:A",
    "quiz:ans:-1:A",
    "quiz:ans:01:A",
    "quiz:ans:abc:A",
    "quiz:ans:99999999999999999999:A",  # 20 digits
    "quiz:ans:1:a",
    "quiz:ans:1:F",
    "quiz:ans:1:A'; --",
    "quiz:next:",
    "quiz:next:abc",
    "quiz:lb:all:0",
    "quiz:lb:month:1",
    "quiz:lb:all:1:x",
    "quiz:lb:all:12345678",
    "quiz:qrm:../etc",
    "quiz:qrm:Bad_Id",
    "quiz:qrm:-lead",
    "quiz:qrm:trail-",
    "quiz:cancel:x",
    "quiz:cancel:",
    "quiz:forget:",
    "quiz:forget:0",
    "quiz:forget:123456789012345678901",  # 21 digits
    "quiz:ql:trl:0",
    "quiz:ql:TRL:1",
    "quiz:draft:delete:trl",
    "quiz:draft:add:",
    "quiz:draft:edit:a b",
]


@pytest.mark.parametrize("custom_id", FORGED)
def test_forged_or_malformed_ids_parse_to_none(custom_id):
    assert ids.parse(custom_id) is None
