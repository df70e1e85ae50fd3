"""Reading a `when` the way a person typed it (R15): the instant it means, and the label that shows it.

Pure: the zone and ``now`` are passed in (``now`` from the injected clock), nothing is read from the
system. ISO 8601 with an offset is exact; without one, and natural phrases ("tomorrow 18:00", "tue
6pm", "in 2 hours", "3 Dec 14:30") read through dateparser, it is wall-clock time in the given IANA
zone. A time alone ("18:00") is its next occurrence. A wall-clock time that a daylight-saving change
skips is refused; one it repeats is the first (``fold=0``). Nothing is guessed: a day with no time
("tomorrow", "friday", "3 Dec", 2026-03-12) is refused, and so is a day and month in digits only
("12/03", "3.12"), which reads differently around the world. Every refusal is an ``InvalidInput``
with the sentence the user reads.

Spanish and Brazilian Portuguese phrases ("mañana 18:00", "amanhã às 18h", R25) are read in the
caller's language (``language``: "en", "es", "pt-BR"): ``core.when_phrases`` says them in English first,
so they meet the same refusals. The label names days and months in that language too.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime, format_timedelta
from dateparser.date import DateDataParser

from core.errors import InvalidInput
from core.i18n import N_, translate
from core.when_phrases import ENGLISH, in_english

# Years a `when` may name. Beyond them datetime arithmetic overflows, and no session is booked there.
MIN_YEAR, MAX_YEAR = 1970, 9998
MAX_TEXT = 100  # Discord's option values in autocomplete are at most 100 characters.
MAX_LABEL = 100  # ... and so are autocomplete choice names.
SHOWN = 40  # how much of the typed text a refusal quotes

_DATEPARSER = {
    # No conversion: dateparser gives the wall-clock time it read; the zone is applied here, where a
    # skipped or repeated hour can be told apart (dateparser's pytz path silently shifts it).
    "TIMEZONE": "UTC",
    "RETURN_AS_TIMEZONE_AWARE": False,
    "PREFER_DATES_FROM": "future",
    # The period read tells a time of day ("time") from a day alone ("day", "week", "part_of_day" …):
    # dateparser fills a missing time with midnight or the current minute, which nobody typed.
    "RETURN_TIME_AS_PERIOD": True,
}
_ISO_SHAPED = re.compile(r"^[+-]?\d{4,}-\d")
_UNITS = (("year", 365 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60))


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone called ``name``, or ``InvalidInput``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"“{name}” is not a time zone I know; use an IANA name such as Europe/Berlin or UTC."
        ) from None


def read_when(text: str, *, zone: str, now: datetime, language: str = ENGLISH) -> datetime:
    """The UTC instant ``text`` means, read in ``zone`` at ``now`` (typed in ``language``);
    ``InvalidInput`` when it can't be."""
    tz = zone_named(zone)
    cleaned = " ".join(text.split())
    try:
        if not cleaned or len(cleaned) > MAX_TEXT:
            raise _unreadable(text, zone)
        exact = _iso(cleaned)
        if exact is not None and exact.tzinfo is not None:
            return _in_range(exact.astimezone(UTC), text)
        if exact is not None:
            return _local(exact, tz, zone, text)
        return _natural(in_english(cleaned, language), tz, zone, now, text)
    except OverflowError:
        raise _out_of_range(text).said_in(language) from None
    except _Refusal as refusal:
        raise refusal.said_in(language) from None


def when_label(at: datetime, *, zone: str, now: datetime, language: str = ENGLISH) -> str:
    """``at`` as its reader will get it: "Tue 13 Jan 2026 18:00 Europe/Berlin (in 3 days)"; in
    Spanish "mar 13 ene 2026 18:00 Europe/Berlin (dentro de 3 días)" (Babel's CLDR names)."""
    local = at.astimezone(zone_named(zone))
    if language == ENGLISH:
        label = f"{local:%a %d %b %Y %H:%M} {zone} ({relative(at - now)})"
    else:
        locale = language.replace("-", "_")
        shown = format_datetime(local, "EEE d MMM y HH:mm", locale=locale)
        label = f"{shown} {zone} ({format_timedelta(at - now, add_direction=True, locale=locale)})"
    return label[:MAX_LABEL]


def when_choice(text: str, *, zone: str, now: datetime, language: str = ENGLISH) -> str | None:
    """The autocomplete label for what was typed so far, or ``None`` while it reads as no time."""
    try:
        instant = read_when(text, zone=zone, now=now, language=language)
    except InvalidInput:
        return None
    return when_label(instant, zone=zone, now=now, language=language)


def relative(delta: timedelta) -> str:
    """A distance in time as Discord's relative timestamps say it: "in 3 days", "2 hours ago"."""
    seconds = delta.total_seconds()
    size = abs(seconds)
    for unit, length in _UNITS:
        if size >= length:
            count = int(size / length + 0.5)
            text = f"{count} {unit}" + ("" if count == 1 else "s")
            return f"in {text}" if seconds > 0 else f"{text} ago"
    return "now"


