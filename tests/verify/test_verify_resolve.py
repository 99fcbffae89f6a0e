"""Dotted paths resolve through TRL's lazy exports, re-exports and in-trl inheritance, with file:line."""

import pytest

from bot.verify.resolve import Kind, Resolver, Unresolved
from bot.verify.wheel import Wheel
from tests.verify.synthetic import ALPHA_CONFIG, ALPHA_TRAINER, BASE_CONFIG, EXTRA, line_of, make_wheel


@pytest.fixture
def resolver(tmp_path):
    return Resolver(Wheel.open(make_wheel(tmp_path)))


def test_top_level_export_follows_import_structure_to_the_defining_module(resolver):
    """trl.AlphaConfig goes trl/__init__ -> trl/trainer/__init__ (lazy dict) -> alpha_config.py."""
    symbol = resolver.resolve("trl.AlphaConfig")
    assert symbol.kind is Kind.CLASS
    assert str(symbol.location) == f"trl/trainer/alpha_config.py:{line_of(ALPHA_CONFIG, 'class AlphaConfig')}"


def test_module_path_then_attribute(resolver):
    """trl.trainer.alpha_config.AlphaConfig is the same class by its module path."""
    by_path = resolver.resolve("trl.trainer.alpha_config.AlphaConfig")
    assert by_path.location == resolver.resolve("trl.AlphaConfig").location
    assert resolver.resolve("trl.trainer").kind is Kind.MODULE


def test_import_structure_extend_and_item_assignment_are_followed(resolver):
    """Names added with _import_structure["x"] = [...] and .extend([...]) are exports too."""
    assert str(resolver.resolve("trl.late_addition").location) == f"trl/extra.py:{line_of(EXTRA, 'def late_addition')}"
    assert resolver.resolve("trl.later_addition").kind is Kind.FUNCTION


def test_field_defined_in_a_trl_base_class(resolver):
    """A field missing from the class body is found in its base class within trl."""
    symbol = resolver.resolve("trl.AlphaConfig.gradient_checkpointing")
    assert symbol.kind is Kind.FIELD
    assert str(symbol.location) == f"trl/trainer/base_config.py:{line_of(BASE_CONFIG, 'gradient_checkpointing')}"


def test_field_from_a_base_outside_trl_is_reported_as_such(resolver):
    """TrainingArguments' fields are not in the wheel: the error says so and points at the trl base class."""
    with pytest.raises(Unresolved) as info:
        resolver.resolve("trl.AlphaConfig.num_train_epochs")
    assert info.value.outside
    assert "not defined in trl (inherited from outside TRL?)" in info.value.message
    assert "_Base derives from TrainingArguments" in info.value.message
    assert str(info.value.location) == f"trl/trainer/base_config.py:{line_of(BASE_CONFIG, 'class _Base')}"


def test_function_parameters_and_methods(resolver):
    """A trailing name on a function is a parameter; methods resolve on classes; re-exports are followed."""
    param = resolver.resolve("trl.AlphaTrainer.__init__.reward_funcs")
    assert param.kind is Kind.PARAM
    assert param.location.path == "trl/trainer/alpha_trainer.py"
    assert param.location.line == line_of(ALPHA_TRAINER, "def __init__")
    assert resolver.resolve("trl.AlphaTrainer.__init__.kwargs").kind is Kind.PARAM
    assert resolver.resolve("trl.trainer.alpha_trainer._pack.strategy").kind is Kind.PARAM


@pytest.mark.parametrize(
    ("target", "message", "where"),
    [
        ("trl.Missing", "trl/__init__.py neither defines nor exports Missing", "trl/__init__.py"),
        (
            "trl.trainer.nope.Thing",
            "trl/trainer/__init__.py neither defines nor exports nope",
            "trl/trainer/__init__.py",
        ),
        ("trl.AlphaTrainer.__init__.nope", "has no parameter nope", "trl/trainer/alpha_trainer.py:"),
        ("trl.AlphaConfig.beta.deeper", "is a field; nothing resolves below it", "trl/trainer/alpha_config.py:"),
    ],
)
def test_unresolved_paths_say_why_and_where(resolver, target, message, where):
    with pytest.raises(Unresolved) as info:
        resolver.resolve(target)
    assert message in info.value.message
    assert str(info.value.location).startswith(where)
    assert not info.value.outside
