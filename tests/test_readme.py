"""The README's quick start stays true: CI runs exactly its test command."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quick_start_has_a_try_a_run_and_a_test_command():
    """Three commands: the first tries the bot without Discord, the second runs it, the third runs the tests."""
    commands = quick_start_commands()
    assert len(commands) == 3
    assert commands[0].endswith("python -m bot play")
    assert commands[1].endswith("python -m bot") and commands[2].endswith("pytest")


def test_ci_runs_the_readme_test_command_verbatim():
    """.ci/run contains the README's test command as one line."""
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert quick_start_commands()[2] in ci_lines


def test_every_setting_is_documented():
    """Each field of Settings appears in the README and in .env.example."""
    from bot.settings import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        assert isinstance(alias, str), field
        assert alias in readme and f"{alias}=" in example
