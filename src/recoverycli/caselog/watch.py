"""What a duty manager's live feed shows: new cases, second-complaint emergencies, follow-ups falling overdue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from recoverycli.caselog.filters import CaseFilter, due_filter


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
    recent = store.cases(CaseFilter(live_only=True), limit=200, events=False)
    for case in reversed(recent):
        if case.id in state.seen_cases:
            continue
        state.seen_cases.add(case.id)
        if not state.started:
            continue
        who = case.customer.name or "a customer"
        if case.emergency:
            items.append(
                Item(
                    "emergency",
                    case.id,
                    f"EMERGENCY: complaint number {case.complaint_number} from {who} "
                    f"({case.playbook.id}), taken by {case.staff}",
                )
            )
        else:
            items.append(Item("new-case", case.id, f"new case from {who} ({case.playbook.id}), taken by {case.staff}"))
    due = store.cases(
        due_filter(today - timedelta(days=1)), order="follow_up", events=False
    )  # due by yesterday: overdue
    overdue = {c.id: c for c in due}
    for case_id in sorted(set(overdue) - state.overdue):
        if state.started:
            c = overdue[case_id]
            items.append(
                Item(
                    "overdue",
                    case_id,
                    f"follow-up overdue since {c.answers.get('follow_up_date')}: "
                    f"{c.customer.name}, owner {c.staff}, promised: {c.answers.get('commitment') or '—'}",
                )
            )
    state.overdue = set(overdue)
    state.started = True
    return items
