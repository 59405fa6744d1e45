"""After the call: follow-ups, notes, closing and reopening — each change an event with staff and time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from recoverycli.caselog.record import Case, Event
from recoverycli.dates import local, parse_future_date
from recoverycli.errors import RecoverError
from recoverycli.safety import clean_text
from recoverycli.store import BaseStore, iso, utcnow

LIVE = ("open",)


def _text(value: str, what: str) -> str:
    text = clean_text(value, multiline=True)
    if not text:
        raise RecoverError(f"{what} is empty — write a few words")
    if len(text) > 4000:
        raise RecoverError(f"{what} is {len(text)} characters, over the 4000 limit — shorten it")
    return text


def done_event(case: Case) -> Event | None:
    """The event that marked the current follow-up done; None while it is still to do (a reschedule starts a new
    one)."""
    last = next((e for e in reversed(case.events) if e.kind in ("follow_up_done", "follow_up_rescheduled")), None)
    return last if last is not None and last.kind == "follow_up_done" else None


def add_note(store: BaseStore, case_id: str, staff: str, text: str) -> Case:
    now = utcnow()
    return store.apply(
        case_id,
        Event(at=now, staff=staff, kind="note", data={"text": _text(text, "the note")}),
        allowed=("draft", "open", "closed"),
        columns={},
    )


def _when(stored: str) -> str:
    """A stored UTC timestamp as the local date and time people read."""
    return local(datetime.fromisoformat(stored))


def _already_closed(row: Any) -> str | None:
    if row["status"] != "closed":
        return None
    return f"already closed on {_when(row['closed_at'])}" + (f" ({row['resolution']})" if row["resolution"] else "")


def _already_done(row: Any) -> str | None:
    return f"the follow-up was already done on {_when(row['follow_up_done_at'])}" if row["follow_up_done_at"] else None


def close(store: BaseStore, case_id: str, staff: str, resolution: str) -> Case:
    """Close an open case; closing a closed one says when it was closed and changes nothing."""
    now = utcnow()
    text = _text(resolution, "the resolution")
    return store.apply(
        case_id,
        Event(at=now, staff=staff, kind="closed", data={"resolution": text}),
        allowed=LIVE,
        columns={"status": "closed", "closed_at": iso(now), "resolution": text},
        unless=_already_closed,
    )


def reopen(store: BaseStore, case_id: str, staff: str, reason: str | None = None) -> Case:
    now = utcnow()
    data = {"reason": _text(reason, "the reason")} if reason else {}
    return store.apply(
        case_id,
        Event(at=now, staff=staff, kind="reopened", data=data),
        allowed=("closed",),
        columns={"status": "open", "closed_at": None, "resolution": None},
    )


def follow_up_done(store: BaseStore, case_id: str, staff: str, note: str | None) -> Case:
    now = utcnow()
    data = {"note": _text(note, "the note")} if note else {}
    return store.apply(
        case_id,
        Event(at=now, staff=staff, kind="follow_up_done", data=data),
        allowed=LIVE,
        columns={"follow_up_done_at": iso(now)},
        unless=_already_done,
    )


def reschedule(store: BaseStore, case_id: str, staff: str, when: str, reason: str, today: date) -> Case:
    try:
        new = parse_future_date(when, today).isoformat()
    except ValueError as e:
        raise RecoverError(f"--reschedule: {e}") from None
    case = store.get(case_id)
    old = case.answers.get("follow_up_date")
    if new == old and case.status == "open" and done_event(case) is None:
        raise RecoverError(
            f"{case.id}: the follow-up is already on {new} — nothing changed; give another date, "
            f"or record it with `recover followup {case.id} --done`"
        )
    now = utcnow()
    event = Event(
        at=now,
        staff=staff,
        kind="follow_up_rescheduled",
        data={"from": old, "to": new, "reason": _text(reason, "the reason")},
    )
    return store.apply(
        case_id,
        event,
        allowed=LIVE,
        columns={"follow_up_date": new, "follow_up_done_at": None},
        answers={"follow_up_date": new},
    )


def system_fix(
    store: BaseStore,
    case_id: str,
    staff: str,
    root_cause: str | None,
    owner: str | None,
    due: str | None,
    done: bool,
    today: date,
) -> Case:
    """[kaufman-customer-first, step-document] the system side, after the customer: cause, owner, due date, done."""
    answers: dict[str, str] = {}
    if root_cause:
        answers["root_cause"] = _text(root_cause, "the root cause")
    if owner:
        answers["system_fix_owner"] = _text(owner, "the owner")
    if due:
        try:
            answers["system_fix_due"] = parse_future_date(due, today).isoformat()
        except ValueError as e:
            raise RecoverError(f"--due: {e}") from None
    now = utcnow()
    data: dict[str, object] = {**answers, **({"done": True} if done else {})}
    kind = "system_fix_done" if done else "system_fix_updated"
    return store.apply(
        case_id,
        Event(at=now, staff=staff, kind=kind, data=data),
        allowed=("open", "closed"),
        columns={"system_fix_done_at": iso(now)} if done else {},
        answers=answers or None,
    )
