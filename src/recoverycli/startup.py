"""Garbage collection while a command starts.

Loading typer, pydantic, Textual and our models makes hundreds of thousands of objects that live as long as the
process, and Python's collector keeps walking them: about 360 collections and 100 ms before the first question of
`recover start --answers`, two of them full ones of ~40 ms (`python bench/startup_gc.py`). While the modules load,
`loading` lets the young generation grow large enough that start-up makes no collection at all (a young generation
of 50,000 still made one to five, 10–35 ms, in the call and in `report`); once the first question is on the screen,
`settled` moves everything made so far out of the collector's sight (`gc.freeze`) and restores the usual thresholds,
so a long call or `watch` collects as any program does. Short commands (report, export) end without `settled`: their
rows are freed as they are read, which lowers the young count again, so a large threshold costs them no memory
(1.4 MB more at the call's start, the same for an export of 100,000 cases).
"""

from __future__ import annotations

import gc

USUAL = gc.get_threshold()
WHILE_LOADING = (500_000, 10, 10)
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
