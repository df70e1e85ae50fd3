"""R25: the words of each shipped language, from gettext catalogs (Babel).

The catalogs are ``core/locales/<locale>/LC_MESSAGES/mentorbot.po`` (``es``, ``pt_BR``), each with a
glossary of the program's terms at the top; the English text is the message id, so English needs no
catalog. A catalog is compiled in memory from its ``.po`` the first time it is used (Babel's
``read_po`` and ``write_mo``), so there is no build step and nothing compiled is committed;
``make translations`` extracts the messages from the code, updates both catalogs and checks that they
compile.

In the code: ``translate(language, "Your seat with {mentor} …", mentor=…)`` for one sentence,
``translate_plural(language, "{count} session left", "{count} sessions left", count)`` for one whose
words follow a number (by the language's plural rule, from its catalog's header: Portuguese treats 0
as singular, Spanish as plural), ``N_("…")`` to mark a text kept in a table and translated later, and
``translate_in(language, "command", …)`` for a text read in a context (the command descriptions). A
message missing from a catalog reads in English; ``tests/core/test_i18n.py`` fails on one.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from core.registry import LANGUAGES

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "mentorbot"
ENGLISH = "en"
TRANSLATED = tuple(language for language in LANGUAGES if language != ENGLISH)  # es, pt-BR


def N_(message: str) -> str:  # gettext's name for "translated later"
    """Mark ``message`` for the catalogs; it is translated where it is shown."""
    return message


def locale_of(language: str) -> str:
    """The catalog's directory name for a language: "pt-BR" → "pt_BR"."""
    return language.replace("-", "_")


def catalog_path(language: str) -> Path:
    return LOCALES / locale_of(language) / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalog(language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``language`` (English, or a language that does not ship: none)."""
    if language not in TRANSLATED:
        return gettext.NullTranslations()
    with catalog_path(language).open("rb") as source:
        messages = read_po(source, locale=locale_of(language), domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translate(language: str, message: str, /, **params: object) -> str:
    """``message`` in ``language``, its ``{placeholders}`` filled from ``params``."""
    text = catalog(language).gettext(message)
    return text.format(**params) if params else text


def translate_plural(language: str, singular: str, plural: str, count: int, /, **params: object) -> str:
    """The form for ``count`` by the language's plural rule; ``{count}`` is filled in too."""
    return catalog(language).ngettext(singular, plural, count).format(count=count, **params)


def translate_in(language: str, context: str, message: str, /) -> str:
    """``message`` as read in ``context`` (say "command"), where the same English may read otherwise."""
    return catalog(language).pgettext(context, message)


def has_translation(language: str, message: str, context: str | None = None) -> bool:
    """Whether ``language``'s catalog translates ``message`` (English always does)."""
    if language not in TRANSLATED:
        return True
    key = message if context is None else f"{context}\x04{message}"
    return key in getattr(catalog(language), "_catalog", {})
