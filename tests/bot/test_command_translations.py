"""R25: every command's description, option descriptions and choice names reach Discord in es-ES,
es-419 and pt-BR (names stay English: members share commands by name); none lacks a translation."""

from __future__ import annotations

import re
from typing import Any

from discord import app_commands

from bot.app import MentorBot
from bot.kit.translator import command_texts
from core.i18n import TRANSLATED, has_translation, translate_in
from tests.conftest import Server

LOCALES = ("es-ES", "es-419", "pt-BR")


def the_bot(server: Server) -> MentorBot:
    bot = server.env.bot
    assert isinstance(bot, MentorBot)
    return bot


def described(payload: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Each command, subcommand and option of a synced payload, with its dotted path."""
    here = f"{path} {payload['name']}".strip()
    found = [(here, payload)]
    for option in payload.get("options") or []:
        found += described(option, here)
    return found


async def test_the_synced_commands_carry_their_descriptions_in_each_shipped_locale(server: Server) -> None:
    bot = the_bot(server)
    translator = bot.tree.translator
    assert translator is not None
    payloads = [
        await command.get_translated_payload(bot.tree, translator) for command in bot.tree.get_commands()
    ]
    registered = {command.name: command for command in await bot.tree.fetch_commands()}

    checked = 0
    for payload in payloads:
        assert payload.get("name_localizations", {}) == {}, payload["name"]  # names stay English
        for path, part in described(payload):
            localized = part.get("description_localizations") or {}
            assert sorted(localized) == sorted(LOCALES), path
            assert (
                localized["es-ES"]
                == localized["es-419"]
                == translate_in("es", "command", part["description"])
            )
            assert localized["pt-BR"] == translate_in("pt-BR", "command", part["description"])
            assert localized["pt-BR"] != part["description"], path
            assert all(len(text) <= 100 for text in localized.values()), path
            for choice in part.get("choices") or []:
                assert sorted(choice.get("name_localizations") or {}) == sorted(LOCALES), (path, choice)
            checked += 1
        # What Discord holds after the sync is what was sent (SimCord keeps the payload).
        assert registered[payload["name"]].description_localizations, payload["name"]
    assert checked > 60


async def test_a_spanish_member_reads_schedule_in_spanish(server: Server) -> None:
    schedule = the_bot(server).tree.get_command("schedule")
    assert isinstance(schedule, app_commands.Command)
    translator = the_bot(server).tree.translator
    assert translator is not None
    payload = await schedule.get_translated_payload(the_bot(server).tree, translator)
    when = next(option for option in payload["options"] if option["name"] == "when")
    assert payload["description_localizations"]["es-419"] == (
        "Reserva una sesión para un estudiante con su paquete; recibe un mensaje directo y un recordatorio."
    )
    assert when["description_localizations"]["pt-BR"] == (
        "Quando começa, no seu fuso horário (/timezone): amanhã 18h, terça 18h, 2026-12-01T18:00"
    )


async def test_no_command_text_lacks_a_translation(server: Server) -> None:
    # A command added (or a description changed) without its translations fails here: run
    # `make translations` and translate the new entries of both catalogs.
    texts = command_texts(the_bot(server).tree)
    missing = [
        (language, text)
        for language in TRANSLATED
        for text in texts
        if not has_translation(language, text, "command")
    ]
    assert missing == []
    assert len(texts) > 60
    # Users never see the spec's rule numbers, in any language.
    shown = texts + [translate_in(language, "command", text) for language in TRANSLATED for text in texts]
    assert [text for text in shown if re.search(r"\bR\d+\b", text)] == []
