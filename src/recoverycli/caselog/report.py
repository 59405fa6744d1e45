"""The manager's view: what keeps going wrong, whether promises are kept, how fast staff respond."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from difflib import SequenceMatcher
from typing import Any

from recoverycli.playbooks.schema import Playbook

STOPWORDS = {
    "the",
    "a",
    "an",
    "of",
    "on",
    "in",
    "at",
    "to",
    "for",
    "and",
    "by",
    "was",
    "is",
    "were",
    "be",
    "it",
    "floor",
}
KEYS = ("period", "cases", "root_causes", "repeats", "promises", "speed", "gestures", "coaching", "crises")


def cause_key(text: str) -> str:
    """Case, spacing, punctuation and word order do not make a different cause."""
    words = re.findall(r"[^\W_]+", text.casefold())
    return " ".join(sorted(w for w in words if w not in STOPWORDS)) or text.casefold().strip()


def group_causes(rows: list[tuple[str, str, str, int]], top: int = 10) -> list[dict[str, Any]]:
    """Root causes grouped: exact after normalising, then near-duplicates (similar wording) merged into the bigger
    group."""
    groups: dict[str, dict[str, Any]] = {}
    seen: dict[str, tuple[str, str]] = {}  # a cause's key and spelling, worked out once: rows repeat it per place
    for cause, playbook, place, count in rows:
        if (known := seen.get(cause)) is None:
            known = seen[cause] = (cause_key(cause), " ".join(cause.split()))
        key, variant = known
        g = groups.get(key)
        if g is None:
            g = groups[key] = {"count": 0, "variants": Counter(), "playbooks": Counter(), "places": Counter()}
        g["count"] += count
        g["variants"][variant] += count
        g["playbooks"][playbook] += count
        if place:
            g["places"][str(place)] += count
    ordered = sorted(groups.items(), key=lambda kv: -kv[1]["count"])
    merged: list[tuple[str, dict[str, Any]]] = []
    for key, g in ordered[:500]:  # distinct causes only: the cases themselves were counted in SQL
        home = next((m for m in merged if SequenceMatcher(None, m[0], key).ratio() >= 0.85), None)
        if home is None:
            merged.append((key, g))
        else:
            for field in ("variants", "playbooks", "places"):
                home[1][field].update(g[field])
            home[1]["count"] += g["count"]
    out = []
    for _, g in sorted(merged, key=lambda kv: -kv[1]["count"])[:top]:
        out.append(
            {
                "cause": g["variants"].most_common(1)[0][0],
                "count": g["count"],
                "variants": [v for v, _ in g["variants"].most_common()],
                "playbooks": dict(g["playbooks"].most_common()),
                "places": dict(g["places"].most_common(5)),
            }
        )
    return out


def weekly(rows: list[tuple[str, str, str, int]], since: date, until: date) -> list[dict[str, Any]]:
    """Cases per ISO week (Monday first); a week the period cuts is marked partial, with how many of its days count."""
    weeks: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"count": 0, "by_playbook": Counter(), "by_status": Counter()}
    )
    for week, playbook, status, count in rows:
        w = weeks[week]
        w["count"] += count
        w["by_playbook"][playbook] += count
        w["by_status"][status] += count
    out = []
    for k, v in sorted(weeks.items()):
        monday = date.fromisoformat(k)
        days = (min(monday + timedelta(days=6), until) - max(monday, since)).days + 1
        days = max(1, min(7, days))
        out.append(
            {
                "week": k,
                "count": v["count"],
                "by_playbook": dict(v["by_playbook"]),
                "by_status": dict(v["by_status"]),
                "days": days,
                "partial": days < 7,
            }
        )
    return out


def gestures(
    rows: list[tuple[str, str, int]], books: dict[str, Playbook], currency: str | None = None
) -> dict[str, Any]:
    tally: dict[str, dict[str, Any]] = {}
    for playbook_id, gesture, count in rows:
        known = books[playbook_id].gesture(str(gesture)) if playbook_id in books else None
        key = known.id if known else str(gesture)
        t = tally.setdefault(
            key,
            {
                "gesture": key,
                "label": known.label if known else str(gesture),
                "count": 0,
                "consumable": known.consumable if known else None,
                "cost_each": known.cost if known else None,
            },
        )
        t["count"] += count
    items = sorted(tally.values(), key=lambda t: -t["count"])
    total = sum(t["count"] for t in items)
    consumable = sum(t["count"] for t in items if t["consumable"])
    cost = sum(t["count"] * t["cost_each"] for t in items if t["cost_each"] is not None)
    return {
        "total": total,
        "consumable_share": round(consumable / total, 3) if total else None,
        "rough_cost": round(cost, 2),
        "unpriced": sum(t["count"] for t in items if t["cost_each"] is None),
        "by_gesture": items,
        "currency": currency,
    }


def currency() -> str | None:
    """The currency gesture costs are in: RECOVER_CURRENCY, else `currency` in the per-user config (e.g. EUR)."""
    import os

    from recoverycli.config import read_config

    for candidate in (os.environ.get("RECOVER_CURRENCY"), read_config().get("currency")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None


HIDDEN = "[customer]"


class _GuestWords:
    """The folded words of every guest name this process has seen in a report's groups (one command, one report):
    most free text shares no word with any of them, which one set operation per group shows."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.words: set[str] = set()

    def could_quote(self, text_words: set[str], people: list[str | None]) -> bool:
        from recoverycli.identity import words

        new = {n for n in people if n} - self.names
        for name in new:
            self.words.update(words(name))
        self.names |= new
        if text_words.isdisjoint(self.words):
            return False
        return any(text_words & words(n) for n in people if n)


