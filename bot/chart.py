"""The ``/report`` chart: sessions completed per week per mentor, as a PNG (matplotlib; a bare Figure renders with the Agg backend).

A pure function of core's ``Report``: grouped bars, one colour per mentor, a week per group. The
busiest mentors get their own bars and the rest are added up as "others", so the chart stays
readable on a server with many mentors; the image stays far below Discord's upload limit.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from core.views import MentorWeeks, Report

CHART_NAME = "sessions-per-week.png"
# Discord's upload limit for a bot without server boosts (10 MiB); the chart is far below it.
UPLOAD_LIMIT = 10 * 1024 * 1024
MOST_MENTORS = 8  # bars of their own; the others are summed
SIZE_INCHES = (8.0, 4.0)
DPI = 110
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def series(report: Report, most: int = MOST_MENTORS) -> list[MentorWeeks]:
    """The mentors drawn: the ``most`` - 1 busiest by name order, the rest summed as "others"."""
    mentors = list(report.per_mentor)
    if len(mentors) <= most:
        return mentors
    busiest = sorted(mentors, key=lambda mentor: -sum(mentor.completed))
    kept, rest = busiest[: most - 1], busiest[most - 1 :]
    others = tuple(sum(week) for week in zip(*(mentor.completed for mentor in rest), strict=True))
    kept.sort(key=lambda mentor: mentor.mentor_name.lower())
    return [*kept, MentorWeeks(0, f"{len(rest)} others", others)]


def weekly_chart(report: Report) -> bytes:
    """The chart as PNG bytes."""
    # A Figure of its own, not pyplot: no global state, so charts may be drawn in worker threads.
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
    axes = figure.add_subplot()
    drawn = series(report)
    labels = [week.strftime("%d %b") for week in report.weeks]
    width = 0.8 / max(1, len(drawn))
    for number, mentor in enumerate(drawn):
        offsets = [week + (number - (len(drawn) - 1) / 2) * width for week in range(len(labels))]
        axes.bar(
            offsets, mentor.completed, width=width, label=mentor.mentor_name or str(mentor.mentor_user_id)
        )
    axes.set_xticks(range(len(labels)), labels)
    axes.set_xlabel("week starting (UTC)")
    axes.set_ylabel("sessions completed")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(f"Sessions completed per week, last {report.days} days")
    axes.spines[["top", "right"]].set_visible(False)
    if drawn:
        axes.legend(frameon=False, fontsize="small", ncols=min(4, len(drawn)))
    else:
        axes.text(0.5, 0.5, "no session completed", ha="center", va="center", transform=axes.transAxes)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
