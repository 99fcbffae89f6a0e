"""Each check kind, holding and failing, names the TRL file and line that decided it."""

import pytest
from pydantic import TypeAdapter

from bot.core.checks import Check
from bot.verify.checks import run_check
from bot.verify.resolve import Resolver
from bot.verify.wheel import Wheel
from tests.verify.synthetic import ALPHA_CONFIG, ALPHA_TRAINER, BASE_CONFIG, DATA_UTILS, line_of, make_wheel

CHECK = TypeAdapter(Check)
CONFIG = "trl/trainer/alpha_config.py"
TRAINER = "trl/trainer/alpha_trainer.py"


@pytest.fixture
def resolver(tmp_path):
    return Resolver(Wheel.open(make_wheel(tmp_path)))


def decide(resolver, **data):
    return run_check(CHECK.validate_python(data), resolver)


def at(path: str, text: str, needle: str) -> str:
    return f"{path}:{line_of(text, needle)}"


@pytest.mark.parametrize(
    ("check", "where"),
    [
        (
            {"kind": "default", "target": "trl.AlphaConfig.learning_rate", "value": 2.0e-5},
            at(CONFIG, ALPHA_CONFIG, "learning_rate:"),
        ),
        ({"kind": "default", "target": "trl.AlphaConfig.beta", "value": 0.1}, at(CONFIG, ALPHA_CONFIG, "beta: float")),
        (
            {"kind": "default", "target": "trl.AlphaConfig.kind", "value": None},
            at(CONFIG, ALPHA_CONFIG, "kind: Literal"),
        ),
        (
            {"kind": "default", "target": "trl.AlphaConfig.gradient_checkpointing", "value": True},
            at("trl/trainer/base_config.py", BASE_CONFIG, "gradient_checkpointing"),
        ),
        (
            {"kind": "default", "target": "trl.AlphaConfig.logging_steps", "value": 10.0},
            at("trl/trainer/base_config.py", BASE_CONFIG, "logging_steps"),
        ),
        (
            {"kind": "default", "target": "trl.AlphaTrainer.__init__.temperature", "value": 1.0},
            at(TRAINER, ALPHA_TRAINER, "def __init__"),
        ),
        (
            {"kind": "choices", "target": "trl.AlphaConfig.strategy", "values": ["wrapped", "bfd"]},
            at(CONFIG, ALPHA_CONFIG, '"choices"'),
        ),
        (
            {"kind": "choices", "target": "trl.AlphaConfig.mode", "values": ["fast", "slow"]},
            at(CONFIG, ALPHA_CONFIG, "mode: Mode"),
        ),
        (
            {"kind": "choices", "target": "trl.AlphaConfig.kind", "values": ["a", "b"]},
            at(CONFIG, ALPHA_CONFIG, "kind: Literal"),
        ),
        (
            {"kind": "choices", "target": "trl.AlphaTrainer.compute_loss.mode", "values": ["train", "eval"]},
            at(TRAINER, ALPHA_TRAINER, "def compute_loss"),
        ),
        (
            {"kind": "params", "target": "trl.AlphaTrainer", "includes": ["model", "reward_funcs", "kwargs"]},
            at(TRAINER, ALPHA_TRAINER, "def __init__"),
        ),
        (
            {"kind": "params", "target": "trl.AlphaConfig", "includes": ["beta", "logging_steps"]},
            at(CONFIG, ALPHA_CONFIG, "class AlphaConfig"),
        ),
        (
            {"kind": "params", "target": "trl.pack", "includes": ["seq_length", "strategy"]},
            at("trl/data_utils.py", DATA_UTILS, "def pack"),
        ),
        ({"kind": "exists", "target": "trl.AlphaConfig.beta"}, at(CONFIG, ALPHA_CONFIG, "beta: float")),
        ({"kind": "absent", "target": "trl.BetaTrainer"}, "trl/__init__.py"),
        (
            {"kind": "absent", "target": "trl.AlphaConfig.rpo_alpha"},
            at("trl/trainer/base_config.py", BASE_CONFIG, "class _Base"),
        ),
        (
            {
                "kind": "contains",
                "target": "trl.AlphaConfig.__post_init__",
                "text": '"beta must be "\n    "non-negative"',
            },
            at(CONFIG, ALPHA_CONFIG, '"beta must be "'),
        ),
        (
            {"kind": "contains", "target": "trl.AlphaTrainer.compute_loss", "text": '-logsigmoid(inputs["chosen"]'},
            at(TRAINER, ALPHA_TRAINER, "return -logsigmoid"),
        ),
        (
            {"kind": "contains", "target": "trl.trainer.alpha_config", "text": 'Mode = Literal["fast", "slow"]'},
            at(CONFIG, ALPHA_CONFIG, "Mode = "),
        ),
        ({"kind": "metadata", "field": "Requires-Python", "contains": ">=3.11"}, "trl-9.9.0.dist-info/METADATA:5"),
        ({"kind": "metadata", "field": "Classifier", "contains": "3.12"}, "trl-9.9.0.dist-info/METADATA:7"),
        (
            {"kind": "metadata", "field": "Description", "contains": "# TRL - Transformers Reinforcement Learning"},
            "trl-9.9.0.dist-info/METADATA:9",
        ),
    ],
)
def test_checks_that_hold(resolver, check, where):
    outcome = decide(resolver, **check)
    assert outcome.holds, outcome.message
    assert str(outcome.location) == where


