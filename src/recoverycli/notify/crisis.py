"""The `crisis` kind: a crisis opened (`recover crisis open`), and a crisis behind the pace set for it, judged from
plain figures (`recover watch --notify`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from recoverycli.notify.claims import Ledger, Sent, send
from recoverycli.notify.messages import Message, clean_field
from recoverycli.notify.settings import Settings


def crisis_opened(
    ledger: Ledger | None,
    crisis_id: str,
    title: str,
    settings: Settings,
    customers: int,
    supplier: str | None = None,
    playbook: str | None = None,
    staff: str | None = None,
) -> Sent | None:
    """[kaufman-respond-now] a crisis opened: the duty manager knows before the first customer calls.

    The crisis code calls this right after the crisis is saved, with a Ledger over the crisis's own log
    (or None: sent once, not recorded). No customer's name or words go out, only the count.
    """
    lines = [
        f"Crisis: {clean_field(crisis_id, 40)}",
        f"Title: {clean_field(title)}",
        f"Customers affected: {customers}",
    ]
    if supplier:
        lines.append(f"Supplier: {clean_field(supplier, 120)}")
    if playbook:
        lines.append(f"Playbook: {clean_field(playbook, 80)}")
    if staff:
        lines.append(f"Opened by: {clean_field(staff, 120)}")
    lines.append(f"Start calling: recover crisis call {clean_field(crisis_id, 40)}")
    message = Message(
        "crisis",
        "opened",
        f"CRISIS {clean_field(crisis_id, 40)} opened: {clean_field(title, 120)}",
        "\n".join(lines),
        "failure",
    )
    return send(ledger, crisis_id, message, settings, at_once=True)


@dataclass(frozen=True)
class Pace:
    """How a crisis's reach compares with the pace set for it."""

    hours: float  # since the crisis opened
    customers: int
    reached: int
    expected: int  # customers that should have been reached by now at the set pace
    per_hour: float

    @property
    def behind(self) -> bool:
        return self.reached < self.expected

    @property
    def hour(self) -> int:
        """Which hour of the crisis this is: one pace alert per hour at most."""
        return int(self.hours)


def crisis_pace(opened_at: datetime, now: datetime, customers: int, reached: int, per_hour: float) -> Pace:
    """Plain figures in, the verdict out: at `per_hour`, how many of `customers` should be reached by now."""
    hours = max((now - opened_at).total_seconds() / 3600, 0.0)
    expected = min(customers, int(per_hour * hours))
    return Pace(hours=hours, customers=customers, reached=reached, expected=expected, per_hour=per_hour)


def crisis_behind(
    ledger: Ledger | None, crisis_id: str, title: str, pace: Pace, settings: Settings, now: datetime | None = None
) -> Sent | None:
    """A crisis falling behind its pace pages the `crisis` channels, at most once per hour of the crisis.

    `recover watch --notify` calls this for each open crisis with figures from the crisis store.
    """
    if not pace.behind:
        return None
    message = Message(
        "crisis",
        f"behind:{pace.hour}",
        f"CRISIS {clean_field(crisis_id, 40)} behind pace: {pace.reached} of {pace.customers} reached",
        "\n".join(
            [
                f"Crisis: {clean_field(crisis_id, 40)}",
                f"Title: {clean_field(title)}",
                f"Reached: {pace.reached} of {pace.customers} after {pace.hours:.1f} h",
                f"At {pace.per_hour:g} an hour, {pace.expected} should be reached by now.",
                f"More desks: recover crisis call {clean_field(crisis_id, 40)}",
            ]
        ),
        "warning",
    )
    return send(ledger, crisis_id, message, settings, now)
