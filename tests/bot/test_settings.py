"""R14 through Discord: /settings show, set and reset; who sees the admin commands.

What an admin sees and what changes: every setting listed with its value and source, a bad value
refused with the start-up check's sentence and nothing changed, a change recorded and applied from
then on (a running grace keeps its deadline), and the admin commands registered with Manage Server as
their default member permission.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import discord
import pytest
from sqlalchemy import select

from bot.app import MentorBot
from core.clock import ManualClock
from core.registry import SERVER_SETTINGS, SettingsError, validate_setting
from core.schema import history, seats, server_settings
from tests.bot.helpers import Desk, embed_text, field, refused, snapshot
from tests.conftest import START, Server


def the_bot(server: Server) -> MentorBot:
    bot = server.env.bot
    assert isinstance(bot, MentorBot)
    return bot


async def stored(server: Server) -> list[tuple[Any, ...]]:
    bot = the_bot(server)
    return await bot.service.db.read(
        lambda c: [tuple(row) for row in c.execute(select(server_settings).order_by(server_settings.c.name))]
    )


async def changes(server: Server) -> list[Any]:
    """The history rows (R13) of this server, oldest first."""
    return await the_bot(server).service.db.read(
        lambda c: c.execute(
            select(history).where(history.c.guild_id == server.guild.id).order_by(history.c.id)
        ).all()
    )


async def settings_set(server: Server, name: str, value: str, who: Any = None) -> str:
    result = await (who or server.admin).slash(server.channel, "settings set", name=name, value=value)
    assert result.ephemeral
    return str(result.response.content)


async def show(server: Server) -> discord.Embed:
    result = await server.admin.slash(server.channel, "settings show")
    assert result.ephemeral
    (embed,) = result.response.embeds
    return embed


# ---- /settings show ---------------------------------------------------------------------------------


async def test_show_lists_every_server_setting_with_its_value_and_whether_it_is_the_default(
    server: Server,
) -> None:
    embed = await show(server)

    assert [item.name for item in embed.fields] == list(SERVER_SETTINGS)
    assert field(embed, "grace_period_hours") == (
        f"`72` — default\n{SERVER_SETTINGS['grace_period_hours'].meaning}"
    )
    assert field(embed, "fallback_channel_id").startswith("not set — default")
    assert field(embed, "no_show_counts").startswith("`true` — default")


async def test_show_tells_this_servers_own_values_from_the_defaults(server: Server) -> None:
    fallback = server.guild.create_text_channel("mentorbot")
    await settings_set(server, "grace_period_hours", "24")
    await settings_set(server, "fallback_channel_id", fallback.mention)

    embed = await show(server)

    assert field(embed, "grace_period_hours").startswith("`24` — this server")
    assert field(embed, "fallback_channel_id").startswith(f"<#{fallback.id}> — this server")
    assert field(embed, "pack_size").startswith("`4` — default")


# ---- /settings set and reset ------------------------------------------------------------------------


async def test_set_stores_the_value_for_this_server_and_records_who_changed_it(
    server: Server, clock: ManualClock
) -> None:
    reply = await settings_set(server, "pack_size", "6")

    assert reply == "pack_size is now `6` in this server (it was `4`); it applies from now on."
    assert [(row[1], row[2], row[3]) for row in await stored(server)] == [("pack_size", "6", server.admin.id)]
    (change,) = await changes(server)
    assert (change.actor_id, change.action) == (server.admin.id, "setting_set")
    assert json.loads(change.detail) == {"name": "pack_size", "previous": "4", "value": "6"}
    # The grant default follows the server's value from now on.
    await Desk(server).mentor(seats=1)
    assert "6 sessions" in await Desk(server).grant()


async def test_reset_goes_back_to_the_default_and_is_recorded(server: Server) -> None:
    await settings_set(server, "pack_size", "6")

    result = await server.admin.slash(server.channel, "settings reset", name="pack_size")

    assert result.response.content == (
        "pack_size is back to the default, `4` (it was `6`); it applies from now on."
    )
    assert await stored(server) == []
    assert [row.action for row in await changes(server)] == ["setting_set", "setting_reset"]


BAD_VALUES = {
    "admin_role_id": "admins",
    "fallback_channel_id": "-12",
    "time_zone": "Mars/Olympus",
    "pack_size": "53",
    "pack_valid_days": "0",
    "grace_period_hours": "lots",
    "final_warning_hours": "72",  # not less than the grace period in force (72)
    "expiry_warning_days": "-1",
    "session_reminder_hours": "1.5",
    "late_cancel_hours": "169",
    "no_show_counts": "maybe",
    "offer_hours": "0",
    "renew_url": "ftp://example.com/renew",
    "renewal_sku_id": "sku-1",
    "stripe_payment_link": "https://pay.example.com/x",
    "stripe_webhook_secret": "sk_test_1",
    "min_notice_hours": "200",
    "booking_horizon_days": "91",
    "language": "klingon",
}


def test_every_server_setting_has_a_bad_value_here() -> None:
    assert set(BAD_VALUES) == set(SERVER_SETTINGS)


@pytest.mark.parametrize("name", list(SERVER_SETTINGS))
async def test_a_bad_value_for_any_setting_is_refused_with_the_start_up_sentence(
    server: Server, name: str
) -> None:
    defaults = the_bot(server).settings.server_defaults()
    with pytest.raises(SettingsError) as at_start:
        validate_setting(name, BAD_VALUES[name], defaults)
    before = await snapshot(the_bot(server))

    text = await refused(
        server, server.admin.slash(server.channel, "settings set", name=name, value=BAD_VALUES[name])
    )

    assert text == str(at_start.value)
    assert await stored(server) == []
    assert await snapshot(the_bot(server)) == before


async def test_a_name_that_is_no_setting_is_refused(server: Server) -> None:
    text = await refused(
        server, server.admin.slash(server.channel, "settings set", name="pakc_size", value="6")
    )

    assert text.startswith("pakc_size is not a server setting: it accepts one of admin_role_id, ")
    assert await stored(server) == []


async def test_the_final_warning_is_checked_against_this_servers_grace(server: Server) -> None:
    await settings_set(server, "grace_period_hours", "24")

    too_late = await refused(
        server, server.admin.slash(server.channel, "settings set", name="final_warning_hours", value="30")
    )
    await settings_set(server, "grace_period_hours", "100")
    await settings_set(server, "final_warning_hours", "80")
    # Back to the default grace (72) would put the final warning (80) before the grace starts.
    reset = await refused(
        server, server.admin.slash(server.channel, "settings reset", name="grace_period_hours")
    )

    assert too_late == (
        "FINAL_WARNING_HOURS=30 is not valid: it accepts a whole number of hours from 0 (off) to less "
        "than GRACE_PERIOD_HOURS (24)."
    )
    assert reset.startswith("FINAL_WARNING_HOURS=80 is not valid")
    assert {row[1]: row[2] for row in await stored(server)} == {
        "final_warning_hours": "80",
        "grace_period_hours": "100",
    }


async def test_a_channel_or_role_of_another_server_is_refused(server: Server) -> None:
    other = server.env.create_guild(name="Other program")
    their_channel = other.create_text_channel("general")
    their_role = other.create_role("Coordinators")
    voice = server.guild.create_voice_channel("lounge")

    channel = await refused(
        server,
        server.admin.slash(
            server.channel, "settings set", name="fallback_channel_id", value=their_channel.mention
        ),
    )
    by_id = await refused(
        server,
        server.admin.slash(
            server.channel, "settings set", name="fallback_channel_id", value=str(their_channel.id)
        ),
    )
    role = await refused(
        server,
        server.admin.slash(server.channel, "settings set", name="admin_role_id", value=their_role.mention),
    )
    no_text = await refused(
        server,
        server.admin.slash(server.channel, "settings set", name="fallback_channel_id", value=str(voice.id)),
    )

    assert (
        channel
        == by_id
        == (
            f"Channel {their_channel.id} is not a channel of this server that I can post in; "
            "pick one of this server's channels where I may send messages."
        )
    )
    assert no_text.startswith(f"Channel {voice.id} is not a channel of this server that I can post in")
    assert role == f"Role {their_role.id} is not a role of this server; pick one of this server's roles."
    assert await stored(server) == []


async def test_only_an_admin_may_see_or_change_the_settings(server: Server) -> None:
    await server.widen("settings")

    shown = await refused(server, server.mentor.slash(server.channel, "settings show"))
    changed = await refused(
        server, server.mentor.slash(server.channel, "settings set", name="pack_size", value="6")
    )

    assert shown.startswith("Only an admin (Manage Server, or the admin role) can see this server's settings")
    assert changed.startswith("Only an admin (Manage Server, or the admin role) can change this server's")
    assert await stored(server) == []


async def test_the_setting_name_autocompletes_from_the_server_settings(server: Server) -> None:
    every = await server.admin.autocomplete(server.channel, "settings set", "name", "")
    hours = await server.admin.autocomplete(server.channel, "settings set", "name", "hours")

    assert [choice["value"] for choice in every] == list(SERVER_SETTINGS)
    assert [choice["value"] for choice in hours] == [
        "grace_period_hours",
        "final_warning_hours",
        "session_reminder_hours",
        "late_cancel_hours",
        "offer_hours",
        "min_notice_hours",
    ]


async def test_a_change_applies_from_then_on_and_a_running_grace_keeps_its_deadline(
    server: Server, clock: ManualClock
) -> None:
    desk = Desk(server)
    await desk.mentor(seats=2)
    await desk.grant(sessions=1)
    await desk.complete()  # Alice's seat enters grace: 72 hours
    await settings_set(server, "grace_period_hours", "24")
    await desk.grant(server.other_student, sessions=1)
    await desk.complete(server.other_student)  # Bob's: 24 hours, the value now in force

    def graces(connection: Any) -> dict[int, Any]:
        rows = connection.execute(select(seats.c.student_id, seats.c.grace_ends_at))
        return {row.student_id: row.grace_ends_at for row in rows}

    ends = await the_bot(server).service.db.read(graces)
    assert ends[server.student.id] == START + timedelta(hours=72)
    assert ends[server.other_student.id] == START + timedelta(hours=24)
    clock.advance(timedelta(hours=25))
    await the_bot(server).run_sweep()
    assert embed_text(await desk.seats()).count("⏳") == 1  # Bob released, Alice still in grace


# ---- who sees what ----------------------------------------------------------------------------------

# The spec's admin commands; those not built yet are checked as soon as they are registered.
ADMIN_COMMANDS = {"mentor", "pack", "seat", "seats", "settings", "export", "report"}


async def test_admin_commands_are_registered_for_manage_server_and_the_rest_for_everyone(
    server: Server,
) -> None:
    (sync, *_) = [
        request
        for request in server.env.http_requests
        if request.method == "PUT" and request.path.endswith("/commands")
    ]

    registered = {command["name"]: command.get("default_member_permissions") for command in sync.json}

    manage_guild = discord.Permissions(manage_guild=True).value
    hidden = {
        name
        for name, permission in registered.items()
        if permission is not None and int(permission) == manage_guild
    }
    assert hidden == ADMIN_COMMANDS & set(registered)
    assert {"mentor", "pack", "seats", "settings"} <= hidden
    assert {name for name, permission in registered.items() if permission is None} == (
        set(registered) - ADMIN_COMMANDS
    )
    assert {"complete", "schedule", "cancel", "roster", "mysessions", "timezone"} <= set(registered)


async def test_a_member_without_manage_server_does_not_see_the_admin_commands(server: Server) -> None:
    from simcord import SetupError

    with pytest.raises(SetupError, match="default-member-permissions"):
        await server.student.slash(server.channel, "settings show")
    assert (await snapshot(the_bot(server)))["history"] == []


async def test_the_stripe_webhook_secret_is_never_shown_back(server: Server) -> None:
    secret = "whsec_abcdef123456"
    result = await server.admin.slash(
        server.channel, "settings set", name="stripe_webhook_secret", value=secret
    )
    shown = await server.admin.slash(server.channel, "settings show")

    assert secret not in (result.response.content or "")
    assert "set (hidden)" in (result.response.content or "")
    listed = "\n".join(embed_text(embed) for embed in shown.response.embeds)
    assert secret not in listed
    assert "set (hidden)" in listed


async def test_setting_and_showing_the_admin_role_say_how_the_server_lets_the_role_see_the_commands(
    server: Server,
) -> None:
    coordinators = server.guild.create_role("Coordinators")

    reply = await settings_set(server, "admin_role_id", coordinators.mention)
    shown = field(await show(server), "admin_role_id")

    for text in (reply, shown):
        assert "Server Settings › Integrations" in text
        assert "a bot cannot do" in text
        assert "/mentor, /pack, /seat, /seats, /settings, /export, /report" in text
        assert "Add Roles or Members" in text
        assert "(R" not in text  # no rule numbers where users read
    assert reply.startswith(f"admin_role_id is now {coordinators.mention} in this server")
    # A value an admin reads fits Discord (embed field values 1,024 characters).
    assert len(shown) <= 1024
    # Another setting's reply says nothing of it.
    assert "Integrations" not in await settings_set(server, "pack_size", "6")
