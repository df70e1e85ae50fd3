"""Re-exports for bot/ until it imports the new paths; removed at merge."""

from core.sessions.cancel import cancel_session
from core.sessions.complete import complete_or_ask, complete_session
from core.sessions.noshow import noshow_session
from core.sessions.schedule import schedule_session

__all__ = ["cancel_session", "complete_or_ask", "complete_session", "noshow_session", "schedule_session"]