# ---- the readers -------------------------------------------------------------------------------------


def _iso(text: str) -> datetime | None:
    """ISO 8601 (a space for the ``T``, ``Z`` for UTC), or ``None`` when it is not ISO at all."""
    candidate = text.replace(" ", "T", 1) if "T" not in text.upper() else text
    if candidate[-1:] in ("Z", "z"):
        candidate = candidate[:-1] + "+00:00"
    if not _ISO_SHAPED.match(candidate):
        return None
    try:
        read = datetime.fromisoformat(candidate)
    except ValueError:
        year = candidate.split("-", 1)[0] if candidate[0].isdigit() else ""
        if year.isdigit() and not MIN_YEAR <= int(year) <= MAX_YEAR:
            # "0000-01-01T10:00" and the like: written as ISO, in a year datetime cannot hold.
            raise _out_of_range(text) from None
        # Written as ISO but not a valid one ("2026-13-01"): never let dateparser guess at it.
        raise _Refusal(
            N_("“{text}” is not a valid ISO 8601 time; write it like 2026-12-01T18:00."), text=_shown(text)
        ) from None
    if "T" not in candidate.upper():  # a date alone: Python reads it as midnight
        raise _no_time(text) if MIN_YEAR <= read.year <= MAX_YEAR else _out_of_range(text)
    return read


def _natural(cleaned: str, tz: ZoneInfo, zone: str, now: datetime, text: str) -> datetime:
    local_now = now.astimezone(tz).replace(tzinfo=None)
    _refuse_digits_only_day_and_month(cleaned, local_now.date(), text)
    read = _dateparse(cleaned, local_now)
    if read is None or not _every_number_used(cleaned, read[0]):
        raise _unreadable(text, zone)
    wall, period = read
    if period != "time":
        raise _no_time(text)
    # A pure duration ("in 2 hours") moves the same from any base; read it as real time elapsed, so
    # it stays exact across a daylight-saving change. Anything anchored to a date or clock time is
    # wall-clock time in the zone.
    utc_now = now.astimezone(UTC).replace(tzinfo=None)
    from_utc = _dateparse(cleaned, utc_now)
    if local_now != utc_now and from_utc is not None and wall - local_now == from_utc[0] - utc_now:
        return _in_range(now.astimezone(UTC) + (wall - local_now), text)
    return _local(wall, tz, zone, text)


# A number followed by a unit is an amount ("in 3 days"), not a part of the time read.
_AMOUNT_UNIT = r"\s*(?:m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?|months?|y|years?)\b"
_NUMBERS = re.compile(rf"(?<!\d)(\d+)(?!\d)(?!{_AMOUNT_UNIT})", re.IGNORECASE)
_DECIMAL_AMOUNT = re.compile(rf"\d+[.,]\d+(?={_AMOUNT_UNIT})", re.IGNORECASE)  # "in 1.5 hours"
_NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
        ]
    )
}
_WORDS = re.compile(rf"\b({'|'.join(_NUMBER_WORDS)})\b(?!{_AMOUNT_UNIT})", re.IGNORECASE)


# Signs that a date was typed (a month's name, "3rd", 12/03, a year): only then may a number be one.
_DATE_TYPED = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\d(?:st|nd|rd|th)\b|\d[/.-]\d|\b\d{4}\b",
    re.IGNORECASE,
)


def _every_number_used(text: str, wall: datetime) -> bool:
    """Whether each number in ``text`` is a part of the time read: dateparser silently drops what it
    does not understand ("tomorrow at 6" reads as tomorrow at the current time of day)."""
    parts = {wall.hour, wall.hour % 12 or 12, wall.minute}
    if _DATE_TYPED.search(text):
        parts |= {wall.year, wall.year % 100, wall.month, wall.day}
    text = _DECIMAL_AMOUNT.sub(" ", text)
    numbers = [int(found) for found in _NUMBERS.findall(text)]
    numbers += [_NUMBER_WORDS[found.lower()] for found in _WORDS.findall(text)]
    return all(number in parts for number in numbers)


def _dateparse(text: str, base: datetime) -> tuple[datetime, str] | None:
    """The wall-clock time dateparser reads at ``base``, and the period it read ("time", "day" …)."""
    parser = DateDataParser(languages=["en"], settings={**_DATEPARSER, "RELATIVE_BASE": base})
    try:
        found = parser.get_date_data(text)
    except (OverflowError, ValueError):
        return None
    if not isinstance(found.date_obj, datetime):
        return None
    return found.date_obj.replace(tzinfo=None), str(found.period)