@pytest.mark.parametrize(
    ("check", "message", "where"),
    [
        (
            {"kind": "default", "target": "trl.AlphaConfig.beta", "value": 0.2},
            "trl.AlphaConfig.beta defaults to 0.1, not 0.2",
            at(CONFIG, ALPHA_CONFIG, "beta: float"),
        ),
        (
            {"kind": "default", "target": "trl.AlphaConfig.gradient_checkpointing", "value": 1},
            "defaults to True, not 1",
            at("trl/trainer/base_config.py", BASE_CONFIG, "gradient_checkpointing"),
        ),
        (
            {"kind": "default", "target": "trl.AlphaConfig.learning_rate", "value": "2e-5"},
            "write it as a YAML number",
            at(CONFIG, ALPHA_CONFIG, "learning_rate:"),
        ),
        (
            {"kind": "default", "target": "trl.AlphaConfig.scale", "value": 6},
            "the default is not a literal: 2 * 3",
            at(CONFIG, ALPHA_CONFIG, "scale:"),
        ),
        (
            {"kind": "default", "target": "trl.AlphaConfig.names", "value": "sigmoid"},
            "defaults to ['sigmoid'], not 'sigmoid'",
            at(CONFIG, ALPHA_CONFIG, "names:"),
        ),
        (
            {"kind": "default", "target": "trl.AlphaConfig.required_thing", "value": 1},
            "has no default",
            at(CONFIG, ALPHA_CONFIG, "required_thing"),
        ),
        (
            {"kind": "default", "target": "trl.AlphaTrainer.__init__.model", "value": None},
            "the parameter has no default",
            at(TRAINER, ALPHA_TRAINER, "def __init__"),
        ),
        (
            {"kind": "default", "target": "trl.AlphaConfig.num_train_epochs", "value": 3},
            "not defined in trl (inherited from outside TRL?)",
            at("trl/trainer/base_config.py", BASE_CONFIG, "class _Base"),
        ),
        (
            {"kind": "choices", "target": "trl.AlphaConfig.strategy", "values": ["bfd", "bfd_split", "wrapped"]},
            "no longer accepts {'bfd_split'}",
            at(CONFIG, ALPHA_CONFIG, '"choices"'),
        ),
        (
            {"kind": "choices", "target": "trl.AlphaConfig.mode", "values": ["fast"]},
            "also accepts {'slow'}",
            at(CONFIG, ALPHA_CONFIG, "mode: Mode"),
        ),
        (
            {"kind": "choices", "target": "trl.AlphaConfig.beta", "values": [0.1]},
            "neither a Literal[...] type nor metadata choices",
            at(CONFIG, ALPHA_CONFIG, "beta: float"),
        ),
        (
            {"kind": "params", "target": "trl.AlphaTrainer", "includes": ["model", "ref_model"]},
            "AlphaTrainer.__init__() has no parameter ref_model",
            at(TRAINER, ALPHA_TRAINER, "def __init__"),
        ),
        (
            {"kind": "params", "target": "trl.AlphaConfig", "includes": ["seed"]},
            "not defined in trl (inherited from outside TRL?)",
            at(CONFIG, ALPHA_CONFIG, "class AlphaConfig"),
        ),
        (
            {"kind": "exists", "target": "trl.AlphaConfig.gamma"},
            "not defined in trl (inherited from outside TRL?)",
            at("trl/trainer/base_config.py", BASE_CONFIG, "class _Base"),
        ),
        ({"kind": "exists", "target": "trl.BetaTrainer"}, "neither defines nor exports BetaTrainer", "trl/__init__.py"),
        (
            {"kind": "absent", "target": "trl.AlphaConfig.beta"},
            "still resolves, to field",
            at(CONFIG, ALPHA_CONFIG, "beta: float"),
        ),
        (
            {"kind": "contains", "target": "trl.AlphaTrainer.compute_loss", "text": "hinge"},
            "does not contain 'hinge'",
            at(TRAINER, ALPHA_TRAINER, "def compute_loss"),
        ),
        (
            {"kind": "metadata", "field": "Requires-Python", "contains": ">=3.10"},
            "without '>=3.10'",
            "trl-9.9.0.dist-info/METADATA:5",
        ),
        (
            {"kind": "metadata", "field": "License", "contains": "MIT"},
            "METADATA has no License field",
            "trl-9.9.0.dist-info/METADATA",
        ),
        (
            {"kind": "metadata", "field": "Description", "contains": "Transformer Reinforcement Learning"},
            "the description does not contain",
            "trl-9.9.0.dist-info/METADATA:9",
        ),
    ],
)
def test_checks_that_fail_say_what_and_where(resolver, check, message, where):
    outcome = decide(resolver, **check)
    assert not outcome.holds
    assert message in outcome.message
    assert str(outcome.location) == where
