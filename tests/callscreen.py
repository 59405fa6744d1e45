"""Driving the call screen in-process with Textual's Pilot, and reading what is on it as text."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from datetime import UTC, date
from pathlib import Path
from typing import Any

from rich.console import Console
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot

from recoverycli.call.live import live
from recoverycli.call.wizard import Call, call_from_case
from recoverycli.playbooks.library import Library, bundled_dir
from recoverycli.ui.screen import CallScreen

CTRL_D = "\x04"
KEYS = {"\r": "enter", "\x04": "ctrl+d", "\x03": "ctrl+c"}


def screen_text(app: CallScreen) -> str:
    """Every row of the screen as plain text (what export_screenshot draws, without the SVG)."""
    console = Console(
        width=app.size.width,
        height=app.size.height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=None,
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


def rows(app: CallScreen) -> list[str]:
    return screen_text(app).rstrip("\n").split("\n")


async def until(pilot: Pilot, needle: str | Callable[[str], bool], timeout: float = 10) -> str:
    """Wait until `needle` is on screen (or the test says so); the screen as text."""
    test = needle if callable(needle) else (lambda text: needle in text)
    waited = 0.0
    while True:
        text = screen_text(pilot.app)
        if test(text):
            await pilot.pause()  # let the rest of the frame settle, then read it whole
            text = screen_text(pilot.app)
            if test(text):
                return text
        if waited > timeout or pilot.app.finished:
            raise AssertionError(f"{needle!r} never appeared; the screen shows:\n{text}")
        await pilot.pause(0.02)
        waited += 0.02


def key_events(keys: str | list[str]) -> list[events.Key]:
    """Text ('\\r' is Enter, '\\x04' Ctrl+D, '\\x03' Ctrl+C) or a list of key names, as the terminal driver sends
    them."""
    out = []
    for c in keys:
        if len(c) > 1:  # a key name: enter, down, ctrl+u…
            out.append(events.Key(c, "\r" if c == "enter" else None))
        elif c in KEYS:
            out.append(events.Key(KEYS[c], "\r" if c == "\r" else None))
        else:
            out.append(events.Key(c if c.isalnum() else _character_to_key(c), c))
    return out


def typed_ahead(app: CallScreen, keys: str | list[str]) -> None:
    """Keys that all arrive at once, as from a fast typist, stamped with the moment they arrived."""
    for event in key_events(keys):
        app.post_message(event)


async def type_keys(pilot: Pilot, keys: str | list[str]) -> None:
    """Type into the question on screen, then let the screen catch up."""
    typed_ahead(pilot.app, keys)
    await pilot.pause()


async def answer(pilot: Pilot, question: str, keys: str | list[str]) -> str:
    """Wait for `question`, type `keys`; the screen as it was when the question showed."""
    shown = await until(pilot, question)
    await type_keys(pilot, keys)
    return shown


def run_screen_test(conduct: Callable[[Any], Any]) -> CallScreen:
    return CallScreen(conduct)


WORDS = (
    "The power went off at seven forty while I was drying my hair for the meeting downstairs, and nobody "
    "answered at reception for twenty minutes, which is simply not acceptable for a hotel of this standard. "
    "Now I am going to be late for the most important presentation of the quarter, and I am not amused at all"
)
assert len(WORDS) >= 300

# (question, keys, the step marked as current while it is asked)
ROOM_FAILURE = [
    ("Customer's name?", "Mrs. Amara Obi\r", "Customer"),
    ("Phone, email or booking reference?", "+1 555 0100\r", "Customer"),
    ("Who is the customer?", ["down", "enter"], "Customer"),
    ("When did it happen?", "20 min ago\r", "Apologise"),
    ("Did the customer have to chase us", "n\r", "Apologise"),
    ("What did you say to apologise?", "I'm so sorry, Mrs Obi. I'll fix this now.\r", "Apologise"),
    ("What happened, in the customer's own words?", WORDS + CTRL_D, "Listen and review"),
    ("What do they need, and by when?", "Power back before 8:30\r", "Listen and review"),
    ("Room number?", "412\r", "Listen and review"),
    ("What failed?", ["enter"], "Listen and review"),
    ("What will be done, by whom, by when?", "Sam resets the breaker by 8:15; I call at 8:20\r", "Fix and follow up"),
    ("Did you call maintenance to check where they really are?", "y\r", "Fix and follow up"),
    ("What extra will you offer?", ["enter"], "Fix and follow up"),
    ("When will you follow up with the customer?", "tomorrow\r", "Fix and follow up"),
    ("Was a room move offered?", "\r", "Fix and follow up"),
    ("What caused it, as far as you know?", "Breaker overloaded\r", "Document"),
]


def screen_for(store, playbook: str = "room-failure", draft=None) -> CallScreen:
    pb = Library([bundled_dir()]).get(playbook)

    def conduct(clerk: Any):
        if draft is not None:
            call = call_from_case(draft, pb, date.today())
            clerk.resumed(draft, call)
        else:
            call = Call(playbook=pb, staff="Dana Reyes", today=date.today())
        return live(clerk, store, call, draft=draft, warn=clerk.warn)

    return CallScreen(conduct)


def run(coro) -> Any:
    return asyncio.run(coro)


def listed_customers(store, tmp_path: Path, supplier_word: bool = True) -> str:
    """A crisis on the store with Hannah Ruiz on its list (and the supplier's latest word); its id."""
    from datetime import datetime

    from recoverycli.caselog import crisis
    from recoverycli.caselog.crisis_import import read_customers

    path = tmp_path / "list.csv"
    path.write_text("name,phone,booking,segment\nHannah Ruiz,+1 415 555 0199,BK-20931,couple\n")
    now = datetime.now(UTC)
    crisis_id = crisis.open_crisis(
        store,
        "Aurora lost power at sea",
        "Blue Line Cruises",
        "crisis-outreach",
        read_customers(path),
        "Lena Duty",
        now,
        crisis.RETRY,
        crisis.LEASE,
    )
    if supplier_word:
        crisis.log_supplier(
            store,
            crisis.resolve(store, crisis_id),
            "Lena Duty",
            "Maria, guest relations",
            "Refund two nights",
            "2026-12-05",
            None,
            now,
        )
    return crisis_id
