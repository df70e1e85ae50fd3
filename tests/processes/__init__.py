"""Test-only worker processes: delivery in real OS processes, for the crash and multi-process tests."""
