"""Operator mistakes, each run as `python -m bot …` in a clean environment, as an operator would meet them.

Every case must answer in a few lines without a traceback, with exit code 2 for bad input or settings and
1 for a failure of the world, within a time limit (nothing hangs), and leave the files alone when it
refuses. The interruption cases send SIGINT/SIGTERM to a running backup and migration.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import http.server
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.storage.database import Database
from bot.storage.migrate import apply_migrations
from bot.storage.ownership import APPLICATION_ID

ROOT = Path(__file__).resolve().parents[2]
RELEASE_1 = ROOT / "tests" / "fixtures" / "db" / "release-1.sql"
MINI_CONTENT = ROOT / "tests" / "fixtures" / "content"
TIME_LIMIT_S = 20  # a case that takes longer hangs; the slowest honest one waits 5 s for a lock
MAX_LINES = 4  # everything the operator reads, the bot's own log lines included
MAX_ERROR_LINES = 2  # what is wrong and what to do
SIGNAL_TO_EXIT_S = 5.0


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "QUIZBOT_"))}
    env.update(PYTHONPATH=str(ROOT), **extra)
    return env


# --- what the cases start from -------------------------------------------------------------------------


def text_file(path: Path) -> None:
    path.write_text("name,score\nalice,3\n", encoding="utf-8")


def other_apps_database(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.executescript("CREATE TABLE people (name TEXT); CREATE TABLE pets (name TEXT); CREATE TABLE meta (k);")
        conn.execute("INSERT INTO people VALUES ('alice')")
        conn.commit()


def marked_by_another_application(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA application_id = 42")
        conn.execute("CREATE TABLE t (x)")
        conn.commit()


def newer_schema(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("PRAGMA user_version = 99")
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.commit()


def release_1(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.executescript(RELEASE_1.read_text(encoding="utf-8"))


def ours_at_head(path: Path) -> None:
    """A database as the bot leaves it, with one server it left long ago, closed (no -wal beside it)."""

    async def make() -> None:
        db = await Database.open(path)
        try:
            await apply_migrations(db)
        finally:
            await db.close()

    asyncio.run(make())
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("INSERT INTO guilds (guild_id, joined_at, left_at) VALUES (7, '2020-01-01', '2020-02-01')")
        conn.commit()
        conn.execute("PRAGMA journal_mode = DELETE")


def read_only(make: Callable[[Path], None]) -> Callable[[Path], None]:
    def setup(path: Path) -> None:
        make(path)
        path.chmod(0o444)

    return setup


def in_read_only_folder(make: Callable[[Path], None] | None) -> Callable[[Path], None]:
    def setup(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if make is not None:
            make(path)
        path.parent.chmod(0o555)

    return setup


def folder(path: Path) -> None:
    path.mkdir(parents=True)


def duplicate_answer_deck(path: Path) -> None:
    path.mkdir(parents=True)
    (path / "trl.yaml").write_text(
        'deck: trl\nquestions:\n  - id: q1\n    prompt: "Which?"\n    choices: ["a", "b"]\n'
        '    answer: "A"\n    explanation: "So."\n    answer: "B"\n',
        encoding="utf-8",
    )


def non_utf8_env(path: Path) -> None:
    path.write_bytes(b"DISCORD_TOKEN=abc\nQUIZBOT_LOG_LEVEL=INFO # caf\xe9\n")


def empty_file(path: Path) -> None:
    path.write_bytes(b"")


# A stand-in for a running bot: holds the bot's own lock on the SQLite file named by argv[1] until stdin closes.
HOLD_LOCK = (
    "import sys; from pathlib import Path; from bot.storage.single_process import hold; "
    "lock = hold(Path(sys.argv[1]), sys.argv[1]); print('held', flush=True); sys.stdin.read()"
)


@contextlib.contextmanager
def bot_holding(path: Path | None) -> Iterator[int | None]:
    """A process holding the running bot's lock on ``path`` for the block (none when ``path`` is None); its pid."""
    if path is None:
        yield None
        return
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)],
        env=clean_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield holder.pid
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=TIME_LIMIT_S)


