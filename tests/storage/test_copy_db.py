"""`python -m bot copy-db`: a SQLite deployment into PostgreSQL and back, row for row, on real databases.

The source is filled through the bot's own services (a round with answers, practice, a reminder, a hidden
question, a report) plus plain inserts for what a test can't reach that way (a daily schedule, drafts, meta)
and a crowd of answers, so every table has rows and the trigger-kept tables have real sums to carry over.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import signal
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot import cli_copy
from bot.catalog import load_catalog
from bot.cli import CommandError, Interrupted
from bot.core.results import PracticeQuestion
from bot.services.container import build
from bot.storage import copy as copy_module
from bot.storage.copy import COPY_ORDER, CopyError, TargetNotEmpty, compare_databases, copy_database
from bot.storage.copy_backends import PostgresTarget
from bot.storage.database import Database
from bot.storage.migrate import apply_migrations, discover
from bot.storage.postgres import PostgresDatabase
from bot.storage.repositories import Repositories
from bot.storage.rows import to_db_time
from tests.services.conftest import FIXTURES, FakeClock, RecordingPublisher
from tests.services.test_rounds import first_post

GUILD, CROWD_GUILD, CHANNEL = 1_180_000_000_000_000_001, 1_180_000_000_000_000_777, 1_180_000_000_000_000_002
STARTER, ALICE, BOB, MOD = 100, 101, 102, 103
BIGGEST = 2**63 - 1  # the largest id both backends hold
START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


# -- filling a source ----------------------------------------------------------------------------------------


async def fill(path: Path, *, seed: int = 1, crowd: int = 60) -> None:
    """A migrated SQLite file with rows in every table (``seed`` varies the data, ``crowd`` its size)."""
    db = await Database.open(path)
    try:
        await apply_migrations(db)
        await _through_services(db, seed)
        await _plain_inserts(db, seed, crowd)
    finally:
        await db.close()


async def _through_services(db: Database, seed: int) -> None:
    publisher, clock = RecordingPublisher(), FakeClock()
    services, workers = build(Repositories.over(db), load_catalog(FIXTURES), publisher, clock, random.Random(seed))
    try:
        await services.rounds.start(
            guild_id=GUILD, channel_id=CHANNEL, member_id=STARTER, deck="trl", count=3, seconds=30
        )
        for n in range(1, 4):
            post = await first_post(publisher, n)
            right = post.question.answer_index
            wrong = (right + 1) % len(post.question.choices)
            await services.answers.answer(post_id=post.id, guild_id=GUILD, member_id=ALICE, choice=right)
            await services.answers.answer(post_id=post.id, guild_id=GUILD, member_id=BOB, choice=wrong)
            await services.answers.answer(post_id=post.id, guild_id=GUILD, member_id=BIGGEST, choice=right)
            clock.advance(10)
            await services.rounds.skip(post_id=post.id, guild_id=GUILD, member_id=STARTER, is_moderator=True)
        await publisher.wait(lambda p: p.summaries)
        target = await services.reports.post_target(guild_id=GUILD, member_id=BOB, post_id=post.id)
        await services.reports.submit(
            guild_id=GUILD, member_id=BOB, target=target, reason="typo", details='« l\'accent » "quoted"\nline 2'
        )
        clock.advance(86_400 * 2)
        step = await services.practice.start(guild_id=GUILD, member_id=ALICE, deck="trl")
        assert isinstance(step, PracticeQuestion)
        await services.practice.answer(
            session_id=step.session_id,
            position=step.position,
            guild_id=GUILD,
            member_id=ALICE,
            choice=step.question.answer_index,
        )
        await services.reminders.turn_on(member_id=ALICE, guild_id=GUILD, time_text="15:00", timezone="Europe/Berlin")
        await services.questions.set_hidden(guild_id=GUILD, member_id=MOD, question_id="mini-one", hidden=True)
    finally:
        await workers.rounds.close()
        await workers.daily.close()
        await services.answers.close()


async def _plain_inserts(db: Database, seed: int, crowd: int) -> None:
    rng = random.Random(seed)
    stamp = to_db_time(START)
    deck = load_catalog(FIXTURES).deck("trl")
    assert deck
    builtin = deck[0]
    custom = builtin.model_copy(update={"id": "custom-1", "prompt": f"Custom « {seed} »?"})
    tables = {r[0] for r in await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")}
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO meta (key, value) VALUES ('copy-test', ?)", (f"seed {seed} ünï 'x'",))
        await conn.execute(
            "INSERT INTO guilds (guild_id, mod_role_id, joined_at) VALUES (?, ?, ?)"
            " ON CONFLICT (guild_id) DO UPDATE SET mod_role_id = excluded.mod_role_id",
            (GUILD, 1_180_000_000_000_000_999, stamp),
        )
        await conn.execute(
            "INSERT INTO guilds (guild_id, joined_at, left_at) VALUES (?, ?, ?)", (CROWD_GUILD, stamp, stamp)
        )
        await conn.execute(
            "INSERT INTO daily_schedules (guild_id, channel_id, local_time, timezone, deck, role_id, enabled, cycle,"
            " updated_by, updated_at, last_error_code, last_error_channel_id, last_error_detail)"
            " VALUES (?, ?, '09:30', 'Europe/Paris', 'trl', NULL, 1, 2, ?, ?, 'forbidden', ?, 'Missing Access')",
            (GUILD, CHANNEL, MOD, stamp, CHANNEL),
        )
        await conn.execute(
            "INSERT INTO question_drafts (guild_id, member_id, body, expires_at) VALUES (?, ?, ?, ?)",
            (GUILD, MOD, '{"prompt": "Draft?"}', stamp),
        )
        await conn.execute(
            "INSERT INTO custom_questions (guild_id, id, deck, revision, body, created_by, created_at, updated_by,"
            " updated_at) VALUES (?, 'custom-1', 'trl', 2, ?, ?, ?, ?, ?)",
            (GUILD, custom.model_dump_json(), MOD, stamp, MOD, stamp),
        )
        # A REAL column holding a whole number (SQLite stores it as an integer, reads it as a float).
        await conn.execute("UPDATE reviews SET stability = 5, difficulty = NULL WHERE member_id = ?", (ALICE,))
        # The crowd: plain answers to a few posts; the triggers keep item_responses, item_members, item_sums.
        for i in range(4):
            rows = await conn.execute_fetchall(
                "INSERT INTO posts (guild_id, channel_id, kind, question_id, question, answer, opened_at, closes_at)"
                " VALUES (?, 10, 'daily', ?, '{}', 1, ?, ?) RETURNING id",
                (CROWD_GUILD, f"mini-{i}", stamp, stamp),
            )
            post_id = next(iter(rows))[0]
            when = to_db_time(START + timedelta(days=i))
            await conn.execute(
                "INSERT INTO daily_posts (guild_id, local_date, cycle, question_id, post_id, status, claimed_at)"
                " VALUES (?, ?, 1, ?, ?, 'posted', ?)",
                (CROWD_GUILD, f"2026-11-{24 + i}", f"mini-{i}", post_id, when),
            )
            answers = []
            for m in range(crowd):
                choice = rng.randrange(4)
                answers.append((post_id, CROWD_GUILD, 10**17 + m, f"mini-{i}", choice, int(choice == 1), 0, when))
            await conn.executemany(
                "INSERT INTO answers (post_id, guild_id, member_id, question_id, choice, correct, points, answered_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                answers,
            )
        await conn.execute(
            "INSERT INTO daily_posts (guild_id, local_date, cycle, question_id, post_id, status, claimed_at)"
            " VALUES (?, '2026-12-01', 2, 'mini-two', NULL, 'claimed', ?)",
            (CROWD_GUILD, stamp),
        )
        round_id = next(iter(await conn.execute_fetchall("SELECT MIN(id) FROM rounds")))[0]
        await conn.execute(
            "INSERT INTO outbox (kind, round_id, attempts, not_before, created_at) VALUES ('summary', ?, 3, ?, ?)",
            (round_id, stamp, stamp),
        )
        if "identify_turns" in tables:
            await conn.execute("INSERT INTO identify_turns (bucket, last_at) VALUES (0, ?)", (stamp,))


# -- reading every table with no help from the code under test ------------------------------------------------


def _sorted(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=repr)


async def contents(spec: str | Path) -> dict[str, list[tuple[Any, ...]]]:
    """{table: sorted rows, columns in name order} of every table but the backends' own bookkeeping."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    where = str(spec)
    if where.startswith("postgresql://"):
        conn = await asyncpg.connect(where)
        try:
            tables = [
                r[0]
                for r in await conn.fetch(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                    " AND table_name <> 'schema_migrations'"
                )
            ]
            for table in tables:
                columns = sorted(
                    r[0]
                    for r in await conn.fetch(
                        "SELECT column_name FROM information_schema.columns"
                        " WHERE table_schema = 'public' AND table_name = $1",
                        table,
                    )
                )
                rows = await conn.fetch(f"SELECT {', '.join(columns)} FROM {table}")
                found[table] = _sorted([tuple(r) for r in rows])
        finally:
            await conn.close()
        return found
    with sqlite3.connect(f"file:{where}?mode=ro", uri=True) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        ]
        for table in tables:
            columns = sorted(r[1] for r in conn.execute(f"PRAGMA table_info({table})"))
            rows = conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            found[table] = _sorted([tuple(r) for r in rows])
    conn.close()
    return found


