"""GUILD_ID moves the commands between the global registration and one server's, never both; the one
that works in DMs (/mysessions) stays global either way.

Discord shows a server its own commands beside the global ones, so after a global sync and then one
to GUILD_ID (or the other way round), each command showed twice; and a command only in a server's list
is not there in DMs. Each bot below is a restart with the new settings, syncing as `mentorbot sync` and
a running bot's start do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import simcord

from bot import create_bot
from bot.app import MentorBot
from core.clock import ManualClock
from core.config import Settings
from tests.conftest import START, sqlite_url


def started_bot(tmp_path: Path, guild_id: int | None) -> MentorBot:
    settings = Settings(discord_token="test", database_url=sqlite_url(tmp_path), guild_id=guild_id)
    return create_bot(settings, clock=ManualClock(START), run_scheduler=False)


async def registered(bot: MentorBot, guild: Any) -> tuple[list[str], list[str]]:
    """The names Discord holds: globally, and on the server."""
    everywhere = sorted(command.name for command in await bot.tree.fetch_commands())
    there = sorted(command.name for command in await bot.tree.fetch_commands(guild=guild))
    return everywhere, there


async def test_a_guild_sync_leaves_only_mysessions_global_and_a_global_sync_removes_the_guilds(
    tmp_path: Path,
) -> None:
    first = started_bot(tmp_path, guild_id=None)
    async with simcord.run(first) as env:
        guild = env.create_guild(name="Mentorship")
        assert await first.sync_commands(force=True)
        names, on_server = await registered(first, guild)
        assert names
        assert "mysessions" in names
        assert on_server == []

        with_guild = started_bot(tmp_path, guild_id=guild.id)
        await env.restart_bot(with_guild)
        assert await with_guild.sync_commands()
        # Each command once in the server: /mysessions from the global list, the rest from its own.
        assert await registered(with_guild, guild) == (
            ["mysessions"],
            [n for n in names if n != "mysessions"],
        )
        # Synced again (a restart, `mentorbot sync`): the same lists.
        assert await with_guild.sync_commands(force=True)
        assert await registered(with_guild, guild) == (
            ["mysessions"],
            [n for n in names if n != "mysessions"],
        )

        global_again = started_bot(tmp_path, guild_id=None)
        await env.restart_bot(global_again)
        # The tree is the same as at the first global sync, but that registration was removed since.
        assert await global_again.sync_commands()
        assert await registered(global_again, guild) == (names, [])
        for bot in (first, with_guild, global_again):
            await bot.close()


async def test_moving_guild_id_to_another_server_removes_the_first_servers_copy(tmp_path: Path) -> None:
    first = started_bot(tmp_path, guild_id=None)
    async with simcord.run(first) as env:
        one, two = env.create_guild(name="One"), env.create_guild(name="Two")
        on_one = started_bot(tmp_path, guild_id=one.id)
        await env.restart_bot(on_one)
        await on_one.sync_commands(force=True)
        names = (await registered(on_one, one))[1]
        assert names
        assert "mysessions" not in names

        on_two = started_bot(tmp_path, guild_id=two.id)
        await env.restart_bot(on_two)
        await on_two.sync_commands()
        assert await registered(on_two, one) == (["mysessions"], [])
        assert await registered(on_two, two) == (["mysessions"], names)
        for bot in (first, on_one, on_two):
            await bot.close()


async def test_with_guild_id_set_mysessions_works_in_a_dm_and_the_rest_in_the_server(tmp_path: Path) -> None:
    bot = started_bot(tmp_path, guild_id=None)
    async with simcord.run(bot) as env:
        guild = env.create_guild(name="Mentorship")
        with_guild = started_bot(tmp_path, guild_id=guild.id)
        await env.restart_bot(with_guild)
        await with_guild.sync_commands(force=True)
        channel = guild.create_text_channel("general")
        user = env.create_user("alice")
        alice = guild.add_member(user)

        in_dm = await user.slash("mysessions")
        in_server = await alice.slash(channel, "mysessions")
        timezone = await alice.slash(channel, "timezone")

        for result in (in_dm, in_server, timezone):
            assert result.ephemeral
        assert [embed.title for embed in in_dm.response.embeds] == ["Your mentorship"]
        assert [embed.title for embed in in_server.response.embeds] == ["Your mentorship"]
        assert "UTC" in str(timezone.response.content)
        assert env.errors == []
        for each in (bot, with_guild):
            await each.close()
