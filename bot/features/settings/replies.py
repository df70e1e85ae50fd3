"""The replies of /settings show, set and reset (R14), and of /timezone (R15): a value as an admin
reads it (a channel or role as its mention, a secret never), and the zone a user's times are read in."""

from __future__ import annotations

from bot.kit.pages import Block, Listing
from core.registry import SECRETS, Value
from core.settings import DEFAULT, YOURS, SettingChanged, SettingShown, TimeZoneShown, as_text

# A bot cannot change who sees its commands (that takes the server's own OAuth2 grant): the server
# allows the admin role itself, and every place the role is set or shown says how.
ADMIN_ROLE = "admin_role_id"
ADMIN_ROLE_STEP = (
    "Its members see the admin commands only once the server allows the role, which a bot cannot do: "
    "in Server Settings › Integrations, pick this bot, open each admin command (/mentor, /pack, /seat, "
    "/seats, /settings, /export, /report), choose Add Roles or Members and pick the role."
)


def shown(name: str, value: Value) -> str:
    """A value as an admin reads it: a channel or role as its mention, nothing as "not set"."""
    if value is None or value == "":
        return "not set"
    if name in SECRETS:
        return "set (hidden)"
    if name == "fallback_channel_id":
        return f"<#{value}>"
    if name == "admin_role_id":
        return f"<@&{value}>"
    return f"`{as_text(value)}`"


def settings_listing(rows: list[SettingShown]) -> Listing:
    return Listing(
        title="Server settings",
        summary="Each value in force here: this server's own (set with /settings set) or the default.",
        blocks=tuple(
            Block(row.name, (f"{shown(row.name, row.value)} — {row.source}", row.meaning, *_steps(row.name)))
            for row in rows
        ),
    )


def _steps(name: str) -> tuple[str, ...]:
    """What the server must do itself for a setting to work as meant."""
    return (ADMIN_ROLE_STEP,) if name == ADMIN_ROLE else ()


def changed(result: SettingChanged) -> str:
    if result.source == DEFAULT:
        text = (
            f"{result.name} is back to the default, {shown(result.name, result.value)} "
            f"(it was {shown(result.name, result.previous)}); it applies from now on."
        )
    else:
        text = (
            f"{result.name} is now {shown(result.name, result.value)} in this server "
            f"(it was {shown(result.name, result.previous)}); it applies from now on."
        )
    if result.name == ADMIN_ROLE and result.value not in (None, ""):
        text += "\n" + ADMIN_ROLE_STEP
    return text


def zone_reply(result: TimeZoneShown) -> str:
    if result.source == YOURS:
        return f"Your time zone is {result.zone} (your own); the times you type are read in it."
    return (
        f"Your time zone is {result.zone} (this server's); "
        "set your own with /timezone zone and the times you type are read in it."
    )


def zone_set(result: TimeZoneShown) -> str:
    return f"Your time zone is now {result.zone}; the times you type are read in it in every server."
