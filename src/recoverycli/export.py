"""CSV / JSON-lines / JSON writers that stream store rows with flat memory."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from typing import Any, Iterable, Iterator, TextIO

from recoverycli.errors import RecoverError

# Public and stable: scripts depend on these names and this order (README, "Export columns").
COLUMNS: tuple[str, ...] = (
    "case_id", "status", "created_at", "updated_at", "staff", "playbook_id", "playbook_version",
    "customer_name", "customer_contact", "segment", "complaint_number", "customer_words",
    "desired_outcome", "apology", "commitment", "gesture", "follow_up_date", "follow_up_done_at",
    "root_cause", "closed_at", "resolution", "extra",
)
_TIMES = ("created_at", "updated_at", "follow_up_done_at", "closed_at")
_RISKY = ("=", "+", "-", "@", "\t", "\r")


def pick_columns(spec: str | None) -> tuple[str, ...]:
    if not spec:
        return COLUMNS
    cols = tuple(c.strip() for c in spec.split(",") if c.strip())
    unknown = [c for c in cols if c not in COLUMNS]
    if unknown or not cols:
        raise RecoverError(f"--columns: unknown column(s) {', '.join(unknown) or '(none given)'} — choose from: {', '.join(COLUMNS)}", exit_code=2)
    return cols


def _when(value: str | None, local: bool) -> str | None:
    if value is None or not local:
        return value
    return datetime.fromisoformat(value).astimezone().isoformat(timespec="seconds")


def records(rows: Iterable[Any], columns: tuple[str, ...], local: bool = False) -> Iterator[dict[str, Any]]:
    """One flat record per case, in column order; `extra` stays JSON text until a writer decides."""
    for r in rows:
        rec = {
            "case_id": r["id"], "status": r["status"], "created_at": r["created_at"], "updated_at": r["updated_at"],
            "staff": r["staff"], "playbook_id": r["playbook_id"], "playbook_version": r["playbook_version"],
            "customer_name": r["customer_name"], "customer_contact": r["customer_contact"], "segment": r["segment"],
            "complaint_number": r["complaint_number"], "customer_words": r["a_customer_words"],
            "desired_outcome": r["a_desired_outcome"], "apology": r["a_apology"], "commitment": r["a_commitment"],
            "gesture": r["a_gesture"], "follow_up_date": r["follow_up_date"], "follow_up_done_at": r["follow_up_done_at"],
            "root_cause": r["a_root_cause"], "closed_at": r["closed_at"], "resolution": r["resolution"],
            "extra": r["extra"] or "{}",
        }
        if local:
            for k in _TIMES:
                rec[k] = _when(rec[k], True)
        yield {c: rec[c] for c in columns}


def neutralise(cell: str) -> str:
    """A spreadsheet runs a cell that starts like a formula; a leading quote makes it text."""
    return "'" + cell if cell.startswith(_RISKY) else cell


def write_csv(recs: Iterable[dict[str, Any]], out: TextIO, columns: tuple[str, ...], raw: bool = False, excel: bool = False) -> int:
    if excel:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    n = 0
    for rec in recs:
        cells = ["" if v is None else str(v) for v in rec.values()]
        writer.writerow(cells if raw else [neutralise(c) for c in cells])
        n += 1
    return n


def _jsonable(rec: dict[str, Any]) -> dict[str, Any]:
    if "extra" in rec:
        rec["extra"] = json.loads(rec["extra"])
    return rec


def write_jsonl(recs: Iterable[dict[str, Any]], out: TextIO) -> int:
    n = 0
    for rec in recs:
        out.write(json.dumps(_jsonable(rec), ensure_ascii=False) + "\n")
        n += 1
    return n


def write_json(recs: Iterable[dict[str, Any]], out: TextIO) -> int:
    """A JSON array, written item by item so memory stays flat."""
    out.write("[")
    n = 0
    for rec in recs:
        out.write(("\n  " if n == 0 else ",\n  ") + json.dumps(_jsonable(rec), ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n