# --- the table ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    args: list[str]
    code: int
    says: list[str]  # each must appear in the output, lower-cased
    env: dict[str, str] = field(default_factory=dict)  # {tmp}, {closed}, {refusing} are filled in
    setup: dict[str, Callable[[Path], None]] = field(default_factory=dict)  # relative path -> maker
    unchanged: bool = True  # every file under the working folder is byte for byte the same afterwards
    absent: list[str] = field(default_factory=list)  # paths that must not exist afterwards
    locked: str | None = None  # a relative path a running bot holds its lock on while the case runs


DB = {"QUIZBOT_DATABASE": "{tmp}/db/quiz.sqlite3"}
TOKEN = {"DISCORD_TOKEN": "not-a-real-token", "QUIZBOT_CONTENT_DIR": str(MINI_CONTENT)}
OFFLINE = {**TOKEN, "QUIZBOT_API_BASE_URL": "http://127.0.0.1:{closed}/api/v10"}
AT = "db/quiz.sqlite3"
SOURCE = "{tmp}/db/quiz.sqlite3"
CONTENT = {**DB, "QUIZBOT_CONTENT_DIR": str(MINI_CONTENT)}
LONG_NAME = "q" * 300 + ".sqlite3"

# fmt: off
CASES = [
    # Settings
    Case("blank-database", ["migrate"], 2, ["quizbot_database is set but blank"], env={"QUIZBOT_DATABASE": ""}),
    Case("blank-content-dir", ["check-content"], 2, ["quizbot_content_dir is set but blank"],
         env={"QUIZBOT_CONTENT_DIR": " "}),
    Case("bad-log-level", ["migrate"], 2, ["quizbot_log_level"], env={**DB, "QUIZBOT_LOG_LEVEL": "loud"}),
    Case("api-url-without-scheme", ["sync"], 2, ["quizbot_api_base_url must start with http"],
         env={**TOKEN, "QUIZBOT_API_BASE_URL": "localhost:8080"}),
    Case("env-not-utf8", ["migrate"], 2, [".env is not utf-8", "0xe9"], env=DB, setup={".env": non_utf8_env}),
    Case("sync-without-token", ["sync"], 2, ["discord_token is not set"], env=DB),
    Case("database-url-not-postgres", ["migrate"], 2, ["quizbot_database_url must be a postgresql url"],
         env={"QUIZBOT_DATABASE_URL": "sqlite:///data/quiz.sqlite3"}),
    Case("postgres-unreachable", ["migrate"], 1, ["is unreachable", "u:***@127.0.0.1", "is the server running"],
         env={"QUIZBOT_DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:{closed}/quiz"}),
    Case("shard-ids-out-of-range", ["migrate"], 2, ["quizbot_shard_ids must be distinct numbers from 0 to 1"],
         env={**DB, "QUIZBOT_SHARD_COUNT": "2", "QUIZBOT_SHARD_IDS": "0,2"}),
    Case("shard-ids-without-count", ["migrate"], 2, ["quizbot_shard_ids needs quizbot_shard_count"],
         env={**DB, "QUIZBOT_SHARD_IDS": "1"}),
    Case("shard-count-zero", ["migrate"], 2, ["quizbot_shard_count must be 1 or more"],
         env={**DB, "QUIZBOT_SHARD_COUNT": "0"}),
    Case("sqlite-with-part-of-the-shards", [], 2, ["runs 1 of 2 shards", "sqlite serves one process"],
         env={**DB, **OFFLINE, "QUIZBOT_SHARD_COUNT": "2", "QUIZBOT_SHARD_IDS": "1"}, setup={AT: release_1}),
    # The database path and file
    Case("db-text-file-migrate", ["migrate"], 2, ["quizbot_database=", "not an sqlite database"], env=DB,
         setup={AT: text_file}),
    Case("db-text-file-prune", ["prune"], 2, ["not an sqlite database"], env=DB, setup={AT: text_file}),
    Case("db-text-file-run", [], 2, ["not an sqlite database"], env={**DB, **OFFLINE}, setup={AT: text_file}),
    Case("db-is-a-folder", ["migrate"], 2, ["is a folder"], env=DB, setup={AT: folder}),
    Case("db-under-a-file", ["migrate"], 2, ["cannot be created", "is a file, not a folder"],
         env={"QUIZBOT_DATABASE": "{tmp}/db/quiz.sqlite3/inner.sqlite3"}, setup={AT: text_file}),
    Case("db-folder-unwritable", ["migrate"], 2, ["cannot be created", "read-only"],
         env={"QUIZBOT_DATABASE": "{tmp}/db/sub/quiz.sqlite3"}, setup={AT: in_read_only_folder(None)},
         absent=["db/sub"]),
    Case("db-read-only-migrate", ["migrate"], 2, ["is read-only"], env=DB, setup={AT: read_only(ours_at_head)}),
    Case("db-read-only-prune", ["prune", "--days", "0"], 2, ["is read-only"], env=DB,
         setup={AT: read_only(ours_at_head)}),
    # Refused before anything goes out to Discord: otherwise it would say "cannot reach".
    Case("db-read-only-run", [], 2, ["is read-only"], env={**DB, **OFFLINE}, setup={AT: read_only(ours_at_head)}),
    Case("db-in-read-only-folder", ["migrate"], 2, ["read-only folder"], env=DB,
         setup={AT: in_read_only_folder(ours_at_head)}),
    Case("db-of-another-app", ["migrate"], 2, ["not a database of this bot", "no marker", "3 table(s)"], env=DB,
         setup={AT: other_apps_database}),
    Case("db-marked-by-another-app", ["migrate"], 2, ["belongs to another application"], env=DB,
         setup={AT: marked_by_another_application}),
    Case("db-newer-schema-migrate", ["migrate"], 2, ["schema version 99", "upgrade the bot", "restore the backup"],
         env=DB, setup={AT: newer_schema}),
    Case("db-newer-schema-run", [], 2, ["newer than this bot"], env={**DB, **OFFLINE}, setup={AT: newer_schema}),
    Case("db-missing-prune", ["prune"], 2, ["does not exist"], env=DB, absent=["db"]),
    Case("db-missing-dry-run", ["prune", "--dry-run"], 2, ["does not exist"], env=DB, absent=["db"]),
    Case("db-missing-backup", ["backup", "{tmp}/out.sqlite3"], 2, ["does not exist"], env=DB,
         absent=["db", "out.sqlite3"]),
    # prune
    Case("prune-dry-run", ["prune", "--dry-run", "--days", "0"], 0,
         ["would prune server 7: 0 answers", "nothing was changed"], env=DB, setup={AT: ours_at_head}),
    Case("prune-dry-run-outdated", ["prune", "--dry-run"], 2, ["schema version 1", "migrate` first"], env=DB,
         setup={AT: release_1}),
    Case("prune-days-huge", ["prune", "--days", "999999"], 2, ["--days", "from 0 to 36500"], env=DB,
         setup={AT: ours_at_head}),
    Case("prune-days-text", ["prune", "--days", "abc"], 2, ["--days", "whole number"], env=DB),
    Case("prune-days-negative", ["prune", "--days", "-1"], 2, ["--days"], env=DB),
    # backup
    Case("backup-target-exists", ["backup", "{tmp}/old.sqlite3"], 2, ["already exists", "never overwrite"],
         env=DB, setup={AT: ours_at_head, "old.sqlite3": text_file}),
    Case("backup-target-is-folder", ["backup", "{tmp}/backups"], 2, ["is a folder"], env=DB,
         setup={AT: ours_at_head, "backups": folder}),
    Case("backup-target-read-only", ["backup", "{tmp}/ro/b.sqlite3"], 2, ["read-only"], env=DB,
         setup={AT: ours_at_head, "ro/x": in_read_only_folder(None)}, absent=["ro/b.sqlite3"]),
    Case("backup-of-another-app", ["backup", "{tmp}/b.sqlite3"], 2, ["not a database of this bot"], env=DB,
         setup={AT: other_apps_database}, absent=["b.sqlite3"]),
    # schema
    Case("schema-outside-repository", ["schema"], 2, ["no content/ folder", "--output"], absent=["content"]),
    Case("schema-missing-folder", ["schema", "--output", "nope/s.json"], 2, ["nope does not exist"],
         absent=["nope"]),
    Case("schema-output-folder", ["schema", "--output", "out"], 2, ["is a folder"], setup={"out": folder}),
    Case("schema-read-only-tree", ["schema", "--output", "ro/s.json"], 2, ["read-only"],
         setup={"ro/x": in_read_only_folder(None)}, absent=["ro/s.json"]),
    # content
    Case("check-missing-path", ["check-content", "nope.yaml"], 2, ["nope.yaml does not exist"]),
    Case("check-empty-folder", ["check-content", "decks"], 2, ["no content files", "decks"],
         setup={"decks": folder}),
    Case("check-duplicate-key", ["check-content", "decks"], 1, ["duplicate key 'answer'", "line 8"],
         setup={"decks": duplicate_answer_deck}),
    Case("run-content-dir-missing", [], 2, ["quizbot_content_dir=", "is not a folder"],
         env={**DB, **OFFLINE, "QUIZBOT_CONTENT_DIR": "{tmp}/nowhere"}, absent=["db"]),
    Case("run-duplicate-key", [], 2, ["duplicate key 'answer'", "check-content"],
         env={**DB, **OFFLINE, "QUIZBOT_CONTENT_DIR": "{tmp}/decks"}, setup={"decks": duplicate_answer_deck},
         absent=["db"]),
    # Discord unreachable or refusing the token (loopback only, never the real network)
    Case("sync-offline", ["sync"], 1, ["cannot reach http://127.0.0.1:"], env={**DB, **OFFLINE},
         setup={AT: ours_at_head}, unchanged=False),
    Case("sync-token-refused", ["sync"], 2, ["refused the token"],
         env={**DB, **TOKEN, "QUIZBOT_API_BASE_URL": "http://127.0.0.1:{refusing}/api/v10"},
         setup={AT: ours_at_head}, unchanged=False),
    Case("run-offline", [], 1, ["cannot reach http://127.0.0.1:"], env={**DB, **OFFLINE}, setup={AT: ours_at_head},
         unchanged=False),
    Case("unknown-command", ["frobnicate"], 2, ["invalid choice"]),
    # More settings
    Case("database-url-port-not-a-number", ["migrate"], 2,
         ["quizbot_database_url has the port 'xx'", "from 1 to 65535", "u:***@127.0.0.1:xx/db"],
         env={"QUIZBOT_DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:xx/db"}),
    Case("database-url-port-too-big", ["migrate"], 2, ["quizbot_database_url has the port '99999'"],
         env={"QUIZBOT_DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:99999/db"}),
    Case("database-url-bad-sslmode", ["migrate"], 2, ["quizbot_database_url has sslmode='bogus'", "verify-full"],
         env={"QUIZBOT_DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:{closed}/db?sslmode=bogus"}),
    Case("database-url-no-host", ["migrate"], 2, ["quizbot_database_url names no host"],
         env={"QUIZBOT_DATABASE_URL": "postgresql://u:hunter2@/db"}),
    Case("database-url-no-database", ["migrate"], 2, ["quizbot_database_url names no database"],
         env={"QUIZBOT_DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:{closed}/"}),
    Case("database-url-any-case-scheme", ["migrate"], 1, ["is unreachable", "u:***@127.0.0.1"],
         env={"QUIZBOT_DATABASE_URL": "PostgreSQL://u:hunter2@127.0.0.1:{closed}/quiz"}),
    Case("shard-count-huge", ["migrate"], 2, ["quizbot_shard_count must be from 1 to 10000"],
         env={**DB, "QUIZBOT_SHARD_COUNT": "99999999999999999999"}),
    Case("database-name-too-long", ["migrate"], 2, ["quizbot_database has a file or folder name of 308 bytes",
         "at most 255"], env={"QUIZBOT_DATABASE": "{tmp}/" + LONG_NAME}),
    Case("env-is-a-folder", ["migrate"], 2, [".env is a folder"], env=DB, setup={".env": folder}, absent=["db"]),
    # copy-db: what it is given
    Case("copy-db-url-of-a-typo", ["copy-db", SOURCE, "postgresq://u:hunter2@127.0.0.1:1/db"], 2,
         ["target postgresq://u:***@127.0.0.1:1/db is a url but not a postgresql one"], setup={AT: ours_at_head},
         absent=["postgresq:"]),
    Case("copy-db-url-of-a-driver", ["copy-db", SOURCE, "postgresql+asyncpg://u:hunter2@127.0.0.1:1/db"], 2,
         ["not a postgresql one"], setup={AT: ours_at_head}, absent=["postgresql+asyncpg:"]),
    Case("copy-db-url-of-mysql", ["copy-db", "mysql://u:hunter2@127.0.0.1/db", "{tmp}/out.sqlite3"], 2,
         ["source mysql://u:***@127.0.0.1/db is a url but not a postgresql one"], absent=["out.sqlite3", "mysql:"]),
    Case("copy-db-url-any-case-scheme", ["copy-db", SOURCE, "PostgreSQL://u:hunter2@127.0.0.1:{closed}/db"], 1,
         ["is unreachable", "u:***@127.0.0.1"], setup={AT: ours_at_head}, absent=["PostgreSQL:"]),
    Case("copy-db-url-port-not-a-number", ["copy-db", SOURCE, "postgresql://u:hunter2@127.0.0.1:xx/db"], 2,
         ["target postgresql://u:***@127.0.0.1:xx/db has the port 'xx'"], setup={AT: ours_at_head}),
    Case("copy-db-url-bad-sslmode", ["copy-db", SOURCE, "postgresql://u:hunter2@127.0.0.1:{closed}/db?sslmode=bogus"],
         2, ["has sslmode='bogus'"], setup={AT: ours_at_head}),
    Case("copy-db-name-too-long", ["copy-db", SOURCE, "{tmp}/" + LONG_NAME], 2, ["at most 255"],
         setup={AT: ours_at_head}),
    Case("copy-db-source-missing", ["copy-db", "{tmp}/nope.sqlite3", "{tmp}/out.sqlite3"], 2,
         ["nope.sqlite3 does not exist: nothing to copy"], absent=["nope.sqlite3", "out.sqlite3"]),
    Case("copy-db-source-empty", ["copy-db", "{tmp}/empty.sqlite3", "{tmp}/out.sqlite3"], 2,
         ["empty.sqlite3 is an empty file: nothing to copy"], setup={"empty.sqlite3": empty_file},
         absent=["out.sqlite3"]),
    # copy-db: a target it must leave alone
    Case("copy-db-target-not-empty", ["copy-db", SOURCE, "{tmp}/other.sqlite3"], 2, ["is not empty", "--force"],
         setup={AT: ours_at_head, "other.sqlite3": ours_at_head}),
    Case("copy-db-target-outdated-not-empty", ["copy-db", SOURCE, "{tmp}/old.sqlite3"], 2, ["is not empty"],
         setup={AT: ours_at_head, "old.sqlite3": release_1}),
    Case("copy-db-target-in-use", ["copy-db", "--force", SOURCE, "{tmp}/live.sqlite3"], 1,
         ["live.sqlite3 is in use by a running bot (pid", "stop it first"],
         setup={AT: ours_at_head, "live.sqlite3": ours_at_head}, locked="live.sqlite3"),
    # insights
    Case("insights-bad-content", ["insights"], 2, ["duplicate key 'answer'", "quizbot_content_dir=", "check-content"],
         env={**DB, "QUIZBOT_CONTENT_DIR": "{tmp}/decks"}, setup={AT: ours_at_head, "decks": duplicate_answer_deck}),
    Case("insights-content-dir-missing", ["insights"], 2, ["quizbot_content_dir=", "is not a folder"],
         env={**DB, "QUIZBOT_CONTENT_DIR": "{tmp}/nowhere"}, setup={AT: ours_at_head}),
    Case("insights-unknown-deck", ["insights", "--deck", "nope"], 2, ["--deck nope", "decks: trl"], env=CONTENT,
         setup={AT: ours_at_head}),
    Case("insights-database-missing", ["insights"], 2, ["quizbot_database=", "does not exist"], env=CONTENT,
         absent=["db"]),
    Case("insights-csv-folder-missing", ["insights", "--csv", "nope/out.csv"], 2, ["the folder nope does not exist"],
         env=CONTENT, setup={AT: ours_at_head}, absent=["nope"]),
    Case("insights-csv-is-a-folder", ["insights", "--csv", "out"], 2, ["--csv out is a folder"], env=CONTENT,
         setup={AT: ours_at_head, "out": folder}),
    Case("insights-csv-read-only", ["insights", "--csv", "ro/out.csv"], 2, ["read-only"], env=CONTENT,
         setup={AT: ours_at_head, "ro/x": in_read_only_folder(None)}, absent=["ro/out.csv"]),
]
# fmt: on


