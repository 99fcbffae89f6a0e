"""Fact checks: small declarative claims about a TRL release that a machine can verify.

A check is data, never code: the verifier reads a release's wheel as text (Python's ``ast``) and
nothing in a deck is ever imported or evaluated. Targets are dotted paths as a user would write them:
``trl.DPOConfig.beta`` (a top-level export and one of its fields), ``trl.rewards.get_soft_overlong_punishment``
(a module path and a function), ``trl.trainer.grpo_trainer.GRPOTrainer`` (a module path and a class).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Target = Annotated[str, StringConstraints(pattern=r"^trl(\.[A-Za-z_][A-Za-z0-9_]*)*$", max_length=200)]
Scalar = str | bool | int | float | None
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=100)]


class _Check(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class DefaultCheck(_Check):
    """A config field (or a function parameter) has this default in the release's source."""

    kind: Literal["default"]
    target: Target
    value: Scalar


class ChoicesCheck(_Check):
    """A field accepts exactly these values (its ``Literal`` type or its ``choices`` metadata)."""

    kind: Literal["choices"]
    target: Target
    values: list[Scalar] = Field(min_length=1, max_length=30)


class ParamsCheck(_Check):
    """A function, method or class constructor takes (at least) these named parameters."""

    kind: Literal["params"]
    target: Target
    includes: list[Name] = Field(min_length=1, max_length=30)


class ExistsCheck(_Check):
    """The dotted path resolves in the release: a module, a class, a function or a field."""

    kind: Literal["exists"]
    target: Target


class AbsentCheck(_Check):
    """The dotted path does not resolve in the release (removed, or never there).

    A class member TRL does not define counts as absent even if a base outside TRL might define it.
    """

    kind: Literal["absent"]
    target: Target


class ContainsCheck(_Check):
    """The source of a module, class or function contains this text (white space folded)."""

    kind: Literal["contains"]
    target: Target
    text: Annotated[str, StringConstraints(min_length=3, max_length=300)]


class MetadataCheck(_Check):
    """A field of the wheel's METADATA (``Summary``, ``Requires-Python``…) contains this text.

    ``Description`` also reads the long description (the README) in the METADATA body.
    """

    kind: Literal["metadata"]
    field: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z-]*$", max_length=40)]
    contains: Annotated[str, StringConstraints(min_length=1, max_length=300)]


Check = Annotated[
    DefaultCheck | ChoicesCheck | ParamsCheck | ExistsCheck | AbsentCheck | ContainsCheck | MetadataCheck,
    Field(discriminator="kind"),
]
