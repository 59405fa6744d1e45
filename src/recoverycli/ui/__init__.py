"""The clerk's side of a live call: the full-screen call screen, or plain questions line by line.

Both are Askers over the same `run_call`; this module only decides which one a terminal gets, and
imports neither Textual nor questionary until a call starts.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

T = TypeVar("T")

# Below this the screen cannot show the steps, the customer, the emergency and an answer box at once.
MIN_COLUMNS, MIN_ROWS = 60, 18

if TYPE_CHECKING:  # typing only: the screen draws before pydantic and the playbooks load
    from recoverycli.call.wizard import Asker

    class Clerk(Asker, Protocol):
        """An Asker that can also pick what the call is about and say things between questions."""

        def choose_playbook(self, books: list[Any]) -> str: ...

        def ask_staff(self) -> str: ...

        def choose_draft(self, drafts: list[Any]) -> str: ...

        def warn(self, message: str) -> None: ...

        def resumed(self, case: Any, call: Any) -> None: ...


def plain_reason(env: Mapping[str, str] | None = None, size: tuple[int, int] | None = None) -> str | None:
    """Why this terminal gets the line-by-line questions instead of the full screen, or None."""
    env = os.environ if env is None else env
    term = env.get("TERM", "")
    if term in ("", "dumb", "unknown"):
        return f"TERM={term or '(unset)'} cannot draw a full screen"
    if size is None and not (sys.__stderr__ and sys.__stderr__.isatty()):
        return "standard error is not a terminal (the call screen draws there)"
    cols, rows = size or shutil.get_terminal_size((0, 0))
    if cols < MIN_COLUMNS or rows < MIN_ROWS:
        return f"the terminal is {cols}×{rows}; the call screen needs at least {MIN_COLUMNS}×{MIN_ROWS}"
    return None


def run_with_clerk(conduct: Callable[[Clerk], T], plain: bool, console: Any) -> T:
    """Run `conduct` against the full screen where the terminal can draw it, else line by line."""
    reason = None if plain else plain_reason()
    if plain or reason:
        from recoverycli.ui.prompts import TerminalAsker

        if reason:
            console.print(f"[dim]Questions line by line: {reason}.[/dim]")
        return conduct(TerminalAsker(console))
    from recoverycli.ui.screen import run_screen

    return run_screen(conduct)
