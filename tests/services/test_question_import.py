"""A moderator's YAML import: all or nothing, and never a fact check (those belong to the built-in decks)."""

import pytest

from bot.core.errors import InvalidContent

GUILD, MOD = 1, 100

QUESTION = """\
  - id: {qid}
    prompt: "Which config class does SFTTrainer take?"
    choices: ["SFTConfig", "DPOConfig"]
    answer: A
    explanation: "SFTTrainer takes an SFTConfig; DPOConfig belongs to DPOTrainer."
"""
CHECK = """\
    checks:
      - kind: "exists"
        target: "trl.SFTConfig"
"""


def deck(*questions: str) -> bytes:
    return ("deck: trl\nquestions:\n" + "".join(questions)).encode()


async def own_ids(services) -> list[str]:
    page = await services.questions.listing(guild_id=GUILD, deck="trl", page=1)
    return [q.id for q in page.rows if not q.builtin]


async def test_an_import_adds_the_servers_questions(services):
    added = await services.questions.import_yaml(
        guild_id=GUILD, member_id=MOD, data=deck(QUESTION.format(qid="ours-one")), filename="ours.yaml"
    )
    assert added == (1, 0)
    assert await own_ids(services) == ["ours-one"]


async def test_a_question_carrying_fact_checks_is_refused_and_nothing_is_stored(services):
    """Checks are data that only the built-in decks carry; an import never stores (let alone evaluates) one."""
    data = deck(QUESTION.format(qid="ours-one"), QUESTION.format(qid="ours-two") + CHECK)
    with pytest.raises(InvalidContent, match=r"ours\.yaml: question 2 \(id 'ours-two'\): checks: only the built-in"):
        await services.questions.import_yaml(guild_id=GUILD, member_id=MOD, data=data, filename="ours.yaml")
    assert await own_ids(services) == []  # all or nothing: the clean first question is not stored either


async def test_a_built_in_id_is_refused(services):
    with pytest.raises(InvalidContent, match=r"id 'mini-one'\): id: belongs to a built-in question"):
        await services.questions.import_yaml(
            guild_id=GUILD, member_id=MOD, data=deck(QUESTION.format(qid="mini-one")), filename="ours.yaml"
        )
    assert await own_ids(services) == []
