"""Garbage collection while a command starts.

Loading typer, pydantic, Textual and our models makes hundreds of thousands of objects that live as long as the
process, and Python's collector keeps walking them: about 360 collections and 100 ms before the first question of
`recover start --answers`, two of them full ones of ~40 ms (`python bench/startup_gc.py`). While the modules load,
`loading` lets the young generation grow larger before it is collected; once the first question is on the screen,
`settled` moves everything made so far out of the collector's sight (`gc.freeze`) and restores the usual thresholds,
so a long call or `watch` collects as any program does. Short commands (report, export) end before `settled`
matters: for them the larger threshold measured the same (their collections are young and cheap).
"""

from __future__ import annotations

import gc

USUAL = gc.get_threshold()
WHILE_LOADING = (50_000, 10, 10)
_settled = False


def loading() -> None:
    """Collect less often while modules load (called first thing by the command line)."""
    if not _settled:
        gc.set_threshold(*WHILE_LOADING)


def settled() -> None:
    """The first question is up: freeze what start-up made and collect as usual from here on. Idempotent."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.freeze()
    gc.set_threshold(*USUAL)
