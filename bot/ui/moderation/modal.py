"""The question form: five inputs, validated by the same model as the YAML decks.

The form is sent already finished, with what it adds or edits in its custom_id, so discord.py keeps no
copy: its submit comes back through the button registry (``form=True``), the same before and after a
restart, in whichever process gets it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.core.content import CHOICE_MAX, EXPLANATION_MAX, LETTERS, MAX_CHOICES, PROMPT_MAX
from bot.core.drafts import Draft
from bot.core.errors import InvalidDraft
from bot.ui import ids
from bot.ui.buttons import form_values, on_click
from bot.ui.checks import guild_id
from bot.ui.errors import send_ephemeral
from bot.ui.moderation import drafts, render
from bot.ui.moderation.views import fix_view
from bot.ui.render import clip

if TYPE_CHECKING:
    from bot.ui.client import QuizBot


MAX_OPTIONS = 25  # Discord's limit for a select's options


def topic_options(topics: list[str], current: str) -> list[str]:
    """The topics to offer, the draft's own always among them (a select can't show a value it lacks)."""
    offered = [t for t in topics if t != current][: MAX_OPTIONS - 1]
    return sorted([*offered, current]) if current else offered[:MAX_OPTIONS]


class QuestionModal(discord.ui.Modal):
    """Add (target = deck) or edit (target = question id) a server question.

    The correct letter and the topic are picked from lists (selects in labels, discord.py 2.6+), so
    they can't be mistyped; the draft still carries them as text, so validation and "what you typed"
    work as for the typed fields, and a forged submit is validated like any other.
    """

    def __init__(
        self, mode: ids.FormMode, target: str, draft: Draft | None = None, topics: list[str] | None = None
    ) -> None:
        title = f"New question for the {target} deck" if mode == "add" else f"Edit {target}"
        super().__init__(title=title[:45], timeout=None, custom_id=ids.build(ids.QuestionFormId(mode, target)))
        self.stop()  # never stored in memory: the submit is handled by `submitted` below
        self.mode, self.target = mode, target
        draft = draft or Draft("", "", "", "")
        self.prompt = discord.ui.TextInput(
            custom_id="prompt",
            label="Question",
            style=discord.TextStyle.paragraph,
            max_length=PROMPT_MAX,
            default=draft.prompt or None,
        )
        self.choices = discord.ui.TextInput(
            custom_id="choices",
            label=f"Choices, one per line (2-{MAX_CHOICES})",
            style=discord.TextStyle.paragraph,
            max_length=MAX_CHOICES * (CHOICE_MAX + 1),
            default=draft.choices or None,
            placeholder="SFTTrainer\nDPOTrainer\nGRPOTrainer\nRewardTrainer",
        )
        answer = draft.answer.strip().upper()
        self.answer = discord.ui.Select[discord.ui.View](
            custom_id="answer",
            placeholder="The correct choice",
            options=[
                discord.SelectOption(label=f"{letter} = line {i + 1}", value=letter, default=letter == answer)
                for i, letter in enumerate(LETTERS)
            ],
        )
        self.explanation = discord.ui.TextInput(
            custom_id="explanation",
            label="Explanation: why it is right",
            style=discord.TextStyle.paragraph,
            max_length=EXPLANATION_MAX,
            default=draft.explanation or None,
        )
        current = draft.topic.strip().lower()
        self.topic = discord.ui.Select[discord.ui.View](
            custom_id="topic",
            placeholder="general",
            required=False,
            min_values=0,
            options=[
                discord.SelectOption(label=t, value=t, default=t == current)
                for t in topic_options(topics or [], current)
            ]
            or [discord.SelectOption(label="general", value="general")],
        )
        for item in (self.prompt, self.choices):
            self.add_item(item)
        self.add_item(discord.ui.Label(text="Correct choice", component=self.answer))
        self.add_item(self.explanation)
        self.add_item(discord.ui.Label(text="Topic (optional)", component=self.topic))


def draft_from_form(interaction: discord.Interaction[QuizBot]) -> Draft:
    """The form's fields as typed (or picked), from the submit itself."""
    values = form_values(interaction)

    def text(key: str) -> str:
        value = values.get(key, "")
        return value[0] if isinstance(value, list) and value else value if isinstance(value, str) else ""

    return Draft(
        prompt=text("prompt"),
        choices=text("choices"),
        answer=text("answer"),
        explanation=text("explanation"),
        topic=text("topic"),
    )


@on_click(ids.QuestionFormId, moderator_only=True, form=True)
async def submitted(interaction: discord.Interaction[QuizBot], parsed: ids.QuestionFormId) -> None:
    service = interaction.client.services.questions
    guild = guild_id(interaction)
    draft = draft_from_form(interaction)
    try:
        if parsed.mode == "add":
            question = await service.add(guild_id=guild, member_id=interaction.user.id, deck=parsed.target, draft=draft)
            deck, verb = parsed.target, "Added"
        else:
            question, deck = await service.edit(
                guild_id=guild, member_id=interaction.user.id, question_id=parsed.target, draft=draft
            )
            verb = "Saved"
    except InvalidDraft as refused:
        await drafts.remember(interaction, refused.draft)
        text = f"Nothing was saved. Please fix:\n{refused.user_message}\n\nWhat you typed:\n"
        await send_ephemeral(
            interaction, clip(text + render.draft_echo(draft)), view=fix_view(parsed.mode, parsed.target)
        )
        return
    await drafts.forget(interaction)
    await send_ephemeral(
        interaction,
        f"{verb} **{question.id}**. It is asked in this server's rounds and daily posts from now on.",
        embed=render.preview_embed(question, deck),
    )
