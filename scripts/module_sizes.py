"""Fail when a Python module under the given directories is longer than the limit (400 lines).

    python scripts/module_sizes.py bot [core ...] [--limit 400]

A module that long does too many things to be read in one sitting: split it by what it owns.
Migrations are left out (a ``migrations`` directory anywhere in the path): they are written once and
never read as code. `make lint` runs this.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

LIMIT = 400
LEFT_OUT = "migrations"


def modules(directories: list[Path]) -> list[Path]:
    """Every ``.py`` file under ``directories``, migrations aside, in path order."""
    found: set[Path] = set()
    for directory in directories:
        if not directory.is_dir():
            raise SystemExit(f"module_sizes: {directory} is not a directory")
        found.update(path for path in directory.rglob("*.py") if LEFT_OUT not in path.parts)
    return sorted(found)


def too_long(paths: list[Path], limit: int) -> list[tuple[Path, int]]:
    """The modules over ``limit`` lines, with their length."""
    lengths = ((path, len(path.read_text(encoding="utf-8").splitlines())) for path in paths)
    return [(path, length) for path, length in lengths if length > limit]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directories", nargs="+", type=Path, help="where to look, e.g. bot core")
    parser.add_argument("--limit", type=int, default=LIMIT, help=f"most lines a module may have ({LIMIT})")
    options = parser.parse_args(argv)
    paths = modules(options.directories)
    over = too_long(paths, options.limit)
    for path, length in over:
        print(f"{path}: {length} lines, over {options.limit}; split it by what it owns", file=sys.stderr)
    if not over:
        print(f"module sizes: {len(paths)} modules, none over {options.limit} lines")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
