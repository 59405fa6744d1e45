"""Follow-up dates the way people say them on the phone: 'tomorrow', 'fri', '+3d', '2026-12-01'."""

from __future__ import annotations

import re
from datetime import date, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
UNITS = {"d": 1, "day": 1, "days": 1, "w": 7, "wk": 7, "week": 7, "weeks": 7}

_RELATIVE = re.compile(r"^(?:\+|in\s+)(\d{1,4})\s*([a-z]+)$")
_AGO = re.compile(r"^(?:-(\d{1,4})\s*([a-z]+)|(\d{1,4})\s*([a-z]+)\s+ago)$")
HOW = "try today, tomorrow, fri, next monday, +3d, in 2 weeks or 2026-12-01"


def _weekday(word: str) -> int | None:
    if len(word) < 3:
        return None
    for i, name in enumerate(WEEKDAYS):
        if name.startswith(word) or (word.endswith("s") and name.startswith(word[:-1])):
            return i
    return None


def parse_date(text: str, today: date) -> date:
    """Resolve a spoken date against `today`; ValueError says what to type instead."""
    s = " ".join(text.strip().lower().split())
    if not s:
        raise ValueError(f"no date given — {HOW}")
    if s in ("today", "now", "tonight"):
        return today
    if s in ("tomorrow", "tmr", "tmrw"):
        return today + timedelta(days=1)
    if m := _RELATIVE.match(s):
        n, unit = int(m.group(1)), m.group(2)
        if unit not in UNITS:
            raise ValueError(f"unknown unit '{unit}' in '{text.strip()}' — use days or weeks: {HOW}")
        return today + timedelta(days=n * UNITS[unit])
    if s == "yesterday":
        return today - timedelta(days=1)
    if m := _AGO.match(s):
        n, unit = int(m.group(1) or m.group(3)), m.group(2) or m.group(4)
        if unit not in UNITS:
            raise ValueError(f"unknown unit '{unit}' in '{text.strip()}' — use days or weeks: {HOW}")
        return today - timedelta(days=n * UNITS[unit])
    word = s.removeprefix("next ").removeprefix("this ")
    if (wd := _weekday(word)) is not None:
        ahead = (wd - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    try:
        return date.fromisoformat(s)
    except ValueError:
        pass
    raise ValueError(f"'{text.strip()}' is not a date I know — {HOW}")


def parse_future_date(text: str, today: date) -> date:
    """A follow-up cannot be promised for yesterday."""
    d = parse_date(text, today)
    if d < today:
        raise ValueError(f"{d.isoformat()} is in the past — give today or a later date")
    return d
