"""Crises for people: the caller on a crisis list, the customer a desk is about to call, the board."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from recoverycli.dates import say_time
from recoverycli.safety import safe_text

if TYPE_CHECKING:
    from recoverycli.caselog.crisis import Attempt, Claim, Listing
    from recoverycli.caselog.crisis_import import ReadList


def _plain(text: str, style: str = "") -> Text:
    """A line built from data (names, notes, what we told them): shown as it is, never a control character."""
    return Text(safe_text(text, markup=False), style=style)


OUTCOME_WORDS = {
    "reached": "reached",
    "voicemail": "voicemail",
    "no_answer": "no answer",
    "wrong_number": "wrong number",
    "call_back": "asked for a call back",
    "given_up": "given up",
}


def when(value: datetime | str | None) -> str:
    """A time as people say it at a desk: 'today 14:05', 'Tue 1 Dec 09:00' (a call-back weeks away has its date)."""
    if value is None:
        return "—"
    if isinstance(value, str) and "T" not in value:  # a day, not a moment: 'Sat 5 Dec'
        return datetime.fromisoformat(value).strftime("%a %-d %b")
    return say_time(datetime.fromisoformat(value) if isinstance(value, str) else value, datetime.now(UTC))


def _attempt_line(a: Attempt) -> Text:
    how = "they called us" if a.direction == "in" else OUTCOME_WORDS.get(a.outcome, a.outcome)
    line = _plain(f"  {when(a.at)} · {a.staff} · {how}")
    if a.call_back_at:
        line.append(f" at {when(a.call_back_at)}")
    if a.case_id:
        line.append(f" · {a.case_id}")
    if a.told:
        line.append(f"\n    {'message left' if a.outcome == 'voicemail' else 'told them'}: {a.told}", style="italic")
    return line


def _supplier_lines(entries: list[dict[str, Any]], limit: int = 2) -> list[Text]:
    out = []
    for e in entries[-limit:]:
        line = _plain(f"  {when(e['at'])} {e['note']}")
        if e.get("commitment"):
            line.append(f"\n    committed: {e['commitment']}", style="bold")
            if e.get("due"):
                line.append(f" (by {when(e['due'])})")
        if e.get("deal"):
            line.append(f"\n    deal for next time: {e['deal']}")
        out.append(line)
    return out


def listing_panel(listing: Listing) -> Panel:
    """A caller who is on a crisis list: say so before the first step [kaufman-respond-now]."""
    c, k = listing.customer, listing.crisis
    booking = f" (booking {c.booking})" if c.booking else ""
    parts: list[Any] = [
        _plain(
            f"{c.name}{booking} is on the list of crisis {k.id}: {k.title}"
            + (f" ({k.supplier})" if k.supplier else ""),
            style="bold",
        )
    ]
    if listing.matched_by == "name":
        parts.append(
            Text(
                "Matched by name only: check their booking reference before you treat this call as theirs.",
                style="yellow",
            )
        )
    if listing.outreach:  # a desk calling them from the list: the claim panel said who they are
        parts.append(
            Text(
                f"We are calling them now — {c.tries} earlier call(s) from us."
                if c.tries
                else "We are calling them now, before they have to call us."
            )
        )
    elif listing.reached():
        parts.append(_plain(f"We reached them {when(c.reached_at)} ({c.reached_by})."))
        if c.last_told:
            parts.append(_plain(f"We told them: {c.last_told}"))
    else:
        tried = f"{c.tries} call(s) from us so far" if c.tries else "we had not called them yet"
        parts.append(
            _plain(
                f"NOT reached yet — {tried}. They are calling us first: apologise for that too, and take "
                f"this call as their crisis call.",
                style="bold red",
            )
        )
    if listing.attempts:
        parts.append(Text("\nCalls so far", style="bold"))
        parts += [_attempt_line(a) for a in listing.attempts[-3:]]
    if listing.supplier:
        parts.append(_plain(f"\n{k.supplier or 'Supplier'}: latest word", style="bold"))
        parts += _supplier_lines(listing.supplier)
    return Panel(
        Group(*parts), title=safe_text(f"CRISIS {k.id} · {k.title}"), title_align="left", border_style="bold yellow"
    )


def claim_panel(claim: Claim) -> Panel:
    """Who to call now and everything we know about them."""
    c, k = claim.customer, claim.crisis
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold", no_wrap=True)
    head.add_column()
    head.add_row("Call", safe_text(c.name))
    head.add_row("Number", safe_text(c.contact) + (f"  (or {safe_text(c.alt_contact)})" if c.alt_contact else ""))
    if c.booking:
        head.add_row("Booking", safe_text(c.booking))
    head.add_row("Segment", safe_text(c.segment) + ("  · they chased us first" if c.chased else ""))
    for key, value in list(c.notes.items())[:8]:
        head.add_row(safe_text(str(key)[:24]), safe_text(str(value)))
    parts: list[Any] = [head]
    if claim.attempts:
        parts.append(Text("\nCalls so far", style="bold"))
        parts += [_attempt_line(a) for a in claim.attempts[-4:]]
    if claim.draft_ids:
        parts.append(
            _plain(f"\nAn earlier call reached them but was not finished: {', '.join(claim.draft_ids)}", style="yellow")
        )
    return Panel(
        Group(*parts),
        title=safe_text(f"{k.id} · {k.title} · customer #{c.seq}"),
        title_align="left",
        border_style="cyan",
    )


def supplier_panel(supplier: str, entries: list[dict[str, Any]]) -> Panel | None:
    if not entries:
        return None
    return Panel(
        Group(*_supplier_lines(entries)),
        title=safe_text(f"What {supplier or 'the supplier'} has committed to"),
        title_align="left",
        border_style="blue",
    )


def mapping_lines(read: ReadList) -> list[str]:
    """How the file's columns were read, for the clerk to check before anything loads."""
    lines = [f"{read.path}: {read.how}"]
    for what, headers in read.mapping.describe():
        lines.append(f"  {what:<10} ← {', '.join(repr(h) for h in headers)}")
    return lines


