"""R15, R25: a `when` typed in the caller's language reads as it does in English, with the same refusals.

dateparser alone read "amanhã às 18h" as eighteen hours from now and "sexta às 10h" as no time; these
tests hold the phrases a Spanish or Brazilian mentor types to the instant they mean.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import InvalidInput
from core.when import read_when, when_choice, when_label

BERLIN = "Europe/Berlin"
NO_TIME = {"es": "indica un día pero no una hora", "pt-BR": "indica um dia, mas não um horário"}
DIGITS_ONLY = {"es": "da el día y el mes solo con números", "pt-BR": "traz o dia e o mês só em números"}
NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)  # a Saturday: 13:00 in Berlin


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("tomorrow 18:00", "en", utc(2026, 1, 11, 17)),
        ("mañana 18:00", "es", utc(2026, 1, 11, 17)),
        ("amanhã 18:00", "pt-BR", utc(2026, 1, 11, 17)),
        ("amanhã às 18h", "pt-BR", utc(2026, 1, 11, 17)),
        ("amanha as 18h", "pt-BR", utc(2026, 1, 11, 17)),  # typed without accents
        ("tue 6pm", "en", utc(2026, 1, 13, 17)),
        ("martes 6pm", "es", utc(2026, 1, 13, 17)),
        ("terça 18h", "pt-BR", utc(2026, 1, 13, 17)),
        ("in 2 hours", "en", utc(2026, 1, 10, 14)),
        ("en 2 horas", "es", utc(2026, 1, 10, 14)),
        ("dentro de 2 horas", "es", utc(2026, 1, 10, 14)),
        ("em 2 horas", "pt-BR", utc(2026, 1, 10, 14)),
        ("daqui a 2 horas", "pt-BR", utc(2026, 1, 10, 14)),
        ("em 2h", "pt-BR", utc(2026, 1, 10, 14)),  # after "em", an amount, not a clock time
        ("friday 10:00", "en", utc(2026, 1, 16, 9)),
        ("el viernes a las 10", "es", utc(2026, 1, 16, 9)),
        ("sexta às 10h", "pt-BR", utc(2026, 1, 16, 9)),
        ("sexta-feira às 10h30", "pt-BR", utc(2026, 1, 16, 9, 30)),
        ("3 Dec 14:30", "en", utc(2026, 12, 3, 13, 30)),
        ("3 de diciembre 14:30", "es", utc(2026, 12, 3, 13, 30)),
        ("3 dic 14:30", "es", utc(2026, 12, 3, 13, 30)),
        ("3 de dezembro às 14h30", "pt-BR", utc(2026, 12, 3, 13, 30)),
        ("3 dez 14:30", "pt-BR", utc(2026, 12, 3, 13, 30)),
        ("mañana a las 6 de la tarde", "es", utc(2026, 1, 11, 17)),
        ("amanhã às 6 da tarde", "pt-BR", utc(2026, 1, 11, 17)),
        ("a las 6 y media de la tarde", "es", utc(2026, 1, 10, 17, 30)),
        ("el lunes que viene a las 9", "es", utc(2026, 1, 12, 8)),
        ("segunda que vem às 9h", "pt-BR", utc(2026, 1, 12, 8)),
        ("pasado mañana 18:00", "es", utc(2026, 1, 12, 17)),
        ("depois de amanhã 18h", "pt-BR", utc(2026, 1, 12, 17)),
        ("mañana al mediodía", "es", utc(2026, 1, 11, 11)),
        ("amanhã ao meio-dia", "pt-BR", utc(2026, 1, 11, 11)),
        ("en 3 días a las 18:00", "es", utc(2026, 1, 13, 17)),
        ("em uma hora", "pt-BR", utc(2026, 1, 10, 13)),
        ("tomorrow 18:00", "es", utc(2026, 1, 11, 17)),  # English still reads for everyone
        ("tomorrow 18:00", "pt-BR", utc(2026, 1, 11, 17)),
        ("2026-01-13T18:00", "es", utc(2026, 1, 13, 17)),
    ],
)
def test_phrases_in_the_callers_language_read_as_they_mean(
    text: str, language: str, expected: datetime
) -> None:
    assert read_when(text, zone=BERLIN, now=NOW, language=language) == expected
    assert when_choice(text, zone=BERLIN, now=NOW, language=language) is not None


def test_a_spanish_phrase_is_not_read_when_the_caller_writes_english() -> None:
    with pytest.raises(InvalidInput):
        read_when("mañana 18:00", zone=BERLIN, now=NOW, language="en")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("mañana", "es"),
        ("viernes", "es"),
        ("el lunes que viene", "es"),
        ("3 de diciembre", "es"),
        ("en 3 días", "es"),
        ("amanhã", "pt-BR"),
        ("sexta", "pt-BR"),
        ("sexta-feira", "pt-BR"),
        ("3 de dezembro", "pt-BR"),
        ("em 3 dias", "pt-BR"),
    ],
)
def test_a_day_with_no_time_is_refused_in_every_language(text: str, language: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_when(text, zone=BERLIN, now=NOW, language=language)
    assert refused.value.message.startswith(f"“{text}” {NO_TIME[language]}")
    assert when_choice(text, zone=BERLIN, now=NOW, language=language) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [("12/03 18:00", "es"), ("mañana 12/03", "es"), ("12/03 às 18h", "pt-BR"), ("3.12. 18h", "pt-BR")],
)
def test_a_day_and_month_in_digits_only_is_refused_in_every_language(text: str, language: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_when(text, zone=BERLIN, now=NOW, language=language)
    assert refused.value.message.startswith(f"“{text}” {DIGITS_ONLY[language]}")


@pytest.mark.parametrize(
    ("text", "language"),
    [("mañana a las", "es"), ("amanhã às", "pt-BR"), ("el blursday 18:00", "es"), ("sexta às 25h", "pt-BR")],
)
def test_what_cannot_be_read_is_refused_in_every_language(text: str, language: str) -> None:
    with pytest.raises(InvalidInput):
        read_when(text, zone=BERLIN, now=NOW, language=language)


def test_mar_alone_is_march_not_tuesday() -> None:
    # "mar" abbreviates both martes and marzo: read as the month, so the date shows in the label.
    assert read_when("12 mar 18:00", zone=BERLIN, now=NOW, language="es") == utc(2026, 3, 12, 17)


def test_the_label_names_days_months_and_distance_in_the_language() -> None:
    at = utc(2026, 1, 13, 17)
    assert when_label(at, zone=BERLIN, now=NOW) == "Tue 13 Jan 2026 18:00 Europe/Berlin (in 3 days)"
    assert when_label(at, zone=BERLIN, now=NOW, language="es") == (
        "mar 13 ene 2026 18:00 Europe/Berlin (dentro de 3 días)"
    )
    assert when_label(at, zone=BERLIN, now=NOW, language="pt-BR") == (
        "ter. 13 jan. 2026 18:00 Europe/Berlin (em 3 dias)"
    )
    assert when_choice("sexta às 10h", zone=BERLIN, now=NOW, language="pt-BR") == (
        "sex. 16 jan. 2026 10:00 Europe/Berlin (em 6 dias)"
    )
    assert when_label(NOW - timedelta(hours=2), zone=BERLIN, now=NOW, language="es").endswith(
        "(hace 2 horas)"
    )


def test_the_label_fits_an_autocomplete_choice_in_every_language() -> None:
    for language in ("en", "es", "pt-BR"):
        label = when_choice("in 2 hours", zone="America/Argentina/ComodRivadavia", now=NOW, language=language)
        assert label is not None
        assert len(label) <= 100
