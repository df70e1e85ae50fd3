"""R25: every message the code marks has a natural translation in each shipped language, keeping its
placeholders and Discord markup, within the limit the English meets; plurals follow each language.

The messages are extracted from the code here, as ``make translations`` does, so a message added
without its translations fails even if nobody ran the make target.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.errors import InvalidInput
from core.i18n import TRANSLATED, catalog, catalog_path, translate, translate_plural
from core.when import read_when

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"translate": (2,), "translate_plural": (2, 3), "translate_in": ((2, "c"), 3), "N_": None}
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
MARKUP = re.compile(r"<[@#&]?[!:]?[\w:]*>|\*\*|/[a-z]+(?: [a-z]+)?(?=\b)")
# What the text must fit, by where it is shown: a DM or reply (2000), a command's description (100).
LIMITS = {None: 2000, "command": 100}


def extracted() -> set[tuple[str | None, str | tuple[str, str]]]:
    """(context, message) of every message marked in core and bot."""
    found: set[tuple[str | None, str | tuple[str, str]]] = set()
    for package in ("core", "bot"):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / package, [("**.py", "python")], keywords=KEYWORDS
        ):
            found.add((context, message))
    return found


def entries(language: str) -> dict[tuple[str | None, str], object]:
    with catalog_path(language).open("rb") as source:
        po = read_po(source)
    return {
        (entry.context, entry.id if isinstance(entry.id, str) else entry.id[0]): entry
        for entry in po
        if entry.id
    }


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_message_is_translated(language: str) -> None:
    catalog_entries = entries(language)
    missing = []
    for context, message in sorted(extracted(), key=str):
        singular = message if isinstance(message, str) else message[0]
        entry = catalog_entries.get((context, singular))
        strings = [] if entry is None else entry.string  # type: ignore[attr-defined]
        strings = [strings] if isinstance(strings, str) else list(strings)
        if entry is None or not all(strings) or "fuzzy" in entry.flags:  # type: ignore[attr-defined]
            missing.append(singular)
    assert missing == [], f"{len(missing)} messages lack a {language} translation (run make translations)"


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_translation_keeps_every_placeholder_and_markup_and_fits(language: str) -> None:
    for (context, _singular), entry in entries(language).items():
        ids = [entry.id] if isinstance(entry.id, str) else list(entry.id)  # type: ignore[attr-defined]
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)  # type: ignore[attr-defined]
        english = ids[-1]
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(english)) or (
                len(ids) > 1 and set(PLACEHOLDER.findall(string)) <= set(PLACEHOLDER.findall(english))
            ), (english, string)
            assert sorted(MARKUP.findall(string)) == sorted(MARKUP.findall(english)), (english, string)
            limit = LIMITS.get(context, 2000)
            if len(english) <= limit:
                assert len(string) <= limit, (english, string)


def test_the_plural_form_follows_the_language() -> None:
    # CLDR: Spanish "0 sesiones" (0 is plural), Portuguese "0 sessão" (0 and 1 are singular).
    assert [catalog("es").plural(n) for n in (0, 1, 2)] == [2, 0, 2]  # type: ignore[attr-defined]
    assert [catalog("pt-BR").plural(n) for n in (0, 1, 2)] == [0, 0, 2]  # type: ignore[attr-defined]
    assert translate_plural("en", "{count} session", "{count} sessions", 1) == "1 session"
    assert translate_plural("en", "{count} session", "{count} sessions", 0) == "0 sessions"


def test_english_and_a_language_that_does_not_ship_read_the_english_text() -> None:
    message = "“{text}” is out of range: I read years from {low} to {high}."
    assert (
        translate("en", message, text="x", low=1, high=2) == "“x” is out of range: I read years from 1 to 2."
    )
    assert translate("fr", message, text="x", low=1, high=2) == translate(
        "en", message, text="x", low=1, high=2
    )


NOW = datetime(2026, 1, 10, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "typed", "hint_says"),
    [
        ("es", "mañana", "añade una, como mañana 18:00 o 2026-12-01T18:00."),
        ("pt-BR", "amanhã", "acrescente um, como amanhã 18h ou 2026-12-01T18:00."),
    ],
)
def test_a_when_refusal_is_in_the_callers_language_and_its_example_reads(
    language: str, typed: str, hint_says: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_when(typed, zone="UTC", now=NOW, language=language)
    assert refused.value.message.endswith(hint_says)
    example = hint_says.split("como ")[1].split(" o")[0]
    assert read_when(example, zone="UTC", now=NOW, language=language) == datetime(2026, 1, 11, 18, tzinfo=UTC)


@pytest.mark.parametrize(("language", "worded"), [("en", "12 Mar"), ("es", "12 mar"), ("pt-BR", "12 mar")])
def test_the_digits_only_hint_writes_the_month_the_languages_way_and_it_reads(
    language: str, worded: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_when("12/03 18:00", zone="UTC", now=NOW, language=language)
    assert f"{worded} 18:00" in refused.value.message
    assert read_when(f"{worded} 18:00", zone="UTC", now=NOW, language=language) == datetime(
        2026, 3, 12, 18, tzinfo=UTC
    )


def test_a_skipped_hour_is_written_in_the_language() -> None:
    with pytest.raises(InvalidInput) as refused:
        read_when("2026-03-29T02:30", zone="Europe/Madrid", now=NOW, language="es")
    assert refused.value.message.startswith("dom 29 mar 2026 02:30 no existe en Europe/Madrid")