_GUESTS = _GuestWords()


def without_customers(text: str, names: str, contacts: str) -> str:
    """Free text with the names and contacts of the customers of its cases hidden, as erasure would find them; a
    lone part of a name only where it is written as a name (capitalised): "power cut" stays for a Lee Power."""
    if names == "[]" and contacts == "[]":  # the store found that the text cannot quote any of them
        return text
    import json

    from recoverycli.identity import Mentions, may_hold_contact, words

    people, reach = json.loads(names), json.loads(contacts)
    if not may_hold_contact(text) and not _GUESTS.could_quote(words(text), people):
        return text  # nothing that could be a name or a contact: no matcher to build (the store's test too)
    return Mentions([n for n in people if n], [c for c in reach if c], cased=True).redact(text, HIDDEN)


def build(
    agg: dict[str, Any],
    since: date,
    until: date,
    books: dict[str, Playbook],
    show_customers: bool,
    filters: dict[str, Any],
    currency: str | None = None,
    crises: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The report as one JSON-able document; the keys are documented in docs/report.md and pinned by a test.

    Without show_customers, root causes and gestures written as free text show no customer's name or contact.
    """
    hide = (lambda text, names, contacts: text) if show_customers else without_customers  # noqa: E731
    causes = [(hide(c, names, contacts), pb, place, n) for c, pb, place, n, names, contacts in agg["root_causes"]]
    given = [(pb, hide(str(g), names, contacts), n) for pb, g, n, names, contacts in agg["gestures"]]
    total = agg["total"]
    p = {k: int(v or 0) for k, v in agg["promises"].items()}
    return {
        "period": {"since": since.isoformat(), "until": until.isoformat(), **filters},
        "cases": {
            "total": total,
            "by_status": agg["by_status"],
            "by_playbook": agg["by_playbook"],
            "per_week": weekly(agg["weeks"], since, until),
            "playbook_titles": {
                pid: (books[pid].title if pid in books and books[pid].title else pid) for pid in agg["by_playbook"]
            },
        },
        "root_causes": group_causes(causes),
        "repeats": {
            "cases": agg["repeats"],
            "share": round(agg["repeats"] / total, 3) if total else None,
            "customers": agg["repeat_customers"] if show_customers else None,
            "customer_count": len(agg["repeat_customers"]),
        },
        "promises": {**p, "median_days_late": agg["late_days"]["median"]},
        "speed": {
            "incident_to_contact_minutes": agg["to_contact_minutes"],
            "contact_to_close_hours": agg["to_close_hours"],
        },
        "gestures": gestures(given, books, currency),
        "coaching": [{"rule": r, "count": n, "kept": int(k or 0)} for r, n, k in agg["coaching"]],
        "crises": crises
        or [],  # one entry per crisis open during the period (recoverycli.caselog.crisis.report_section)
    }


def default_period(today: date) -> tuple[date, date]:
    return today - timedelta(days=30), today


@dataclass
class Made:
    """A report and the cases it had to leave out (their stored answers cannot be read: `recover check`)."""

    data: dict[str, Any]
    unreadable: list[str]


def make_report(
    store: Any,
    books: dict[str, Playbook],
    today: date,
    now: datetime,
    since: date | None = None,
    until: date | None = None,
    playbook: str | None = None,
    staff: str | None = None,
    show_customers: bool = False,
) -> Made:
    """The report over `since`..`until` (the last 30 days up to today when not given), titled from the playbook
    catalogue `books`, with a section per crisis open during the period."""
    from recoverycli.caselog.crisis import report_section
    from recoverycli.caselog.filters import CaseFilter, day_end_utc, day_start_utc

    start, end = default_period(today)
    start, end = since or start, until or end
    filt = CaseFilter(playbook=playbook, staff=staff, since=start, until=end)
    crises = report_section(store, day_start_utc(start), day_end_utc(end), books, now, show_customers)
    data = build(
        store.aggregates(filt, today.isoformat()),
        start,
        end,
        books,
        show_customers,
        {"playbook": playbook, "staff": staff},
        currency(),
        crises,
    )
    return Made(data, store.unreadable(filt))
