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


def test_field_table_says_which_fields_the_model_requires():
    """The "Model" column marks exactly the fields a question must have, and gives each optional default."""
    rows = {re.findall(r"`([a-z_]+)`", row[0])[0]: row[1] for row in table("### Fields")}
    for name, field in Question.model_fields.items():
        required = field.is_required()
        assert rows[name].startswith("required") == required, (name, rows[name])
        if not required and isinstance(field.default, str):
            assert f"(`{field.default}`)" in rows[name], (name, rows[name], field.default)


def test_every_topic_of_the_shipped_deck_is_listed():
    """The topic row names every topic the TRL deck uses (and only those)."""
    from bot.catalog import load_catalog

    topics = {q.topic for q in load_catalog(Path(__file__).resolve().parents[2] / "content").deck("trl") or ()}
    row = next(r for r in table("### Fields") if r[0] == "`topic`")
    listed = set(re.findall(r"`([a-z-]+)`", row[3])) - {"general"}
    assert listed == topics
