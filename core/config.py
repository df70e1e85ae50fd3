"""Settings: the environment (or ``.env``) read once at start, validated, with the spec's defaults;
and the registry of the *server* settings (R14), each with the one validator that reads it from text.

A bad value is reported as one line naming the variable and what it accepts (``SettingsError``); the
CLI turns that into exit status 2, and ``/settings set`` shows the same sentence. A name in ``.env``
that is no setting is refused the same way, naming its line.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core import bounds as b
from core.domain import Policy

SQLITE_SCHEMES = ("sqlite", "sqlite+aiosqlite", "sqlite+pysqlite")
POSTGRES_SCHEMES = ("postgresql", "postgresql+asyncpg", "postgres")
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
ENV_FILE = ".env"
MAX_BUTTON_URL = 512  # Discord refuses a link button whose URL is longer
MIN_LATE_CANCEL_HOURS, MAX_LATE_CANCEL_HOURS = 0, 168
MIN_OFFER_HOURS, MAX_OFFER_HOURS = 1, 168
TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")
QUOTED = 60  # a longer bad value is cut in the error line
# A Payment Link gets "?client_reference_id=<server id>_<user id>" (at most 62 characters) added, and
# the whole must still fit on a Discord link button.
MAX_PAYMENT_LINK = MAX_BUTTON_URL - 62
PAYMENT_LINK_PREFIX = "https://buy.stripe.com/"
WEBHOOK_SECRET_PREFIX = "whsec_"
LANGUAGES = ("en", "es", "pt-BR")
# Settings whose value is never shown back (in an error line or /settings show).
SECRETS = frozenset({"discord_token", "stripe_webhook_secret"})

Value = int | bool | str | None


class SettingsError(ValueError):
    """A setting has a value it does not accept; the message is the one line to show."""


def invalid(name: str, text: object, accepts: str) -> SettingsError:
    """The one sentence for a bad value, the same at start and in ``/settings set``."""
    shown = "(hidden)" if name.lower() in SECRETS else quoted(text)
    return SettingsError(f"{name.upper()}={shown} is not valid: it accepts {accepts}.")


def quoted(value: object) -> str:
    """A value as the error line shows it: quoted, and cut (saying how long it was) when very long."""
    if isinstance(value, str) and len(value) > QUOTED:
        return f"{value[: QUOTED - 1]!r}… ({len(value)} characters)"
    return repr(value)


# ---- the server settings (R14): one validator each, from text ---------------------------------------


@dataclass(frozen=True, slots=True)
class ServerSetting:
    """A setting each server may override: its name (lower case), type, bounds, default and meaning."""

    name: str
    type: type
    default: Value
    meaning: str
    accepts: str
    read: Callable[[str], Value]  # the text's value, or ValueError
    low: int | None = None
    high: int | None = None

    def validate(self, text: str) -> Value:
        """The value ``text`` gives this setting, or ``SettingsError`` with the start-up check's sentence."""
        try:
            return self.read(text.strip())
        except ValueError:
            raise invalid(self.name, text, self.accepts) from None


def _whole_number(low: int, high: int) -> Callable[[str], Value]:
    def read(text: str) -> Value:
        if not text.lstrip("+-").isdigit():
            raise ValueError(text)
        number = int(text)
        if not low <= number <= high:
            raise ValueError(text)
        return number

    return read


def _discord_id(text: str) -> Value:
    """A channel, role or SKU id as a positive whole number; empty is none (the bot reads mentions)."""
    if not text:
        return None
    if not text.isdigit() or int(text) <= 0:
        raise ValueError(text)
    return int(text)


def _flag(text: str) -> Value:
    if text.lower() in TRUE_WORDS:
        return True
    if text.lower() in FALSE_WORDS:
        return False
    raise ValueError(text)


def _time_zone(text: str) -> Value:
    if not text or text.startswith(("/", ".")) or ".." in text:
        raise ValueError(text)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(text) from None
    return text


