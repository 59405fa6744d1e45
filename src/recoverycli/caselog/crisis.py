"""Crisis outreach: one incident, many customers — reach every one before they have to call us.

[kaufman-respond-now] every affected customer is called, once, by whichever desk is free; [kaufman-supplier]
the supplier's commitments are logged beside; [kuzmeski-culture] every desk sees the same board, and a
listed customer who calls in is recognised at any desk. The functions here return results; the commands
in cli/crisis.py only parse, call one of them and render. A queued call itself (it runs the wizard) is
call/outreach.py.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from recoverycli.caselog.crisis_import import Problem, ReadList
from recoverycli.dates import say_time
from recoverycli.errors import NotFoundError, RecoverError, UsageError
from recoverycli.playbooks.schema import Option, Prompt

if TYPE_CHECKING:
    from recoverycli.store.base import BaseStore

OUTREACH = "outreach"
RETRY = timedelta(minutes=30)
LEASE = timedelta(minutes=2)
OUTCOMES: dict[str, str] = {
    "reached": "Reached: we are talking now",
    "voicemail": "Voicemail: I left a message",
    "no_answer": "No answer",
    "wrong_number": "Wrong number",
    "call_back": "They asked us to call back at a time",
}
# The board's buckets, in the order a manager reads them; every customer is in exactly one.
STATES: dict[str, str] = {
    "not_tried": "not yet tried",
    "in_call": "in a call",
    "reached": "reached",
    "voicemail": "voicemail",
    "no_answer": "no answer",
    "call_back_due": "call back due",
    "call_back_later": "call back later",
    "wrong_number": "wrong number",
    "given_up": "given up",
}
TOLD = ("told", "commitment")  # the answers that say what we told a reached customer

ATTEMPT_PROMPTS: tuple[Prompt, ...] = (
    Prompt(
        id="outcome",
        label="Did you reach them?",
        type="choice",
        required=True,
        allow_other=False,
        help="Dial now. Pick what happened.",
        choices=[Option(value=k, label=v) for k, v in OUTCOMES.items()],
    ),
    Prompt(
        id="call_back_at",
        label="When should we call back?",
        required=True,
        when={"outcome": "call_back"},
        help="15:00, 3pm, tomorrow 10:00, fri 9:30, in 2 hours",
    ),
    Prompt(
        id="message_left",
        label="What did you say in the message? (optional)",
        when={"outcome": "voicemail"},
        help="Your name, that we are looking after them, and when we call again. No booking details on a voicemail.",
        coach=True,
        max_length=1000,
    ),
)


def parse_duration(text: str, what: str) -> timedelta:
    """'30m', '2h', '90s', '1h30m', '45 min' — how long to wait or hold."""
    s = text.strip().lower().replace(" ", "")
    m = re.fullmatch(
        r"(?:(\d+)(?:h|hr|hrs|hour|hours))?(?:(\d+)(?:m|min|mins|minute|minutes))?(?:(\d+)(?:s|sec|secs|seconds?))?", s
    )
    if not s or m is None or not any(m.groups()):
        raise UsageError(f"{what}: '{text}' is not a duration — try 30m, 2h, 90s or 1h30m")
    h, mi, se = (int(g or 0) for g in m.groups())
    span = timedelta(hours=h, minutes=mi, seconds=se)
    if span <= timedelta(0):
        raise UsageError(f"{what}: give a duration above zero, e.g. 30m")
    return span


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass
class Crisis:
    id: str
    title: str
    supplier: str
    playbook_id: str
    status: str
    opened_at: datetime
    opened_by: str
    retry: timedelta
    lease: timedelta
    closed_at: datetime | None = None
    closed_by: str | None = None
    close_reason: str | None = None

    @classmethod
    def from_row(cls, r: Any) -> Crisis:
        return cls(
            id=r["id"],
            title=r["title"],
            supplier=r["supplier"],
            playbook_id=r["playbook_id"],
            status=r["status"],
            opened_at=datetime.fromisoformat(r["opened_at"]),
            opened_by=r["opened_by"],
            retry=timedelta(seconds=r["retry_seconds"]),
            lease=timedelta(seconds=r["lease_seconds"]),
            closed_at=_dt(r["closed_at"]),
            closed_by=r["closed_by"],
            close_reason=r["close_reason"],
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "supplier": self.supplier or None,
            "playbook": self.playbook_id,
            "status": self.status,
            "opened_at": self.opened_at.isoformat(),
            "opened_by": self.opened_by,
            "retry_minutes": self.retry.total_seconds() / 60,
            "lease_seconds": int(self.lease.total_seconds()),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "closed_by": self.closed_by,
            "close_reason": self.close_reason,
        }


@dataclass
class Listed:
    """One customer on a crisis list, as the desk sees them."""

    id: int
    crisis_id: str
    seq: int
    name: str
    contact: str
    alt_contact: str
    booking: str
    segment: str
    chased: bool
    notes: dict[str, Any]
    state: str
    tries: int
    next_try_at: datetime | None
    last_try_at: datetime | None
    case_id: str | None
    reached_at: datetime | None
    reached_by: str | None
    last_told: str | None
    added_at: datetime

    @classmethod
    def from_row(cls, r: Any) -> Listed:
        from recoverycli.store.columns import load_json

        return cls(
            id=r["id"],
            crisis_id=r["crisis_id"],
            seq=r["seq"],
            name=r["name"],
            contact=r["contact"],
            alt_contact=r["alt_contact"],
            booking=r["booking"],
            segment=r["segment"],
            chased=bool(r["chased"]),
            notes=load_json(r["notes"]) or {},
            state=r["state"],
            tries=r["tries"],
            next_try_at=_dt(r["next_try_at"]),
            last_try_at=_dt(r["last_try_at"]),
            case_id=r["case_id"],
            reached_at=_dt(r["reached_at"]),
            reached_by=r["reached_by"],
            last_told=r["last_told"],
            added_at=datetime.fromisoformat(r["added_at"]),
        )

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name


@dataclass
class Attempt:
    at: datetime
    staff: str
    outcome: str
    direction: str
    call_back_at: str | None
    told: str | None
    case_id: str | None
    late: bool

    @classmethod
    def from_row(cls, r: Any) -> Attempt:
        from recoverycli.store.columns import load_json

        return cls(
            at=datetime.fromisoformat(r["at"]),
            staff=r["staff"],
            outcome=r["outcome"],
            direction=r["direction"],
            call_back_at=r["call_back_at"],
            told=r["told"],
            case_id=r["case_id"],
            late=bool((load_json(r["data"]) or {}).get("late")),
        )


@dataclass
class Listing:
    """A caller found on a crisis list: what the desk must know at once (and the crisis the call is linked to)."""

    crisis: Crisis
    customer: Listed
    matched_by: str  # contact, booking or name (a caller found on the list); OUTREACH (a desk calling them)
    attempts: list[Attempt]
    supplier: list[dict[str, Any]]

    @property
    def outreach(self) -> bool:
        """We are the ones calling: the customer did not have to chase us."""
        return self.matched_by == OUTREACH

    @property
    def link_id(self) -> str | None:
        """A name alone may be someone else: shown, but the call is linked only on a contact or booking match."""
        return None if self.matched_by == "name" else self.crisis.id

    def reached(self) -> bool:
        return self.customer.state == "reached"

    def notice(self) -> str:
        """One line for stderr (an --answers call), like the EMERGENCY notice."""
        c, k = self.customer, self.crisis
        parts = [f"CRISIS: {c.name} is on the list of {k.id} ({k.title})"]
        if self.matched_by == "name":
            parts.append("matched by name only — check their booking before you link them")
        if self.reached():
            told = f"; we told them: {c.last_told}" if c.last_told else ""
            parts.append(f"reached {_when(c.reached_at)} by {c.reached_by}{told}")
        else:
            parts.append(
                f"NOT reached yet ({c.tries} tr{'y' if c.tries == 1 else 'ies'}) — they are calling us first: "
                f"apologise for that too"
            )
        if self.supplier:
            last = self.supplier[-1]
            parts.append(f"supplier: {last['commitment'] or last['note']}")
        return "; ".join(parts)


def _when(dt: datetime | None) -> str:
    return say_time(dt, datetime.now(UTC)) if dt else "—"


# --- opening a crisis and loading its list ----------------------------------------------------
def stamped(read: ReadList, now: datetime, source: str) -> list[dict[str, Any]]:
    from recoverycli.store import iso

    return [{**c, "added_at": iso(now), "source": source} for c in read.customers]


def heading(title: str, supplier: str | None) -> tuple[str, str]:
    """A crisis's title and supplier on one line each, at most 200 characters (every desk's queue line shows them):
    refused when longer, never cut short without a word."""
    title, supplier = " ".join(title.split()), " ".join((supplier or "").split())
    if not title:
        raise UsageError('--title is empty — say what happened, e.g. "Aurora lost power at sea, 12-14 Nov"')
    for flag, value in (("--title", title), ("--supplier", supplier)):
        if len(value) > 200:
            raise UsageError(f"{flag} is {len(value)} characters, over the 200 limit — shorten it")
    return title, supplier


def open_crisis(
    store: BaseStore,
    title: str,
    supplier: str | None,
    playbook_id: str,
    read: ReadList,
    staff: str,
    now: datetime,
    retry: timedelta = RETRY,
    lease: timedelta = LEASE,
) -> str:
    """A new crisis with its whole customer list, or nothing at all."""
    from recoverycli.store import iso

    title, supplier = heading(title, supplier)
    if read.problems:
        raise RecoverError(f"{read.path}: {len(read.problems)} bad row(s); nothing loaded")
    crisis = {
        "title": title,
        "supplier": supplier,
        "playbook_id": playbook_id,
        "status": "open",
        "opened_at": iso(now),
        "opened_by": staff,
        "retry_seconds": int(retry.total_seconds()),
        "lease_seconds": int(lease.total_seconds()),
    }
    return store.create_crisis(crisis, stamped(read, now, _source(read)))


def _source(read: ReadList) -> str:
    from pathlib import Path

    return Path(read.path).name[:200]


def duplicates_of_list(read: ReadList, existing: list[Any]) -> list[Problem]:
    """Rows of a new file whose contact is already on the crisis's list."""
    have: dict[str, tuple[int, str]] = {}
    for r in existing:
        for k in (r["contact_key"], r["alt_key"]):
            if k:
                have[k] = (r["seq"], r["name"])
    out = []
    for row, c in zip(read.rows, read.customers):
        clash = next((k for k in (c["contact_key"], c["alt_key"]) if k and k in have), None)
        if clash:
            seq, who = have[clash]
            out.append(
                Problem(
                    row,
                    f"already on this crisis's list (customer #{seq}, {who}, contact {clash}) — remove "
                    f"the row; to change their details, fix them on the call",
                )
            )
    return out


