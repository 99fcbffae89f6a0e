"""Settings, read from the environment and an optional .env file once at start."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MAX_SHARD_COUNT = 10_000  # 25 million servers at Discord's 2,500 per shard; more is a typo
NAME_MAX = 255  # bytes in one file or folder name (Linux, macOS)
PATH_MAX = 4096


def path_problem(path: Path) -> str | None:
    """What makes ``path`` unusable as a name before the file system is asked (it would fail with ENAMETOOLONG)."""
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX:
            shown = part if len(part) <= 24 else f"{part[:12]}…{part[-8:]}"
            return f"has a file or folder name of {size} bytes ({shown}); a name can have at most {NAME_MAX}"
    size = len(os.fsencode(str(path.absolute())))
    if size > PATH_MAX:
        return f"is {size} bytes long; a path can have at most {PATH_MAX}"
    return None


class Settings(BaseSettings):
    """Everything the operator can set; see .env.example."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Optional here so that commands needing no Discord (migrate, check-content) run without it;
    # running the bot checks it and says what to set.
    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    database: Path = Field(default=Path("data/quizbot.sqlite3"), validation_alias="QUIZBOT_DATABASE")
    content_dir: Path = Field(default=Path("content"), validation_alias="QUIZBOT_CONTENT_DIR")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", validation_alias="QUIZBOT_LOG_LEVEL"
    )
    api_base_url: str | None = Field(default=None, validation_alias="QUIZBOT_API_BASE_URL")
    # PostgreSQL for several processes; unset, the SQLite file QUIZBOT_DATABASE serves one process.
    database_url: SecretStr | None = Field(default=None, validation_alias="QUIZBOT_DATABASE_URL")
    # Sharding: this process runs shards QUIZBOT_SHARD_IDS (e.g. "0,1") of QUIZBOT_SHARD_COUNT.
    shard_count: int | None = Field(default=None, validation_alias="QUIZBOT_SHARD_COUNT")
    shard_ids: str | None = Field(default=None, validation_alias="QUIZBOT_SHARD_IDS")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("discord_token", "api_base_url", "database_url", "shard_count", "shard_ids", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database", "content_dir", mode="before")
    @classmethod
    def _blank_is_a_mistake(cls, value: object) -> object:
        # A blank path means the current folder: the database would be refused as a folder at best, and the
        # content loader would read every YAML file below the working directory.
        if isinstance(value, str) and not value.strip():
            raise ValueError("is set but blank; remove the line to use the default, or name a path")
        return value

    @field_validator("database", "content_dir")
    @classmethod
    def _usable_path(cls, value: Path) -> Path:
        problem = path_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("api_base_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https://, e.g. http://127.0.0.1:8080/api/v10 (got {value!r})")
        return value.rstrip("/") if value else value

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        from bot.storage.postgres import is_postgres_url, redacted, url_problem

        url = value.get_secret_value()
        if not is_postgres_url(url):
            raise ValueError(
                "must be a PostgreSQL URL such as postgresql://quizbot:secret@127.0.0.1:5432/quizbot; "
                "for SQLite set QUIZBOT_DATABASE to a file instead"
            )
        problem = url_problem(url)
        if problem:
            raise ValueError(f"{problem} ({redacted(url)})")
        return value

    @field_validator("shard_count")
    @classmethod
    def _in_range(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError(f"must be 1 or more (got {value})")
        if value is not None and value > MAX_SHARD_COUNT:
            raise ValueError(f"must be from 1 to {MAX_SHARD_COUNT} (got {value})")
        return value

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        self.shards()  # raises with the reason
        return self

    def shards(self) -> tuple[int, list[int]] | None:
        """(shard count, this process's shard ids), or None for an unsharded bot."""
        if self.shard_ids is None:
            if self.shard_count is None:
                return None
            return self.shard_count, list(range(self.shard_count))
        if self.shard_count is None:
            raise ValueError("QUIZBOT_SHARD_IDS needs QUIZBOT_SHARD_COUNT, the total number of shards")
        try:
            ids = [int(part) for part in self.shard_ids.split(",")]
        except ValueError:
            raise ValueError(
                f"QUIZBOT_SHARD_IDS must be shard numbers separated by commas, e.g. 0,1 (got {self.shard_ids!r})"
            ) from None
        wrong = [i for i in ids if not 0 <= i < self.shard_count]
        if wrong or len(set(ids)) != len(ids):
            raise ValueError(
                f"QUIZBOT_SHARD_IDS must be distinct numbers from 0 to {self.shard_count - 1} "
                f"(QUIZBOT_SHARD_COUNT={self.shard_count}), got {self.shard_ids!r}"
            )
        return self.shard_count, ids
