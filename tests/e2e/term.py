"""The installed `recover` in a real pty, read through a terminal emulator (pyte) as a person sees the screen."""

from __future__ import annotations

import copy
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pexpect
import pyte

RECOVER = Path(sys.executable).with_name("recover")
ENTER, DOWN, UP, CTRL_C, CTRL_D, F1 = "\r", "\x1b[B", "\x1b[A", "\x03", "\x04", "\x1bOP"


class Screen(pyte.Screen):
    """pyte with the alternate screen a full-screen program draws on, so what is printed after it closes
    lands on the ordinary screen as in a real terminal."""

    saved: tuple | None = None

    def set_mode(self, *modes: int, **kwargs: object) -> None:
        if kwargs.get("private") and 1049 in modes:
            self.saved = (copy.deepcopy(self.buffer), copy.copy(self.cursor))
            self.erase_in_display(2)
        super().set_mode(*modes, **kwargs)

    def reset_mode(self, *modes: int, **kwargs: object) -> None:
        if kwargs.get("private") and 1049 in modes and self.saved is not None:
            self.buffer, self.cursor = self.saved
            self.saved = None
            self.dirty.update(range(self.lines))
        super().reset_mode(*modes, **kwargs)


class Term:
    """`recover ARGS` in a pty of `size` (columns, rows); wait for text on its screen, type, read the screen."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, size: tuple[int, int] = (80, 24)) -> None:
        cols, rows = size
        self.screen = Screen(cols, rows)
        self.stream = pyte.Stream(self.screen)
        self.transcript: list[str] = []
        self.eof = False
        self.child = pexpect.spawn(
            str(RECOVER),
            list(args),
            encoding="utf-8",
            timeout=20,
            dimensions=(rows, cols),
            env={**os.environ, "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1", **(env or {})},
        )

    def pump(self, wait: float = 0.05) -> None:
        try:
            data = self.child.read_nonblocking(1 << 16, timeout=wait)
        except pexpect.TIMEOUT:
            return
        except pexpect.EOF:
            self.eof = True
            return
        self.transcript.append(data)
        self.stream.feed(data)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def flat(self) -> str:
        """The screen with each row's edge joined to the next, to find text the screen wrapped."""
        return " ".join(" ".join(line.split()) for line in self.screen.display)

    def wait_for(self, needle: str, timeout: float = 20) -> str:
        """Wait until `needle` is on screen; the screen as text."""
        deadline = time.monotonic() + timeout
        while True:
            self.pump()
            if needle in self.text() or " ".join(needle.split()) in self.flat():
                return self.text()
            if self.eof or time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} never appeared on screen; it shows:\n{self.text()}")

    def settle(self, quiet: float = 0.15, timeout: float = 5) -> str:
        """Read until the program has drawn nothing for `quiet` seconds: the whole frame, not half of it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.eof:
            before = len(self.transcript)
            self.pump(quiet)
            if len(self.transcript) == before:
                break
        return self.text()

    def settle_until(self, ready: Callable[[list[str]], bool], timeout: float = 20) -> list[str]:
        """Settle until `ready(lines)` holds: on a loaded machine a prompt can draw after a quiet pause."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.settle().split("\n")
            if ready(lines) or self.eof or time.monotonic() > deadline:
                return lines

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def answer(self, question: str, keys: str) -> str:
        """Wait for `question` on screen, then type `keys`; the whole screen as it was when the question showed."""
        self.wait_for(question)
        shown = self.settle()
        self.send(keys)
        return shown

    def exit_status(self, timeout: float = 20) -> int | None:
        """Wait for the program to end, reading its last screen; its exit code."""
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            self.pump(0.1)
        self.child.close()
        return self.child.exitstatus

    def everything(self) -> str:
        """All it wrote, escape codes included (for text that may be drawn and redrawn in between)."""
        return "".join(self.transcript)


def answer_steps(
    term: Term,
    words: str,
    outcome: str,
    apology: str,
    commitment: str,
    chased: str = "n",
    follow_up: str = "tomorrow",
    after_outcome: tuple[tuple[str, str], ...] = (),
) -> list[str]:
    """The four steps of the bundled 'other' playbook on the call screen, answered up to its summary; each screen."""
    screens = [
        term.answer("When did it happen?", ENTER),
        term.answer("Did the customer have to chase us", chased + ENTER),
    ]
    if chased == "y":
        term.wait_for("They had to chase us")
    screens.append(term.answer("What did you say to apologise?", apology + ENTER))
    screens.append(term.answer("customer's own words?", words + CTRL_D))
    screens.append(term.answer("What outcome would they like?", outcome + ENTER))
    screens += [term.answer(question, keys) for question, keys in after_outcome]
    screens.append(term.answer("What will be done, by whom, by when?", commitment + ENTER))
    screens.append(term.answer("What extra will you offer?", ENTER))
    screens.append(term.answer("When will you follow up", follow_up + ENTER))
    screens.append(term.answer("What caused it", ENTER))
    term.wait_for("Check the case with the customer")
    screens.append(term.settle())
    return screens


def exit_status(child: pexpect.spawn) -> int | None:
    """Wait for the program to end; its exit code."""
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def recover_json(*args: str) -> object:
    """`recover ARGS --format json`, parsed."""
    import json
    import subprocess

    out = subprocess.run([str(RECOVER), *args, "--format", "json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)
