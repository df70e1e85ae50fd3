"""R14: what each server set for itself, stored as the text it was given, laid over the environment.

``Service`` hands ``policy_of`` to each ``Tx``, whose ``policy_for(guild_id)`` calls it once per
transaction and server. A stored value that no longer reads (a bound tightened since it was set)
falls back to the environment's, with a warning in the log, rather than stopping every command of
that server.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select

from core.domain import Actor, Policy
from core.registry import SERVER_SETTINGS, SettingsError
from core.schema import server_settings

if TYPE_CHECKING:
    from core.tx import Tx

log = logging.getLogger(__name__)


_STORED = select(server_settings.c.name, server_settings.c.value).where(
    server_settings.c.guild_id == bindparam("guild_id")
)


def stored(tx: Tx, guild_id: int) -> dict[str, str]:
    """The settings server ``guild_id`` set itself, as the text it gave them."""
    return {row.name: row.value for row in tx.conn.execute(_STORED, {"guild_id": guild_id})}


def policy_of(tx: Tx, guild_id: int) -> Policy:
    """The environment's server settings with what server ``guild_id`` set laid over them."""
    return policy_from(tx.defaults, guild_id, stored(tx, guild_id))


def policy_from(defaults: Policy, guild_id: int, texts: dict[str, str]) -> Policy:
    """``defaults`` with the settings server ``guild_id`` stored (``texts``, as given) laid over them."""
    values: dict[str, object] = {}
    for name, text in texts.items():
        setting = SERVER_SETTINGS.get(name)
        if setting is None:
            continue
        try:
            values[name] = setting.validate(text)
        except SettingsError as error:
            log.warning("server %s: stored %s no longer reads (%s); using the default", guild_id, name, error)
    return dataclasses.replace(defaults, **values) if values else defaults  # type: ignore[arg-type]


def with_admin_role(tx: Tx, guild_id: int, actor: Actor) -> Actor:
    """``actor`` as an admin when they hold the admin role server ``guild_id`` set (or the default)."""
    if actor.is_admin or not actor.role_ids:
        return actor
    role = tx.policy_for(guild_id).admin_role_id
    if role is None or role not in actor.role_ids:
        return actor
    return dataclasses.replace(actor, is_admin=True)