def assert_same(expected: dict[str, list[tuple[Any, ...]]], actual: dict[str, list[tuple[Any, ...]]]) -> None:
    assert sorted(actual) == sorted(expected)
    for table, rows in expected.items():
        assert actual[table] == rows, f"{table} differs"
        # Same Python types too: an int that came back as a float (or the reverse) would be a changed value.
        assert [tuple(map(type, r)) for r in actual[table]] == [tuple(map(type, r)) for r in rows], table


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
async def source(tmp_path: Path) -> Path:
    path = tmp_path / "source.sqlite3"
    await fill(path)
    return path


@pytest.fixture
async def pg_url(postgres_server) -> str:
    return await postgres_server.fresh_database(migrated=False)


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    cli_copy.add_arguments(parser)
    return cli_copy.run(parser.parse_args(list(argv)))


# -- the tests ------------------------------------------------------------------------------------------------


def test_the_copy_order_lists_every_table_parents_first(tmp_path: Path) -> None:
    """Every table of a migrated database is in COPY_ORDER, and no table refers to one copied after it."""
    path = tmp_path / "fresh.sqlite3"

    async def migrate() -> None:
        db = await Database.open(path)
        await apply_migrations(db)
        await db.close()

    asyncio.run(migrate())
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert set(tables) <= set(COPY_ORDER), set(tables) - set(COPY_ORDER)
        for table in tables:
            for ref in conn.execute(f"PRAGMA foreign_key_list({table})"):
                parent = ref[2]
                assert COPY_ORDER.index(parent) < COPY_ORDER.index(table), f"{table} -> {parent}"
    conn.close()


