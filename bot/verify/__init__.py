# pyright: strict
"""Verify a deck's fact checks against a TRL release, read from its wheel as text.

Nothing here imports trl, torch or transformers, and nothing in a deck is executed: the release's
wheel is downloaded once from the package index (and cached), its Python files are parsed with
``ast``, and each check of ``bot.core.checks`` is decided by looking at that syntax tree.

Resolution rules for a check's ``target`` (``trl.`` followed by dotted names), implemented in
``bot.verify.resolve``:

- The first name is the ``trl`` package (``trl/__init__.py``).
- A name on a **module** is looked up in that module, in this order:
  1. a ``class``/``def`` of that name at module level (also inside ``if``/``try`` blocks);
  2. a ``from .x import name`` re-export (relative or absolute, within trl), followed to the module
     that defines it; an import from outside trl (``transformers``…) stops there;
  3. the lazy ``_import_structure`` dict TRL's ``__init__.py`` files use (``{"trainer": ["DPOConfig"]}``),
     followed to the submodule that the dict names;
  4. a module-level assignment (``RewardFunc = ...``);
  5. a submodule or subpackage (``trl.trainer.dpo_config``).
  So ``trl.DPOConfig`` is the top-level export and ``trl.trainer.dpo_config.DPOConfig`` the same class
  by its module path.
- A name on a **class** is a member defined in its body: an annotated field (``beta: float = 0.1`` or
  ``field(default=..., metadata={...})``), a class attribute, a method or a nested class. If the class
  body does not define it, its base classes are searched in order, as long as they are defined in trl.
  A member that would have to come from a base outside trl (transformers' ``TrainingArguments``, whose
  fields such as ``learning_rate`` are not in the wheel) is reported as
  "not defined in trl (inherited from outside TRL?)"; such a check fails.
- A name on a **function or method** is one of its parameters.
- Nothing resolves below a field or a parameter.

Module-level ``__getattr__`` hooks and anything computed at run time are invisible to this reading.
"""

from __future__ import annotations

PINNED_TRL = "1.16.0"
"""The TRL release the built-in decks are checked against; the default of ``verify-content``."""
