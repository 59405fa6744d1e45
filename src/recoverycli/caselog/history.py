"""A case's history in words: what each event means to the colleague who picks the case up next."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from recoverycli.caselog.record import Event
    from recoverycli.playbooks.schema import Playbook

VIA = {"wizard": "at the desk", "answers": "from an answers file", "drill": "in a drill (canned answers)"}
FIELDS = {
    "customer.name": "the customer's name",
    "customer.contact": "the customer's contact",
    "customer.segment": "who the customer is",
    "customer_name": "name",
    "customer_contact": "contact",
    "customer_words": "their own words",
    "root_cause": "root cause",
    "system_fix_owner": "owner",
    "system_fix_due": "due",
}


def field_name(key: str, playbook: Playbook | None) -> str:
    """A prompt id as the clerk knows it: the playbook's question, else the id in words."""
    if playbook is not None and (p := playbook.prompt(key)) is not None:
        return f"“{p.label}”"
    return FIELDS.get(key, key.replace("_", " "))


def _coached(d: dict[str, Any], pb: Playbook | None) -> str:
    flags = ", ".join(str(f) for f in d.get("flags", [])) or "a flag"
    outcome = "the clerk kept the text" if d.get("kept") else "the clerk revised it"
    return f"Coach flagged the answer to {field_name(str(d.get('prompt', '?')), pb)} ({flags}); {outcome}"


def _rescheduled(d: dict[str, Any], pb: Playbook | None) -> str:
    return f"Follow-up moved from {d.get('from') or 'no date'} to {d.get('to')}" + _reason(d.get("reason"))


def _system_fix(d: dict[str, Any], done: bool) -> str:
    parts = [f"{FIELDS[k]}: {d[k]}" for k in ("root_cause", "system_fix_owner", "system_fix_due") if d.get(k)]
    head = "System fix done" if done else "System fix updated"
    return head + (f" ({'; '.join(parts)})" if parts else "")


def _reason(text: Any, lead: str = ": ") -> str:
    return f"{lead}{text}" if text else ""


WORDS: dict[str, Callable[[dict[str, Any], Any], str]] = {
    "created": lambda d, pb: f"Call began {VIA.get(str(d.get('via')), '')}".rstrip(),
    "saved": lambda d, pb: "Call finished: case saved and open",
    "coached": _coached,
    "repeat": lambda d, pb: (
        f"Complaint number {d.get('complaint_number', 2)} from this customer: repeats {d.get('of')}"
        + (f" (earlier: {', '.join(d['earlier'])})" if len(d.get("earlier") or []) > 1 else "")
    ),
    "answer_changed": lambda d, pb: f"Changed at the summary before saving: {field_name(str(d.get('prompt')), pb)}",
    "note": lambda d, pb: f"Note: {d.get('text', '')}",
    "follow_up_done": lambda d, pb: "Follow-up done" + _reason(d.get("note")),
    "follow_up_rescheduled": _rescheduled,
    "closed": lambda d, pb: "Closed" + _reason(d.get("resolution")),
    "reopened": lambda d, pb: "Reopened" + _reason(d.get("reason")),
    "system_fix_updated": lambda d, pb: _system_fix(d, done=False),
    "system_fix_done": lambda d, pb: _system_fix(d, done=True),
    "forgotten": lambda d, pb: (
        "Personal data erased at the customer's request: "
        + ", ".join(field_name(str(f), None) for f in d.get("fields", []))
    ),
    "copied": lambda d, pb: f"Copied from another store, where it was {d.get('from_id')}",
}


def describe(event: Event, playbook: Playbook | None = None) -> str:
    """One event in words; a kind this version does not know is still shown, plainly."""
    words = WORDS.get(event.kind)
    if words is not None:
        try:
            return words(event.data, playbook)
        except (KeyError, TypeError, AttributeError):
            pass  # data of an unexpected shape: fall back to the plain form
    detail = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in event.data.items())
    return event.kind.replace("_", " ").capitalize() + (f" ({detail})" if detail else "")
