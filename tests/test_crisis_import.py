"""Customer lists as they arrive from booking systems and spreadsheets: lenient columns, every bad row by number,
nothing half-loaded."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from recoverycli.caselog.crisis_import import map_columns, read_customers
from recoverycli.cli import app
from recoverycli.errors import RecoverError
from recoverycli.store import open_store

runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, list(args), env={"RECOVER_STAFF": "Lena Duty"})


def write(tmp_path: Path, text: str, name: str = "list.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def open_with(path: Path, *extra: str):
    return cli("crisis", "open", "--title", "Aurora lost power", "--customers", str(path), *extra)


def crises(store_path: Path) -> int:
    return len(open_store(store_path).crisis_rows()) if store_path.exists() else 0


EXCEL_EUROPE = (
    "\ufeffGuest Name;Mobile;E-mail;PNR;Type;Cabin;Dietary\r\n"
    'Zoë Ångström;+46 8 123 456 78;zoe@example.se;BK-1;Family;7012;"no nuts;\r\nno shellfish"\r\n'
    "Jean-Luc Dubois;+33 1 42 68 53 00;;BK-2;couple;8120;\r\n"
)


def test_a_semicolon_csv_with_bom_and_quoted_newlines_loads_with_its_mapping_shown(
    tmp_path: Path, store_path: Path
) -> None:
    path = write(tmp_path, EXCEL_EUROPE)
    result = open_with(path)
    assert result.exit_code == 0, result.output
    crisis_id = result.stdout.strip()
    assert result.stderr.splitlines() == [
        f"{path}: UTF-8 text separated by semicolons",
        "  name       ← 'Guest Name'",
        "  contact    ← 'Mobile', 'E-mail'",
        "  booking    ← 'PNR'",
        "  segment    ← 'Type'",
        "  notes      ← 'Cabin', 'Dietary'",
        f"opened {crisis_id} with 2 customer(s): 1 family, 1 couple; desks call them with: recover crisis call "
        f"{crisis_id}",
    ]
    [zoe, jean] = open_store(store_path).crisis_list(crisis_id)
    assert (
        zoe["name"] == "Zoë Ångström"
        and zoe["contact"] == "+46 8 123 456 78"
        and zoe["alt_contact"] == "zoe@example.se"
    )
    assert zoe["segment"] == "family" and zoe["booking"] == "BK-1"
    assert "no nuts; no shellfish" in zoe["notes"] and "7012" in zoe["notes"]
    assert jean["contact_key"] == "+33142685300"


def test_every_bad_row_is_reported_by_number_and_nothing_loads(tmp_path: Path, store_path: Path) -> None:
    text = (
        "name,phone,email,booking,segment\n"
        "Hannah Ruiz,+1 415 555 0199,,BK-1,couple\n"  # row 2: fine
        "Pete Ruiz,(415) 555-0199,,BK-1,couple\n"  # row 3: the same phone, written differently
        ",+1 212 555 0100,,BK-3,\n"  # row 4: no name
        "Mia Chen,,,BK-4,business\n"  # row 5: no contact
        "Tom Lee,555-CALL-NOW,,BK-5,\n"  # row 6: not a phone
        "Ann Lee,,ann@,BK-6,\n"  # row 7: not an e-mail
        "Ed Ng,+1 617 555 0144,,BK-7,alien\n"  # row 8: unknown segment
        "Jo Park,+1 303 555 0101,HANNAH@x.example,BK-8,\n"
        "Jo Park 2,,hannah@X.example,BK-9,\n"  # row 10: an e-mail already given on row 9
        "\n"  # a blank line is nobody
        "Li Wu,+1 303 555 0102,,BK-10,vip,extra cell\n"
    )  # row 12: more cells than the header
    result = open_with(write(tmp_path, text))
    assert result.exit_code == 1 and result.stdout == ""
    path = tmp_path / "list.csv"
    bad = [line for line in result.stderr.splitlines() if ": row " in line]
    assert bad == [
        f"{path}: row 3: duplicate contact +14155550199 (also row 2, Hannah Ruiz) — one call reaches them both: "
        "merge the rows or remove one",
        f"{path}: row 4: no name — add the customer's name",
        f"{path}: row 5: no contact — add a phone number or an e-mail address",
        f"{path}: row 6: unparsable phone '555-CALL-NOW' — write it with its country code, e.g. +44 20 7946 0000",
        f"{path}: row 7: unparsable e-mail address 'ann@' — write it as name@example.com",
        f"{path}: row 8: segment 'alien' is not one of family, business, couple, group, vip, other — use one of those",
        f"{path}: row 10: duplicate contact hannah@x.example (also row 9, Jo Park) — one call reaches them both: "
        "merge the rows or remove one",
        f"{path}: row 12: 6 cells but the header has 5 — a delimiter inside a cell that is not quoted?",
    ]
    assert "8 bad row(s) — nothing loaded" in result.stderr
    assert crises(store_path) == 0


def test_dry_run_shows_what_would_load_and_loads_nothing(tmp_path: Path, store_path: Path) -> None:
    text = (
        "Passenger,Tel,Booking ref,Category,Called us\nAna Souza,+1 212 555 0100,BK-1,other,yes\nBo Li,+1 212 555 "
        "0101,BK-2,VIP,\n"
    )
    result = cli("crisis", "open", "--title", "x", "--customers", str(write(tmp_path, text)), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would load 2 customer(s): 1 other, 1 vip; 1 chased us already — nothing loaded (dry run)" in result.stderr
    table = result.stdout
    assert table.index("Bo Li") < table.index("Ana Souza")  # the VIP is called first
    assert "chased us  ← 'Called us'" in result.stderr
    assert crises(store_path) == 0


def test_ten_thousand_rows_load_in_one_go_and_one_bad_row_stops_them_all(tmp_path: Path, store_path: Path) -> None:
    rows = [f"Guest {i},+1 415 {200 + i // 10000:03d} {i % 10000:04d},BK-{i}" for i in range(10_000)]
    good = write(tmp_path, "name,phone,booking\n" + "\n".join(rows) + "\n", "big.csv")
    result = open_with(good)
    assert result.exit_code == 0, result.output
    assert len(open_store(store_path).crisis_list(result.stdout.strip())) == 10_000
    rows[7_776] = "Guest 7776,,BK-7776"
    rows[9_998] = rows[12]
    bad = write(tmp_path, "name,phone,booking\n" + "\n".join(rows) + "\n", "bad.csv")
    refused = open_with(bad)
    assert refused.exit_code == 1
    assert [line.split(": ", 2)[1] for line in refused.stderr.splitlines() if ": row " in line] == [
        "row 7778",
        "row 10000",
    ]
    assert crises(store_path) == 1


def test_windows_1252_and_utf16_exports_are_read(tmp_path: Path) -> None:
    latin = write(tmp_path, "Nom,Téléphone,Réservation\nRené Müller,+33 1 42 68 53 00,BK-1\n", "latin.csv", "cp1252")
    read = read_customers(latin)
    assert read.how == "Windows-1252 (not UTF-8) text separated by commas"
    assert read.customers[0]["name"] == "René Müller" and not read.problems
    unicode_text = write(tmp_path, "\ufeffName\tPhone\nŁucja Nowak\t+48 22 123 45 67\n", "u16.txt", "utf-16-le")
    read = read_customers(unicode_text)
    assert read.how == "UTF-16 text separated by tabs" and read.customers[0]["name"] == "Łucja Nowak"


def test_first_and_last_name_columns_make_the_name(tmp_path: Path) -> None:
    read = read_customers(write(tmp_path, "First name,Surname,Email\nAmara,Obi,amara@example.com\n"))
    assert read.customers[0]["name"] == "Amara Obi" and read.customers[0]["contact"] == "amara@example.com"


def test_national_numbers_follow_the_phone_region(tmp_path: Path) -> None:
    path = write(tmp_path, "name,phone\nAmy Pond,020 7946 0000\n")
    assert read_customers(path, "GB").customers[0]["contact_key"] == "+442079460000"
    assert read_customers(path).problems  # in the default region (US) that is no number


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "the file is empty"),
        ("cabin,dinner\n7012,early\n", "no column for the customer's name"),
        ("name,cabin\nAna,7012\n", "no column for how to reach them"),
        (",".join(f"col{i}" for i in range(20_000)) + "\n", "col11 and 19,988 more; rename one"),  # not 149 KB
        ('name,phone\n"Ana,+1 212 555 0100\n', "the file is not valid CSV"),
        ("name,phone\nAna\x00,+1 212 555 0100\n", "NUL bytes"),
    ],
)
def test_unusable_files_get_one_line_and_no_traceback(
    tmp_path: Path, store_path: Path, text: str, message: str
) -> None:
    result = open_with(write(tmp_path, text))
    assert result.exit_code == 1 and message in result.stderr
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1
    assert crises(store_path) == 0


def test_a_huge_cell_or_an_old_excel_file_is_refused_cleanly(tmp_path: Path) -> None:
    huge = write(tmp_path, 'name,phone,notes\nAna,+1 212 555 0100,"' + "x" * 200_000 + '"\n')
    assert "row 2: a cell holds over 128 KB of text" in open_with(huge).stderr  # not 'check the quotes'
    old = write(tmp_path, "whatever", "list.xls")
    result = open_with(old)
    assert result.exit_code == 1 and "save the sheet as CSV UTF-8" in result.stderr
    assert open_with(tmp_path).exit_code == 1  # a directory


def test_an_xlsx_sheet_loads_with_excel_row_numbers(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Passenger Name", "Mobile", "PNR", "Segment"])
    sheet.append(["Hannah Ruiz", 14155550199, "BK-20931", "couple"])  # a number typed into a phone column
    sheet.append(["Kai Nakamura", None, "BK-6", "family"])
    path = tmp_path / "manifest.xlsx"
    book.save(path)
    read = read_customers(path, "US")
    assert read.how == "Excel workbook, first sheet"
    assert read.customers[0]["contact"] == "14155550199" and read.customers[0]["contact_key"] == "+14155550199"
    assert [(p.row, p.message) for p in read.problems] == [(3, "no contact — add a phone number or an e-mail address")]


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hostile pass 4: a 1.1 MB .xlsx holding a 1.2 GB cell took all the memory (MemoryError). Its parts' sizes are
    read from the zip first (the limit is lowered here so the test writes 3 MB, not gigabytes)."""
    import zipfile

    from recoverycli.caselog import crisis_import

    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["Name", "Phone"])
    book.active.append(["Ana Souza", "+1 212 555 0100"])
    path = tmp_path / "list.xlsx"
    book.save(path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/padding.bin", b"0" * 3 * 2**20)
    assert path.stat().st_size < 100_000
    monkeypatch.setattr(crisis_import, "MAX_UNPACKED", 2 * 2**20)
    with pytest.raises(RecoverError, match=r"list\.xlsx: this workbook unpacks to 3 MB, more than a customer list"):
        read_customers(path, "US")
    monkeypatch.setattr(crisis_import, "MAX_UNPACKED", 8 * 2**20)
    assert read_customers(path, "US").customers[0]["name"] == "Ana Souza"


def test_headers_are_matched_leniently() -> None:
    m = map_columns(
        [
            "Passenger name (as on passport)",
            "Mobile phone",
            "E-Mail Address",
            "Record Locator",
            "Guest type",
            "Contact name",
            "Cabin",
        ]
    )
    assert dict(m.describe()) == {
        "name": ["Contact name", "Passenger name (as on passport)"],  # exact names first
        "contact": ["Mobile phone", "E-Mail Address"],
        "booking": ["Record Locator"],
        "segment": ["Guest type"],
        "notes": ["Cabin"],
    }


cell = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=30).filter(
    lambda s: s.strip() and s == " ".join(s.split())
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(cell, cell, cell), min_size=1, max_size=8), delimiter=st.sampled_from([",", ";", "\t"]))
def test_any_text_round_trips_through_a_spreadsheet_export(
    tmp_path: Path, rows: list[tuple[str, str, str]], delimiter: str
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["name", "phone", "booking", "notes"])
    for i, (name, booking, note) in enumerate(rows):
        writer.writerow([name, f"+1 415 555 {1000 + i:04d}", booking, note])
    path = tmp_path / f"h{random.random()}.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    read = read_customers(path)
    assert not read.problems
    assert [(c["name"], c["booking"], c["notes"].get("notes")) for c in read.customers] == rows


def test_crisis_add_reports_duplicates_of_the_list_and_a_closed_crisis(tmp_path: Path, store_path: Path) -> None:
    opened = open_with(write(tmp_path, "name,phone\nAna Souza,+1 212 555 0100\n"))
    crisis_id = opened.stdout.strip()
    dup = write(tmp_path, "name,phone\nAna S.,212-555-0100\nBo Li,+1 212 555 0101\n", "more.csv")
    dry = cli("crisis", "add", crisis_id, "--customers", str(dup), "--dry-run")
    assert dry.exit_code == 1 and "row 2: already on this crisis's list (customer #1, Ana Souza" in dry.stderr
    assert cli("crisis", "close", crisis_id, "--reason", "a drill", "--give-up").exit_code == 0
    closed = cli(
        "crisis", "add", crisis_id, "--customers", str(write(tmp_path, "name,phone\nCy,+1 212 555 0102\n", "c.csv"))
    )
    assert closed.exit_code == 1 and "is closed" in closed.stderr


def test_reader_errors_are_recover_errors(tmp_path: Path) -> None:
    with pytest.raises(RecoverError):
        read_customers(tmp_path / "missing.csv")
