"""The per-server settings (R14), declared in one registry: each setting a server may set for itself
over the environment's value, with its type, bounds, default, meaning, what it accepts, and the one
validator that reads it from text (``SERVER_SETTINGS``). The same validator reads the environment at
start (``core.config``) and a value given to ``/settings set`` (``validate_setting``).

A bad value is one sentence naming the setting and what it accepts (``SettingsError``), with a
secret's value never shown back (``SECRETS``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core import bounds as b

MAX_BUTTON_URL = 512  # Discord refuses a link button whose URL is longer
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
            b.MIN_LATE_CANCEL_HOURS,
            b.MAX_LATE_CANCEL_HOURS,
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
            b.MIN_OFFER_HOURS,
            b.MAX_OFFER_HOURS,
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
        problem = final_warning_problem(merged.get("final_warning_hours"), merged.get("grace_period_hours"))
        if problem is not None:
            raise SettingsError(problem)
    return value


def final_warning_problem(final: Value, grace: Value) -> str | None:
    if isinstance(final, int) and isinstance(grace, int) and final >= grace:
        return (
            f"FINAL_WARNING_HOURS={final} is not valid: "
            f"it accepts {SERVER_SETTINGS['final_warning_hours'].accepts} ({grace})."
        )
    return None
