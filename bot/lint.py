"""Teaching-quality lint for content, beyond what the models enforce."""

from __future__ import annotations

import difflib
from collections import Counter
from pathlib import Path

from bot.core.content import LETTERS, Deck

MAX_SHARE_PER_LETTER = 0.35
NEAR_DUPLICATE_RATIO = 0.9
EXPLANATION_SOFT_MAX = 650
EMBED_TOTAL_MAX = 6000
LONGEST_CHOICE_FACTOR = 2.0


def lint(decks: list[tuple[Path, Deck]]) -> list[str]:
    """Problems a reviewer would flag; empty when the content is fit to ship."""
    problems: list[str] = []
    for path, deck in decks:
        for index, q in enumerate(deck.questions):
            where = f"{path}: question {index + 1} (id {q.id!r})"
            if q.trl_version is None:
                problems.append(f"{where}: trl_version: missing (the TRL release the facts were checked against)")
            if q.source is None:
                problems.append(f"{where}: source: missing (a TRL repository file or documentation page)")
            if len(q.explanation) > EXPLANATION_SOFT_MAX:
                problems.append(f"{where}: explanation: {len(q.explanation)} characters; keep it under about 600")
            rendered = len(q.prompt) + sum(len(c) + 40 for c in q.choices) + 2 * len(q.explanation) + 300
            if rendered > EMBED_TOTAL_MAX:
                problems.append(f"{where}: too long to render in one Discord embed ({rendered} of 6000)")
            lengths = [len(c) for c in q.choices]
            others = [n for i, n in enumerate(lengths) if i != q.answer_index]
            if others and lengths[q.answer_index] > LONGEST_CHOICE_FACTOR * max(others):
                problems.append(f"{where}: choices: the correct choice is much longer than every other one")
    problems += _near_duplicates(decks)
    problems += _letter_balance(decks)
    return problems


def _near_duplicates(decks: list[tuple[Path, Deck]]) -> list[str]:
    prompts = [(path, q.id, q.prompt.casefold()) for path, deck in decks for q in deck.questions]
    problems = []
    for i, (path_a, id_a, text_a) in enumerate(prompts):
        for path_b, id_b, text_b in prompts[i + 1 :]:
            matcher = difflib.SequenceMatcher(None, text_a, text_b)
            if matcher.real_quick_ratio() < NEAR_DUPLICATE_RATIO or matcher.quick_ratio() < NEAR_DUPLICATE_RATIO:
                continue
            if matcher.ratio() >= NEAR_DUPLICATE_RATIO:
                problems.append(f"{path_b}: question {id_b!r}: prompt: nearly the same as {id_a!r} in {path_a}")
    return problems


def _letter_balance(decks: list[tuple[Path, Deck]]) -> list[str]:
    by_deck: dict[str, Counter[str]] = {}
    for _path, deck in decks:
        by_deck.setdefault(deck.deck, Counter()).update(q.answer for q in deck.questions)
    problems = []
    for name, counts in by_deck.items():
        total = sum(counts.values())
        # Balance only means something once a deck has enough questions to spread.
        if total < 8:
            continue
        for letter_ in LETTERS:
            share = counts.get(letter_, 0) / total
            if share > MAX_SHARE_PER_LETTER:
                problems.append(
                    f"deck {name!r}: answer {letter_} is correct in {counts[letter_]} of {total} questions "
                    f"({share:.0%}); keep every letter at or under 35%"
                )
    return problems
