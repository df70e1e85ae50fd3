"""R14 and R15 in core, on a real database (and PostgreSQL when TEST_DATABASE_URL is set): a server's
settings are its own, two changes at once are each checked against the other, the admin role is the
server's, and a member's time zone is theirs in every server."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from core.domain import Actor
from core.errors import InvalidInput, NotAllowed, Refusal
from core.schema import history, member_time_zones, server_settings
from core.seats import register_mentor
from core.service import Service
from core.settings import (
    ServerFacts,
    reset_server_setting,
    server_settings_shown,
    set_server_setting,
    set_time_zone,
    time_zone_of,
)
from tests.conftest import ADMIN, GUILD
from tests.core.helpers import OTHER_GUILD

ROLE = 555


async def put(service: Service, name: str, text: str, guild_id: int = GUILD) -> object:
    return await service.write(
        set_server_setting,
        guild_id=guild_id,
        actor=ADMIN,
        name=name,
        text=text,
        facts=ServerFacts(postable_channel_ids=frozenset({77}), role_ids=frozenset({ROLE})),
    )


async def stored(service: Service) -> dict[tuple[int, str], str]:
    rows = await service.db.read(lambda c: c.execute(select(server_settings)).all())
    return {(row.guild_id, row.name): row.value for row in rows}


async def test_a_setting_is_this_servers_only(service: Service) -> None:
    await put(service, "grace_period_hours", "24")

    here = await service.read(lambda tx: tx.policy_for(GUILD).grace_period_hours)
    there = await service.read(lambda tx: tx.policy_for(OTHER_GUILD).grace_period_hours)
    shown = await service.read(server_settings_shown, guild_id=OTHER_GUILD, actor=ADMIN)

    assert (here, there) == (24, 72)
    assert {row.name: row.source for row in shown}["grace_period_hours"] == "default"


async def test_two_changes_at_once_are_each_checked_against_the_other(service: Service) -> None:
    # Alone, each is fine (12 < 24, 30 < 72); together they would put the warning before the grace.
    outcomes = await asyncio.gather(
        put(service, "grace_period_hours", "24"),
        put(service, "final_warning_hours", "30"),
        return_exceptions=True,
    )

    refused = [outcome for outcome in outcomes if isinstance(outcome, Refusal)]
    assert len(refused) == 1, outcomes
    assert str(refused[0]).startswith("FINAL_WARNING_HOURS=")
    policy = await service.read(lambda tx: tx.policy_for(GUILD))
    assert policy.final_warning_hours < policy.grace_period_hours


async def test_the_same_setting_set_twice_at_once_leaves_one_row_and_both_changes_recorded(
    service: Service,
) -> None:
    await asyncio.gather(put(service, "pack_size", "6"), put(service, "pack_size", "8"))

    rows = await stored(service)
    assert list(rows) == [(GUILD, "pack_size")]
    assert rows[(GUILD, "pack_size")] in ("6", "8")
    actions = await service.db.read(lambda c: list(c.execute(select(history.c.action)).scalars()))
    assert actions == ["setting_set", "setting_set"]


async def test_reset_of_a_setting_the_server_never_set_is_harmless(service: Service) -> None:
    result = await service.write(reset_server_setting, guild_id=GUILD, actor=ADMIN, name="pack_size")

    assert (result.value, result.previous, result.source) == (4, 4, "default")
    assert await stored(service) == {}


async def test_only_an_admin_changes_settings(service: Service) -> None:
    with pytest.raises(NotAllowed):
        await service.write(
            set_server_setting,
            guild_id=GUILD,
            actor=Actor(9),
            name="pack_size",
            text="6",
            facts=ServerFacts(),
        )
    assert await stored(service) == {}


async def test_the_admin_role_makes_an_admin_in_its_own_server_only(service: Service) -> None:
    await put(service, "admin_role_id", str(ROLE))
    member = Actor(9, role_ids=frozenset({ROLE}))

    made = await service.write(
        register_mentor, guild_id=GUILD, actor=member, mentor_user_id=10, mentor_name="mia", seats_capacity=1
    )
    with pytest.raises(NotAllowed):
        await service.write(
            register_mentor,
            guild_id=OTHER_GUILD,
            actor=member,
            mentor_user_id=10,
            mentor_name="mia",
            seats_capacity=1,
        )

    assert made.capacity == 1


async def test_a_role_or_channel_the_server_does_not_have_is_refused(service: Service) -> None:
    with pytest.raises(InvalidInput, match="is not a role of this server"):
        await put(service, "admin_role_id", "556")
    with pytest.raises(InvalidInput, match="is not a channel of this server that I can post in"):
        await put(service, "fallback_channel_id", "78")
    assert await stored(service) == {}


async def test_a_members_zone_is_theirs_in_every_server_and_the_servers_zone_is_the_fallback(
    service: Service,
) -> None:
    await put(service, "time_zone", "Europe/Berlin")
    before = await service.read(time_zone_of, guild_id=GUILD, user_id=9)

    await asyncio.gather(
        service.write(set_time_zone, guild_id=GUILD, user_id=9, zone="America/New_York"),
        service.write(set_time_zone, guild_id=GUILD, user_id=9, zone="America/New_York"),
    )

    assert (before.zone, before.source) == ("Europe/Berlin", "this server's")
    for guild in (GUILD, OTHER_GUILD):
        shown = await service.read(time_zone_of, guild_id=guild, user_id=9)
        assert (shown.zone, shown.source) == ("America/New_York", "yours")
    rows = await service.db.read(lambda c: c.execute(select(member_time_zones)).all())
    assert len(rows) == 1
