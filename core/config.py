"""Settings: the environment (or ``.env``) read once at start, validated, with the spec's defaults.

A bad value is reported as one line naming the variable and what it accepts (``SettingsError``); the
CLI turns that into exit status 2.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core import bounds as b
from core.domain import Policy

SQLITE_SCHEMES = ("sqlite", "sqlite+aiosqlite", "sqlite+pysqlite")
POSTGRES_SCHEMES = ("postgresql", "postgresql+asyncpg", "postgres")
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

# What each variable accepts, in the words of the error line an operator reads.
ACCEPTS: dict[str, str] = {
    "discord_token": "the bot token from the Discord developer portal",
    "database_url": "sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host:port/db",
    "guild_id": "a Discord server id (a whole number), or nothing",
    "admin_role_id": "a Discord role id (a whole number), or nothing",
    "fallback_channel_id": "a Discord channel id (a whole number), or nothing",
    "pack_size": "a whole number of sessions from 1 to 52",
    "pack_valid_days": "a whole number of days from 1 to 730",
    "grace_period_hours": "a whole number of hours from 1 to 720",
    "final_warning_hours": "a whole number of hours from 0 (off) to less than GRACE_PERIOD_HOURS",
    "expiry_warning_days": "a whole number of days from 0 (off) to 365",
    "session_reminder_hours": "a whole number of hours from 0 (off) to 168",
    "sweep_interval_minutes": "a whole number of minutes from 1 to 1440",
    "renew_url": "an http(s) link, or nothing",
    "log_level": "DEBUG, INFO, WARNING, ERROR or CRITICAL",
    "shard_count": "a whole number of shards from 1, or nothing",
    "shard_ids": "shard numbers separated by commas (e.g. 0,1), each below SHARD_COUNT, or nothing",
}

Snowflake = Annotated[int, Field(gt=0)]


class SettingsError(ValueError):
    """A setting has a value it does not accept; the message is the one line to show."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        validate_default=True,
    )

    discord_token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///mentorbot.db"
    guild_id: Snowflake | None = None
    admin_role_id: Snowflake | None = None
    fallback_channel_id: Snowflake | None = None
    pack_size: int = Field(4, ge=b.MIN_PACK_SESSIONS, le=b.MAX_PACK_SESSIONS)
    pack_valid_days: int = Field(90, ge=b.MIN_VALID_DAYS, le=b.MAX_VALID_DAYS)
    grace_period_hours: int = Field(72, ge=b.MIN_GRACE_HOURS, le=b.MAX_GRACE_HOURS)
    final_warning_hours: int = Field(12, ge=b.MIN_FINAL_WARNING_HOURS, le=b.MAX_FINAL_WARNING_HOURS)
    expiry_warning_days: int = Field(3, ge=b.MIN_EXPIRY_WARNING_DAYS, le=b.MAX_EXPIRY_WARNING_DAYS)
    session_reminder_hours: int = Field(24, ge=b.MIN_REMINDER_HOURS, le=b.MAX_REMINDER_HOURS)
    sweep_interval_minutes: int = Field(60, ge=b.MIN_SWEEP_MINUTES, le=b.MAX_SWEEP_MINUTES)
    renew_url: str | None = None
    log_level: LogLevel = "INFO"
    shard_count: int | None = Field(None, ge=1)
    shard_ids: Annotated[list[int] | None, NoDecode] = None

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        scheme = value.split("://", 1)[0]
        if "://" not in value or scheme not in SQLITE_SCHEMES + POSTGRES_SCHEMES:
            raise ValueError("unsupported database URL")
        return value

    @field_validator("renew_url")
    @classmethod
    def _http_link(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("not an http(s) link")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.final_warning_hours >= self.grace_period_hours:
            raise SettingsError(
                f"FINAL_WARNING_HOURS={self.final_warning_hours} is not valid: "
                f"it accepts {ACCEPTS['final_warning_hours']} ({self.grace_period_hours})."
            )
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise SettingsError("SHARD_IDS is set without SHARD_COUNT: set SHARD_COUNT too.")
            if any(not 0 <= shard < self.shard_count for shard in self.shard_ids) or len(
                set(self.shard_ids)
            ) != len(self.shard_ids):
                raise SettingsError(f"SHARD_IDS is not valid: it accepts {ACCEPTS['shard_ids']}.")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.split("://", 1)[0] in SQLITE_SCHEMES

    def policy(self) -> Policy:
        return Policy(
            pack_size=self.pack_size,
            pack_valid_days=self.pack_valid_days,
            grace_period_hours=self.grace_period_hours,
            final_warning_hours=self.final_warning_hours,
            expiry_warning_days=self.expiry_warning_days,
            session_reminder_hours=self.session_reminder_hours,
        )


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and ``.env``, or a ``SettingsError`` with one readable line."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(describe(error)) from None


def describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        if field in ACCEPTS:
            shown = "(hidden)" if field == "discord_token" else repr(problem.get("input"))
            lines.append(f"{field.upper()}={shown} is not valid: it accepts {ACCEPTS[field]}.")
        else:
            # A model-level check already wrote its own sentence.
            message = str(problem.get("msg", "invalid settings"))
            lines.append(message.removeprefix("Value error, "))
    return " ".join(lines)
