"""Follow-up dates the way people say them on the phone: 'tomorrow', 'fri', '+3d', '2026-12-01'."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

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


def say_date(d: date, today: date) -> str:
    """A date as a clerk reads it out: 'tomorrow, Thursday 26 November' (the year only when it is not this one)."""
    text = f"{d:%A} {d.day} {d:%B}" + (f" {d.year}" if d.year != today.year else "")
    near = {0: "today", 1: "tomorrow", -1: "yesterday"}.get((d - today).days)
    return f"{near}, {text}" if near else text


def local(dt: datetime) -> str:
    """A timestamp as the local date and time people read in a table: 2026-11-26 09:30."""
    return dt.astimezone().strftime("%Y-%m-%d %H:%M")


def say_time(at: datetime, now: datetime) -> str:
    """A moment in local time as people say it: 'today 07:40', 'yesterday 18:00', 'Tue 24 Nov 18:00'."""
    local, here = at.astimezone(), now.astimezone()
    near = {0: "today", 1: "yesterday", -1: "tomorrow"}.get((here.date() - local.date()).days)
    day = near or f"{local:%a} {local.day} {local:%b}" + (f" {local.year}" if local.year != here.year else "")
    return f"{day} {local:%H:%M}"


_CLOCK = re.compile(r"^(?:(yesterday|today)\s+)?(?:at\s+)?(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm)?$")
_AGO_TIME = re.compile(r"^(\d{1,3})\s*(m|min|mins|minutes?|h|hrs?|hours?)\s+ago$")


def parse_when(text: str, now: datetime) -> datetime:
    """When something happened: '07:40', 'yesterday 18:00', '2 hours ago', '2026-11-24 18:00'; never in the future."""
    s = " ".join(text.strip().lower().split())
    local_now = now.astimezone()
    if s in ("now", "just now"):
        return local_now
    if m := _AGO_TIME.match(s):
        n, unit = int(m.group(1)), m.group(2)
        return local_now - (timedelta(hours=n) if unit.startswith("h") else timedelta(minutes=n))
    if (m := _CLOCK.match(s)) and (m.group(2) and (m.group(3) or m.group(4) or m.group(1))):
        hour, minute = _hour_minute(m, text, "try 07:40, yesterday 18:00 or 2 hours ago")
        at = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if m.group(1) == "yesterday" or (m.group(1) is None and at > local_now):
            at -= timedelta(days=1)  # a time later than now, without a day, was yesterday
        return at
    try:
        at = datetime.fromisoformat(s.replace(" ", "T"))
    except ValueError:
        raise ValueError(
            f"'{text.strip()}' is not a time I know — try 07:40, yesterday 18:00, 2 hours ago or 2026-11-24 18:00"
        ) from None
    at = at if at.tzinfo else at.astimezone()
    if at > local_now + timedelta(minutes=1):
        raise ValueError(f"{at:%Y-%m-%d %H:%M} is in the future — give when it happened")
    return at


def spoken_duration(minutes: float) -> str:
    """A length of time as people say it: '42 min', '3 h 20 min', '2.5 days' (never '1252 min' or '236.5 h')."""
    total = max(0, round(minutes))
    if total < 1:
        return "under a minute"
    if total < 60:
        return f"{total} min"
    if total < 48 * 60:
        h, m = divmod(total, 60)
        return f"{h} h {m} min" if m else f"{h} h"
    return spoken_days(minutes / (24 * 60))


def spoken_days(days: float) -> str:
    """'1 day', '2 days', '2.5 days': tenths of a day, no more."""
    d = round(days, 1)
    return "1 day" if d == 1 else f"{d:g} days"


def _hour_minute(m: re.Match[str], text: str, how: str) -> tuple[int, int]:
    """The 24-hour clock time of a _CLOCK match ('7:40', '3pm', '12am')."""
    hour, minute = int(m.group(2)), int(m.group(3) or 0)
    if m.group(4) == "pm" and hour < 12:
        hour += 12
    if m.group(4) == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise ValueError(f"'{text.strip()}' is not a time of day — {how}")
    return hour, minute


_IN = re.compile(r"^(?:in\s+|\+)(\d{1,5})\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?)$")
_DAY_CLOCK = re.compile(r"^(today|tomorrow|tmr|tmrw|[a-z]{3,9})\s+(?:at\s+)?(.+)$")


def parse_later(text: str, now: datetime) -> datetime:
    """When to call a customer back: '15:00', '3pm', 'tomorrow 10:00', 'fri 9:30', 'in 2 hours', '+30m'; never past."""
    s = " ".join(text.strip().lower().split())
    local_now = now.astimezone()
    how = "try 15:00, 3pm, tomorrow 10:00, fri 9:30, in 2 hours or 2026-11-26 10:00"
    if m := _IN.match(s):
        n, unit = int(m.group(1)), m.group(2)
        step = (
            timedelta(days=n)
            if unit.startswith("d")
            else timedelta(hours=n)
            if unit.startswith("h")
            else timedelta(minutes=n)
        )
        return _soon_enough(local_now + step, local_now)
    day = None
    clock = s
    if (m := _DAY_CLOCK.match(s)) and not re.match(r"^\d", s):
        word, clock = m.group(1), m.group(2)
        try:
            day = parse_date(word, local_now.date())
        except ValueError:
            raise ValueError(f"'{text.strip()}' is not a time I know — {how}") from None
    if (m := _CLOCK.match(clock)) and m.group(1) is None and (m.group(3) or m.group(4) or day is not None):
        hour, minute = _hour_minute(m, text, how)
        at = (
            datetime.combine(day or local_now.date(), datetime.min.time())
            .replace(hour=hour, minute=minute)
            .astimezone()
        )
        if day is None and at <= local_now:
            at += timedelta(days=1)  # 09:00 said in the afternoon means tomorrow morning
    else:
        try:  # upper case again for ISO's T and Z (2026-11-26T10:00Z)
            at = datetime.fromisoformat(s.replace(" ", "T").upper())
            at = at if at.tzinfo else at.astimezone()
        except (ValueError, OverflowError):  # year 0, or 9999-12-31 past the end of time in this zone
            raise ValueError(f"'{text.strip()}' is not a time I know — {how}") from None
    if at < local_now - timedelta(minutes=1):
        raise ValueError(f"{at:%Y-%m-%d %H:%M} is in the past — give a later time")
    return _soon_enough(at, local_now)


CALL_BACK_WITHIN = timedelta(days=31)


def _soon_enough(at: datetime, now: datetime) -> datetime:
    """A call-back more than a month away is a mistyped date (2062 for 2026), not a promise in a crisis."""
    if at - now > CALL_BACK_WITHIN:
        raise ValueError(f"{at:%Y-%m-%d %H:%M} is more than a month away — give a time within the next 31 days")
    return at
