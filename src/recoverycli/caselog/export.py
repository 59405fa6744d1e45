"""CSV / JSON-lines / JSON writers over store rows, streamed with flat memory."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO, cast

from recoverycli.errors import UsageError
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
    with an offset, to the microsecond). `id` repeats `case_id` for scripts written before; new scripts use
    `case_id`."""
    return {"case_id": case.id, **case.model_dump(mode="json")}


def pick_columns(spec: str | None) -> tuple[str, ...]:
    if not spec:
        return COLUMNS
    cols = tuple(c.strip() for c in spec.split(",") if c.strip())
    unknown = list(dict.fromkeys(c for c in cols if c not in COLUMNS))
    if unknown or not cols:
        shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        raise UsageError(f"--columns: unknown column(s) {shown or '(none given)'} — choose from: {', '.join(COLUMNS)}")
    twice = next((c for i, c in enumerate(cols) if c in cols[:i]), None)
    if twice is not None:  # a CSV would have two columns of that name, JSON one key: name each column once
        raise UsageError(f"--columns: {twice} is named twice — name each column once")
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


FORMATS = ("csv", "jsonl", "json")  # `recover export --format`: csv (the default), one object a line, an array


def write_cases(
    store: Any,
    out: TextIO,
    format: str,
    columns: tuple[str, ...],
    filt: Any,
    limit: int | None = None,
    *,
    raw: bool = False,
    excel: bool = False,
    local: bool = False,
) -> None:
    """Every matching case, oldest first, streamed to `out` as CSV (formula-looking cells neutralised unless `raw`;
    a BOM with `excel`), JSON lines or one JSON array; timestamps in UTC, or local time with `local`."""
    if format not in FORMATS:
        raise ValueError(f"export format {format!r} is not one of {FORMATS}")
    csv_out = format == "csv"
    rows: Iterable[tuple[Any, ...]] = store.export_rows(columns, filt, "oldest", limit, neutralise=csv_out and not raw)
    if local:
        rows = localised(rows, columns)
    if csv_out:
        write_csv(rows, out, columns, excel=excel)
    elif format == "jsonl":
        write_jsonl(rows, out, columns)
    else:
        write_json(rows, out, columns)


def export_to_file(
    store: Any,
    path: Path,
    format: str,
    columns: tuple[str, ...],
    filt: Any,
    limit: int | None = None,
    *,
    force: bool = False,
    protect: Iterable[Path | str] = (),
    raw: bool = False,
    excel: bool = False,
    local: bool = False,
) -> Path:
    """The export written to a file the user named: created 0600, an existing file replaced only with `force` and
    only once the whole export is written (a full disk leaves it as it was); never onto `protect` (the store)."""
    from recoverycli.files import output_file

    with output_file(path, force, list(protect), "export", newline="") as out:
        write_cases(store, cast(TextIO, out), format, columns, filt, limit, raw=raw, excel=excel, local=local)
    return path
