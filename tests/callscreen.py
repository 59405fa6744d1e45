"""Driving the call screen in-process with Textual's Pilot, and reading what is on it as text."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from rich.console import Console
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot

from recoverycli.ui.screen import CallScreen

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
