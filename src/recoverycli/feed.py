"""What a duty manager's live feed shows: new cases, second-complaint emergencies, follow-ups falling overdue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from recoverycli.query import due_followups


@dataclass
class Item:
    kind: str  # "new-case", "emergency", "overdue"
    case_id: str
    text: str


@dataclass
class FeedState:
    """What has been shown already, so each poll reports only what is new."""

    seen_cases: set[str] = field(default_factory=set)
    overdue: set[str] = field(default_factory=set)
    started: bool = False


def poll(store: Any, state: FeedState, today: date) -> list[Item]:
    """One look at the store; the first look only remembers what is already there."""
    items: list[Item] = []
    recent = store.cases("status != 'draft'", [], limit=200)
    for case in reversed(recent):
        if case.id in state.seen_cases:
            continue
        state.seen_cases.add(case.id)
        if not state.started:
            continue
        who = case.customer.name or "a customer"
        if case.complaint_number >= 2:
            items.append(Item("emergency", case.id, f"EMERGENCY: complaint number {case.complaint_number} from {who} "
                                                    f"({case.playbook.id}), taken by {case.staff}"))
        else:
            items.append(Item("new-case", case.id, f"new case from {who} ({case.playbook.id}), taken by {case.staff}"))
    where, args, order = due_followups(today - timedelta(days=1))  # due by yesterday and not done: overdue
    overdue = {r["id"]: r for r in store.select(where, args, order, None)}
    for case_id in sorted(set(overdue) - state.overdue):
        if state.started:
            r = overdue[case_id]
            items.append(Item("overdue", case_id, f"follow-up overdue since {r['follow_up_date']}: {r['customer_name']}, "
                                                  f"owner {r['staff']}, promised: {r['a_commitment'] or '—'}"))
    state.overdue = set(overdue)
    state.started = True
    return items
