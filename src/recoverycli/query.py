"""Which cases a list, an export or the follow-up list means; each store turns a filter into its own SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from recoverycli.dates import parse_date
from recoverycli.errors import RecoverError


def day_start_utc(d: date) -> str:
    """Local midnight of `d`, as the UTC text the store compares against."""
    return datetime.combine(d, time.min).astimezone().astimezone(timezone.utc).isoformat(timespec="microseconds")


def as_date(text: str | None, today: date, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return parse_date(text, today)
    except ValueError as e:
        raise RecoverError(f"{flag}: {e}", exit_code=2) from None


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
