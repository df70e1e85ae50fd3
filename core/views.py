"""Re-exports for bot/ until it imports the new paths; removed at merge."""

from core.insight.export import ExportRows, export_rows
from core.insight.my_sessions import ClosedSeat, LinePlace, MySessions, ReleaseReason, my_sessions
from core.insight.report import (
    MAX_REPORT_DAYS,
    MIN_REPORT_DAYS,
    REPORT_DAYS_DEFAULT,
    MentorWeeks,
    Report,
    report,
)
from core.insight.student import (
    TIMELINE_LENGTH,
    SessionRecord,
    StudentFile,
    StudentSeat,
    TimelineEntry,
    student_file,
)
from core.seats.results import MentorSeats
from core.seats.views import RECENT_PACKS, my_seats, roster, roster_of, seat_board
from core.sessions.choices import MAX_CHOICES, session_choices

__all__ = [
    "MAX_CHOICES",
    "MAX_REPORT_DAYS",
    "MIN_REPORT_DAYS",
    "RECENT_PACKS",
    "REPORT_DAYS_DEFAULT",
    "TIMELINE_LENGTH",
    "ClosedSeat",
    "ExportRows",
    "LinePlace",
    "MentorSeats",
    "MentorWeeks",
    "MySessions",
    "ReleaseReason",
    "Report",
    "SessionRecord",
    "StudentFile",
    "StudentSeat",
    "TimelineEntry",
    "export_rows",
    "my_seats",
    "my_sessions",
    "report",
    "roster",
    "roster_of",
    "seat_board",
    "session_choices",
    "student_file",
]
