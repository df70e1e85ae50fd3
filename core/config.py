"""Settings: the environment (or ``.env``) read once at start, validated, with the spec's defaults
(``Settings``, ``load_settings``), and where each value in force came from (``origins``). The settings
a server may also set for itself are declared in ``core.registry``, whose validators read them here too.

A bad value is reported as one line naming the variable and what it accepts (``SettingsError``); the
CLI turns that into exit status 2, and ``/settings set`` shows the same sentence. A name in ``.env``
that is no setting is refused the same way, naming its line.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core import bounds as b
from core.domain import Policy
from core.registry import (
    MAX_BUTTON_URL,
    SECRETS,
    SERVER_SETTINGS,
    SettingsError,
    Value,
    final_warning_problem,
    quoted,
)

SQLITE_SCHEMES = ("sqlite", "sqlite+aiosqlite", "sqlite+pysqlite")
POSTGRES_SCHEMES = ("postgresql", "postgresql+asyncpg", "postgres")
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
ENV_FILE = ".env"


# What each variable accepts, in the words of the error line an operator reads.
ACCEPTS: dict[str, str] = {
    "discord_token": "the bot token from the Discord developer portal",
    "database_url": "sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host:port/db",
    "guild_id": "a Discord server id (a whole number), or nothing",
    **{name: setting.accepts for name, setting in SERVER_SETTINGS.items()},
    "sweep_interval_minutes": (
        f"a whole number of minutes from {b.MIN_SWEEP_MINUTES} to {b.MAX_SWEEP_MINUTES}"
    ),
    "log_level": "DEBUG, INFO, WARNING, ERROR or CRITICAL",
    "public_url": "the http(s) address the web door is reached at (e.g. https://mentorbot.example.org), or nothing",
    "web_host": "an address to listen on, such as 127.0.0.1 or 0.0.0.0",
    "web_port": f"a port number from {b.MIN_WEB_PORT} (a free one) to {b.MAX_WEB_PORT}",
    "shard_count": "a whole number of shards from 1, or nothing",
    "shard_ids": "shard numbers separated by commas (e.g. 0,1), each below SHARD_COUNT, or nothing",
}

Snowflake = Annotated[int, Field(gt=0)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        # A name in .env (or a keyword) that is no setting is a typo: stop, naming it.
        extra="forbid",
        validate_default=True,
    )

    discord_token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///mentorbot.db"
    guild_id: Snowflake | None = None
    admin_role_id: Snowflake | None = None
    fallback_channel_id: Snowflake | None = None
    time_zone: str = "UTC"
    pack_size: int = Field(4, ge=b.MIN_PACK_SESSIONS, le=b.MAX_PACK_SESSIONS)
    pack_valid_days: int = Field(90, ge=b.MIN_VALID_DAYS, le=b.MAX_VALID_DAYS)
    grace_period_hours: int = Field(72, ge=b.MIN_GRACE_HOURS, le=b.MAX_GRACE_HOURS)
    final_warning_hours: int = Field(12, ge=b.MIN_FINAL_WARNING_HOURS, le=b.MAX_FINAL_WARNING_HOURS)
    expiry_warning_days: int = Field(3, ge=b.MIN_EXPIRY_WARNING_DAYS, le=b.MAX_EXPIRY_WARNING_DAYS)
    session_reminder_hours: int = Field(24, ge=b.MIN_REMINDER_HOURS, le=b.MAX_REMINDER_HOURS)
    late_cancel_hours: int = Field(24, ge=b.MIN_LATE_CANCEL_HOURS, le=b.MAX_LATE_CANCEL_HOURS)
    no_show_counts: bool = True
    offer_hours: int = Field(24, ge=b.MIN_OFFER_HOURS, le=b.MAX_OFFER_HOURS)
    renew_url: str | None = Field(None, max_length=MAX_BUTTON_URL)
    renewal_sku_id: Snowflake | None = None
    stripe_payment_link: str | None = None
    stripe_webhook_secret: str | None = None
    min_notice_hours: int = Field(24, ge=b.MIN_NOTICE_HOURS, le=b.MAX_NOTICE_HOURS)
    booking_horizon_days: int = Field(28, ge=b.MIN_HORIZON_DAYS, le=b.MAX_HORIZON_DAYS)
    language: str = "en"
    public_url: str | None = None
    web_host: str = "127.0.0.1"
    web_port: int = Field(8080, ge=b.MIN_WEB_PORT, le=b.MAX_WEB_PORT)
    sweep_interval_minutes: int = Field(60, ge=b.MIN_SWEEP_MINUTES, le=b.MAX_SWEEP_MINUTES)
    log_level: LogLevel = "INFO"
    shard_count: int | None = Field(None, ge=1)
    shard_ids: Annotated[list[int] | None, NoDecode] = None

    @field_validator(*SERVER_SETTINGS, mode="before")
    @classmethod
    def _as_at_settings_set(cls, value: Any, info: ValidationInfo) -> Any:
        # Text (the environment, .env) goes through the very validator /settings set uses; typed values
        # (Settings(pack_size=5)) meet the same bounds through the fields' constraints.
        if isinstance(value, str):
            return SERVER_SETTINGS[str(info.field_name)].validate(value)
        return value

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("not an http(s) address")
        if any(char.isspace() for char in value):
            raise ValueError("not an http(s) address")
        return value.rstrip("/")

    @field_validator("web_host")
    @classmethod
    def _listen_address(cls, value: str) -> str:
        if not value.strip() or any(char.isspace() for char in value):
            raise ValueError("not an address")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        scheme = value.split("://", 1)[0]
        if "://" not in value or scheme not in SQLITE_SCHEMES + POSTGRES_SCHEMES:
            raise ValueError("unsupported database URL")
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
        problem = final_warning_problem(self.final_warning_hours, self.grace_period_hours)
        if problem is not None:
            raise SettingsError(problem)
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

    def server_defaults(self) -> dict[str, Value]:
        """The value of each server setting here: the default of every server that set none (R14)."""
        return {name: getattr(self, name) for name in SERVER_SETTINGS}

    def policy(self) -> Policy:
        """The server settings of every server that set none of its own (R14)."""
        return Policy(**{name: getattr(self, name) for name in SERVER_SETTINGS})


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
        if problem["type"] == "extra_forbidden":
            lines.append(not_a_setting(field))
        elif field in ACCEPTS:
            shown = "(hidden)" if field in SECRETS else quoted(problem.get("input"))
            lines.append(f"{field.upper()}={shown} is not valid: it accepts {ACCEPTS[field]}.")
        else:
            # A model-level check already wrote its own sentence.
            message = str(problem.get("msg", "invalid settings"))
            lines.append(message.removeprefix("Value error, "))
    return " ".join(lines)


def not_a_setting(name: str) -> str:
    """A name that is no setting, with the line of ``.env`` it came from; never its value (a token?)."""
    variable = name.upper()
    where = next(
        (f"{ENV_FILE} line {number}: " for number, key in _env_file_names() if key.lower() == name.lower()),
        "",
    )
    close = difflib.get_close_matches(variable, [field.upper() for field in Settings.model_fields], n=1)
    hint = f"did you mean {close[0]}?" if close else "the settings are listed in .env.example."
    return f"{where}{variable} is not a setting; {hint}"


def _env_file_names() -> list[tuple[int, str]]:
    """(line number, name) of each assignment in ``.env``, as python-dotenv reads them."""
    path = Path(ENV_FILE)
    if not path.is_file():
        return []
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip().removeprefix("export ").strip()
        if stripped and not stripped.startswith("#") and "=" in stripped:
            found.append((number, stripped.split("=", 1)[0].strip()))
    return found


# ---- where each setting in force came from (mentorbot check) -----------------------------------------


def origins() -> dict[str, str]:
    """For each setting: "environment", ".env" or "default", in the order pydantic-settings reads them."""
    environment = {key.lower() for key, value in os.environ.items() if value != ""}
    path = Path(ENV_FILE)
    in_file = (
        {key.lower() for key, value in dotenv_values(path).items() if value not in (None, "")}
        if path.is_file()
        else set()
    )
    return {
        name: "environment" if name in environment else ENV_FILE if name in in_file else "default"
        for name in Settings.model_fields
    }
