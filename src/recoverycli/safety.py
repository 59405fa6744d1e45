"""One rule for every string that reaches the terminal from data: no control characters, no live markup;
and one rule for every cell that reaches a spreadsheet: nothing it would run as a formula.

Names, staff, case ids, playbook titles and answers come from people, files and a shared store another
desk writes; an escape sequence among them could retitle the window, clear the screen or draw a link,
and rich markup in a case id would be rendered as markup. Everything printed from data passes `safe_text`.
"""

from __future__ import annotations

import re
from typing import Any

# A spreadsheet runs a text cell that starts with one of these as a formula (or as the start of one).
RISKY = ("=", "+", "-", "@", "\t", "\r")
# ...except a plain negative number, which it reads as the number it is: "-5", "-5.2". store/sqlite.py writes the
# same rule in SQL (`formula_guard`); tests/test_caselog.py checks that every export path agrees on a table of cells.
NEGATIVE_NUMBER = re.compile(r"-[0-9]+(\.[0-9]+)?")


def runs_as_formula(text: str) -> bool:
    """A spreadsheet would run this text cell as a formula."""
    return text.startswith(RISKY) and NEGATIVE_NUMBER.fullmatch(text) is None


def neutralise(value: Any) -> Any:
    """A CSV cell made safe for a spreadsheet: risky text gets a leading quote; numbers and None pass as they are."""
    return "'" + value if isinstance(value, str) and runs_as_formula(value) else value


# C0 controls (tab and newline are decided below), DEL and the C1 controls (U+0080–U+009F, incl. CSI U+009B)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(raw: str, multiline: bool) -> str:
    """Text people typed, as stored: control characters stripped (newlines kept in multi-line answers), other
    Unicode untouched."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split("\n"))
    text = CONTROL.sub("", text.replace("\t", " "))
    return text.strip()


# bidirectional embeddings, overrides and isolates: on a terminal they reorder what follows them, so a line can be
# made to read differently from what it holds ("Trojan Source"); kept in the data, never printed
BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def safe_text(value: Any, markup: bool = True, multiline: bool = True) -> str:
    """`value` as text safe to print: control characters and bidirectional overrides removed (tabs become spaces),
    rich markup escaped.

    markup=False for text printed without rich (typer.echo); multiline=False keeps it to one line.
    """
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\t", " ")
    if not multiline:
        text = " ".join(text.replace("\r", "\n").split("\n"))
    text = BIDI_CONTROL.sub("", CONTROL.sub("", text))
    if markup:
        from rich.markup import escape

        text = escape(text)
    return text


_JSON_RAW = re.compile(
    r"[\x7f-\x9f\u2028\u2029]"
)  # what json.dumps(ensure_ascii=False) leaves raw but a terminal may act on


def json_dumps(data: Any, **kwargs: Any) -> str:
    """JSON as json.dumps writes it, readable UTF-8, but DEL and C1 controls as \\u escapes: the same data, inert."""
    import json

    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(data, ensure_ascii=False, **kwargs))
