"""Calendar feeds (R22): each person's private address (``tokens``) and the RFC 5545 calendar of
their sessions in every server that it serves (``feed``)."""

from core.calendar.feeds import FEED_PAST, Feed, FeedSession, ServerNames, feed, read_feed, render_feed
from core.calendar.results import CalendarAddress, CalendarReset
from core.calendar.tokens import calendar_address, reset_calendar

__all__ = [
    "FEED_PAST",
    "CalendarAddress",
    "CalendarReset",
    "Feed",
    "FeedSession",
    "ServerNames",
    "calendar_address",
    "feed",
    "read_feed",
    "render_feed",
    "reset_calendar",
]
