"""CSV / JSON-lines / JSON writers over store rows, streamed with flat memory."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, TextIO

from recoverycli.errors import RecoverError
from recoverycli.safety import RISKY, json_dumps, neutralise
from recoverycli.store.columns import COLUMNS, TIMES

__all__ = [
    "COLUMNS",
    "RISKY",
    "case_record",
    "localised",
    "neutralise",
    "pick_columns",
    "write_csv",
    "write_json",
    "write_jsonl",
]


def case_record(case: Any) -> dict[str, Any]:
    """A case as `show`, `list` and `drill` print it in JSON: named as the export names it (`case_id`, timestamps in UTC
    with an offset, to the microsecond). `id` repeats `case_id` for scripts written before; new scripts use `case_id`."""
    return {"case_id": case.id, **case.model_dump(mode="json")}


def pick_columns(spec: str | None) -> tuple[str, ...]:
    if not spec:
        return COLUMNS
    cols = tuple(c.strip() for c in spec.split(",") if c.strip())
    unknown = [c for c in cols if c not in COLUMNS]
    if unknown or not cols:
        raise RecoverError(
            f"--columns: unknown column(s) {', '.join(unknown) or '(none given)'} — choose from: {', '.join(COLUMNS)}",
            exit_code=2,
        )
    return cols


def localised(rows: Iterable[tuple[Any, ...]], columns: tuple[str, ...]) -> Iterator[tuple[Any, ...]]:
    """Timestamps in this machine's zone instead of UTC (the slower path: parsed row by row)."""
    idx = [i for i, c in enumerate(columns) if c in TIMES]
    for row in rows:
        cells = list(row)
        for i in idx:
            if cells[i] is not None:
                cells[i] = datetime.fromisoformat(cells[i]).astimezone().isoformat(timespec="microseconds")
        yield tuple(cells)


def write_csv(
    rows: Iterable[Iterable[Any]], out: TextIO, columns: tuple[str, ...], excel: bool = False, guard: bool = False
) -> None:
    """RFC 4180 CSV: CRLF, quotes doubled, newlines kept inside quoted cells.

    guard: pass every cell through the formula guard (safety.neutralise); the store's export has done it already.
    """
    if excel:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows((tuple(neutralise(v) for v in row) for row in rows) if guard else rows)


def _objects(rows: Iterable[tuple[Any, ...]], columns: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    for row in rows:
        rec = dict(zip(columns, row))
        if "extra" in rec:
            rec["extra"] = json.loads(rec["extra"] or "{}")
        yield rec


def write_jsonl(rows: Iterable[tuple[Any, ...]], out: TextIO, columns: tuple[str, ...]) -> None:
    for rec in _objects(rows, columns):
        out.write(json_dumps(rec) + "\n")


def write_json(rows: Iterable[tuple[Any, ...]], out: TextIO, columns: tuple[str, ...]) -> None:
    """A JSON array, written item by item so memory stays flat."""
    out.write("[")
    first = True
    for rec in _objects(rows, columns):
        out.write(("\n  " if first else ",\n  ") + json_dumps(rec))
        first = False
    out.write("]\n" if first else "\n]\n")
