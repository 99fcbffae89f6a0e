"""Shared fixtures: a loopback Discord emulator, and the real bot process running against it."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from discord_loopback import DiscordEmulator

from tests.harness import BotProcess, running


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "allow_rejected(*matchers, spec=False): requests the emulator may reject in this test without failing it. "
        "An int below 600 is an HTTP status, another int a Discord error code, a str a regex on 'METHOD path', "
        "a callable gets the RequestRecord. With no matchers every rejection is allowed. spec=True also allows "
        "OpenAPI spec violations.",
    )


def make_token() -> str:
    # Distinctive enough that finding it in a log can only mean it leaked.
    return f"emu.{secrets.token_urlsafe(18)}.{secrets.token_urlsafe(27)}"


@pytest.fixture
async def emulator(request: pytest.FixtureRequest):
    """A started emulator with one guild, "Guild A", and its channel "quiz" (`emulator.guild`); checked after."""
    emu = DiscordEmulator(token=make_token(), bot_name="QuizBot")
    await emu.start()
    emu.guild = emu.add_guild("Guild A", channel_name="quiz")
    try:
        yield emu
    finally:
        await emu.stop()
    marker = request.node.get_closest_marker("allow_rejected")
    if marker is None:
        emu.assert_clean()
    else:
        allowed = marker.args or (lambda record: True,)
        emu.assert_clean(allow_rejected=allowed, allow_spec=bool(marker.kwargs.get("spec")))


@pytest.fixture
async def bot(emulator: DiscordEmulator, tmp_path: Path):
    """The real bot (`python -m bot`) connected to `emulator`, with its own SQLite file under tmp_path."""
    async with running(BotProcess(emulator, tmp_path / "bot")) as proc:
        yield proc
