"""R25: which shipped language someone reads. A reply is in the caller's Discord locale when it ships
("es-ES", "es-419" → "es"; "pt-BR"; "en-US", "en-GB" → "en"), else in the server's ``LANGUAGE``; a DM
in the locale of the recipient's last interaction in that server (``remember_locale``), else the
server's."""

from __future__ import annotations

from sqlalchemy import select

from core.registry import LANGUAGES
from core.schema import member_locales
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


def remember_locale(tx: Tx, *, guild_id: int, user_id: int, locale: str) -> None:
    """Keep the Discord ``locale`` a member just used here; the row is written only when it changed."""
    row = {"guild_id": guild_id, "user_id": user_id, "locale": locale[:16], "updated_at": tx.now}
    tx.conn.execute(
        tx.upsert(member_locales)
        .values(**row)
        .on_conflict_do_update(
            index_elements=["guild_id", "user_id"],
            set_={"locale": row["locale"], "updated_at": tx.now},
            where=member_locales.c.locale != row["locale"],
        )
    )


def language_of(tx: Tx, *, guild_id: int, user_id: int) -> str:
    """The language a DM to ``user_id`` is written in: their last interaction's here, else the server's."""
    locale = tx.conn.execute(
        select(member_locales.c.locale).where(
            member_locales.c.guild_id == guild_id, member_locales.c.user_id == user_id
        )
    ).scalar()
    return language_for(locale, tx.policy_for(guild_id).language)
