"""``python -m bench [--quick]``: seed, measure every figure, print the table, write the results.

See bench/README.md for how each figure is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import book, command, complete, delivery, feed, pg, rss, seed, slots, sweep, webhook
from bench.common import BENCH_DIR, DEFAULT_DATA_DIR, FULL, QUICK, Sizes, fsync_latency, load_average, say

FIGURES = ("complete", "command", "sweep", "delivery", "rss", "pg", "slots", "feed", "book", "webhook")
KEYS = (
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
)


@dataclass(frozen=True)
class Target:
    text: str
    met: Callable[[float], bool]


TARGETS = {
    "complete_statements": Target("≤ 6", lambda value: value <= 6),
    "complete_driver_ratio": Target("≤ 1.3", lambda value: value <= 1.3),
    "command_complete_p99_ms": Target("≤ 25", lambda value: value <= 25),
    "sweep_due_1000_ms": Target("≤ 250", lambda value: value <= 250),
    "sweep_growth_ratio": Target("≤ 1.5", lambda value: value <= 1.5),
    "delivery_per_s": Target("≥ 2,000", lambda value: value >= 2000),
    "rss_mb_100k": Target("≤ 150", lambda value: value <= 150),
    "pg_lost_updates": Target("= 0", lambda value: value == 0),
    "slots_p99_ms": Target("≤ 15", lambda value: value <= 15),
    "feed_ms": Target("≤ 50", lambda value: value <= 50),
    "command_book_p99_ms": Target("≤ 25", lambda value: value <= 25),
    "book_race_lost": Target("= 0", lambda value: value == 0),
}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small data: a smoke test, seconds not minutes")
    parser.add_argument("--data-dir", type=Path, help=f"where seeds are cached (default {DEFAULT_DATA_DIR})")
    parser.add_argument(
        "--out", type=Path, help="results file (default bench/results.json; --quick: in the data dir)"
    )
    parser.add_argument(
        "--only", help=f"comma-separated figures to run, of {', '.join(FIGURES)} (others keep old values)"
    )
    return parser.parse_args(argv)


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key in ("pg_lost_updates", "complete_statements", "book_race_lost", "webhook_duplicates"):
        return f"{int(value)}"
    if key.endswith("_per_s"):
        return f"{value:,.0f}"
    if key.endswith("ratio"):
        return f"{value:.2f}"
    return f"{value:.2f}"


def table(results: dict[str, Any]) -> str:
    rows = [("figure", "value", "target", "")]
    for key in KEYS:
        value = results.get(key)
        target = TARGETS.get(key)
        if target is None:
            verdict = ""
        elif value is None or (isinstance(value, float) and math.isnan(value)):
            verdict = "FAIL (not measured)"
        else:
            verdict = "pass" if target.met(value) else "FAIL"
        rows.append((key, _fmt(key, value), target.text if target else "", verdict))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = []
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(
                cell.rjust(widths[c]) if c == 1 else cell.ljust(widths[c]) for c, cell in enumerate(row)
            ).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def run(sizes: Sizes, data_dir: Path, only: set[str], results: dict[str, Any]) -> list[str]:
    """Measure the figures in ``only`` into ``results``; returns notes for the report."""
    notes: list[str] = []
    work_dir = data_dir / "work"
    work_dir.mkdir(parents=True, exist_ok=True)
    main_seed = (
        seed.main_database(data_dir, sizes.main_seats)
        if only & {"complete", "command", "delivery", "rss", "slots", "feed", "book", "webhook"}
        else None
    )

    if "complete" in only:
        assert main_seed is not None
        say(f"\n== completion: {sizes.completions:,} completions on {sizes.main_seats:,} packs")
        order = complete.pick_seats(sizes.main_seats, sizes.warmup + sizes.completions)
        measured = complete.measure(main_seed, work_dir, order, sizes.warmup)
        results["complete_p50_ms"] = measured.ours.p50_ms
        results["complete_p99_ms"] = measured.ours.p99_ms
        results["complete_floor_p50_ms"] = measured.floor.p50_ms
        results["complete_floor_ratio"] = measured.ours.p50_ms / measured.floor.p50_ms
        results["complete_statements"] = measured.statements_without_dm
        results["complete_driver_p50_ms"] = measured.driver.p50_ms
        results["complete_driver_ratio"] = measured.ours.p50_ms / measured.driver.p50_ms
        notes.append(f"completion, ours: {measured.ours}")
        notes.append(f"completion, driver (our statements through SQLAlchemy Core): {measured.driver}")
        notes.append(f"completion, floor (raw sqlite3): {measured.floor}")
        notes.append(f"completion: {measured.statements()}")

    if "command" in only:
        assert main_seed is not None
        say(f"\n== /complete through SimCord: {sizes.commands:,} runs on {sizes.main_seats:,} packs")
        p99, spread = command.measure(main_seed, work_dir, sizes.commands, max(5, sizes.commands // 20))
        results["command_complete_p99_ms"] = p99
        notes.append(f"/complete through SimCord: {spread}")

    if "sweep" in only:
        say(f"\n== sweep: {sizes.sweep_due:,} due among {sizes.sweep_big:,} and {sizes.sweep_small:,} packs")
        big = seed.sweep_database(data_dir, sizes.sweep_big, sizes.sweep_due)
        small = seed.sweep_database(data_dir, sizes.sweep_small, sizes.sweep_due)
        big_ms, small_ms = sweep.measure(
            (big, sizes.sweep_big), (small, sizes.sweep_small), work_dir, sizes.sweep_due, sizes.sweep_runs
        )
        results["sweep_due_1000_ms"] = big_ms
        results["sweep_growth_ratio"] = big_ms / small_ms
        notes.append(f"sweep among {sizes.sweep_small:,} packs: {small_ms:.1f} ms")

    if "delivery" in only:
        assert main_seed is not None
        say(f"\n== delivery: {sizes.notifications:,} due notifications")
        results["delivery_per_s"] = delivery.measure(main_seed, work_dir, sizes.notifications)

    if "rss" in only:
        assert main_seed is not None
        say(f"\n== memory: a bot process on {sizes.main_seats:,} packs, one /mysessions")
        peak, hwm = rss.measure(main_seed, work_dir)
        results["rss_mb_100k"] = peak
        notes.append(
            f"bot process peak RSS: getrusage {peak:.1f} MB, /proc VmHWM {hwm or float('nan'):.1f} MB"
        )

    if "slots" in only:
        assert main_seed is not None
        say(f"\n== open slots: {sizes.slot_reads:,} reads, 14 weekly windows, 150 sessions among 60 students")
        measured = slots.measure(main_seed, work_dir, sizes.slot_reads, sizes.slot_warmup)
        results["slots_p99_ms"] = measured.p99_ms
        notes.append(f"open slots (open_slots_for through Service): {measured}")

    if "pg" in only:
        url = pg.database_url()
        say(f"\n== PostgreSQL: {url.split('@')[-1]}")
        problem = asyncio.run(pg.reachable(url))
        if problem is not None:
            notes.append(f"PostgreSQL not measured: {problem}")
            results["pg_complete_per_s"] = None
            results["pg_lost_updates"] = None
        else:
            outcome = pg.measure(url, sizes.pg_processes, sizes.pg_tasks, sizes.pg_packs, sizes.pg_seconds)
            results["pg_complete_per_s"] = outcome.per_s
            results["pg_lost_updates"] = outcome.lost_updates
            notes.append(f"PostgreSQL: {outcome.detail}")

    if "feed" in only:
        assert main_seed is not None
        say(f"\n== calendar feed: a mentor's 1,000 sessions over HTTP, {sizes.feed_requests:,} requests")
        polled = feed.measure(main_seed, work_dir, sizes.feed_requests, sizes.feed_warmup, sizes.feed_cold)
        results["feed_ms"] = polled.p50_ms
        notes.append(f"calendar feed: {polled.note()}")

    if "book" in only:
        assert main_seed is not None
        say(
            f"\n== /book through SimCord: {sizes.commands:,} runs; {sizes.race_rounds} races of 20 students on 5 slots"
        )
        p99, spread = book.measure_command(main_seed, work_dir, sizes.commands, max(5, sizes.commands // 20))
        results["command_book_p99_ms"] = p99
        notes.append(f"/book through SimCord: {spread}")
        lost, detail = book.measure_race(work_dir, sizes.race_rounds)
        results["book_race_lost"] = lost
        notes.append(f"/book races: {detail}")

    if "webhook" in only:
        assert main_seed is not None
        say(
            f"\n== Stripe webhook: {sizes.webhook_events:,} signed checkouts over HTTP, one in ten sent twice"
        )
        posted = webhook.measure(main_seed, work_dir, sizes.webhook_events)
        results["webhook_per_s"] = posted.per_s
        results["webhook_duplicates"] = posted.duplicates
        results["webhook_p99_ms"] = posted.p99_ms
        notes.append(f"Stripe webhook: {posted.note()}")
    return notes


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    sizes = QUICK if args.quick else FULL
    data_dir = (args.data_dir or DEFAULT_DATA_DIR / ("quick" if args.quick else "")).resolve()
    out = args.out or (data_dir / "results.json" if args.quick else BENCH_DIR / "results.json")
    only = set(FIGURES) if not args.only else {name.strip() for name in args.only.split(",")}
    unknown = only - set(FIGURES)
    if unknown:
        say(f"unknown figures: {', '.join(sorted(unknown))}; choose from {', '.join(FIGURES)}")
        return 2
    results: dict[str, Any] = dict.fromkeys(KEYS)
    if args.only and out.exists():
        results.update({key: value for key, value in json.loads(out.read_text()).items() if key in KEYS})
    started = time.perf_counter()
    load_before = load_average()
    (data_dir / "work").mkdir(parents=True, exist_ok=True)
    disk_before = fsync_latency(data_dir / "work")
    notes = run(sizes, data_dir, only, results)
    load_after = load_average()
    disk_after = fsync_latency(data_dir / "work")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({key: results[key] for key in KEYS}, indent=2) + "\n")
    print()
    print(table(results))
    print()
    print(
        f"sizes: {sizes.name}; took {time.perf_counter() - started:.0f} s; python {platform.python_version()}"
    )
    print(f"load average before: {load_before}; after: {load_after}")
    print(f"disk before: {disk_before}; after: {disk_after}")
    for note in notes:
        print(f"note: {note}")
    print(f"results written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
