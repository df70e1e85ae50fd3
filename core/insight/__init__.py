"""Insight: what the program shows about itself: a member's ``/mysessions``, an admin's or mentor's
``/student``, the ``/export`` of a server's records, and its ``/report``."""

from core.insight.export import ExportRows, export_files, export_rows
from core.insight.my_sessions import ClosedSeat, LinePlace, MySessions, ReleaseReason, my_sessions
from core.insight.report import (
    MAX_REPORT_DAYS,
    MIN_REPORT_DAYS,
    REPORT_DAYS_DEFAULT,
    MentorWeeks,
    Report,
    report,
)
from core.insight.student import SessionRecord, StudentFile, StudentSeat, TimelineEntry, student_file

__all__ = [
    "MAX_REPORT_DAYS",
    "MIN_REPORT_DAYS",
    "REPORT_DAYS_DEFAULT",
    "ClosedSeat",
    "ExportRows",
    "LinePlace",
    "MentorWeeks",
    "MySessions",
    "ReleaseReason",
    "Report",
    "SessionRecord",
    "StudentFile",
    "StudentSeat",
    "TimelineEntry",
    "export_files",
    "export_rows",
    "my_sessions",
    "report",
    "student_file",
]
