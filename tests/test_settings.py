"""Settings refused when they load, in the operator's words: a PostgreSQL URL asyncpg would refuse or misread,
a shard count out of range, a database name the file system would refuse. And the URL errors asyncpg itself
finds at connect are a setting to fix (exit 2), not an unreachable server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import MAX_SHARD_COUNT, Settings, path_problem
from bot.storage.ownership import DatabaseProblem
from bot.storage.postgres import PostgresDatabase, is_postgres_url, redacted, url_problem


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith(("QUIZBOT_", "DISCORD_")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout's


def problem_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    (error,) = refused.value.errors(include_url=False)
    assert error["type"] == "value_error", error
    return str(error.get("ctx", {}).get("error"))


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://u:hunter2@127.0.0.1:xx/db", "has the port 'xx', which is not a number from 1 to 65535"),
        ("postgresql://u:hunter2@127.0.0.1:0/db", "has the port '0'"),
        ("postgresql://u:hunter2@127.0.0.1:65536/db", "has the port '65536'"),
        ("postgresql://u:hunter2@h:5432/db?port=x1", "has the port 'x1'"),
        ("postgresql://u:hunter2@h:5432/db?sslmode=bogus", "has sslmode='bogus'; use one of disable, allow"),
        ("postgresql://u:hunter2@/db", "names no host"),
        ("postgresql://u:hunter2@h:5432", "names no database"),
        ("postgresql://u:hunter2@h:5432/db?oops", "cannot be read as a URL"),
        ("postgresql://u:hunter2@[::1/db", "cannot be read as a URL"),
        ("mysql://u:hunter2@h/db", "must be a PostgreSQL URL"),
    ],
)
def test_a_database_url_asyncpg_would_refuse_is_a_setting_error_without_the_password(
    monkeypatch: pytest.MonkeyPatch, url: str, says: str
) -> None:
    message = problem_with(monkeypatch, QUIZBOT_DATABASE_URL=url)
    assert says in message
    assert "hunter2" not in message and "\n" not in message


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://quizbot:secret@127.0.0.1:5432/quizbot",
        "postgres://quizbot@db/quizbot?sslmode=verify-full",
        "PostgreSQL://quizbot@db:5432/quizbot",  # asyncpg reads the scheme in any case
        "postgresql://quizbot@h1:5432,h2:5433/quizbot?sslmode=require",
        "postgresql://quizbot@[::1]:5432/quizbot",
        "postgresql:///quizbot?host=/run/postgresql",
        "postgresql://quizbot@db/?dbname=quizbot",
    ],
)
def test_a_usable_database_url_is_taken(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    assert url_problem(url) is None and is_postgres_url(url)
    monkeypatch.setenv("QUIZBOT_DATABASE_URL", url)
    settings = Settings()
    assert settings.database_url is not None and settings.database_url.get_secret_value() == url


def test_redacted_masks_a_password_wherever_it_is() -> None:
    assert redacted("postgresql://u:hunter2@h:xx/db") == "postgresql://u:***@h:xx/db"
    assert redacted("postgresql://u@h/db?sslmode=require&password=hunter2") == (
        "postgresql://u@h/db?sslmode=require&password=***"
    )
    assert "hunter2" not in redacted("postgresql://u:hunter2@[::1/db")  # not even a URL
    assert "hunter2" not in redacted("postgresq://u:hunter2@127.0.0.1:1/db")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://u:hunter2@127.0.0.1:xx/db", "invalid literal"),
        ("postgresql://u:hunter2@127.0.0.1:1/db?sslmode=bogus", "sslmode"),
    ],
)
async def test_a_url_asyncpg_refuses_at_connect_is_a_mistake_not_an_unreachable_server(url: str, says: str) -> None:
    """Past the settings (copy-db's own URLs, a caller of PostgresDatabase.open): exit 2, no "is the server up"."""
    with pytest.raises(DatabaseProblem) as refused:
        await PostgresDatabase.open(url)
    assert refused.value.exit_code == 2
    message = str(refused.value)
    assert "is not a usable PostgreSQL URL" in message and says in message
    assert "hunter2" not in message and "unreachable" not in message


@pytest.mark.parametrize("count", ["0", "-3", str(MAX_SHARD_COUNT + 1), "99999999999999999999"])
def test_a_shard_count_out_of_range_says_the_range(monkeypatch: pytest.MonkeyPatch, count: str) -> None:
    message = problem_with(monkeypatch, QUIZBOT_SHARD_COUNT=count)
    assert "must be" in message and count in message
    if int(count) > 0:
        assert f"must be from 1 to {MAX_SHARD_COUNT}" in message


def test_a_name_longer_than_the_file_system_takes_is_a_setting_error(monkeypatch: pytest.MonkeyPatch) -> None:
    message = problem_with(monkeypatch, QUIZBOT_DATABASE=f"data/{'q' * 300}.sqlite3")
    assert "has a file or folder name of 308 bytes" in message and "at most 255" in message
    assert path_problem(Path("data") / ("q" * 255)) is None
    assert path_problem(Path("/".join(["d" * 200] * 25))) is not None  # every name fits, the whole path does not
