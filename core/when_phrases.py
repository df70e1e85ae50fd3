"""A `when` typed in Spanish or Brazilian Portuguese, said the English way ``core.when`` reads (R15, R25).

dateparser's own Spanish and Portuguese are not safe to book with: it reads "amanhã às 18h" as
eighteen hours from now, "el viernes a las 10" and "sexta às 10h" as no time at all, and "mar 18:00"
as March. So a phrase is first said in English word by word ("mañana 18:00" → "tomorrow 18:00",
"sexta às 10h" → "friday at 10:00") and then goes through the one reader and all of its refusals (a
day with no time, a day and month in digits only, a number left unread). English words pass through
unchanged, so "tomorrow 18:00" still reads for a Spanish speaker.

What is read, beyond the words: "18h", "18h30", "18 hs" are clock times (an amount after "en"/"em":
"em 2h" is two hours); "a las 10", "às 10" is 10:00 (the 24-hour clock these languages write);
"6 y media", "6 e meia" is 6:30; "de la tarde", "da noite" is pm.
"""

from __future__ import annotations

import re
import unicodedata

ENGLISH = "en"

# Several words before single ones: each list is applied in order, the patterns are whole words.
_PHRASES: dict[str, list[tuple[str, str]]] = {
    "es": [
        (r"pasado manana", "day after tomorrow"),
        (r"(?:de|por) la (?:manana|madrugada)", "am"),
        (r"(?:de|por) la (?:tarde|noche)", "pm"),
        (r"dentro de", "in"),
        (r"(\w+) (?:que viene|proximo|proxima)", r"next \1"),
        (r"(?:el |la )?(?:proximo|proxima)", "next"),
        (r"a (?:las|la)", "at"),
        (r"(\d{1,2}) y media", r"\1:30"),
        (r"(\d{1,2}) y cuarto", r"\1:15"),
    ],
    "pt-BR": [
        (r"depois de amanha", "day after tomorrow"),
        (r"(?:da|de) (?:manha|madrugada)", "am"),
        (r"(?:da|de|a) (?:tarde|noite)", "pm"),
        (r"(?:dentro de|daqui a)", "in"),
        (r"(\w+) (?:que vem|proximo|proxima)", r"next \1"),
        (r"(?:o |a )?(?:proximo|proxima)", "next"),
        (r"meio dia", "noon"),
        (r"meia noite", "midnight"),
        (r"(\d{1,2})(?:h| horas?)? e meia", r"\1:30"),
        (r"(\d{1,2})(?:h| horas?)? e quinze", r"\1:15"),
        (r"(\d)(?: de)? dez\b", r"\1 dec"),  # "3 dez": December; "às dez" stays ten
        (r"as", "at"),
    ],
}

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _named(words: str, english: tuple[str, ...]) -> dict[str, str]:
    """``words`` (space-separated, in order) each standing for the English word in its place."""
    return dict(zip(words.split(" "), english, strict=True))


def _numbered(words: str) -> dict[str, str]:
    """Number words, from zero up, as digits: "seis" → "6" (then "a las seis" is "at 6:00")."""
    return {word: str(value) for value, word in enumerate(words.split(" "))}


_UNITS = {"hora": "hour", "horas": "hours", "minuto": "minute", "minutos": "minutes", "dia": "day"}
_UNITS |= {"dias": "days", "semana": "week", "semanas": "weeks", "mes": "month", "meses": "months"}
_UNITS |= {"ano": "year", "anos": "years"}

# "mar" stays March: it abbreviates martes and marzo both, and a month is the safer reading.
_WORDS: dict[str, dict[str, str]] = {
    "es": {
        "manana": "tomorrow",
        "hoy": "today",
        "mediodia": "noon",
        "medianoche": "midnight",
        "en": "in",
        "un": "1",
        "uno": "1",
        **_UNITS,
        **_numbered("cero una dos tres cuatro cinco seis siete ocho nueve diez once doce"),
        **_named("lunes martes miercoles jueves viernes sabado domingo", _DAYS),
        **_named("lun mie jue vie sab dom", _DAYS[:1] + _DAYS[2:]),
        **_named(
            "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
            _MONTHS,
        ),
        **_named("ene abr ago sept setiembre dic", ("jan", "apr", "aug", "sep", "sep", "dec")),
    },
    "pt-BR": {
        "amanha": "tomorrow",
        "hoje": "today",
        "em": "in",
        "um": "1",
        "duas": "2",
        **_UNITS,
        **_numbered("zero uma dois tres quatro cinco seis sete oito nove dez onze doze"),
        **_named("segunda terca quarta quinta sexta sabado domingo", _DAYS),
        **_named("seg ter qua qui sex sab dom", _DAYS),
        **_named(
            "janeiro fevereiro marco abril maio junho julho agosto setembro outubro novembro dezembro",
            _MONTHS,
        ),
        **_named("fev abr mai ago set out", ("feb", "apr", "may", "aug", "sep", "oct")),
    },
}
# Words that only join others ("el viernes", "3 de diciembre", "sexta-feira"): dropped.
_DROPPED = {
    "es": {"el", "la", "los", "las", "de", "del", "al", "y"},
    "pt-BR": {"o", "a", "os", "de", "do", "da", "no", "na", "ao", "feira", "e"},
}

# "18h", "18h30", "18 hs", "18hrs": a clock time, unless an amount ("in 2h").
_HOUR_MARK = re.compile(r"(?<![\w:])(in )?(\d{1,2}) ?h(?:s|rs?)?(\d{2})?(?![\w:])")
# "at 10": the hour on the 24-hour clock, unless am/pm or minutes follow.
_AT_HOUR = re.compile(r"\bat (\d{1,2})(?![\d:.]| ?(?:am|pm)\b)")


def in_english(text: str, language: str) -> str:
    """``text`` (already one-spaced) said the way the English reader takes it, for ``language``."""
    if language not in _WORDS:
        return text
    said = _plain(text).lower().replace("-", " ")
    for pattern, english in _PHRASES[language]:
        said = re.sub(rf"\b{pattern}\b", english, said)
    words = [_WORDS[language].get(word, word) for word in said.split() if word not in _DROPPED[language]]
    said = " ".join(words)
    said = _HOUR_MARK.sub(_clock, said)
    said = _AT_HOUR.sub(lambda found: f"at {found[1]}:00", said)
    return said


def _clock(found: re.Match[str]) -> str:
    amount, hour, minutes = found[1], found[2], found[3]
    if amount:
        return f"in {hour} hours" if minutes is None else f"in {hour} hours {minutes} minutes"
    return f"{hour}:{minutes or '00'}"


def _plain(text: str) -> str:
    """Without accents ("mañana", "amanhã", "às", "sábado"): typed either way, read the same."""
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
