"""Promises due: the follow-up list and its iCalendar file."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

FIELDS = ("case_id", "follow_up_date", "days_overdue", "customer_name", "customer_contact", "promise", "owner", "playbook_id")


def due(cases: Iterable[Any], today: date) -> Iterator[dict[str, Any]]:
    for c in cases:
        when_text = c.answers["follow_up_date"]
        yield {
            "case_id": c.id, "follow_up_date": when_text, "days_overdue": (today - date.fromisoformat(when_text)).days,
            "customer_name": c.customer.name, "customer_contact": c.customer.contact,
            "promise": c.answers.get("commitment"), "owner": c.staff, "playbook_id": c.playbook.id,
        }


def uid(case_id: str) -> str:
    """Stable per case: re-importing updates the calendar entry instead of adding another."""
    return f"{case_id}-follow-up@recover"


def write_ics(rows: list[dict[str, Any]], path: Path, now: datetime | None = None, force: bool = False,
              stores: Iterable[Path | str] = ()) -> None:
    from recoverycli.files import write_output

    write_output(path, ics_bytes(rows, now), force, stores, "calendar")


def ics_bytes(rows: list[dict[str, Any]], now: datetime | None = None) -> bytes:
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
        # a moved date must replace the old entry: calendars take the higher sequence
        ev.add("sequence", int(day.toordinal() - date(2000, 1, 1).toordinal()))
        cal.add_component(ev)
    return cal.to_ical()
