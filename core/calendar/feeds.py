"""The calendar feed (R22): one person's sessions in every server as an RFC 5545 calendar.

``read_feed`` finds the token's owner and their sessions from ``FEED_PAST`` ago on in one statement:
those they give as a mentor and those they take as a student (both when both). ``render_feed`` writes
them with ``icalendar``: one VEVENT per session, UID ``session-<id>@mentorbot`` (stable, so a
subscribed calendar updates the event rather than adding one), times in UTC (``…Z``, no VTIMEZONE),
the other person and the server in the SUMMARY. A cancelled session stays, as ``STATUS:CANCELLED``,
so calendars remove it; a moved one carries a higher SEQUENCE (``sessions.sequence``).

``icalendar`` takes about 0.1 ms of CPU per event (most of it folding lines), so each event's text
is kept (``_event``, a bounded cache keyed by everything the text is made of: a changed session is a
different key, never a stale text). A feed polled again costs the statement and the join; the first
poll of 1,000 sessions pays icalendar in full (bench ``feed_ms`` measures both).

Core knows no server names: the caller passes what it knows (``ServerNames``, e.g. the bot's guild
cache); a server it does not know is written "server <id>".
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from icalendar import Calendar, Event, vDatetime, vDuration, vInt, vText
from sqlalchemy import bindparam, cast, null, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from core.calendar.tokens import fingerprint, looks_like_token, same_fingerprint
from core.domain import SessionStatus
from core.schema import UTCDateTime, calendar_feeds, mentors, seats, sessions
from core.tx import Tx

# The feed starts this far back (R22); everything later is in it.
FEED_PAST = timedelta(days=30)
PRODID = "-//mentorbot//session calendar//EN"
UID_DOMAIN = "mentorbot"
# Sessions that did not take place as booked: subscribed calendars remove them.
CANCELLED = frozenset({SessionStatus.CANCELLED, SessionStatus.LATE_CANCELLED, SessionStatus.VOIDED})
# Events whose text is kept between requests (~0.5 KB each with its key): a mentor's 1,000 sessions
# several times over, a few MB at most.
EVENT_CACHE = 8192
# Calendar apps decide for themselves how often they poll (Google: every few hours); this is a hint.
REFRESH = timedelta(hours=1)


class latest(FunctionElement[datetime]):
    """The latest of some instants, NULLs ignored: ``greatest`` on PostgreSQL, the scalar ``max`` on
    SQLite (instants are UTC text there, whose order is time order), each NULL read as the first."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(latest)
def _latest_sqlite(element: latest, compiler: Any, **kw: Any) -> str:
    clauses = list(element.clauses)
    first = compiler.process(clauses[0], **kw)
    rest = [f"coalesce({compiler.process(clause, **kw)}, {first})" for clause in clauses[1:]]
    return f"max({', '.join([first, *rest])})"


@compiles(latest, "postgresql")
def _latest_postgres(element: latest, compiler: Any, **kw: Any) -> str:
    return f"greatest({compiler.process(element.clauses, **kw)})"


class ServerNames(Protocol):
    """Server names by id, as far as the caller knows them (a ``dict`` will do)."""

    def get(self, guild_id: int, /) -> str | None: ...


class FeedSession(NamedTuple):
    """One session as the feed's owner sees it: ``other_*`` is the person they meet. (A named tuple:
    a feed makes a thousand of them from the statement's rows, which have exactly these columns.)"""

    session_id: int
    guild_id: int
    starts_at: datetime
    minutes: int
    status: str
    sequence: int
    changed_at: datetime  # its latest recorded change (DTSTAMP)
    other_id: int
    other_name: str


@dataclass(frozen=True, slots=True)
class Feed:
    user_id: int
    sessions: tuple[FeedSession, ...]

    @property
    def guild_ids(self) -> frozenset[int]:
        return frozenset(session.guild_id for session in self.sessions)


def _statement() -> Any:
    """Each of the owner's sessions since ``since``: as a student (their seats in every server,
    ``ix_seats_student_guild``) and as a mentor (their mentor rows in every server,
    ``ix_mentors_user_id``, and every seat they held, ``ix_seats_mentor_id``); then the owner's row,
    so a token with no sessions is still known. The owner is a scalar subquery (one lookup by the
    unique hash), which SQLite's planner treats as a constant to start from; the owner's row comes
    last, so the columns take the session branches' types."""
    by_hash = calendar_feeds.c.token_hash == bindparam("token_hash")
    owner = select(calendar_feeds.c.user_id).where(by_hash).scalar_subquery()
    since = sessions.c.starts_at >= bindparam("since", type_=UTCDateTime())
    session_columns = (
        sessions.c.id,
        sessions.c.guild_id,
        sessions.c.starts_at,
        sessions.c.minutes,
        sessions.c.status,
        sessions.c.sequence,
        latest(
            sessions.c.created_at, sessions.c.completed_at, sessions.c.cancelled_at, sessions.c.voided_at
        ).label("changed_at"),
    )
    no_owner = (_blank(calendar_feeds.c.user_id), _blank(calendar_feeds.c.token_hash))
    as_student = (
        select(
            *session_columns,
            mentors.c.user_id.label("other_id"),
            mentors.c.display_name.label("other_name"),
            *no_owner,
        )
        .select_from(seats)
        .join(sessions, sessions.c.seat_id == seats.c.id)
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .where(seats.c.student_id == owner, since)
    )
    as_mentor = (
        select(
            *session_columns,
            seats.c.student_id.label("other_id"),
            seats.c.student_name.label("other_name"),
            *no_owner,
        )
        .select_from(mentors)
        .join(seats, seats.c.mentor_id == mentors.c.id)
        .join(sessions, sessions.c.seat_id == seats.c.id)
        .where(mentors.c.user_id == owner, since)
    )
    no_session = [_blank(column) for column in (*session_columns, seats.c.student_id, seats.c.student_name)]
    only_owner = select(*no_session, calendar_feeds.c.user_id, calendar_feeds.c.token_hash).where(by_hash)
    return union_all(as_student, as_mentor, only_owner)