def corrections_of(read: ReadList, existing: list[Any]) -> dict[int, int]:
    """Rows that give a wrong-number customer their right contact: same name (and booking, where both have one)."""
    wrong: dict[str, list[Any]] = {}
    for r in existing:
        if r["state"] == "wrong_number" and r["name_key"]:
            wrong.setdefault(r["name_key"], []).append(r)
    out: dict[int, int] = {}
    for i, c in enumerate(read.customers):
        match = [
            r
            for r in wrong.get(c["name_key"], [])
            if not (r["booking_key"] and c["booking_key"]) or r["booking_key"] == c["booking_key"]
        ]
        if len(match) == 1 and match[0]["id"] not in out.values():
            out[i] = match[0]["id"]
    return out


@dataclass
class Added:
    added: int
    corrected: list[str]
    problems: list[Problem]


def add_customers(store: BaseStore, crisis_id: str, read: ReadList, now: datetime, staff: str = "") -> Added:
    """More customers for an open crisis: every row checked against the list too; nothing added if any is bad.

    A row for a customer marked wrong number, with a new contact, corrects them and puts them back in the queue.
    """
    if read.problems:
        return Added(0, [], read.problems)
    result = Added(0, [], [])

    def check(existing: list[Any]) -> tuple[list[Problem], dict[int, int]]:
        fixes = corrections_of(read, existing)
        rows = [r for r in existing if r["id"] not in fixes.values()]
        result.problems = [p for p in duplicates_of_list(read, rows)]
        result.corrected = [read.customers[i]["name"] for i in fixes]
        result.added = len(read.customers) - len(fixes)
        return result.problems, fixes

    from recoverycli.store import iso

    store.add_crisis_customers(crisis_id, stamped(read, now, _source(read)), check, staff, iso(now))
    return result


