"""The benchmarks run end to end on small data (``python -m bench --quick``) and report every figure.

A smoke test: the figures themselves are not asserted (they depend on the machine), only that every
benchmark ran through and the results file carries every key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KEYS = {
    "complete_p50_ms",
    "complete_p99_ms",
    "complete_floor_p50_ms",
    "complete_floor_ratio",
    "complete_statements",
    "complete_driver_p50_ms",
    "complete_driver_ratio",
    "command_complete_p99_ms",
    "sweep_due_1000_ms",
    "sweep_growth_ratio",
    "delivery_per_s",
    "rss_mb_100k",
    "pg_complete_per_s",
    "pg_lost_updates",
    "slots_p99_ms",
    "feed_ms",
    "command_book_p99_ms",
    "book_race_lost",
    "webhook_per_s",
    "webhook_duplicates",
    "webhook_p99_ms",
}
# PostgreSQL figures are left empty when no PostgreSQL answers; every other one must be measured.
OPTIONAL = {"pg_complete_per_s", "pg_lost_updates"}


@pytest.mark.slow
def test_bench_quick_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--data-dir", str(tmp_path / "data"), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    results = json.loads(out.read_text())
    assert set(results) == KEYS
    missing = [key for key in KEYS - OPTIONAL if not isinstance(results[key], int | float)]
    assert not missing, (missing, done.stdout[-2000:])
    assert "figure" in done.stdout  # the table was printed
