"""R14: what an admin sets for their server (``/settings set``, ``reset``, ``show``).

A server setting is stored as the text it was given, after the very validator the start-up check
uses (``core.registry.validate_setting``), against the values in force in that server, so a value
refused at start is refused here with the same sentence. The fallback channel and the admin role
must be the server's own: the bot tells core which channels it can post in and which roles the
server has (``ServerFacts``), and core decides. A change is recorded (R13) and applies from then on:
deadlines already running are stored on their rows and keep what they got.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete

from core import history
from core.domain import Actor, require_admin
from core.errors import InvalidInput
from core.registry import SERVER_SETTINGS, SettingsError, Value, validate_setting
from core.schema import server_settings
from core.settings.policy import policy_of, stored
from core.settings.results import DEFAULT, THIS_SERVER, SettingChanged, SettingShown
from core.tx import Tx, hold_request

# The settings whose value names a thing of the server, and what the bot must know of the server.
CHANNEL_SETTING = "fallback_channel_id"
ROLE_SETTING = "admin_role_id"


@dataclass(frozen=True, slots=True)
class ServerFacts:
    """What the bot sees of the server a command runs in: the channels it can post in, its roles."""

    postable_channel_ids: frozenset[int] = frozenset()
    role_ids: frozenset[int] = frozenset()


def as_text(value: Value) -> str:
    """A value as ``/settings`` stores and shows it (what ``validate_setting`` reads back)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _in_force(tx: Tx, guild_id: int) -> dict[str, Value]:
    policy = tx.policy_for(guild_id)
    return {name: getattr(policy, name) for name in SERVER_SETTINGS}


def _hold_settings(tx: Tx, guild_id: int) -> dict[str, Value]:
    """Take this server's settings for this transaction and read them fresh: two changes at once
    (grace 24 h here, a final warning of 30 h there) must each be checked against the other, never
    both against what was before (PostgreSQL; SQLite writes one at a time anyway)."""
    hold_request(tx, f"server_settings:{guild_id}")
    policy = policy_of(tx, guild_id)
    return {name: getattr(policy, name) for name in SERVER_SETTINGS}


def _checked(others: dict[str, Value], name: str, text: str, facts: ServerFacts) -> Value:
    try:
        value = validate_setting(name, text, others)
    except SettingsError as error:
        raise InvalidInput(str(error)) from None
    if value is None:
        return value
    key = name.lower()
    if key == CHANNEL_SETTING and value not in facts.postable_channel_ids:
        raise InvalidInput(
            f"Channel {value} is not a channel of this server that I can post in; "
            "pick one of this server's channels where I may send messages."
        )
    if key == ROLE_SETTING and value not in facts.role_ids:
        raise InvalidInput(f"Role {value} is not a role of this server; pick one of this server's roles.")
    return value


def set_server_setting(
    tx: Tx, *, guild_id: int, actor: Actor, name: str, text: str, facts: ServerFacts
) -> SettingChanged:
    """R14: server ``guild_id`` sets its own value of ``name``, validated as at start."""
    require_admin(actor, "change this server's settings")
    key = name.strip().lower()
    in_force = _hold_settings(tx, guild_id)
    previous = in_force.get(key)
    value = _checked(in_force, key, text, facts)
    row = {
        "guild_id": guild_id,
        "name": key,
        "value": as_text(value),
        "updated_by": actor.user_id,
        "updated_at": tx.now,
    }
    upsert = tx.upsert(server_settings).values(**row)
    tx.conn.execute(
        upsert.on_conflict_do_update(
            index_elements=["guild_id", "name"],
            set_={"value": row["value"], "updated_by": actor.user_id, "updated_at": tx.now},
        )
    )
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action="setting_set",
        name=key,
        value=as_text(value),
        previous=as_text(previous),
    )
    return SettingChanged(key, value, previous, THIS_SERVER)


def reset_server_setting(tx: Tx, *, guild_id: int, actor: Actor, name: str) -> SettingChanged:
    """R14: server ``guild_id`` goes back to the environment's value of ``name``."""
    require_admin(actor, "change this server's settings")
    key = name.strip().lower()
    in_force = _hold_settings(tx, guild_id)
    if key not in SERVER_SETTINGS:
        # The registry's own sentence for a name that is no setting.
        _checked(in_force, key, "", ServerFacts())
    default = getattr(tx.defaults, key)
    others = {**in_force, key: default}
    try:
        validate_setting(key, as_text(default), others)
    except SettingsError as error:
        raise InvalidInput(str(error)) from None
    tx.conn.execute(
        delete(server_settings).where(server_settings.c.guild_id == guild_id, server_settings.c.name == key)
    )
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action="setting_reset",
        name=key,
        value=as_text(default),
        previous=as_text(in_force[key]),
    )
    return SettingChanged(key, default, in_force[key], DEFAULT)


def server_settings_shown(tx: Tx, *, guild_id: int, actor: Actor) -> list[SettingShown]:
    """Every server setting with the value in force here and whether it is this server's or the default."""
    require_admin(actor, "see this server's settings")
    own = stored(tx, guild_id)
    in_force = _in_force(tx, guild_id)
    return [
        SettingShown(
            name,
            in_force[name],
            # A stored text that no longer reads falls back to the default (core.settings.policy).
            THIS_SERVER if name in own and _reads(name, own[name]) else DEFAULT,
            setting.meaning,
        )
        for name, setting in SERVER_SETTINGS.items()
    ]


def _reads(name: str, text: str) -> bool:
    try:
        SERVER_SETTINGS[name].validate(text)
    except SettingsError:
        return False
    return True
