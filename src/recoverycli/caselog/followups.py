"""Promises due: the follow-up list and its iCalendar file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

FIELDS = (
    "case_id",
    "follow_up_date",
    "days_overdue",
    "customer_name",
    "customer_contact",
    "promise",
    "owner",
    "playbook_id",
    "emergency",
)
RESCHEDULED = "follow_up_rescheduled"


def due(cases: Iterable[Any], today: date) -> Iterator[dict[str, Any]]:
    for c in cases:
        when_text = c.answers["follow_up_date"]
        yield {
            "case_id": c.id,
            "follow_up_date": when_text,
            "days_overdue": (today - date.fromisoformat(when_text)).days,
            "customer_name": c.customer.name,
            "customer_contact": c.customer.contact,
            "promise": c.answers.get("commitment"),
            "owner": c.staff,
            "playbook_id": c.playbook.id,
            "emergency": c.severity == "emergency",
        }


EPOCH = date(2000, 1, 1)


def sequence(case: Any) -> int:
    """RFC 5545 SEQUENCE, which must only grow: the number of moves, on top of the latest date the follow-up ever had
    (days since 2000). Events are never deleted, so neither part shrinks, and every move adds one whichever way the
    date goes. The base keeps it above what recover wrote before (days since 2000 of the due date), so a calendar that
    imported an older file still takes the new one."""
    moves = [e for e in case.events if e.kind == RESCHEDULED]
    dates = [str(d) for e in moves for d in (e.data.get("from"), e.data.get("to")) if d]
    dates.append(str(case.answers.get("follow_up_date") or ""))
    days = [(date.fromisoformat(d) - EPOCH).days for d in dates if _is_date(d)]
    return max(days, default=0) + len(moves)


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def uid(case_id: str) -> str:
    """Stable per case: re-importing updates the calendar entry instead of adding another."""
    return f"{case_id}-follow-up@recover"


def write_ics(
    rows: list[dict[str, Any]],
    path: Path,
    sequences: dict[str, int],
    now: datetime | None = None,
    force: bool = False,
    stores: Iterable[Path | str] = (),
) -> None:
    """One all-day event per follow-up, written as an output file (never over the store; an existing file needs
    force)."""
    from recoverycli.files import write_output

    write_output(path, ics_bytes(rows, sequences, now), force, stores, "calendar")


def ics_bytes(rows: list[dict[str, Any]], sequences: dict[str, int], now: datetime | None = None) -> bytes:
    """`sequences` (case id -> `sequence(case)`) tells calendars which copy of an event is newer."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//recover//follow-ups//EN")
    cal.add("version", "2.0")
    stamp = now or datetime.now(UTC)
    for r in rows:
        day = date.fromisoformat(r["follow_up_date"])
        ev = Event()
        ev.add("uid", uid(r["case_id"]))
        ev.add("dtstamp", stamp)
        ev.add("dtstart", day)
        ev.add("dtend", day + timedelta(days=1))
        ev.add("summary", f"Follow up {r['case_id']}: {r['customer_name']}")
        ev.add("description", f"Promise: {r['promise'] or '—'}\nContact: {r['customer_contact']}\nOwner: {r['owner']}")
        # a moved date must replace the old entry: calendars keep the copy with the higher sequence
        ev.add("sequence", sequences.get(r["case_id"], 0))
        cal.add_component(ev)
    return bytes(cal.to_ical())