def reach_figures(store: BaseStore, now: datetime) -> list[tuple[Crisis, int, int]]:
    """Each open crisis with its customers and how many are reached: what a pace check needs (`watch --notify`)."""
    out = []
    for row in store.crisis_rows("open"):
        counts = store.crisis_counts(row["id"], now)
        out.append((Crisis.from_row(row), counts["total"], counts["by_state"]["reached"]))
    return out


def resolve(store: BaseStore, crisis_id: str | None, open_only: bool = True) -> Crisis:
    """The crisis named, or the only open one."""
    if crisis_id:
        return Crisis.from_row(store.crisis_row(crisis_id))
    rows = store.crisis_rows("open" if open_only else None)
    if not rows:
        raise NotFoundError("no open crisis — open one with `recover crisis open --title … --customers FILE`")
    if len(rows) > 1:
        listing = ", ".join(f"{r['id']} ({r['title']})" for r in rows[:10])
        raise UsageError(f"{len(rows)} open crises: {listing} — name the one you mean")
    return Crisis.from_row(rows[0])


# --- the queue ------------------------------------------------------------------------------------
@dataclass
class Claim:
    """A customer this desk holds for a call; released when the call is recorded, or when the lease runs out."""

    crisis: Crisis
    customer: Listed
    token: str
    attempts: list[Attempt]
    draft_ids: list[str] = field(default_factory=list)