def board_view(b: dict[str, Any]) -> Group:
    k = b["crisis"]
    total = b["customers"]
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold", no_wrap=True)
    head.add_column()
    hours, minutes = divmod(b["open_minutes"], 60)
    status = "open" if k["status"] == "open" else f"closed {when(k['closed_at'])}: {k['close_reason']}"
    head.add_row("Crisis", safe_text(f"{k['id']} · {k['title']}" + (f" · {k['supplier']}" if k["supplier"] else "")))
    head.add_row("Status", safe_text(status) + f" · {hours} h {minutes:02d} min since it opened")
    head.add_row("Customers", f"{total} · {b['attempts']} call(s) made")
    reach = b["reached_within"]
    head.add_row("Reached", " · ".join(f"{v['count']} ({_pct(v['share'])}) within {h}" for h, v in reach.items()))
    from recoverycli.caselog.crisis import STATES

    states = Table(show_header=False, box=None, padding=(0, 1))
    states.add_column(no_wrap=True)
    states.add_column(justify="right", no_wrap=True)
    states.add_column(no_wrap=True)
    top = max(b["by_state"].values(), default=0) or 1
    for key, label in STATES.items():
        n = b["by_state"][key]
        style = "green" if key == "reached" else "red" if key in ("wrong_number", "call_back_due") and n else "cyan"
        states.add_row(label, str(n), Text("█" * max(1, round(n / top * 30)) if n else "", style=style))
    parts: list[Any] = [
        Panel(head, title="Crisis board", title_align="left", border_style="magenta"),
        Panel(states, title="Where every customer stands", title_align="left"),
    ]
    if b["calling_now"]:
        now = Table(show_header=True, header_style="bold", box=None, padding=(0, 1))
        for col in ("Desk", "Calling", "Since"):
            now.add_column(col)
        for r in b["calling_now"]:
            now.add_row(safe_text(r["staff"]), safe_text(r["customer"]), when(r["since"]))
        parts.append(Panel(now, title="Calling now", title_align="left"))
    if b["supplier"]:
        parts.append(
            Panel(
                Group(*_supplier_lines(b["supplier"], limit=5)),
                title=safe_text(f"{k['supplier'] or 'Supplier'}: contacts and commitments"),
                title_align="left",
            )
        )
    return Group(*parts)


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f} %"
