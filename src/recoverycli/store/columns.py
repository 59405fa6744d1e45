"""The column registry: the export's public columns, where each is read from, and the case↔row mapping.

Adding an export column is one entry in EXPORT (appended: scripts depend on the order) plus, when it needs a
column of its own in the cases table, one migration in store/migrations.py. Both backends build their export
from this registry (SQLite in SQL, PostgreSQL cell by cell in Python) and write rows through `row_of`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from recoverycli.caselog.record import iso_utc
from recoverycli.errors import StoreError
from recoverycli.playbooks.schema import BASE_PROMPTS
from recoverycli.safety import neutralise

if TYPE_CHECKING:
    from recoverycli.caselog.record import Case, Event

# Answers every playbook asks: each has an export column; the others go together into `extra`.
BASE_ANSWERS = BASE_PROMPTS  # every call answers them: each is a column of its own (the rest go to `extra`)


@dataclass(frozen=True)
class Column:
    """One export column: its public name, the cases column it is read from (None: the answer of that name)."""

    name: str
    row: str | None = None
    text: bool = False  # what a person typed: in CSV, a cell a spreadsheet would run as a formula is neutralised

    @property
    def answer(self) -> str | None:
        """The answer key the cell comes from (None for a plain column and for `extra`)."""
        return self.name if self.row is None and self.name != EXTRA else None


EXTRA = "extra"  # the answers a playbook adds beyond BASE_ANSWERS, as one JSON object

# Public and stable: scripts depend on these names and this order (docs, "Export columns"). Append only.
EXPORT: tuple[Column, ...] = (
    Column("case_id", "id"),
    Column("status", "status"),
    Column("created_at", "created_at"),
    Column("updated_at", "updated_at"),
    Column("staff", "staff", text=True),
    Column("playbook_id", "playbook_id"),
    Column("playbook_version", "playbook_version"),
    Column("customer_name", "customer_name", text=True),
    Column("customer_contact", "customer_contact", text=True),
    Column("segment", "segment"),
    Column("complaint_number", "complaint_number"),
    Column("customer_words", text=True),
    Column("desired_outcome", text=True),
    Column("apology", text=True),
    Column("commitment", text=True),
    Column("gesture", text=True),
    Column("follow_up_date", "follow_up_date"),
    Column("follow_up_done_at", "follow_up_done_at"),
    Column("root_cause", text=True),
    Column("closed_at", "closed_at"),
    Column("resolution", "resolution", text=True),
    Column(EXTRA, text=True),
    Column("crisis_id", "crisis_id"),  # added with crises (schema v6)
)
COLUMNS: tuple[str, ...] = tuple(c.name for c in EXPORT)
BY_NAME: dict[str, Column] = {c.name: c for c in EXPORT}
TIMES = ("created_at", "updated_at", "follow_up_done_at", "closed_at")  # shown in local time with --tz local

# Base answers the report and the export read, also kept as columns of their own (schema v7), written at every save
# from the answers so that neither parses JSON for them. SQLite keeps each value as json_extract gives it (the
# columns have no type affinity), PostgreSQL as the text ->> gives (`answer_cell` of each backend).
ANSWER_COLUMNS = (
    "desired_outcome",
    "apology",
    "commitment",
    "gesture",
    "root_cause",
    "incident_at",
    "room_number",  # with location: where it happened, for the report's root causes
    "location",
)

# Whether the case's free text may quote its customer by name (schema v8), written with the answer columns: bit 1 the
# root cause shares a word with the customer's name, bit 2 the gesture does. The report fetches the names of a group
# of cases, to hide them, only where a case says so (or the text holds a digit or an @: a contact).
NAME_IN_TEXT = "name_in_text"
NAMED_ANSWERS = (("root_cause", 1), ("gesture", 2))

# Columns set by later commands (follow-up, close, system fix) that a copy must carry over too.
LATER_COLUMNS = ("follow_up_done_at", "closed_at", "resolution", "system_fix_done_at")
# Columns a change after the call may set (BaseStore.apply).
CHANGEABLE = frozenset(
    {
        "status",
        "follow_up_date",
        "follow_up_done_at",
        "closed_at",
        "resolution",
        "updated_at",
        "answers",
        "system_fix_done_at",
        *ANSWER_COLUMNS,
        NAME_IN_TEXT,
    }
)


def row_of(case: Case, cell: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """The one mapping from a Case to its row, for inserts and draft updates alike (cell: the backend's answer_cell)."""
    from recoverycli.identity import contact_key, name_key

    return {
        "id": case.id,
        "status": case.status,
        "created_at": iso_utc(case.created_at),
        "updated_at": iso_utc(case.updated_at),
        "staff": case.staff,
        "customer_name": case.customer.name,
        "customer_contact": case.customer.contact,
        "segment": case.customer.segment or "",
        "playbook_id": case.playbook.id,
        "playbook_version": case.playbook.version,
        "playbook_hash": case.playbook.hash,
        "answers": stored_json(case.answers, case.id),
        "follow_up_date": case.answers.get("follow_up_date"),
        "complaint_number": case.complaint_number,
        "severity": case.severity,
        "contact_key": contact_key(case.customer.contact),
        "name_key": name_key(case.customer.name),
        "crisis_id": case.crisis_id,
        **answer_columns(case.answers, cell or sqlite_json_value, case.customer.name, case.customer.contact),
    }


def answer_columns(answers: dict[str, Any], cell: Callable[[Any], Any], name: str, contact: str) -> dict[str, Any]:
    """The ANSWER_COLUMNS of a row, from its answers, and NAME_IN_TEXT (`name`, `contact`: the customer's)."""
    out = {k: cell(answers.get(k)) for k in ANSWER_COLUMNS}
    out[NAME_IN_TEXT] = name_in_text(name, contact, *(out[k] for k, _ in NAMED_ANSWERS))
    return out


def name_in_text(name: Any, contact: Any, *texts: Any) -> int:
    """NAME_IN_TEXT from the customer's name and contact and the NAMED_ANSWERS as their columns hold them (the
    report's text): a text's bit is set where it shares a word with the name, or holds the contact as erasure finds
    it. The report hides customers only in groups where a case's bit is set, by the customers of those cases."""
    from recoverycli.identity import Mentions, may_hold_contact, may_name

    bits = 0
    for (_, bit), text in zip(NAMED_ANSWERS, texts):
        if text is None:
            continue
        said = str(text)
        if isinstance(name, str) and may_name(said, name):
            bits |= bit
        elif isinstance(contact, str) and contact.strip() and may_hold_contact(said) and Mentions([], [contact])(said):
            bits |= bit
    return bits


def case_of(row: Any, events: list[Event]) -> Case:
    """The inverse of `row_of`: a Case from its row and its events."""
    from recoverycli.caselog.record import Case, Customer, PlaybookRef

    return Case(
        id=row["id"],
        status=row["status"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        staff=row["staff"],
        customer=Customer(name=row["customer_name"], contact=row["customer_contact"], segment=row["segment"] or None),
        playbook=PlaybookRef(id=row["playbook_id"], version=row["playbook_version"], hash=row["playbook_hash"]),
        answers=load_json(row["answers"]),
        complaint_number=row["complaint_number"],
        severity=row["severity"],
        repeats=repeat_of(events),
        crisis_id=row["crisis_id"],
        events=events,
    )


def repeat_of(events: list[Event]) -> str | None:
    """The earlier case a complaint repeats, as its `repeat` event recorded when the customer was identified."""
    return next((str(e.data["of"]) for e in events if e.kind == "repeat" and e.data.get("of")), None)


def content_hash(case: Case, row_extra: dict[str, Any] | None = None) -> str:
    """A fingerprint of everything a case holds except its id, so a copy can be verified field by field."""
    body = case.model_dump(mode="json", exclude={"id"})
    body["events"] = [e for e in body["events"] if e["kind"] != "copied"]
    body["later"] = {k: (row_extra or {}).get(k) for k in LATER_COLUMNS}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def stored_json(value: Any, case_id: str) -> str:
    """JSON as the store keeps it: never Infinity or NaN, which SQLite's JSON functions and PostgreSQL reject."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise StoreError(
            f"case {case_id}: an answer is not a finite number (Infinity or NaN) — nothing was saved; "
            f"give the number in digits"
        ) from None


def load_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def sqlite_json_value(value: Any) -> Any:
    """A JSON answer as SQLite's json_extract gives it, so both backends export the same cells."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def pg_text(value: Any) -> str | None:
    """A JSON answer as PostgreSQL's ->> gives it from the stored answers: text as it is, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def export_cells(row: Any, cols: tuple[str, ...], guard: bool) -> tuple[Any, ...]:
    """One export row computed in Python from a case row (the PostgreSQL path; SQLite does it in SQL)."""
    answers = load_json(row["answers"])
    out = []
    for name in cols:
        col = BY_NAME[name]
        if col.row is not None:
            v = row[col.row]
        elif name == EXTRA:
            rest = {k: v for k, v in answers.items() if k not in BASE_ANSWERS}
            v = json.dumps(rest, ensure_ascii=False, separators=(",", ":"))
        else:
            v = sqlite_json_value(answers.get(name))
        out.append(neutralise(v) if guard and col.text else v)
    return tuple(out)
