"""The ``/report`` chart: sessions completed per week per mentor, as a PNG (matplotlib; a bare Figure renders with the Agg backend).

A pure function of core's ``Report``: a week per group of bars, one colour per mentor (side by side,
or stacked when there are too many bars for that). The
busiest mentors get their own bars and the rest are added up as "others", so the chart stays
readable on a server with many mentors; the image stays far below Discord's upload limit.
"""

from __future__ import annotations

import io

from core.insight import MentorWeeks, Report

CHART_NAME = "sessions-per-week.png"
# Discord's upload limit for a bot without server boosts (10 MiB); the chart is far below it.
UPLOAD_LIMIT = 10 * 1024 * 1024
MOST_MENTORS = 8  # bars of their own; the others are summed
MOST_LABELS = 9
MOST_GROUPED_BARS = 60
# Discord shows an embed's image about 400 pixels wide: large type on a small canvas stays legible.
SIZE_INCHES = (8.0, 4.5)
DPI = 100
FONT = 14
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def series(report: Report, most: int = MOST_MENTORS) -> list[MentorWeeks]:
    """The mentors drawn: all when they are at most ``most``; else the ``most`` - 1 busiest (in name
    order) and the rest summed as one "N others"."""
    mentors = list(report.per_mentor)
    if len(mentors) <= most:
        return mentors
    busiest = sorted(mentors, key=lambda mentor: -sum(mentor.completed))
    kept, rest = busiest[: most - 1], busiest[most - 1 :]
    others = tuple(sum(week) for week in zip(*(mentor.completed for mentor in rest), strict=True))
    kept.sort(key=lambda mentor: mentor.mentor_name.lower())
    return [*kept, MentorWeeks(0, f"{len(rest)} others", others)]


def _label(mentor: MentorWeeks) -> str:
    return mentor.mentor_name or str(mentor.mentor_user_id)


def weekly_chart(report: Report) -> bytes:
    """The chart as PNG bytes."""
    # Imported on the first /report, not at start: matplotlib (with numpy) is most of what the bot
    # would otherwise hold in memory for the one command that draws (about 40 MB of RSS, `make bench`).
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    # A Figure of its own, not pyplot: no global state, so charts may be drawn in worker threads.
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
    axes = figure.add_subplot()
    drawn = series(report)
    labels = [week.strftime("%d %b") for week in report.weeks]
    if len(drawn) * len(labels) <= MOST_GROUPED_BARS:
        # Side by side: each mentor's weeks compare at a glance.
        width = 0.8 / max(1, len(drawn))
        for number, mentor in enumerate(drawn):
            offsets = [week + (number - (len(drawn) - 1) / 2) * width for week in range(len(labels))]
            axes.bar(offsets, mentor.completed, width=width, label=_label(mentor))
    else:
        # Too many bars to stand side by side: stacked, so each week's total shows too.
        bottom = [0] * len(labels)
        for mentor in drawn:
            axes.bar(range(len(labels)), mentor.completed, width=0.8, bottom=bottom, label=_label(mentor))
            bottom = [below + count for below, count in zip(bottom, mentor.completed, strict=True)]
    # At most about a dozen dates under the bars, so a year's 53 weeks stay legible.
    step = max(1, -(-len(labels) // MOST_LABELS))
    axes.set_xticks(range(0, len(labels), step), labels[::step])
    axes.set_xlabel("week starting (UTC)", fontsize=FONT)
    axes.set_ylabel("sessions", fontsize=FONT)
    axes.tick_params(labelsize=FONT - 1)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(f"Sessions completed per week, last {report.days} days", fontsize=FONT + 2)
    axes.spines[["top", "right"]].set_visible(False)
    if drawn:
        axes.legend(frameon=False, fontsize=FONT - 1, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        axes.text(
            0.5,
            0.5,
            "no session completed",
            ha="center",
            va="center",
            fontsize=FONT,
            transform=axes.transAxes,
        )
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
