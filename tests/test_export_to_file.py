"""Export as the core does it (caselog.export.write_cases / export_to_file), on a real SQLite file in tmp_path."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from recoverycli.caselog.export import COLUMNS, export_to_file, write_cases
from recoverycli.caselog.filters import CaseFilter
from recoverycli.caselog.record import Case, Customer, Event, PlaybookRef
from recoverycli.errors import RecoverError
from recoverycli.store import open_store

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def seed(store_path: Path, *words: str) -> None:
    store = open_store(store_path)
    for said in words:
        store.add(
            Case(
                id="RC-NEW",
                status="open",
                created_at=NOW,
                updated_at=NOW,
                staff="Dana Reyes",
                customer=Customer(name="Ana Souza", contact="+1 555 0100", segment="business"),
                playbook=PlaybookRef(id="other", version=1, hash="abc"),
                answers={"customer_words": said, "follow_up_date": "2026-11-27"},
                events=[Event(at=NOW, staff="Dana Reyes", kind="created", data={"via": "wizard"})],
            )
        )


def test_csv_neutralises_formulas_unless_raw_and_json_keeps_them(store_path: Path) -> None:
    seed(store_path, "=HYPERLINK(1)", "plain words")
    store, cols = open_store(store_path), ("case_id", "customer_words")
    out = io.StringIO()
    write_cases(store, out, "csv", cols, CaseFilter())
    assert sorted(r["customer_words"] for r in csv.DictReader(io.StringIO(out.getvalue()))) == [
        "'=HYPERLINK(1)",
        "plain words",
    ]
    raw = io.StringIO()
    write_cases(store, raw, "csv", cols, CaseFilter(), raw=True)
    assert "'=" not in raw.getvalue() and "=HYPERLINK(1)" in raw.getvalue()
    lines = io.StringIO()
    write_cases(store, lines, "jsonl", cols, CaseFilter())
    assert sorted(json.loads(line)["customer_words"] for line in lines.getvalue().splitlines()) == [
        "=HYPERLINK(1)",
        "plain words",
    ]
    one = io.StringIO()
    write_cases(store, one, "jsonl", cols, CaseFilter(), limit=1)
    assert len(one.getvalue().splitlines()) == 1


def test_an_export_file_is_private_whatever_the_umask(store_path: Path, tmp_path: Path) -> None:
    seed(store_path, "It broke.")
    target = tmp_path / "out" / "cases.json"
    target.parent.mkdir()
    old = os.umask(0o000)
    try:
        written = export_to_file(open_store(store_path), target, "json", COLUMNS, CaseFilter(), protect=[store_path])
    finally:
        os.umask(old)
    assert written == target and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [row["customer_words"] for row in json.loads(target.read_text())] == ["It broke."]


def test_an_existing_file_is_replaced_only_with_force(store_path: Path, tmp_path: Path) -> None:
    seed(store_path, "It broke.")
    target = tmp_path / "cases.csv"
    target.write_text("last week's export\n")
    store = open_store(store_path)
    with pytest.raises(RecoverError, match="--force"):
        export_to_file(store, target, "csv", COLUMNS, CaseFilter())
    assert target.read_text() == "last week's export\n"
    export_to_file(store, target, "csv", COLUMNS, CaseFilter(), force=True, excel=True)
    assert target.read_bytes().startswith(b"\xef\xbb\xbf" + b"case_id,")


def test_the_export_never_writes_over_the_store(store_path: Path) -> None:
    seed(store_path, "It broke.")
    before = store_path.read_bytes()
    with pytest.raises(RecoverError):
        export_to_file(
            open_store(store_path), store_path, "csv", COLUMNS, CaseFilter(), force=True, protect=[store_path]
        )
    assert store_path.read_bytes() == before
