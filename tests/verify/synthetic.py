"""Tiny synthetic trl wheels for the verifier's tests: written in tmp_path, never downloaded."""

from __future__ import annotations

import textwrap
import zipfile
from pathlib import Path

INIT = """
import sys
from typing import TYPE_CHECKING

_import_structure = {
    "trainer": ["AlphaConfig", "AlphaTrainer"],
    "data_utils": ["pack"],
}
_import_structure["extra"] = ["late_addition"]
_import_structure["extra"].extend(["later_addition"])

if TYPE_CHECKING:
    from .trainer import AlphaConfig, AlphaTrainer
else:
    sys.modules[__name__] = object()
"""

TRAINER_INIT = """
_import_structure = {"alpha_config": ["AlphaConfig"], "alpha_trainer": ["AlphaTrainer"]}
"""

BASE_CONFIG = """
from dataclasses import dataclass, field

from transformers import TrainingArguments


@dataclass
class _Base(TrainingArguments):
    logging_steps: float = field(default=10, metadata={"help": "Log every X steps."})
    gradient_checkpointing: bool = True
"""

ALPHA_CONFIG = '''
from dataclasses import dataclass, field
from typing import Literal

from .base_config import _Base

Mode = Literal["fast", "slow"]


@dataclass
class AlphaConfig(_Base):
    """Configuration for Alpha."""

    learning_rate: float = field(default=2e-5, metadata={"help": "The learning rate."})
    beta: float = 0.1
    strategy: str = field(default="bfd", metadata={"choices": ["bfd", "wrapped"]})
    mode: Mode = "fast"
    kind: Literal["a", "b"] | None = None
    names: list[str] = field(default_factory=lambda: ["sigmoid"])
    scale: float = field(default=2 * 3)
    required_thing: int = field(metadata={"help": "no default"})

    def __post_init__(self):
        if self.beta < 0:
            raise ValueError(
                "beta must be "
                "non-negative"
            )
'''

ALPHA_TRAINER = """
from ..data_utils import pack as _pack


class AlphaTrainer:
    def __init__(self, model, args=None, *, reward_funcs=None, temperature: float = 1.0, **kwargs):
        self.model = model

    def compute_loss(self, inputs, mode: "Literal['train', 'eval']" = "train"):
        return -logsigmoid(inputs["chosen"] - inputs["rejected"]).mean()
"""

DATA_UTILS = '''
def pack(dataset, seq_length, strategy: str = "bfd"):
    """Pack a dataset."""
    return dataset
'''

EXTRA = """
def late_addition():
    pass


def later_addition():
    pass
"""

METADATA = """Metadata-Version: 2.4
Name: trl
Version: {version}
Summary: Train transformer language models with reinforcement learning.
Requires-Python: >=3.11
Classifier: Programming Language :: Python :: 3
Classifier: Programming Language :: Python :: 3.12

# TRL - Transformers Reinforcement Learning

A tiny synthetic package.
"""

FILES = {
    "trl/__init__.py": INIT,
    "trl/trainer/__init__.py": TRAINER_INIT,
    "trl/trainer/base_config.py": BASE_CONFIG,
    "trl/trainer/alpha_config.py": ALPHA_CONFIG,
    "trl/trainer/alpha_trainer.py": ALPHA_TRAINER,
    "trl/data_utils.py": DATA_UTILS,
    "trl/extra.py": EXTRA,
}


def make_wheel(directory: Path, version: str = "9.9.0", files: dict[str, str] | None = None) -> Path:
    """Write ``trl-<version>-py3-none-any.whl`` with the synthetic package (or ``files``) and METADATA."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"trl-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in (FILES if files is None else files).items():
            archive.writestr(name, textwrap.dedent(text).lstrip("\n"))
        archive.writestr(f"trl-{version}.dist-info/METADATA", METADATA.format(version=version))
    return path


def line_of(text: str, needle: str) -> int:
    """1-based line of ``needle`` in the dedented file text (to compare with reported file:line)."""
    body = textwrap.dedent(text).lstrip("\n")
    for number, line in enumerate(body.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the synthetic file")