def _button_url(text: str) -> Value:
    """A link Discord accepts on a button: http(s), a host, at most 512 characters; empty is none."""
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(text) > MAX_BUTTON_URL:
        raise ValueError(text)
    if any(char.isspace() for char in text):
        raise ValueError(text)
    return text


def _payment_link(text: str) -> Value:
    """A Stripe Payment Link (https://buy.stripe.com/…), short enough to carry the buyer; empty is none."""
    if not text:
        return None
    if not text.startswith(PAYMENT_LINK_PREFIX) or len(text) > MAX_PAYMENT_LINK or "?" in text:
        raise ValueError(text)
    if any(char.isspace() for char in text) or len(text) == len(PAYMENT_LINK_PREFIX):
        raise ValueError(text)
    return text


def _webhook_secret(text: str) -> Value:
    """A Stripe endpoint's signing secret (whsec_…); empty is none."""
    if not text:
        return None
    rest = text.removeprefix(WEBHOOK_SECRET_PREFIX)
    if rest == text or not rest or len(text) > 200 or not rest.isascii() or not rest.isalnum():
        raise ValueError(text)
    return text


def _language(text: str) -> Value:
    """One of the shipped languages, however it is capitalised (pt-br, PT-BR …)."""
    for language in LANGUAGES:
        if text.lower().replace("_", "-") == language.lower():
            return language
    raise ValueError(text)


def _counted(
    name: str, default: int, low: int, high: int, unit: str, meaning: str, off: bool = False
) -> ServerSetting:
    accepts = (
        f"a whole number of {unit} from {low} (off) to {high}"
        if off
        else f"a whole number of {unit} from {low} to {high}"
    )
    return ServerSetting(name, int, default, meaning, accepts, _whole_number(low, high), low, high)