def claim(store: BaseStore, crisis: Crisis, staff: str, now: datetime) -> Claim | None:
    if crisis.status != "open":
        raise RecoverError(f"crisis {crisis.id} is closed ({crisis.close_reason}) — nobody is called for it any more")
    got = store.claim_next(crisis.id, staff, now, crisis.lease)
    if got is None:
        return None
    row, token = got
    customer = Listed.from_row(row)
    attempts = [Attempt.from_row(a) for a in store.crisis_attempts(customer.id)]
    return Claim(crisis, customer, token, attempts, store.crisis_drafts(crisis.id, row["contact_key"]))


def outreach_listing(claim_: Claim, supplier: list[dict[str, Any]]) -> Listing:
    """The crisis a desk is calling this customer about, as the call shows it from the first question to the save."""
    return Listing(claim_.crisis, claim_.customer, OUTREACH, claim_.attempts, supplier)


def nobody_due(store: BaseStore, crisis: Crisis, now: datetime) -> str:
    """Why there is nobody to call right now, and when there will be."""
    counts = store.crisis_counts(crisis.id, now)["by_state"]
    nxt = store.next_due(crisis.id, now)
    waiting = counts["voicemail"] + counts["no_answer"] + counts["call_back_later"]
    parts = [f"nobody to call right now for {crisis.id}: {counts['reached']} reached"]
    if counts["in_call"]:
        parts.append(f"{counts['in_call']} in a call at other desks")
    if waiting:
        parts.append(f"{waiting} waiting to be tried again (next at {_when(_dt(nxt))})")
    if counts["wrong_number"]:
        parts.append(f"{counts['wrong_number']} wrong number(s): find the right one and `recover crisis add` them")
    return ", ".join(parts)


class Heartbeat:
    """Renews the desk's hold on its customer while the call goes on; a desk that dies stops renewing it.

    It uses a connection of its own: a store connection is not shared between threads.
    """

    def __init__(self, location: Any, claim_: Claim) -> None:
        self.location, self.claim = location, claim_
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="crisis-lease")

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        from recoverycli.errors import StoreError
        from recoverycli.store import open_store

        lease = self.claim.crisis.lease
        every = max(lease.total_seconds() / 3, 0.2)
        store = None
        while not self._stop.wait(every):
            try:
                store = store or open_store(self.location, create=False)
                store.renew_lease(self.claim.customer.id, self.claim.token, datetime.now(UTC) + lease)
            except StoreError:
                store = None  # try again at the next beat
        if store is not None:
            store.close()


def told_of(answers: dict[str, Any]) -> str | None:
    """What we told a reached customer, in one line: what we know, then what we are doing and by when."""
    parts = [" ".join(str(answers[k]).split()) for k in TOLD if answers.get(k)]
    return " — ".join(parts) or None


