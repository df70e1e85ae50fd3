"""The replies of /hours (R21): a window added or removed, days off taken, the booking rules in force,
and /hours show as a list that fits Discord (R20). Open slots are Discord timestamps, which every
reader sees in their own zone; windows and days off are the mentor's wall clock, named with its zone."""

from __future__ import annotations

from bot.kit.pages import Block, Listing
from core.hours import DaysOffAdded, HoursShown, RuleInForce, RulesSet, WindowAdded, WindowRemoved
from core.hours.results import MENTORS_OWN, SERVERS
from core.texts import mention, plural, when

SOURCES = {MENTORS_OWN: "set with /hours rules", SERVERS: "this server's setting"}


def rule_line(rule: RuleInForce) -> str:
    """One rule in force as a mentor reads it, with where it comes from."""
    value = rule.value
    match rule.name:
        case "length":
            text = f"Sessions last {value} minutes"
        case "buffer":
            text = f"{plural(value, 'minute')} between sessions" if value else "No buffer between sessions"
        case "notice_hours":
            text = f"Booked at least {plural(value, 'hour')} ahead"
        case "daily_max":
            text = f"At most {plural(value, 'session')} a day" if value else "No daily cap"
        case _:
            text = f"Booked at most {plural(value, 'day')} ahead"
    return f"{text} ({SOURCES.get(rule.source, 'default')})"


def _whose(mentor_user_id: int, caller_id: int) -> str:
    return "your" if mentor_user_id == caller_id else f"{mention(mentor_user_id)}'s"


def window_added(result: WindowAdded, caller_id: int) -> str:
    whose = _whose(result.mentor_user_id, caller_id)
    if result.already:
        return f"{result.shown.label} ({result.zone}) is already in {whose} hours; nothing changed."
    return (
        f"{result.shown.label} ({result.zone}) is now in {whose} weekly hours; "
        "students can book it with /book, and /hours show lists the next open slots."
    )


def window_removed(result: WindowRemoved, caller_id: int) -> str:
    return (
        f"{result.shown.label} ({result.zone}) is no longer in {_whose(result.mentor_user_id, caller_id)} "
        "hours; sessions already booked in it stay booked."
    )


def days_off_added(result: DaysOffAdded, caller_id: int) -> str:
    whose = _whose(result.mentor_user_id, caller_id)
    label = f"{result.shown.label} ({result.zone})"
    booked = (
        f" {plural(result.sessions_booked, 'session')} already booked then "
        f"{'stays' if result.sessions_booked == 1 else 'stay'}: move them with /reschedule or cancel them with /cancel."
        if result.sessions_booked
        else ""
    )
    if result.already:
        return f"{label} is already off in {whose} hours; nothing changed.{booked}"
    return f"{label} is off in {whose} hours: no slot is open then.{booked}"


def rules_set(result: RulesSet, caller_id: int) -> str:
    whose = _whose(result.mentor_user_id, caller_id)
    head = (
        f"Booking rules in force for {whose} hours:"
        if not result.changed
        else f"Booking rules updated for {whose} hours:"
    )
    return "\n".join([head, *(f"- {rule_line(rule)}" for rule in result.rules)])


def hours_listing(result: HoursShown, caller_id: int) -> Listing:
    """/hours show: the windows, the days off ahead, the rules and the next open slots."""
    whose = _whose(result.mentor_user_id, caller_id)
    windows = tuple(shown.label for shown in result.windows)
    days_off = tuple(shown.label for shown in result.days_off)
    slots = tuple(when(slot.starts_at) for slot in result.next_slots)
    return Listing(
        title="Your hours" if result.mentor_user_id == caller_id else "Hours",
        summary=(
            f"{whose[0].upper()}{whose[1:]} weekly hours, in {result.zone}. "
            "Add with /hours add, take days off with /hours off, set the rules with /hours rules."
        ),
        blocks=(
            Block(f"Weekly hours ({result.zone})", windows or ("None yet: add a window with /hours add.",)),
            Block("Days off", days_off or ("None ahead.",)),
            Block("Booking rules", tuple(rule_line(rule) for rule in result.rules)),
            Block("Next open slots", slots or ("None open right now.",)),
        ),
    )