SERVER_SETTINGS: dict[str, ServerSetting] = {
    setting.name: setting
    for setting in (
        ServerSetting(
            "admin_role_id",
            int,
            None,
            "members with this role are admins, besides those with Manage Server",
            "a Discord role id (a whole number), or nothing",
            _discord_id,
        ),
        ServerSetting(
            "fallback_channel_id",
            int,
            None,
            "when a student's DMs are closed, they are mentioned in this channel instead",
            "a Discord channel id (a whole number), or nothing",
            _discord_id,
        ),
        ServerSetting(
            "time_zone",
            str,
            "UTC",
            "the zone `when` is read in for members who set none",
            "an IANA time zone name such as Europe/Berlin or UTC",
            _time_zone,
        ),
        _counted(
            "pack_size", 4, b.MIN_PACK_SESSIONS, b.MAX_PACK_SESSIONS, "sessions", "sessions in a granted pack"
        ),
        _counted(
            "pack_valid_days",
            90,
            b.MIN_VALID_DAYS,
            b.MAX_VALID_DAYS,
            "days",
            "days a granted pack is valid",
        ),
        _counted(
            "grace_period_hours",
            72,
            b.MIN_GRACE_HOURS,
            b.MAX_GRACE_HOURS,
            "hours",
            "hours a seat is held after the last session of the last pack",
        ),
        ServerSetting(
            "final_warning_hours",
            int,
            12,
            "hours before the grace ends that the final warning goes out",
            "a whole number of hours from 0 (off) to less than GRACE_PERIOD_HOURS",
            _whole_number(b.MIN_FINAL_WARNING_HOURS, b.MAX_FINAL_WARNING_HOURS),
            b.MIN_FINAL_WARNING_HOURS,
            b.MAX_FINAL_WARNING_HOURS,
        ),
        _counted(
            "expiry_warning_days",
            3,
            b.MIN_EXPIRY_WARNING_DAYS,
            b.MAX_EXPIRY_WARNING_DAYS,
            "days",
            "days before a pack with unused sessions expires that the student is warned",
            off=True,
        ),
        _counted(
            "session_reminder_hours",
            24,
            b.MIN_REMINDER_HOURS,
            b.MAX_REMINDER_HOURS,
            "hours",
            "hours before a booked session that the student and the mentor are reminded",
            off=True,
        ),
        _counted(
            "late_cancel_hours",
            24,
            MIN_LATE_CANCEL_HOURS,
            MAX_LATE_CANCEL_HOURS,
            "hours",
            "a student's cancel this close to the start takes the session",
            off=True,
        ),
        ServerSetting(
            "no_show_counts",
            bool,
            True,
            "a no-show takes a session off the pack",
            "true or false (also yes/no, on/off, 1/0)",
            _flag,
        ),
        _counted(
            "offer_hours",
            24,
            MIN_OFFER_HOURS,
            MAX_OFFER_HOURS,
            "hours",
            "how long a seat offered from the waitlist is held",
        ),
        ServerSetting(
            "renew_url",
            str,
            None,
            "where students buy a pack, shown as a Renew button",
            f"an http(s) link of at most {MAX_BUTTON_URL} characters (Discord's limit on a button), or nothing",
            _button_url,
        ),
        ServerSetting(
            "renewal_sku_id",
            int,
            None,
            "a consumable SKU of this application, sold with Discord's premium button",
            "a Discord SKU id (a whole number), or nothing",
            _discord_id,
        ),
        ServerSetting(
            "stripe_payment_link",
            str,
            None,
            "a Stripe Payment Link where students buy a pack; each payment names its buyer",
            f"a Stripe Payment Link ({PAYMENT_LINK_PREFIX}…) of at most {MAX_PAYMENT_LINK} characters, "
            "without a query, or nothing",
            _payment_link,
        ),
        ServerSetting(
            "stripe_webhook_secret",
            str,
            None,
            "the signing secret of this server's Stripe webhook endpoint (never shown back)",
            f"the endpoint's signing secret from Stripe ({WEBHOOK_SECRET_PREFIX}…), or nothing",
            _webhook_secret,
        ),
        _counted(
            "min_notice_hours",
            24,
            b.MIN_NOTICE_HOURS,
            b.MAX_NOTICE_HOURS,
            "hours",
            "how far ahead a student must book, for mentors who set none",
        ),
        _counted(
            "booking_horizon_days",
            28,
            b.MIN_HORIZON_DAYS,
            b.MAX_HORIZON_DAYS,
            "days",
            "how far ahead students may book, for mentors who set none",
        ),
        ServerSetting(
            "language",
            str,
            "en",
            "the language of replies and DMs for members whose Discord language is not shipped",
            f"one of {', '.join(LANGUAGES)}",
            _language,
        ),
    )
}


def validate_setting(name: str, text: str, others: Mapping[str, Value] | None = None) -> Value:
    """The value a user's ``text`` gives server setting ``name``, checked as at start.

    ``others`` are the values in force for the same server, for the checks that span two settings
    (the final warning comes before the grace ends). Raises ``SettingsError`` with the one sentence.
    """
    setting = SERVER_SETTINGS.get(name.lower())
    if setting is None:
        raise SettingsError(
            f"{name} is not a server setting: it accepts one of {', '.join(SERVER_SETTINGS)}."
        )
    value = setting.validate(text)
    if others is not None:
        merged = {**others, setting.name: value}
        problem = _final_warning_problem(merged.get("final_warning_hours"), merged.get("grace_period_hours"))
        if problem is not None:
            raise SettingsError(problem)
    return value


def _final_warning_problem(final: Value, grace: Value) -> str | None:
    if isinstance(final, int) and isinstance(grace, int) and final >= grace:
        return (
            f"FINAL_WARNING_HOURS={final} is not valid: "
            f"it accepts {SERVER_SETTINGS['final_warning_hours'].accepts} ({grace})."
        )
    return None


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
    late_cancel_hours: int = Field(24, ge=MIN_LATE_CANCEL_HOURS, le=MAX_LATE_CANCEL_HOURS)
    no_show_counts: bool = True
    offer_hours: int = Field(24, ge=MIN_OFFER_HOURS, le=MAX_OFFER_HOURS)
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
        problem = _final_warning_problem(self.final_warning_hours, self.grace_period_hours)
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
