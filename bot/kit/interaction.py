"""What a cog reads off an interaction before it calls core: who is asking, whether they are an admin,
whether the members its options name are people; and the language each member last used (R25)."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from core.config import Settings
from core.domain import Actor
from core.errors import InvalidInput
from core.language import remember_locale
from core.service import Service

log = logging.getLogger(__name__)

# The default member permission of every admin command and group (SPEC, Commands): members without
# Manage Server don't see them unless the server widens that in its Integrations settings; core still
# checks who is an admin. Declare one as ``default_permissions=ADMIN_ONLY`` on a ``Group``, or
# ``@app_commands.default_permissions(manage_guild=True)`` on a command.
ADMIN_ONLY = discord.Permissions(manage_guild=True)


def is_admin(user: discord.User | discord.Member, admin_role_id: int | None) -> bool:
    """Manage Server permission, or the server's admin role (``admin_role_id``: its setting, R14)."""
    if not isinstance(user, discord.Member):
        return False
    if user.guild_permissions.manage_guild:
        return True
    return admin_role_id is not None and any(role.id == admin_role_id for role in user.roles)


def actor(interaction: discord.Interaction, settings: Settings | None = None) -> Actor:
    """Who is asking: Manage Server makes them an admin here; the roles they hold go with them, so
    core (``Service``) can tell whether one is the admin role this server set (R14), and so does
    their client's locale, the language they read (R25). ``settings`` is
    no longer read: the admin role is the server's, not the environment's."""
    user = interaction.user
    locale = str(interaction.locale)  # the caller's client language (R25), e.g. "es-419"
    if not isinstance(user, discord.Member):
        return Actor(user_id=user.id, locale=locale)
    return Actor(
        user_id=user.id,
        is_admin=is_admin(user, None),
        role_ids=frozenset(role.id for role in user.roles if not role.is_default()),
        locale=locale,
    )


def guild_id(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:  # guild_only commands never get here from a DM
        raise InvalidInput("This command works in a server only; run it there.")
    return interaction.guild_id


def check_people(interaction: discord.Interaction) -> None:
    """Every member option names a person (a student, a mentor): a bot can be neither."""
    for option, value in interaction.namespace:
        if isinstance(value, discord.Member | discord.User) and value.bot:
            role = option.replace("_", " ")
            raise InvalidInput(f"{value.mention} is a bot; pick a person as the {role}.")


def request_key(interaction: discord.Interaction) -> str:
    """What identifies this request to core, so the same interaction handled twice lands once."""
    return f"interaction:{interaction.id}"


def user_id_of(value: object) -> int | None:
    """The user id an autocomplete namespace holds for a member option (resolved or raw)."""
    if value is None:
        return None
    identifier = getattr(value, "id", value)
    try:
        return int(str(identifier))
    except ValueError:
        return None


class LocaleMemory:
    """R25: the Discord locale of each member's latest interaction in a server, kept in the database
    for their DMs. Cheap: a member's locale is written once per process and then only when it changes
    (the upsert itself writes nothing when the stored one is the same)."""

    LIMIT = 100_000  # members remembered in memory before it starts again

    def __init__(self, service: Service) -> None:
        self.service = service
        self.seen: dict[tuple[int, int], str] = {}

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            return
        key, locale = (interaction.guild_id, interaction.user.id), str(interaction.locale)
        if self.seen.get(key) == locale:
            return
        try:
            await self.service.write(remember_locale, guild_id=key[0], user_id=key[1], locale=locale)
        except Exception:  # a language not stored is no reason to fail the command itself
            log.warning("could not store the locale of user %s in server %s", key[1], key[0], exc_info=True)
            return
        if len(self.seen) >= self.LIMIT:
            self.seen.clear()
        self.seen[key] = locale


def remember_locales(bot: commands.Bot, service: Service) -> LocaleMemory:
    """Listen to every interaction (commands, autocompletes, buttons) for the member's locale."""
    memory = LocaleMemory(service)
    bot.add_listener(memory.on_interaction, "on_interaction")
    return memory
