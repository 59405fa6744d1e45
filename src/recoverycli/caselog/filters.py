"""Which cases a list, an export or the follow-up list means; each store turns a filter into its own SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from recoverycli.dates import parse_date
from recoverycli.errors import UsageError


def day_start_utc(d: date) -> str:
    """Local midnight of `d`, as the UTC text the store compares against (the calendar's ends included)."""
    try:
        return datetime.combine(d, time.min).astimezone().astimezone(UTC).isoformat(timespec="microseconds")
    except (OverflowError, ValueError):  # 0001-01-01 east of Greenwich is still year 0 in UTC
        return BEFORE_ALL if d.year == date.min.year else AFTER_ALL


BEFORE_ALL, AFTER_ALL = "0000", "9999-12-31T99"  # UTC texts before, and after, every timestamp the store holds


def day_end_utc(d: date) -> str:
    """The end of `d` (the next local midnight) as UTC text; after every timestamp for the calendar's last day."""
    after = day_after(d)
    return day_start_utc(after) if after is not None else AFTER_ALL


def day_after(d: date) -> date | None:
    """The next day, or None after the last day the calendar has (9999-12-31)."""
    return None if d == date.max else d + timedelta(days=1)


def as_date(text: str | None, today: date, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return parse_date(text, today)
    except ValueError as e:
        raise UsageError(f"{flag}: {e}") from None


@dataclass
class CaseFilter:
    status: str | None = None
    playbook: str | None = None
    customer: str | None = None
    staff: str | None = None
    since: date | None = None
    until: date | None = None
    overdue: bool = False
    system_fix_open: bool = False
    live_only: bool = False  # leave drafts (calls still in progress) out
    due_by: date | None = None  # open follow-ups due on or before this day
    severity: str | None = None  # "emergency": repeat complaints only
    today: date | None = None


def due_filter(today: date, upcoming: int = 0) -> CaseFilter:
    """Open promises due by today (+ upcoming days); the store lists them most overdue first (order 'follow_up')."""
    return CaseFilter(due_by=today + timedelta(days=upcoming))
