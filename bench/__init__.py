"""Benchmarks: completion latency against the SQL floor, /complete end to end, sweep growth, delivery
throughput, memory, and PostgreSQL under several processes. Run ``python -m bench [--quick]``."""
