"""R15: the time zone a member's times are read in (``/timezone``): their own, else their server's."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from core import history
from core.errors import InvalidInput
from core.registry import SettingsError, validate_setting
from core.schema import member_time_zones
from core.settings.results import SERVERS, YOURS, TimeZoneShown
from core.tx import Tx
from core.when import zone_named


def time_zone_of(tx: Tx, *, guild_id: int, user_id: int) -> TimeZoneShown:
    """The zone a member's ``when`` is read in: their own, else the server's (R15)."""
    own = tx.conn.execute(
        select(member_time_zones.c.time_zone).where(member_time_zones.c.user_id == user_id)
    ).scalar()
    if own is not None:
        try:
            zone_named(own)
            return TimeZoneShown(own, YOURS)
        except InvalidInput:
            pass  # a zone the system's tz database no longer has: the server's then
    return TimeZoneShown(tx.policy_for(guild_id).time_zone, SERVERS)


def set_time_zone(tx: Tx, *, guild_id: int, user_id: int, zone: str) -> TimeZoneShown:
    """R15: a member sets the zone their times are read in, in every server."""
    name = zone.strip()
    try:
        validate_setting("time_zone", name)
    except SettingsError:
        raise InvalidInput(
            f"“{name[:40]}” is not a time zone I know; pick an IANA name such as Europe/Berlin from the list."
        ) from None
    previous = time_zone_of(tx, guild_id=guild_id, user_id=user_id)
    upsert = tx.upsert(member_time_zones).values(user_id=user_id, time_zone=name, updated_at=tx.now)
    tx.conn.execute(
        upsert.on_conflict_do_update(
            index_elements=["user_id"], set_={"time_zone": name, "updated_at": tx.now}
        )
    )
    history.record(
        tx, guild_id=guild_id, actor_id=user_id, action="time_zone_set", zone=name, previous=previous.zone
    )
    return dataclasses.replace(previous, zone=name, source=YOURS)