def attempt_record(attempt: dict[str, Any], staff: str, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    told = told_of(answers) if answers is not None else attempt.get("message_left")
    return {"outcome": attempt["outcome"], "staff": staff, "call_back_at": attempt.get("call_back_at"), "told": told}


def record(
    store: BaseStore,
    claim_: Claim,
    attempt: dict[str, Any],
    staff: str,
    now: datetime,
    case: Any = None,
    case_id: str | None = None,
    answers: dict[str, Any] | None = None,
) -> tuple[str | None, bool]:
    """The attempt (and the case of a reached customer) in one transaction; (case id, whether we still held them)."""
    rec = attempt_record(
        attempt, staff, answers if answers is not None else (case.answers if case is not None else None)
    )
    if case_id:
        rec["case_id"] = case_id
    return store.record_attempt(claim_.customer.id, claim_.token, rec, now, claim_.crisis.retry, case=case)


# --- the board --------------------------------------------------------------------------------------
def board(store: BaseStore, crisis: Crisis, now: datetime) -> dict[str, Any]:
    """Everything a manager watches during a crisis, as one JSON-able document."""
    counts = store.crisis_counts(crisis.id, now)
    total = counts["total"]
    end = crisis.closed_at or now
    return {
        "crisis": crisis.as_dict(),
        "as_of": now.isoformat(),
        "open_minutes": int((end - crisis.opened_at).total_seconds() // 60),
        "customers": total,
        "by_state": counts["by_state"],
        "reached_within": {
            k: {"count": v, "share": round(v / total, 3) if total else None} for k, v in counts["within"].items()
        },
        "attempts": counts["attempts"],
        "calling_now": [
            {"staff": r["leased_by"], "customer": r["name"], "since": r["leased_at"]}
            for r in store.calling_now(crisis.id, now)
        ],
        "next_try_at": store.next_due(crisis.id, now),
        "supplier": supplier_entries(store, crisis.id),
    }


def supplier_entries(store: BaseStore, crisis_id: str) -> list[dict[str, Any]]:
    return [
        {
            "at": r["at"],
            "staff": r["staff"],
            "note": r["note"],
            "commitment": r["commitment"],
            "due": r["due"],
            "deal": r["deal"],
        }
        for r in store.supplier_log(crisis_id)
    ]


def log_supplier(
    store: BaseStore,
    crisis: Crisis,
    staff: str,
    note: str,
    commitment: str | None,
    due: str | None,
    deal: str | None,
    now: datetime,
    rules: Any = None,
) -> dict[str, Any]:
    """[kaufman-supplier] one contact with the supplier: what they committed to, by when, the deal for next time.

    A commitment that sends customers to the supplier themselves is refused [riffey-ownership].
    """
    from recoverycli import coach
    from recoverycli.caselog.changes import _text
    from recoverycli.dates import parse_future_date, parse_later
    from recoverycli.store import iso

    entry: dict[str, Any] = {"at": iso(now), "staff": staff, "note": _text(note, "the note")}
    if commitment:
        entry["commitment"] = _text(commitment, "the commitment")
        flags = [
            f
            for f in coach.check(
                entry["commitment"],
                coach.default_rules() if rules is None else rules,
                coach.Context(prompt="supplier_action"),
            )
            if f.level == "error"
        ]
        if flags:
            f = flags[0]
            raise RecoverError(
                f"--commitment: “{f.match}” — {f.reason} Agree what the {crisis.supplier or 'supplier'} "
                f"does for our customers; we tell them. Try: {f.suggestion}"
            )
    if due:  # a day ('fri', '2026-12-05') or a moment ('16:00', 'tomorrow 10:00')
        try:
            entry["due"] = parse_future_date(due, now.astimezone().date()).isoformat()
        except ValueError:
            try:
                entry["due"] = parse_later(due, now).isoformat(timespec="minutes")
            except ValueError as e:
                raise UsageError(f"--by: {e}") from None
    if deal:
        entry["deal"] = _text(deal, "the deal")
    store.log_supplier(crisis.id, entry)
    return entry


def close(store: BaseStore, crisis: Crisis, staff: str, reason: str, give_up: bool, now: datetime) -> dict[str, int]:
    from recoverycli.caselog.changes import _text

    return store.close_crisis(crisis.id, staff, _text(reason, "the reason"), now, give_up)


# --- inbound: a listed customer calls us ---------------------------------------------------------------
def listing_for(store: BaseStore, contact: str, name: str, closed_since: str) -> Listing | None:
    """The crisis list this caller is on, if any (open crises, or closed within the repeat window)."""
    from recoverycli.identity import contact_key, name_key

    key = contact_key(contact)
    matches = store.listed_as([key], name_key(name), closed_since)
    if not matches:
        return None
    crisis_row, customer_row, how = matches[0]
    customer = Listed.from_row(customer_row)
    return Listing(
        Crisis.from_row(crisis_row),
        customer,
        how,
        [Attempt.from_row(a) for a in store.crisis_attempts(customer.id)],
        supplier_entries(store, crisis_row["id"]),
    )


def note_inbound(store: BaseStore, case: Any) -> str | None:
    """A listed customer's own call was saved: it goes in their history, and they count as reached (an outreach
    call's case is recorded by its attempt already). What changed, in words, or None."""
    from recoverycli.identity import contact_key, name_key
    from recoverycli.store import iso

    if not case.crisis_id or store.attempt_for_case(case.id):
        return None
    matches = [
        m
        for m in store.listed_as(
            [contact_key(case.customer.contact)], name_key(case.customer.name), iso(case.created_at)
        )
        if m[0]["id"] == case.crisis_id and m[2] != "name"
    ]
    if not matches:
        return None
    customer = matches[0][1]
    rec = {"outcome": "reached", "staff": case.staff, "told": told_of(case.answers), "case_id": case.id}
    store.record_attempt(customer["id"], None, rec, datetime.now(UTC), timedelta(0), direction="in")
    if customer["state"] == "reached":
        return f"their call is in {case.crisis_id}'s history"
    return f"{customer['name']} is marked reached on {case.crisis_id}'s list"


# --- the personal update ---------------------------------------------------------------------------------
PLACEHOLDERS = (
    "customer.name",
    "customer.first_name",
    "customer.booking",
    "customer.last_told",
    "crisis.title",
    "crisis.supplier",
    "supplier.commitment",
    "supplier.due",
    "supplier.deal",
    "staff.name",
    "staff.first_name",
)
UPDATE_FIELDS = (
    "customer",
    "name",
    "contact",
    "alt_contact",
    "booking",
    "segment",
    "state",
    "last_told",
    "message",
    "coach",
)
_PLACE = re.compile(r"\{([a-z_]+\.[a-z_]+)\}")
# Every brace in a message: a {…} pair on one line, or a brace on its own. Only an exact placeholder may stand.
_BRACE = re.compile(r"\{([^{}\n]*)\}|[{}]")
# Another mail merge's way of writing our placeholders: sent as is, the customer would read "Dear [customer.name]".
_NAMED = r"\s*((?:customer|crisis|supplier|staff)\.[\w. ]+?)\s*"
_OTHER_STYLE = re.compile(rf"\[\[?{_NAMED}\]\]?|<<{_NAMED}>>", re.IGNORECASE)


def template_problems(template: str, source: str) -> list[str]:
    """Each brace in a mail-merge message that is not exactly a known placeholder, and each placeholder written in
    another tool's style, as source:line:col lines: left in, it goes to every customer as template junk."""
    from recoverycli import coach

    known = "use one of " + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    found: list[tuple[int, str]] = []
    for m in _BRACE.finditer(template):
        name = m.group(1)
        if name is not None:
            if name not in PLACEHOLDERS:
                found.append((m.start(), f"unknown placeholder {{{name}}} — {known}"))
            continue
        if m.group() == "}":
            found.append((m.start(), f"a stray '}}' — remove it; placeholders are written {{customer.name}}: {known}"))
            continue
        rest = template[m.end() :].split("\n", 1)[0]
        if "}" not in rest.split("{", 1)[0]:
            what = "a '{' that is never closed — close it on the same line"
            if rest.startswith("{"):
                what = "a stray '{' — placeholders take one brace each side, not two"
            found.append((m.start(), f"{what}, e.g. {{customer.name}}: {known}"))
    for m in _OTHER_STYLE.finditer(template):
        inner = (m.group(1) or m.group(2)).strip().lower()
        found.append((m.start(), f"{m.group()} is not a placeholder here — write {{{inner}}}: {known}"))
    out = []
    for at, what in sorted(found):
        line, col = coach.position(template, at)
        out.append(f"{source}:{line}:{col}: {what}")
    return out


def _fill(template: str, values: dict[str, str]) -> str:
    """The template with each {placeholder} replaced by its value (every placeholder is known by then)."""
    return _PLACE.sub(lambda m: values[m.group(1)], template)


@dataclass
class Update:
    rows: list[dict[str, Any]]
    problems: list[str]  # error-level: nothing is written
    warnings: list[str]


def updates(
    store: BaseStore, crisis: Crisis, template: str, source: str, staff: str, only: str, rules: Any = None
) -> Update:
    """A personal message for each selected customer, every one checked by the coach [riffey-canned].

    An unknown placeholder, an empty one for some customer, or an error-level flag (another customer's name,
    sending them to the supplier) stops everything: a mail merge goes to hundreds at once. Each problem is
    reported once, with the customers it concerns and, where it comes from the template, its line:col.
    """
    from recoverycli import coach

    problems = template_problems(template, source)
    if not template.strip():
        problems.append(f"{source}: the message is empty — write the update to send")
    if problems:
        return Update([], problems, [])
    wanted = {
        "all": None,
        "reached": ("reached",),
        "unreached": ("new", "voicemail", "no_answer", "call_back", "wrong_number", "given_up"),
    }[only]
    supplier = supplier_entries(store, crisis.id)
    latest = {k: next((e[k] for e in reversed(supplier) if e.get(k)), "") or "" for k in ("commitment", "due", "deal")}
    used = sorted({m.group(1) for m in _PLACE.finditer(template)})
    told = [latest[k] for k in ("commitment", "deal") if f"supplier.{k}" in used]
    mentions = listed_mentions(store, crisis.id, told) if told else None
    if mentions is not None and any(mentions(t) for t in told):  # one customer's name or number sent to all of them
        return Update(
            [],
            [
                f"{source}: the supplier's latest commitment or deal identifies a customer on this list (a full name, "
                "phone or e-mail) and would go to every customer — record it again without them with `recover crisis "
                "supplier`, or leave that placeholder out"
            ],
            [],
        )
    ruleset = coach.default_rules() if rules is None else rules
    rows: list[dict[str, Any]] = []
    grouped: dict[tuple[str, ...], list[str]] = {}
    said: dict[tuple[str, ...], tuple[str, str]] = {}
    for r in store.crisis_list(crisis.id, managers_only=True):
        c = Listed.from_row(r)
        if (wanted is not None and c.state not in wanted) or c.name == "[erased]":
            continue
        who = f"#{c.seq} {c.name}"
        values = {
            "customer.name": c.name,
            "customer.first_name": c.first_name,
            "customer.booking": c.booking,
            "customer.last_told": c.last_told or "",
            "crisis.title": crisis.title,
            "crisis.supplier": crisis.supplier,
            "supplier.commitment": latest["commitment"],
            "supplier.due": _human_due(latest["due"]),
            "supplier.deal": latest["deal"],
            "staff.name": staff,
            "staff.first_name": staff.split()[0] if staff.split() else staff,
        }
        empty = [p for p in used if not values[p]]
        for p in empty:
            grouped.setdefault(("empty", p), []).append(who)
        if empty:
            continue
        text = _fill(template, values)
        flags = coach.check(text, ruleset, coach.Context(customer_name=c.name))
        for f in flags:
            # a name typed into the template goes to every customer on the list: sure to be someone else's for the
            # others, so it refuses here even where a single reply's bare first name only warns
            level = "error" if f.rule == "wrong-name" and re.search(rf"\b{re.escape(f.match)}\b", template) else f.level
            grouped.setdefault((level, f.rule, f.match), []).append(who)
            said.setdefault((level, f.rule, f.match), (f.reason, f.suggestion))
        rows.append(
            {
                "customer": c.seq,
                "name": c.name,
                "contact": c.contact,
                "alt_contact": c.alt_contact,
                "booking": c.booking,
                "segment": c.segment,
                "state": c.state,
                "last_told": c.last_told or "",
                "message": text,
                "coach": "; ".join(sorted({f.rule for f in flags})),
            }
        )
    warnings: list[str] = []
    for key, whom in grouped.items():
        names = ", ".join(whom[:3]) + (f" and {len(whom) - 3} more" if len(whom) > 3 else "")
        if key[0] == "empty":
            problems.append(
                f"{source}: {{{key[1]}}} is empty for {len(whom)} customer(s) ({names}) — {_empty_hint(key[1])}"
            )
            continue
        level, rule, match = key
        reason, suggestion = said[key]
        if rule == "wrong-name":  # the same name in every message: the template carries it
            reason = (
                f"The message names '{match}', but it goes to other customers: a message with another "
                f"customer's name destroys trust."
            )
            suggestion = "Write {customer.first_name} instead."
        at = template.lower().find(match.lower())
        where = f"{source}:{':'.join(map(str, coach.position(template, at)))}" if at >= 0 else source
        said_once = (
            f"{where}: {level}: {rule}: “{match}” — {reason} Try: {suggestion} ({len(whom)} message(s): {names})"
        )
        (problems if level == "error" else warnings).append(said_once)
    if not rows and not problems:
        problems.append(
            f"no customer of {crisis.id} is {only if only != 'all' else 'on the list'} — nothing to prepare"
        )
    return Update(rows, problems, warnings)


def _human_due(due: str) -> str:
    if not due:
        return ""
    if "T" in due:
        return datetime.fromisoformat(due).astimezone().strftime("%A %-d %B, %H:%M")
    return date.fromisoformat(due).strftime("%A %-d %B")


def _empty_hint(placeholder: str) -> str:
    if placeholder == "customer.last_told":
        return "they were never reached: take the others with --only reached, or drop that placeholder"
    if placeholder.startswith("supplier."):
        return "log it first: recover crisis supplier CRISIS --note … --commitment … --by … --deal …"
    if placeholder == "crisis.supplier":
        return "the crisis was opened without --supplier: drop that placeholder"
    return "add it to their row (recover crisis add), or drop that placeholder"


# --- the report ---------------------------------------------------------------------------------------------
def report_section(
    store: BaseStore, since: str, until: str, books: dict[str, Any], now: datetime, show_customers: bool = True
) -> list[dict[str, Any]]:
    """One entry per crisis open during the period: reach times, outcomes, gestures, supplier commitments.

    Without show_customers, the supplier log shows no listed customer's full name, phone or e-mail."""
    from recoverycli.caselog.report import HIDDEN
    from recoverycli.caselog.report import gestures as gesture_tally

    out = []
    for row in store.crises_in(since, until):
        crisis = Crisis.from_row(row)
        figures = board(store, crisis, crisis.closed_at or now)
        minutes = store.reach_minutes(crisis.id)
        out.append(
            {
                "id": crisis.id,
                "title": crisis.title,
                "supplier": crisis.supplier or None,
                "status": crisis.status,
                "opened_at": crisis.opened_at.isoformat(),
                "closed_at": crisis.closed_at.isoformat() if crisis.closed_at else None,
                "close_reason": crisis.close_reason,
                "customers": figures["customers"],
                "by_state": figures["by_state"],
                "reached_within": figures["reached_within"],
                "minutes_to_reach": {"n": len(minutes), "median": _rank(minutes, 5), "p90": _rank(minutes, 9)},
                "attempts": figures["attempts"],
                "outcomes": store.attempt_outcomes(crisis.id),
                "cases": len([c for c in store.crisis_cases(crisis.id) if c["status"] != "draft"]),
                "gestures": gesture_tally(store.crisis_gestures(crisis.id), books),
                "supplier_track": figures["supplier"] if show_customers else _hidden(store, crisis, figures, HIDDEN),
            }
        )
    return out


def _hidden(store: BaseStore, crisis: Crisis, figures: dict[str, Any], mark: str) -> list[dict[str, Any]]:
    """The supplier log with what identifies a listed customer (identity.Mentions, identifying) replaced by mark."""
    texts = [v for e in figures["supplier"] for k, v in e.items() if k in SUPPLIER_TEXT and isinstance(v, str)]
    mentions = listed_mentions(store, crisis.id, texts)
    if mentions is None:
        return list(figures["supplier"])
    return [
        {k: mentions.redact(v, mark) if isinstance(v, str) and k in SUPPLIER_TEXT else v for k, v in e.items()}
        for e in figures["supplier"]
    ]


SUPPLIER_TEXT = ("note", "commitment", "deal")


def listed_mentions(store: BaseStore, crisis_id: str, texts: list[str]) -> Any:
    """A matcher of the listed customers `texts` may identify (full name, a title or initial with the surname, a
    contact that picks them out, their booking reference), or None when they can name nobody. Only candidates are
    compiled: a name sharing a word with the texts, a phone number whose last four digits they hold, an address they
    contain — a list of 200,000 is not one regular expression."""
    from recoverycli.identity import Mentions, identifies, words

    blob = " ".join(texts)
    if not blob.strip():
        return None
    said, digits, lower = words(blob), "".join(c for c in blob if c.isdigit()), blob.lower()
    names, contacts, bookings = [], [], []
    for r in store.crisis_list(crisis_id):
        if r["name"] and not said.isdisjoint(words(r["name"])):
            names.append(r["name"])
        if r["booking"] and len(r["booking"].strip()) >= 3 and r["booking"].strip().lower() in lower:
            bookings.append(r["booking"])
        for c in (r["contact"], r["alt_contact"]):
            if not c or not identifies(c):
                continue
            if "@" in c:
                if c.strip().lower() in lower:
                    contacts.append(c)
            elif (tail := "".join(ch for ch in c if ch.isdigit())[-4:]) and tail in digits:
                contacts.append(c)
    if not names and not contacts and not bookings:
        return None
    return Mentions(names, contacts, parts=False, identifying=True, titled=True, references=bookings)


def _rank(sorted_values: list[float], tenths: int) -> float | None:
    """A percentile by linear interpolation (PostgreSQL's percentile_cont), the one definition the report uses."""
    from recoverycli.store.base import interpolate

    n = len(sorted_values)
    if not n:
        return None
    i = (n - 1) * tenths // 10
    return interpolate(n, tenths / 10, sorted_values[i], sorted_values[i + 1] if i + 1 < n else None)