def _blank(column: Any) -> Any:
    """A NULL of ``column``'s type: PostgreSQL matches a UNION's columns by type."""
    return cast(null(), column.type).label(column.name)


_FEED = _statement()


def read_feed(tx: Tx, token: str) -> Feed | None:
    """The sessions of ``token``'s owner from ``FEED_PAST`` ago on; None for a token that is not a
    live one (never made, reset since, or not even shaped like one)."""
    if not looks_like_token(token):
        return None
    rows = tx.conn.execute(_FEED, {"token_hash": fingerprint(token), "since": tx.now - FEED_PAST}).all()
    # The owner's row is the one without a session (SQL promises no order across UNION ALL).
    owner = next((row for row in rows if row[0] is None), None)
    if owner is None or not same_fingerprint(owner.token_hash, token):
        return None
    width = len(FeedSession._fields)
    # Keyed by id: a session its owner both gives and takes (a mentor with a pack of their own) is
    # listed once.
    found = {row[0]: FeedSession._make(row[:width]) for row in rows if row[0] is not None}
    ordered = sorted(found.values(), key=_in_time_order)
    return Feed(user_id=owner.user_id, sessions=tuple(ordered))


def _in_time_order(session: FeedSession) -> tuple[datetime, int]:
    return session.starts_at, session.session_id


def render_feed(feed: Feed, server_names: ServerNames) -> bytes:
    """The feed as an RFC 5545 calendar (UTF-8, CRLF lines)."""
    head, end = _calendar(), b"END:VCALENDAR\r\n"
    events = (_event(event_fields(session, server_names)) for session in feed.sessions)
    return b"".join((head.removesuffix(end), *events, end))


def feed(tx: Tx, token: str, server_names: ServerNames) -> bytes | None:
    """``token``'s calendar (``render_feed`` of ``read_feed``), or None for an unknown token."""
    found = read_feed(tx, token)
    return None if found is None else render_feed(found, server_names)


class EventFields(NamedTuple):
    """Everything one VEVENT is made of."""

    session_id: int
    starts_at: datetime
    ends_at: datetime
    stamp: datetime
    summary: str
    status: str
    sequence: int


def event_fields(session: FeedSession, server_names: ServerNames) -> EventFields:
    cancelled = session.status in CANCELLED
    other = session.other_name or f"user {session.other_id}"
    server = server_names.get(session.guild_id) or f"server {session.guild_id}"
    return EventFields(
        session_id=session.session_id,
        starts_at=session.starts_at,
        ends_at=session.starts_at + timedelta(minutes=session.minutes),
        stamp=session.changed_at,
        summary=f"Mentoring with {other} — {server}",
        status="CANCELLED" if cancelled else "CONFIRMED",
        # A cancellation revises the event as a move does: clients that compare SEQUENCE take it.
        sequence=session.sequence + (1 if cancelled else 0),
    )


def make_event(fields: EventFields) -> Event:
    """One session's VEVENT. The values go in already typed (``event.add`` would infer each type,
    which doubles the cost of writing an event, for the same text)."""
    event = Event()
    event["uid"] = vText(f"session-{fields.session_id}@{UID_DOMAIN}")
    event["dtstamp"] = vDatetime(fields.stamp)
    event["dtstart"] = vDatetime(fields.starts_at)
    event["dtend"] = vDatetime(fields.ends_at)
    event["summary"] = vText(fields.summary)
    event["status"] = vText(fields.status)
    event["sequence"] = vInt(fields.sequence)
    return event


def make_calendar() -> Calendar:
    """The calendar around the events (the same for every feed)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "mentorbot sessions")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    return calendar


@functools.lru_cache(maxsize=EVENT_CACHE)
def _event(fields: EventFields) -> bytes:
    """One VEVENT's text, cached by every value it is made of."""
    text: bytes = make_event(fields).to_ical()
    return text


@functools.cache
def _calendar() -> bytes:
    text: bytes = make_calendar().to_ical()
    return text


def event_cache_info() -> Any:
    """Hits and misses of the event cache (the bench reports them)."""
    return _event.cache_info()


def clear_event_cache() -> None:
    _event.cache_clear()