# --- running them ---------------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(folder.rglob("*"))
    }


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Refuse401(http.server.BaseHTTPRequestHandler):
    """Answers every request as Discord answers a wrong token."""

    def do_GET(self) -> None:
        body = b'{"message": "401: Unauthorized", "code": 0}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def refusing_api() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refuse401)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()


def fill(text: str, tmp: Path, refusing: int) -> str:
    return text.format(tmp=tmp, closed=closed_port(), refusing=refusing)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_misuse_is_answered_in_a_line_and_changes_nothing(case: Case, tmp_path: Path, refusing_api: int):
    for relative, make in case.setup.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        make(tmp_path / relative)
    before = snapshot(tmp_path)
    env = clean_env(**{k: fill(v, tmp_path, refusing_api) for k, v in case.env.items()})
    args = [fill(a, tmp_path, refusing_api) for a in case.args]
    with bot_holding(tmp_path / case.locked if case.locked else None) as holder:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT_S,
        )
        took = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode == case.code, output
    if holder is not None:
        assert f"(pid {holder})" in output, output
    assert "hunter2" not in output  # a database password is never printed
    assert "Traceback" not in output
    assert "voice will NOT be supported" not in output  # the bot has no voice: no warning about its libraries
    assert len(output.strip().splitlines()) <= MAX_LINES, output
    assert len(result.stderr.strip().splitlines()) <= MAX_ERROR_LINES, output
    for phrase in case.says:
        assert phrase in output.lower(), output
    if case.unchanged:
        assert snapshot(tmp_path) == before, "a refused command changed files"
    for relative in case.absent:
        assert not (tmp_path / relative).exists(), relative
    assert took < TIME_LIMIT_S