# A day and month in digits only: 12/03, 12-03, 3.12, 12.03. (a year may follow). Which comes first
# depends on where the writer lives, so it is refused rather than guessed. With dots only the
# day-first reading is a date: "14.30" or "9.15" stay times; a decimal amount ("1.5 hours") is no date.
_DIGIT_DATE = re.compile(
    rf"(?<![\w/.:,-])(\d{{1,2}})([/.-])(\d{{1,2}})(?:\2(\d{{4}}|\d{{2}}))?\.?(?![\w/:-]|\.\d)(?!{_AMOUNT_UNIT})",
    re.IGNORECASE,
)


def _refuse_digits_only_day_and_month(cleaned: str, today: date, text: str) -> None:
    for first, separator, second, year in _DIGIT_DATE.findall(cleaned):
        readings = [(int(first), int(second))]  # (day, month): day first, as most of the world writes
        if separator != ".":
            readings.append((int(second), int(first)))
        valid = [(day, month) for day, month in readings if _is_day_of_month(day, month)]
        if valid:
            raise _ambiguous(text, *valid[0], int(year) if year else None, today)


def _is_day_of_month(day: int, month: int, year: int = 2000) -> bool:
    """Whether ``day``/``month`` is a date in ``year`` (by default a leap year: 29/02 is one)."""
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _local(wall: datetime, tz: ZoneInfo, zone: str, text: str) -> datetime:
    """A wall-clock time in ``tz`` as a UTC instant: refused when skipped, the first when repeated."""
    if not MIN_YEAR <= wall.year <= MAX_YEAR:
        raise _out_of_range(text)
    first = wall.replace(tzinfo=tz, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall:
        raise _Refusal(
            N_(
                "{time} does not exist in {zone}: the clocks skip that hour for daylight saving time; "
                "pick a time outside it."
            ),
            time=wall,
            zone=zone,
        )
    return instant


def _in_range(instant: datetime, text: str) -> datetime:
    if not MIN_YEAR <= instant.year <= MAX_YEAR:
        raise _out_of_range(text)
    return instant


class _Refusal(Exception):
    """A refusal of ``read_when``, before it is said in the reader's language: the English message (the
    catalog's id) and its values; a day or a time among them is written the language's way."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message, self.params = message, params

    def said_in(self, language: str) -> InvalidInput:
        params = {name: _written(value, language) for name, value in self.params.items()}
        return InvalidInput(translate(language, self.message, **params))


def _written(value: object, language: str) -> object:
    """A time as "Sun 29 Mar 2026 02:30" (in Spanish "dom 29 mar 2026 02:30"), a day as "12 Mar"."""
    if isinstance(value, datetime):
        if language == ENGLISH:
            return f"{value:%a %d %b %Y %H:%M}"
        return format_datetime(value, "EEE d MMM y HH:mm", locale=language.replace("-", "_"))
    if isinstance(value, date):
        if language == ENGLISH:
            return f"{value.day} {value:%b}"
        # Without CLDR's abbreviation dot ("mar."), so the hint reads back as typed.
        return format_date(value, "d MMM", locale=language.replace("-", "_")).replace(".", "")
    return value


def _unreadable(text: str, zone: str) -> _Refusal:
    return _Refusal(
        N_(
            "I can't read “{text}” as a time; try 2026-12-01T18:00, tomorrow 18:00, tue 6pm or in 2 hours (read in {zone})."
        ),
        text=_shown(text),
        zone=zone,
    )


def _no_time(text: str) -> _Refusal:
    return _Refusal(
        N_("“{text}” names a day but no time; add one, like tomorrow 18:00 or 2026-12-01T18:00."),
        text=_shown(text),
    )


def _ambiguous(text: str, day: int, month: int, year: int | None, today: date) -> _Refusal:
    """The hint writes the user's own day and month the two ways that cannot be misread."""
    if year is None:
        year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
    elif year < 100:
        year += 2000
    # 29 Feb: the next leap year (a year past datetime's range falls back to one that holds it).
    year = next((y for y in range(year, year + 8) if _is_day_of_month(day, month, y)), 2028)
    return _Refusal(
        N_(
            "“{text}” gives a day and month in digits only, which reads differently around the world; "
            "write the month as a word or the date as ISO, like {day} 18:00 or {iso}T18:00."
        ),
        text=_shown(text),
        day=date(year, month, day),
        iso=f"{year:04d}-{month:02d}-{day:02d}",
    )


def _shown(text: str) -> str:
    """What the user typed, short enough to quote in a sentence."""
    cleaned = " ".join(text.split())
    return (cleaned[: SHOWN - 1] + "…" if len(cleaned) > SHOWN else cleaned) or "(nothing)"


def _out_of_range(text: str) -> _Refusal:
    return _Refusal(
        N_("“{text}” is out of range: I read years from {low} to {high}."),
        text=_shown(text),
        low=MIN_YEAR,
        high=MAX_YEAR,
    )
