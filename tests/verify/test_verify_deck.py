"""The shipped deck against real TRL releases (wheels from the package index, cached and shared across runs)."""

from pathlib import Path

import pytest

from bot.catalog import load_catalog
from bot.core.checks import AbsentCheck, ContainsCheck
from bot.verify import PINNED_TRL
from bot.verify.checks import describe, run_check
from bot.verify.resolve import Resolver
from bot.verify.wheel import Wheel, WheelError, default_cache_dir, fetch_wheel

CONTENT = Path(__file__).resolve().parents[2] / "content"
OLDER = "1.12.0"
"""The last release with trl.experimental.ppo and before the use_liger_kernel deprecation."""


def questions():
    return load_catalog(CONTENT).deck("trl") or ()


def wheel(version: str) -> Wheel:
    """The release's wheel, downloaded once into the shared cache; a failed download fails the test loudly."""
    cache = default_cache_dir()
    try:
        return Wheel.open(fetch_wheel(version, cache))
    except WheelError as exc:
        pytest.fail(
            f"cannot get the trl {version} wheel: {exc}\n"
            f"These tests read real TRL releases. They download each wheel once from the package index into {cache} "
            "(override with XDG_CACHE_HOME) and reuse it afterwards. Without network access, put the wheel there by "
            f"hand: python3 -m pip download --no-deps --only-binary=:all: trl=={version} -d {cache}",
            pytrace=False,
        )


def failures(version: str) -> set[tuple[str, str]]:
    resolver = Resolver(wheel(version))
    return {(q.id, describe(check)) for q in questions() for check in q.checks if not run_check(check, resolver).holds}


def test_check_coverage_is_at_least_70_percent():
    """At least 70% of the deck's questions carry a fact check (all of them do today)."""
    deck = questions()
    covered = sum(1 for q in deck if q.checks)
    assert covered / len(deck) >= 0.7, f"{covered} of {len(deck)} questions have checks"


def test_most_checks_are_structural_not_source_text():
    """default/choices/params/exists/absent say more than a text search; keep contains to a minority."""
    checks = [c for q in questions() for c in q.checks]
    assert sum(isinstance(c, ContainsCheck) for c in checks) / len(checks) < 0.5


def test_every_check_holds_on_the_pinned_release():
    """python -m bot verify-content with no argument: the pinned release satisfies the whole deck."""
    assert failures(PINNED_TRL) == set()


def test_an_older_release_fails_exactly_the_facts_that_changed_since():
    """On trl 1.12.0 exactly these checks fail, each explained by the release history:

    - trl.experimental.ppo still existed: PPOTrainer and its module were removed in v1.13.0;
    - the use_liger_kernel FutureWarning was added in v1.15.0 (in SFT, DPO and KTO alike);
    - v1.15.0 also added the refusal of a PEFT adapter on lm_head and trl.kernels.chunked_divergence,
      whose docstring the distillation question quotes (1.13.0 and 1.14.0 fail the same three).
    """
    ppo = "absent trl.experimental.ppo"
    liger = "contains trl.SFTTrainer '`use_liger_kernel=True` is deprecated and will be removed in v2.0.0.'"
    init = "contains trl.trainer.{}_trainer.{}Trainer.__init__ "
    liger_init = init + "'`use_liger_kernel=True` is deprecated and will be removed in v2.0.0'"
    lm_head = init + "'Applying a PEFT adapter to `lm_head` is not supported'"
    divergence = (
        "contains trl.kernels.chunked_divergence "
        "'`0.0` is the forward KL(teacher || student), `1.0` the reverse KL(student || teacher)'"
    )
    trainers = [("sft", "SFT"), ("dpo", "DPO"), ("kto", "KTO")]
    assert failures(OLDER) == {
        *{("peft-lora-on-lm-head-refused", lm_head.format(*t)) for t in trainers},
        *{("memory-liger-kernel-deprecated", liger_init.format(*t)) for t in trainers[:2]},
        ("distillation-beta-divergence", divergence),
        ("seed-01-trl-purpose", ppo),
        ("seed-02-reward-model-role", ppo),
        ("seed-04-kl-penalty-purpose", ppo),
        ("basics-experimental-api", ppo),
        ("basics-experimental-api", liger),
        ("ppo-fourth-model-critic", ppo),
        ("ppo-replacement-today", ppo),
        ("history-ppo-trainer-removed", ppo),
    }


def test_history_questions_carry_checks_that_an_old_release_fails():
    """Every history question has at least one check; PPO's removal is checked as an absence."""
    history = [q for q in questions() if q.topic == "history"]
    assert history and all(q.checks for q in history)
    removed = next(q for q in history if q.id == "history-ppo-trainer-removed")
    assert AbsentCheck(kind="absent", target="trl.experimental.ppo") in removed.checks
