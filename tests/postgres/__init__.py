"""A real PostgreSQL server for the tests, from the machine's own binaries, on 127.0.0.1.

pytest-postgresql's executor starts and stops it (initdb, pg_ctl start -w, pg_ctl stop) in a temporary
folder. The tests run as root on CI machines, where pg_ctl refuses to start: there the executor is handed
``pg_ctl_as_owner``, which runs pg_ctl as the postgres user who owns that folder.

Each test gets a database of its own, copied from a template that the bot's migrations built once per
session (CREATE DATABASE ... TEMPLATE: milliseconds, against a second for migrating).

Without the binaries the PostgreSQL half of the tests is skipped, and the run ends by saying so and how
to install them; with QUIZBOT_REQUIRE_POSTGRES=1 (as .ci/run sets) their absence fails the run instead.
"""

from __future__ import annotations

import concurrent.futures
import glob
import itertools
import os
import pwd
import re
import shutil
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

HERE = Path(__file__).resolve().parent
WRAPPER = HERE / "pg_ctl_as_owner"
HOW_TO_ENABLE = (
    "install the PostgreSQL server binaries (Debian/Ubuntu: `apt-get install postgresql`; they land in "
    "/usr/lib/postgresql/<version>/bin) or point QUIZBOT_TEST_PG_BINDIR at the folder holding pg_ctl"
)
TEMPLATE = "quiz_template"


def find_pg_ctl() -> Path | None:
    """pg_ctl from QUIZBOT_TEST_PG_BINDIR, the newest /usr/lib/postgresql/N/bin, or the PATH."""
    folder = os.environ.get("QUIZBOT_TEST_PG_BINDIR")
    if folder:
        candidate = Path(folder) / "pg_ctl"
        return candidate if candidate.is_file() else None
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: [int(n) for n in re.findall(r"\d+", p)],
        reverse=True,
    )
    if debian:
        return Path(debian[0])
    found = shutil.which("pg_ctl")
    return Path(found) if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Executor(Protocol):
    """What the tests use of pytest-postgresql's PostgreSQLExecutor."""

    def start(self) -> object: ...

    def stop(self) -> object: ...


@dataclass
class PostgresServer:
    """A running server: a URL per database, and fresh databases copied from the migrated template."""

    host: str
    port: int
    executor: Executor
    folder: Path
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/{dbname}"

    async def admin(self, sql: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.url())
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def fresh_database(self, *, migrated: bool = True) -> str:
        """A new, empty database (with the bot's schema unless ``migrated=False``); its URL."""
        name = f"quiz_{os.getpid()}_{next(self._numbers)}"
        template = TEMPLATE if migrated else "template0"
        await self.admin(f'CREATE DATABASE "{name}" TEMPLATE {template}')
        return self.url(name)

    def stop(self) -> None:
        self.executor.stop()

    def start(self) -> None:
        self.executor.start()
        wait_until_accepting(self)


DURABLE_OPTIONS = "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
FAST_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


def start_server(*, durable: bool = False) -> PostgresServer:
    """Start a server in a new temporary folder; raise FileNotFoundError without binaries.

    By default commits are not flushed to disk (test data need not survive a power cut). ``durable=True``
    keeps PostgreSQL's own defaults, every commit flushed before it returns (fsync, synchronous_commit and
    full_page_writes on): comparable to SQLite's synchronous=FULL, for the benchmark.
    """
    from pytest_postgresql.executors.proc import PostgreSQLExecutor

    pg_ctl = find_pg_ctl()
    if pg_ctl is None:
        raise FileNotFoundError(f"no pg_ctl found: {HOW_TO_ENABLE}")
    os.environ["QUIZBOT_TEST_PG_CTL"] = str(pg_ctl)
    folder = Path(tempfile.mkdtemp(prefix="quizbot-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam(os.environ.get("QUIZBOT_TEST_PG_USER", "postgres"))
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    port = free_port()
    executor = PostgreSQLExecutor(
        executable=str(WRAPPER),
        host="127.0.0.1",
        port=port,
        datadir=str(folder / "data"),
        unixsocketdir=str(folder),
        logfile=str(folder / "server.log"),
        startparams="-w",
        dbname="postgres",
        # By default test data need not survive a power cut: no fsync makes creating databases and commits cheap.
        postgres_options=f"-c listen_addresses=127.0.0.1 {DURABLE_OPTIONS if durable else FAST_OPTIONS}",
    )
    executor.start()
    server = PostgresServer("127.0.0.1", port, executor, folder)
    wait_until_accepting(server)
    return server


def wait_until_accepting(server: PostgresServer, timeout: float = 60) -> None:
    """The port opens before the server takes connections ("the database system is starting up"): wait."""
    import asyncio

    import asyncpg

    async def attempt() -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                conn = await asyncpg.connect(server.url(), timeout=5)
            except (OSError, asyncpg.PostgresError) as exc:
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError(f"PostgreSQL on port {server.port} did not accept connections: {exc}") from exc
                await asyncio.sleep(0.1)
            else:
                await conn.close()
                return

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # callers may be inside a running event loop
        pool.submit(asyncio.run, attempt()).result()


async def build_template(server: PostgresServer) -> None:
    """The template every test's database is copied from: the bot's migrations, applied once."""
    from bot.storage.migrate import apply_migrations
    from bot.storage.postgres import PostgresDatabase

    await server.admin(f"CREATE DATABASE {TEMPLATE} TEMPLATE template0")
    db = await PostgresDatabase.open(server.url(TEMPLATE), pool_size=1)
    try:
        await apply_migrations(db)
    finally:
        await db.close()


def remove(server: PostgresServer) -> None:
    server.stop()
    shutil.rmtree(server.folder, ignore_errors=True)
