"""Promises due: the follow-up list and its iCalendar file."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

FIELDS = ("case_id", "follow_up_date", "days_overdue", "customer_name", "customer_contact", "promise", "owner", "playbook_id",
          "emergency")
RESCHEDULED = "follow_up_rescheduled"


def due(cases: Iterable[Any], today: date) -> Iterator[dict[str, Any]]:
    for c in cases:
        when_text = c.answers["follow_up_date"]
        yield {
            "case_id": c.id, "follow_up_date": when_text, "days_overdue": (today - date.fromisoformat(when_text)).days,
            "customer_name": c.customer.name, "customer_contact": c.customer.contact,
            "promise": c.answers.get("commitment"), "owner": c.staff, "playbook_id": c.playbook.id,
            "emergency": c.severity == "emergency",
        }


def sequence(case: Any) -> int:
    """RFC 5545 SEQUENCE: how many times the follow-up moved. Events are never deleted, so it only grows."""
    return sum(e.kind == RESCHEDULED for e in case.events)


def uid(case_id: str) -> str:
    """Stable per case: re-importing updates the calendar entry instead of adding another."""
    return f"{case_id}-follow-up@recover"


def write_ics(rows: list[dict[str, Any]], path: Path, sequences: dict[str, int], now: datetime | None = None) -> None:
    """One all-day event per follow-up; `sequences` (case id -> `sequence(case)`) tells calendars which copy is newer."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//recover//follow-ups//EN")
    cal.add("version", "2.0")
    stamp = now or datetime.now(timezone.utc)
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
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "wb") as fh:
        fh.write(cal.to_ical())