# --- interruptions --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release-1 database of about 150 MB whose upgrade (0002 rewrites daily_schedules) takes seconds."""
    path = tmp_path_factory.mktemp("big") / "big.sqlite3"
    release_1(path)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(
            "WITH RECURSIVE i(n) AS (SELECT 1000 UNION ALL SELECT n + 1 FROM i WHERE n < 600000)"
            " INSERT INTO daily_schedules (guild_id, channel_id, local_time, timezone, deck, updated_by, updated_at,"
            " last_error, last_error_at) SELECT n, 10, '09:00', 'UTC', 'trl', 1, '2026-11-24T00:00:00+00:00',"
            " 'The bot stopped while posting that day''s question. ' || hex(randomblob(40)),"
            " '2026-11-24T09:00:00+00:00' FROM i"
        )
        conn.commit()
    return path


def start(args: list[str], cwd: Path, database: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean_env(QUIZBOT_DATABASE=str(database)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + TIME_LIMIT_S
    while not condition():
        assert proc.poll() is None, f"finished before {what}: {proc.communicate()}"
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.005)


def stop_and_wait(proc: subprocess.Popen[str], sig: signal.Signals) -> tuple[str, float]:
    proc.send_signal(sig)
    sent = time.monotonic()
    out, err = proc.communicate(timeout=TIME_LIMIT_S)
    return out + err, time.monotonic() - sent


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stopped_backup_leaves_no_file_under_its_name(sig: signal.Signals, big_database: Path, tmp_path: Path):
    """Mid-copy, the backup stops within seconds, says so, and leaves neither the target nor a partial copy."""
    target = tmp_path / "backup.sqlite3"
    proc = start(["backup", str(target)], tmp_path, big_database)

    def copying() -> bool:
        return any(p.stat().st_size > 1_000_000 for p in tmp_path.glob(".backup.sqlite3.*.partial"))

    wait_for(copying, proc, "the partial copy grow")
    output, took = stop_and_wait(proc, sig)
    assert proc.returncode == 128 + sig, output
    assert took < SIGNAL_TO_EXIT_S
    assert f"interrupted by {sig.name}; no backup was written" in output and "Traceback" not in output
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "nothing may be left beside the target"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stopped_migration_is_rolled_back_and_says_the_version(sig: signal.Signals, big_database: Path, tmp_path):
    """Mid-0002, migrate stops within seconds and says the database is still at version 1, which it is."""
    path = tmp_path / "quiz.sqlite3"
    shutil.copy(big_database, path)
    proc = start(["migrate"], tmp_path, path)
    wal = path.with_name(path.name + "-wal")
    wait_for(lambda: wal.exists() and wal.stat().st_size > 2_000_000, proc, "0002 being written")
    output, took = stop_and_wait(proc, sig)
    assert proc.returncode == 128 + sig, output
    assert took < SIGNAL_TO_EXIT_S
    assert "Traceback" not in output and len(output.strip().splitlines()) <= MAX_LINES, output
    assert f"interrupted by {sig.name};" in output
    assert "is at schema version 1 (the migration in progress, 0002_" in output and "was rolled back" in output
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        columns = {row[1] for row in conn.execute("PRAGMA table_info(daily_schedules)")}
    assert "last_error" in columns and "last_error_code" not in columns


def test_a_locked_database_is_a_failure_of_the_moment(tmp_path: Path):
    """Another process holding the write lock: migrate waits its 5 s, says so in a line, exits 1, changes nothing."""
    path = tmp_path / "quiz.sqlite3"
    release_1(path)
    before = snapshot(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        result = subprocess.run(
            [sys.executable, "-m", "bot", "migrate"],
            cwd=tmp_path,
            env=clean_env(QUIZBOT_DATABASE=str(path)),
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT_S,
        )
    finally:
        holder.close()
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "is locked by another process" in output and "Traceback" not in output
    assert len(output.strip().splitlines()) <= MAX_LINES, output
    assert snapshot(tmp_path) == before


def test_the_insights_csv_is_written_whole_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A write that fails half-way (a full disk) leaves the previous CSV and no partial file: exit 1."""
    from bot import cli_insights
    from bot.cli import CommandError

    out = tmp_path / "out.csv"
    out.write_text("previous\n", encoding="utf-8")

    def full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli_insights.os, "fsync", full)
    with pytest.raises(CommandError) as failed:
        cli_insights.write_csv(out, "question_id\nmini-one\n")
    assert failed.value.exit_code == 1 and "no space left" in str(failed.value).lower()
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    monkeypatch.undo()
    cli_insights.write_csv(out, "question_id\nmini-one\n")
    assert out.read_text(encoding="utf-8") == "question_id\nmini-one\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_an_insights_csv_on_a_read_only_file_system_is_refused_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from bot import cli_insights
    from bot.cli import CommandError

    class ReadOnly:
        f_flag = os.ST_RDONLY

    monkeypatch.setattr(cli_insights.os, "statvfs", lambda _path: ReadOnly())
    with pytest.raises(CommandError) as refused:
        cli_insights.check_csv_path(tmp_path / "out.csv")
    assert refused.value.exit_code == 1 and "read-only file system" in str(refused.value)
