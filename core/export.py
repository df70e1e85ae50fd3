"""Re-exports for bot/ until it imports the new paths; removed at merge."""

from core.insight.export import (
    FORMULA_STARTS,
    HISTORY_COLUMNS,
    PACK_COLUMNS,
    SESSION_COLUMNS,
    cell,
    export_files,
    to_csv,
)

__all__ = [
    "FORMULA_STARTS",
    "HISTORY_COLUMNS",
    "PACK_COLUMNS",
    "SESSION_COLUMNS",
    "cell",
    "export_files",
    "to_csv",
]
