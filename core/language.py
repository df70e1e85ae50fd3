"""R25: which shipped language someone reads. A reply is in the caller's Discord locale when it ships
("es-ES", "es-419" → "es"; "pt-BR"; "en-US", "en-GB" → "en"), else in the server's ``LANGUAGE``."""

from __future__ import annotations

from core.registry import LANGUAGES
from core.tx import Tx

ENGLISH = "en"


def language_for(locale: str | None, server_language: str) -> str:
    """The language for a Discord ``locale`` ("es-419", "pt-BR" …), else ``server_language``."""
    if locale:
        base = locale.replace("_", "-").split("-", 1)[0].lower()
        if base in ("en", "es"):
            return base
        if locale.replace("_", "-").lower() == "pt-br":
            return "pt-BR"
    return server_language if server_language in LANGUAGES else ENGLISH


def caller_language(tx: Tx, *, guild_id: int, locale: str | None) -> str:
    """The language a caller with Discord ``locale`` reads in this server (R25)."""
    return language_for(locale, tx.policy_for(guild_id).language)