async def test_sqlite_to_postgres_and_back_copies_every_row(source: Path, pg_url: str, tmp_path: Path) -> None:
    """SQLite -> PostgreSQL -> SQLite: every table holds exactly the source's rows, the derived ones included."""
    expected = await contents(source)
    assert all(expected[t] for t in expected), [t for t in expected if not expected[t]]  # every table has rows
    before = file_digest(source)

    report = await copy_database(str(source), pg_url)
    assert report.comparison.ok and report.rows == sum(len(r) for r in expected.values())
    assert_same(expected, await contents(pg_url))

    back = tmp_path / "back.sqlite3"
    report = await copy_database(pg_url, str(back))
    assert report.comparison.ok
    assert_same(expected, await contents(back))
    assert file_digest(source) == before  # the source was only read
    with sqlite3.connect(back) as conn:  # the triggers are back, with the same text
        triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").fetchall()
    conn.close()
    with sqlite3.connect(source) as conn:
        assert (
            triggers
            == conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").fetchall()
        )
    conn.close()


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
async def test_the_bot_runs_on_the_copy_with_new_ids_after_the_copied_ones(
    backend: str, source: Path, pg_url: str, tmp_path: Path
) -> None:
    """After the copy a new round, post and answer get ids after the copied ones, and the triggers work again."""
    target = pg_url if backend == "postgresql" else str(tmp_path / "target.sqlite3")
    if backend == "sqlite":
        await copy_database(str(source), pg_url)  # PostgreSQL -> SQLite
        await copy_database(pg_url, target)
    else:
        await copy_database(str(source), target)
    db: Database | PostgresDatabase = (
        await PostgresDatabase.open(target) if backend == "postgresql" else await Database.open(Path(target))
    )
    try:
        before = {t: await db.fetch_value(f"SELECT MAX(id) FROM {t}") for t in ("rounds", "posts", "answers", "outbox")}
        responses = await db.fetch_value("SELECT COUNT(*) FROM item_responses")
        publisher, clock = RecordingPublisher(), FakeClock()
        services, workers = build(Repositories.over(db), load_catalog(FIXTURES), publisher, clock, random.Random(3))
        try:
            rnd = await services.rounds.start(
                guild_id=GUILD, channel_id=CHANNEL + 1, member_id=STARTER, deck="trl", count=1, seconds=30
            )
            post = await first_post(publisher)
            result = await services.answers.answer(
                post_id=post.id, guild_id=GUILD, member_id=4242, choice=post.question.answer_index
            )
            assert result.correct
        finally:
            await workers.rounds.close()
            await workers.daily.close()
            await services.answers.close()
        assert rnd.id == before["rounds"] + 1
        assert post.id == before["posts"] + 1
        assert await db.fetch_value("SELECT MAX(id) FROM answers") == before["answers"] + 1
        # The new member's first answer was kept by the trigger, once.
        assert await db.fetch_value("SELECT COUNT(*) FROM item_responses") == responses + 1
        assert await db.fetch_value("SELECT answered FROM item_members WHERE member_id = 4242") == 1
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO outbox (kind, round_id, not_before, created_at) VALUES ('summary', ?, 'x', 'x')",
                (rnd.id,),
            )
        assert await db.fetch_value("SELECT MAX(id) FROM outbox") == before["outbox"] + 1
    finally:
        await db.close()


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
async def test_a_target_with_rows_is_refused_without_force_and_replaced_with_it(
    backend: str, source: Path, pg_url: str, tmp_path: Path
) -> None:
    """A second copy into a filled target is refused and changes nothing; --force replaces the rows, in one go."""
    target = pg_url if backend == "postgresql" else str(tmp_path / "target.sqlite3")
    other = tmp_path / "other.sqlite3"
    await fill(other, seed=2, crowd=25)
    await copy_database(str(other), target)
    held = await contents(target)

    with pytest.raises(TargetNotEmpty) as refused:
        await copy_database(str(source), target)
    message = str(refused.value)
    assert "--force" in message and "answers (" in message and "item_sums (" in message
    assert "\n" not in message
    assert_same(held, await contents(target))  # untouched

    report = await copy_database(str(source), target, force=True)
    assert report.comparison.ok
    assert_same(await contents(source), await contents(target))


