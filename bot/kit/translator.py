"""R25: command, option and choice descriptions in Discord's es-ES, es-419 and pt-BR, from the catalogs.

discord.py asks the tree's ``Translator`` for each text when it syncs, and sends what it gets as the
command's ``description_localizations`` (``name_localizations`` for a choice). The English text is the
message id, read in the catalogs' "command" context (``core.i18n.translate_in``); names stay English,
since members share a command by its name.

discord.py asks only for texts it holds as ``locale_str``: a command's or group's description always,
but an option's description or a choice's name only when written that way. ``localizable`` wraps those
once the features are loaded, so the cogs keep writing plain English. ``command_texts`` lists every
text the translator is asked for (``scripts/command_texts.py`` adds them to the catalogs' template;
the tests check that each has its translations).
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from core.i18n import TRANSLATED, has_translation, translate_in
from core.language import language_for

CONTEXT = "command"  # the catalogs' context for these texts
NAMES = (Where.command_name, Where.group_name, Where.parameter_name)
# Discord's locales whose language ships (the others read the English).
LOCALES = tuple(locale for locale in discord.Locale if language_for(locale.value, "en") in TRANSLATED)


class CatalogTranslator(app_commands.Translator):
    """The descriptions of the commands in the caller's Discord language, from the catalogs."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext[Any, Any],
    ) -> str | None:
        if context.location in NAMES or locale not in LOCALES:
            return None
        language = language_for(locale.value, "en")
        if not has_translation(language, string.message, CONTEXT):
            return None  # Discord shows the English; the tests fail on it first
        return translate_in(language, CONTEXT, string.message)


def localizable(tree: app_commands.CommandTree[Any]) -> None:
    """Have discord.py ask the translator for every option description and choice name too."""
    for command in tree.walk_commands():
        if not isinstance(command, app_commands.Command):
            continue
        # discord.py keeps the options in ``_params`` (2.7); its public ``parameters`` are read-only views.
        for parameter in command._params.values():
            if isinstance(parameter.description, str) and parameter.description != "…":
                parameter.description = app_commands.locale_str(parameter.description)
            if parameter.choices:
                parameter.choices = [
                    app_commands.Choice(name=app_commands.locale_str(str(choice.name)), value=choice.value)
                    for choice in parameter.choices
                ]


def command_texts(tree: app_commands.CommandTree[Any]) -> list[str]:
    """Every description and choice name of the commands, in the order the tree lists them."""
    texts: list[str] = []
    for command in tree.walk_commands():
        texts.append(str(command.description))
        if isinstance(command, app_commands.Command):
            for parameter in command.parameters:
                texts.append(str(parameter.description))
                texts.extend(str(choice.name) for choice in parameter.choices)
    return list(dict.fromkeys(text for text in texts if text and text != "…"))
