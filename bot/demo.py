"""The offline demo (being written): the whole story on a simulated Discord server."""

from __future__ import annotations


async def run_demo(*, fast: bool = False) -> None:
    raise SystemExit("the demo is not written yet")
