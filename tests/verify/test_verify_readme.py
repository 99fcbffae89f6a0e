"""content/README.md's tables stay in step with the models: every question field and every check kind."""

import re
import typing
from pathlib import Path

from bot.core.checks import Check
from bot.core.content import Question

README = (Path(__file__).resolve().parents[2] / "content" / "README.md").read_text(encoding="utf-8")


def table(heading: str) -> list[list[str]]:
    section = README.split(heading, 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_field_table_lists_exactly_the_question_fields():
    names = [re.findall(r"`([a-z_]+)`", row[0])[0] for row in table("### Fields")]
    assert sorted(names) == sorted(Question.model_fields)


def test_check_kinds_table_lists_every_kind_with_its_fields():
    union = typing.get_args(typing.get_args(Check)[0])
    models = {typing.get_args(m.model_fields["kind"].annotation)[0]: m for m in union}
    rows = {re.findall(r"`([a-z]+)`", row[0])[0]: row[1] for row in table("### Check kinds") if row[0] != "`kind`"}
    assert sorted(rows) == sorted(models)
    for kind, model in models.items():
        documented = set(re.findall(r"`([a-z_]+)`", rows[kind]))
        assert set(model.model_fields) - {"kind"} <= documented, (kind, documented)
