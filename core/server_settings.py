"""Re-exports for bot/ until it imports the new paths; removed at merge."""

from core.settings.policy import policy_from, policy_of, stored, with_admin_role

__all__ = ["policy_from", "policy_of", "stored", "with_admin_role"]