def test_the_command_line_refuses_a_filled_target_in_one_line(
    source: Path, postgres_server, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through `run`: exit 0 and the comparison on stdout; then the refusal as one CommandError line."""
    url = asyncio.run(postgres_server.fresh_database(migrated=True))
    secret_url = url.replace("postgresql://postgres@", "postgresql://postgres:s3cret-pw@")
    assert cli(str(source), secret_url) == 0
    out, err = capsys.readouterr()
    assert "all " in out and "figures match" in out and "answers rows" in out
    assert "copied answers:" in err and "rows/s" in err
    assert "s3cret-pw" not in out + err and "postgres:***@" in out + err
    with pytest.raises(CommandError) as refused:
        cli(str(source), secret_url)
    assert refused.value.exit_code == 2 and "--force" in str(refused.value) and "s3cret-pw" not in str(refused.value)
    assert cli(str(source), secret_url, "--force") == 0


async def test_a_source_behind_the_code_is_refused_and_left_alone(tmp_path: Path, pg_url: str) -> None:
    """A source at an older schema version: refused with the command to run, the source untouched."""
    older = tmp_path / "migrations"
    older.mkdir()
    for migration in discover()[:-1]:
        (older / migration.name).write_text(migration.sql, encoding="utf-8")
    path = tmp_path / "old.sqlite3"
    db = await Database.open(path)
    await apply_migrations(db, older)
    await db.close()
    before = file_digest(path)
    with pytest.raises(CopyError, match=r"run `python -m bot migrate` on it first"):
        await copy_database(str(path), pg_url)
    assert file_digest(path) == before
    # A PostgreSQL source never migrated: refused the same way, and still without a schema.
    with pytest.raises(CopyError, match=r"schema version 0, this bot's is \d+: run `python -m bot migrate`"):
        await copy_database(pg_url, str(tmp_path / "t.sqlite3"))
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SELECT to_regclass('answers')") is None
    finally:
        await conn.close()


async def test_the_comparison_catches_a_tampered_target(source: Path, pg_url: str) -> None:
    """After a good copy every figure matches; a changed score or a missing row is named."""
    await copy_database(str(source), pg_url)
    assert (await compare_databases(str(source), pg_url)).ok
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute("UPDATE scores SET points = points + 1 WHERE member_id = $1", ALICE)
        await conn.execute("DELETE FROM meta")
    finally:
        await conn.close()
    comparison = await compare_databases(str(source), pg_url)
    assert not comparison.ok
    assert {c.name for c in comparison.differences} == {"scores: SUM(points)", "meta rows"}
    assert any("<- differs" in line for line in comparison.lines())


def test_a_copy_that_does_not_match_is_rolled_back_and_exits_1(
    source: Path, postgres_server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A batch that loses a row (a stand-in for any bug) fails the final comparison: exit 1, target empty."""
    url = asyncio.run(postgres_server.fresh_database(migrated=True))
    write = PostgresTarget.write

    async def lossy(self, table, columns, rows):
        await write(self, table, columns, rows[:-1] if table == "answers" else rows)

    monkeypatch.setattr(PostgresTarget, "write", lossy)
    with pytest.raises(CommandError) as failed:
        cli(str(source), url)
    assert failed.value.exit_code == 1
    assert "answers rows: source" in str(failed.value) and "rolled back" in str(failed.value)
    assert "answers rows" in capsys.readouterr().out
    assert not any(asyncio.run(contents(url)).values())  # every table still empty


def test_ctrl_c_rolls_the_copy_back(
    source: Path, postgres_server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """SIGINT half-way through `answers`: the command ends as interrupted and the target holds no row."""
    url = asyncio.run(postgres_server.fresh_database(migrated=True))
    monkeypatch.setattr(copy_module, "BATCH_ROWS", 20)
    write = PostgresTarget.write
    seen: list[int] = []

    async def interrupted(self, table, columns, rows):
        await write(self, table, columns, rows)
        if table == "answers":
            seen.append(len(rows))
            if len(seen) == 2:
                os.kill(os.getpid(), signal.SIGINT)
                await asyncio.sleep(5)  # the stop cancels this wait

    monkeypatch.setattr(PostgresTarget, "write", interrupted)
    with pytest.raises(Interrupted) as stopped:
        cli(str(source), url)
    assert stopped.value.exit_code == 128 + signal.SIGINT
    assert "rolled back" in str(stopped.value) and "nothing half-copied" in str(stopped.value)
    assert len(seen) == 2
    assert not any(asyncio.run(contents(url)).values())


async def test_a_value_postgresql_would_change_is_refused_with_where_it_is(source: Path, pg_url: str) -> None:
    """Text in an INTEGER column of the SQLite source stops the copy before the target is touched."""
    conn = sqlite3.connect(source)
    conn.execute("UPDATE answers SET points = 'lots' WHERE id = (SELECT MIN(id) FROM answers)")
    conn.commit()
    conn.close()
    with pytest.raises(CopyError, match=r"answers\.points holds 'lots' \(text\) where PostgreSQL expects integer"):
        await copy_database(str(source), pg_url)
    conn2 = await asyncpg.connect(pg_url)
    try:
        assert await conn2.fetchval("SELECT to_regclass('answers')") is None  # not even migrated
    finally:
        await conn2.close()


async def test_an_owner_who_is_not_a_superuser_copies_with_the_triggers_switched_off(
    source: Path, postgres_server
) -> None:
    """Without the right to set session_replication_role, the owner's copy disables and re-enables triggers."""
    role = f"owner_{os.getpid()}"
    name = f"owned_{os.getpid()}"
    await postgres_server.admin(f"CREATE ROLE {role} LOGIN")
    await postgres_server.admin(f"CREATE DATABASE {name} OWNER {role} TEMPLATE template0")
    url = f"postgresql://{role}@{postgres_server.host}:{postgres_server.port}/{name}"
    report = await copy_database(str(source), url)
    assert report.comparison.ok
    assert_same(await contents(source), await contents(url))
    conn = await asyncpg.connect(url)
    try:
        disabled = await conn.fetchval("SELECT COUNT(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'")
        assert disabled == 0
    finally:
        await conn.close()


# -- what copy-db refuses before it writes a byte ----------------------------------------------------------------


def listing(folder: Path) -> dict[str, str]:
    return {p.name: file_digest(p) if p.is_file() else "dir" for p in sorted(folder.iterdir())}


@pytest.mark.parametrize(
    "url",
    [
        "postgresq://u:hunter2@127.0.0.1:1/db",
        "postgresql+asyncpg://u:hunter2@127.0.0.1:1/db",
        "mysql://u:hunter2@127.0.0.1:1/db",
        "sqlite://u:hunter2@localhost/x.sqlite3",
        "postgresql://u:hunter2@127.0.0.1:xx/db",
        "postgresql://u:hunter2@127.0.0.1:1/db?sslmode=bogus",
        "postgresql://u:hunter2@127.0.0.1:1/",
    ],
)
@pytest.mark.parametrize("role", ["SOURCE", "TARGET"])
def test_a_url_that_is_not_a_usable_postgresql_one_is_refused_and_nothing_is_created(
    url: str, role: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Never taken for a SQLite path (a folder tree named after the URL, password and all): one line, exit 2."""
    monkeypatch.chdir(tmp_path)
    other = str(tmp_path / "other.sqlite3")
    args = (url, other) if role == "SOURCE" else (other, url)
    with pytest.raises(CommandError) as refused:
        cli(*args)
    message = str(refused.value)
    assert refused.value.exit_code == 2 and message.startswith(f"{role} ") and "\n" not in message
    assert "u:***@" in message
    out, err = capsys.readouterr()
    assert "hunter2" not in message + out + err and "copying" not in err
    assert list(tmp_path.iterdir()) == []


def test_the_scheme_of_a_postgresql_url_is_read_in_any_case() -> None:
    from bot.storage.copy_backends import check_spec, is_url

    assert is_url("PostgreSQL://u@h/db") and is_url("POSTGRES://u@h/db")
    check_spec("PostgreSQL://u@h:5432/db", "TARGET")  # taken: asyncpg reads it so


async def test_a_sqlite_target_a_bot_runs_on_is_refused_even_with_force(source: Path, tmp_path: Path) -> None:
    """The running bot's lock on its file refuses the copy (exit 1) and the file is left as it was."""
    from bot.storage.single_process import hold

    live = tmp_path / "live.sqlite3"
    await fill(live, seed=2, crowd=5)
    before = listing(tmp_path)
    lock = hold(live, "the bot's database")
    try:
        with pytest.raises(CopyError) as refused:
            await copy_database(str(source), str(live), force=True)
    finally:
        lock.release()
    assert refused.value.exit_code == 1
    assert str(refused.value) == f"{live} is in use by a running bot (pid {os.getpid()}); stop it first, then copy"
    assert listing(tmp_path) == before
    assert (await copy_database(str(source), str(live), force=True)).comparison.ok  # once the bot is gone


async def test_a_copy_holds_the_bots_lock_on_its_sqlite_target(source: Path, tmp_path: Path, monkeypatch) -> None:
    """While copy-db writes, a bot starting on the target is refused (it takes the same lock)."""
    from bot.storage.copy_backends import SqliteTarget
    from bot.storage.single_process import SqliteInUse, hold

    target = tmp_path / "target.sqlite3"
    seen: list[str] = []
    write = SqliteTarget.write

    async def looking(self, table, columns, rows):
        if not seen:
            with pytest.raises(SqliteInUse):
                hold(target, "a bot starting")
            seen.append(table)
        await write(self, table, columns, rows)

    monkeypatch.setattr(SqliteTarget, "write", looking)
    assert (await copy_database(str(source), str(target))).comparison.ok
    assert seen
    hold(target, "a bot starting after the copy").release()


@pytest.mark.parametrize("outdated", [False, True], ids=["current", "older-schema"])
async def test_a_refused_sqlite_target_is_left_byte_for_byte(outdated: bool, source: Path, tmp_path: Path) -> None:
    """Not switched to WAL, not marked, no -wal or -shm left beside it: refused before it is opened for writing."""
    folder = tmp_path / "target"
    folder.mkdir()
    target = folder / "target.sqlite3"
    if outdated:
        with sqlite3.connect(target) as conn:
            conn.executescript(
                (Path(__file__).parents[1] / "fixtures" / "db" / "release-1.sql").read_text(encoding="utf-8")
            )
        conn.close()
    else:
        await fill(target, seed=2, crowd=5)  # left in WAL mode, as the bot leaves its file
    before = listing(folder)
    with pytest.raises(TargetNotEmpty):
        await copy_database(str(source), str(target))
    assert listing(folder) == before


@pytest.mark.parametrize("kind", ["missing", "empty file", "empty database"])
async def test_a_source_with_nothing_to_copy_is_refused_and_nothing_is_created(kind: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    if kind == "empty file":
        empty.write_bytes(b"")
    elif kind == "empty database":
        sqlite3.connect(empty).close()
        with sqlite3.connect(empty) as conn:
            conn.execute("VACUUM")
        conn.close()
    before = listing(tmp_path)
    with pytest.raises(CopyError, match="nothing to copy") as refused:
        await copy_database(str(empty), str(tmp_path / "out.sqlite3"))
    assert refused.value.exit_code == 2
    assert listing(tmp_path) == before
