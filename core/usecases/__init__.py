"""The use cases: what admins, mentors and students do, each one transaction of conditional updates.

Each is a synchronous function of a ``Tx`` (run it with ``Service.write``): plain values in, a result
object out, or a ``Refusal`` carrying the sentence the user reads. Every counter changes with a
conditional ``UPDATE … WHERE … RETURNING`` that can neither go out of range nor apply twice, so the
same command repeated, retried or run by two processes at once ends in the state of one run (R12).
Notifications are queued in the same transaction (``core.outbox``), history is recorded (R13).

Split by what people act on: ``mentors`` (mentors and their seats), ``packs``, ``purchases``, ``sessions``; what
they share is in ``core.tx``
(``hold_request``), ``core.domain`` (``require_admin``) and ``core.seats.lookup``. Import the use cases from here.
"""

from core.bounds import MAX_SESSION_MINUTES, MIN_SESSION_MINUTES
from core.packs.grant import grant_pack
from core.purchases import grant_purchase, mark_consumed, record_purchase, unplaced_purchases
from core.seats import register_mentor
from core.sessions import cancel_session, complete_session, schedule_session

__all__ = [
    "MAX_SESSION_MINUTES",
    "MIN_SESSION_MINUTES",
    "cancel_session",
    "complete_session",
    "grant_pack",
    "grant_purchase",
    "mark_consumed",
    "record_purchase",
    "register_mentor",
    "schedule_session",
    "unplaced_purchases",
]
