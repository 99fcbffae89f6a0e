"""Settings, read from the environment and an optional .env file once at start."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("discord_token", "api_base_url", mode="before")
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

    @field_validator("api_base_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https://, e.g. http://127.0.0.1:8080/api/v10 (got {value!r})")
        return value.rstrip("/") if value else value
