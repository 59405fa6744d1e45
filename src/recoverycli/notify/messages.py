"""What a message says: the case id, playbook, severity, staff and promise; the customer's name only when asked;
never their own words or their contact."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from recoverycli.caselog.record import Case
from recoverycli.notify.settings import KINDS


@dataclass(frozen=True)
class Message:
    """What a channel receives. `key` names the notice within its subject (a case, a crisis), for sending it once."""

    kind: str
    key: str
    title: str
    body: str
    level: str = "info"  # info, warning or failure (Apprise's types: colours and icons on chat services)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def clean_field(value: Any, limit: int = 300) -> str:
    text = " ".join(_CONTROL.sub(" ", str(value)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def _without_customer(text: str, case: Case, include_name: bool = False) -> str:
    """The promise may name the customer or quote their contact. Their contact never goes out, however it is
    written (the normalised forms erasure matches: identity.Mentions), nor an e-mail address that holds their name;
    their name only with `include: name`."""
    from recoverycli.identity import Mentions

    contact = " ".join(case.customer.contact.split())
    if contact and contact != "[erased]":
        text = Mentions([], [contact], parts=False).redact(text, "[contact]")
    name = " ".join(case.customer.name.split())
    words = [w for w in {name, *name.split()} if len(w) >= 2 and w != "[erased]"]
    if words:
        named = Mentions([name], [])
        text = _EMAIL.sub(lambda m: "[contact]" if named(m.group()) else m.group(), text)
        if not include_name:  # each part of the name, however accented or cased ("Jose" for José)
            text = named.redact(text, "[customer]")
    return re.sub(r"\[customer\](\s+\[customer\])+", "[customer]", text)


def case_lines(case: Case, include_name: bool, promise_note: str | None = None) -> list[str]:
    """What any message about a case carries: id, playbook, severity, staff, the promise; the name only if asked.

    Never the customer's own words, what they want, their contact, or any other free-text answer.
    """
    severity = f"emergency (complaint number {case.complaint_number})" if case.severity == "emergency" else "normal"
    promise = case.answers.get("commitment")
    if promise_note is not None:
        shown = promise_note
    elif promise:
        shown = clean_field(_without_customer(str(promise), case, include_name))
    else:
        shown = "—"
    lines = [
        f"Case: {case.id}",
        f"Playbook: {clean_field(case.playbook.id, 80)}",
        f"Severity: {severity}",
        f"Staff: {clean_field(case.staff, 120)}",
        f"Promise: {shown}",
    ]
    if case.answers.get("follow_up_date"):
        lines.append(f"Follow-up: {clean_field(case.answers['follow_up_date'], 20)}")
    if include_name and case.customer.name:
        lines.append(f"Customer: {clean_field(case.customer.name, 120)}")
    return lines


def emergency_message(case: Case, include_name: bool, during_call: bool = False) -> Message:
    """[kuzmeski-second-complaint] a repeat complaint: the duty manager acts now, not when they next look."""
    lines = case_lines(case, include_name, promise_note="(the call is in progress)" if during_call else None)
    head = (
        "A customer is complaining again, on the phone now."
        if during_call
        else "A customer complained again; the case is saved."
    )
    return Message(
        "emergency",
        "emergency",
        f"EMERGENCY {case.id}: complaint number {case.complaint_number} ({clean_field(case.playbook.id, 80)})",
        "\n".join([head, *lines, f"See: recover show {case.id}"]),
        "failure",
    )


def overdue_message(case: Case, today: date, include_name: bool) -> Message:
    due = str(case.answers.get("follow_up_date"))
    days = (today - date.fromisoformat(due)).days
    lines = case_lines(case, include_name)
    title = f"Follow-up overdue {case.id}: due {due} ({days} day{'s' * (days != 1)} ago)"
    return Message(
        "overdue",
        overdue_key(case),
        title,
        "\n".join(["A promised follow-up has not happened.", *lines, f"When done: recover followup {case.id} --done"]),
        "warning",
    )


def overdue_key(case: Case) -> str:
    """A follow-up moved to a new date and missed again is a new notice."""
    return f"overdue:{case.answers.get('follow_up_date')}"


def overdue_batch_message(cases: list[Case], today: date, include_name: bool) -> Message:
    lines = []
    for c in cases:
        due = str(c.answers.get("follow_up_date"))
        promise = c.answers.get("commitment")
        shown = clean_field(_without_customer(str(promise), c, include_name), 120) if promise else "—"
        who = f" · {clean_field(c.customer.name, 60)}" if include_name and c.customer.name else ""
        lines.append(
            f"{c.id} · due {due} · {clean_field(c.playbook.id, 40)} · {clean_field(c.staff, 60)}{who} · "
            f"promised: {shown}"
        )
    return Message(
        "overdue",
        "overdue-batch",
        f"{len(cases)} follow-ups overdue",
        "\n".join(["These promised follow-ups have not happened:", *lines, "The list: recover followups"]),
        "warning",
    )


def test_message(kinds: Iterable[str]) -> Message:
    names = ", ".join(k for k in KINDS if k in set(kinds))
    return Message(
        "test",
        "test",
        "recover: test notification",
        f"This channel is set up to receive: {names}.\nNo case is involved; nothing needs doing.",
        "info",
    )


# --- the digest ---------------------------------------------------------------------------------------------------
def digest_message(store: Any, today: date, include_name: bool, limit: int = 15) -> Message:
    """The day's promises for a cron job: due today, overdue, and the emergencies since yesterday."""
    from recoverycli.caselog.filters import CaseFilter, due_filter

    due = store.cases(due_filter(today), order="follow_up", events=False)
    today_text = today.isoformat()
    due_today = [c for c in due if str(c.answers.get("follow_up_date")) == today_text]
    overdue = [c for c in due if str(c.answers.get("follow_up_date")) < today_text]
    emergencies = store.cases(
        CaseFilter(severity="emergency", since=today - timedelta(days=1), live_only=True), events=False
    )

    def line(c: Case, what: str) -> str:
        promise = c.answers.get("commitment")
        shown = clean_field(_without_customer(str(promise), c, include_name), 120) if promise else "—"
        who = f" · {clean_field(c.customer.name, 60)}" if include_name and c.customer.name else ""
        return (
            f"  {c.id} · {what} · {clean_field(c.playbook.id, 40)} · {clean_field(c.staff, 60)}{who} · "
            f"promised: {shown}"
        )

    def section(title: str, cases: list[Case], what: Callable[[Case], str]) -> list[str]:
        if not cases:
            return [f"{title}: none"]
        rows = [line(c, what(c)) for c in cases[:limit]]
        more = [f"  … and {len(cases) - limit} more (recover followups)"] if len(cases) > limit else []
        return [f"{title}: {len(cases)}", *rows, *more]

    def days(c: Case) -> str:
        n = (today - date.fromisoformat(str(c.answers["follow_up_date"]))).days
        return f"{n} day{'s' * (n != 1)} overdue"

    body = [
        *section("Follow-ups due today", due_today, lambda c: "due today"),
        *section("Overdue", overdue, days),
        *section(
            "Emergencies since yesterday", emergencies, lambda c: f"complaint number {c.complaint_number}, {c.status}"
        ),
    ]
    title = (
        f"recover digest {today:%a %d %b}: {len(due_today)} due today, {len(overdue)} overdue, "
        f"{len(emergencies)} emergenc{'y' if len(emergencies) == 1 else 'ies'}"
    )
    level = "warning" if overdue or emergencies else "info"
    return Message("digest", f"digest:{today_text}", title, "\n".join(body), level)
