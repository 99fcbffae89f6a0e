"""Shared fixtures: a loopback Discord emulator, and the real bot process running against it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import secrets
from pathlib import Path

import pytest
from discord_loopback import DiscordEmulator

from tests import postgres
from tests.harness import BotProcess, running

BACKENDS = ("sqlite", "postgresql")
_POSTGRES_MISSING: list[str] = []  # why the PostgreSQL tests could not run, for the summary


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


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL server for the whole run (see tests/postgres), with the migrated template built."""
    try:
        server = postgres.start_server()
    except FileNotFoundError as exc:
        if os.environ.get("QUIZBOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"QUIZBOT_REQUIRE_POSTGRES=1 but {exc}", pytrace=False)
        _POSTGRES_MISSING.append(str(exc))
        pytest.skip(f"PostgreSQL tests not run: {exc}")
    try:
        # On a thread of its own: the fixture may be first asked for from inside a test's running event loop.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, postgres.build_template(server)).result()
        yield server
    finally:
        postgres.remove(server)


async def open_backend(backend: str, request: pytest.FixtureRequest, tmp_path: Path):
    """A migrated, empty database of the given backend: a SQLite file under tmp_path, or a PostgreSQL database."""
    if backend == "sqlite":
        from bot.storage.database import Database
        from bot.storage.migrate import apply_migrations

        database = await Database.open(tmp_path / "quiz.sqlite3")
        await apply_migrations(database)
        return database
    from bot.storage.postgres import PostgresDatabase

    server = request.getfixturevalue("postgres_server")
    return await PostgresDatabase.open(await server.fresh_database())


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path):
    """The storage and service suites run once on each backend: a migrated SQLite file, a PostgreSQL database."""
    database = await open_backend(request.param, request, tmp_path)
    yield database
    await database.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if _POSTGRES_MISSING:
        terminalreporter.section("PostgreSQL tests NOT run", sep="!", red=True, bold=True)
        terminalreporter.line(f"{_POSTGRES_MISSING[0]}.", red=True)
        terminalreporter.line("Every other test ran; the [postgresql] variants above are the skipped ones.")
