"""After the call: follow-ups, notes, closing, filters and exports for scripts."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recoverycli.caselog.export import COLUMNS, neutralise, write_csv
from recoverycli.caselog.filters import CaseFilter
from recoverycli.caselog.record import Customer
from recoverycli.cli import app
from recoverycli.store import open_store
from tests.helpers import make_case

runner = CliRunner()
TODAY = date.today()
HEADER = (
    "case_id,status,created_at,updated_at,staff,playbook_id,playbook_version,customer_name,customer_contact,"
    "segment,complaint_number,customer_words,desired_outcome,apology,commitment,gesture,follow_up_date,"
    "follow_up_done_at,root_cause,closed_at,resolution,extra,crisis_id"
)
NASTY = 'She said "no, thanks", then:\nline two, with commas; tabs\tand emoji 🧳\n=HYPERLINK("http://x")'


def seed(store_url: str, **answers: object) -> str:
    base = {"customer_words": "It broke.", "commitment": "Fix by 18:00", "follow_up_date": TODAY.isoformat()}
    return open_store(store_url).add(make_case(**{**base, **answers})).id


def invoke(*args: str, **kw: object):
    result = runner.invoke(app, list(args), env={"RECOVER_STAFF": "Lee Park"}, **kw)
    return result


def test_export_header_is_pinned() -> None:
    assert ",".join(COLUMNS) == HEADER


def test_csv_round_trip_keeps_every_character_and_neutralises_formulas(store_url: str) -> None:
    seed(store_url, customer_words=NASTY, desired_outcome="-5 euros back", room_number="412")
    result = invoke("export", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert len(rows) == 1
    row = rows[0]
    assert row["customer_words"] == NASTY  # starts with 'S': untouched, newlines and quotes intact
    assert row["desired_outcome"] == "'-5 euros back"
    assert json.loads(row["extra"]) == {"room_number": "412"}
    assert row["complaint_number"] == "1" and row["status"] == "open"
    assert datetime.fromisoformat(row["created_at"]).utcoffset() == timedelta(0)
    assert result.stdout.startswith(HEADER)  # CRLF line ends are checked on a real file below


def test_formula_cells_neutralised_unless_raw(store_url: str) -> None:
    seed(store_url, customer_words='=HYPERLINK("http://x")', apology="@SUM(A1)")
    safe = list(csv.DictReader(io.StringIO(invoke("export").stdout, newline="")))[0]
    assert safe["customer_words"] == '\'=HYPERLINK("http://x")' and safe["apology"] == "'@SUM(A1)"
    raw = list(csv.DictReader(io.StringIO(invoke("export", "--raw").stdout, newline="")))[0]
    assert raw["customer_words"] == '=HYPERLINK("http://x")'
    for cell in ("+1", "\tx", "\rx"):
        assert neutralise(cell) == "'" + cell


def test_excel_bom_columns_and_local_time(store_url: str, tmp_path: Path) -> None:
    seed(store_url, customer_words="Café crème")
    out = tmp_path / "log.csv"
    result = invoke("export", "--excel", "--output", str(out), "--columns", "customer_words,case_id", "--tz", "local")
    assert result.exit_code == 0 and result.stdout == ""
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfcustomer_words,case_id\r\n")
    assert "Café crème" in data.decode("utf-8-sig")
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    local = list(csv.DictReader(io.StringIO(invoke("export", "--tz", "local").stdout)))[0]["created_at"]
    assert datetime.fromisoformat(local).utcoffset() == datetime.now().astimezone().utcoffset()
    bad = invoke("export", "--columns", "case_id,nope")
    assert bad.exit_code == 2 and "unknown column(s) nope" in bad.stderr


def test_jsonl_and_json_exports_have_typed_extra(store_url: str) -> None:
    seed(store_url, room_number="412", technician_checked=True)
    seed(store_url)
    lines = invoke("export", "--format", "jsonl").stdout.splitlines()
    extras = sorted((json.loads(line)["extra"] for line in lines), key=len)
    assert extras == [{}, {"room_number": "412", "technician_checked": True}]
    array = json.loads(invoke("export", "--format", "json").stdout)
    assert [r["case_id"] for r in array] == [json.loads(line)["case_id"] for line in lines]
    assert list(array[0]) == list(COLUMNS)
    assert json.loads(invoke("export", "--format", "json", "--status", "closed").stdout) == []


def test_every_change_is_an_event_with_staff_and_time(store_url: str) -> None:
    case_id = seed(store_url)
    assert invoke("note", case_id, "Guest called back, calmer now").exit_code == 0
    assert invoke("followup", case_id, "--reschedule", "+2d", "--reason", "Guest away until Friday").exit_code == 0
    assert invoke("followup", case_id, "--done", "--note", "Happy with the refund").exit_code == 0
    assert invoke("close", case_id, "--resolution", "Refunded; breakfast given").exit_code == 0
    assert invoke("reopen", case_id, "--reason", "Charged again").exit_code == 0
    case = open_store(store_url).get(case_id)
    kinds = [e.kind for e in case.events]
    assert kinds == ["created", "note", "follow_up_rescheduled", "follow_up_done", "closed", "reopened"]
    assert all(e.staff == "Lee Park" and e.at.tzinfo for e in case.events[1:])
    moved = case.events[2].data
    assert moved == {
        "from": TODAY.isoformat(),
        "to": (TODAY + timedelta(days=2)).isoformat(),
        "reason": "Guest away until Friday",
    }
    assert case.answers["follow_up_date"] == (TODAY + timedelta(days=2)).isoformat()
    assert case.status == "open"
    row = list(csv.DictReader(io.StringIO(invoke("export").stdout)))[0]
    assert row["follow_up_done_at"] and row["closed_at"] == "" and row["resolution"] == ""


def test_done_twice_or_closed_twice_says_so_and_changes_nothing(store_url: str) -> None:
    case_id = seed(store_url)
    assert invoke("followup", case_id, "--done", "--note", "Happy").exit_code == 0
    before = open_store(store_url).get(case_id)
    again = invoke("followup", case_id, "--done", "--note", "Called again")
    assert again.exit_code == 0
    done_at = next(e.at for e in before.events if e.kind == "follow_up_done").astimezone().strftime("%Y-%m-%d %H:%M")
    assert again.stderr == f"{case_id}: the follow-up was already done on {done_at} — nothing changed\n"
    assert invoke("close", case_id, "--resolution", "Refunded").exit_code == 0
    closed = invoke("close", case_id, "--resolution", "Refunded again")
    assert (
        closed.exit_code == 0
        and "already closed on" in closed.stderr
        and "(Refunded) — nothing changed" in closed.stderr
    )
    after = open_store(store_url).get(case_id)
    assert [e.kind for e in after.events] == ["created", "follow_up_done", "closed"]
    row = list(csv.DictReader(io.StringIO(invoke("export").stdout)))[0]
    assert row["resolution"] == "Refunded" and row["follow_up_done_at"] == before.events[1].at.isoformat(
        timespec="microseconds"
    )


def test_changes_need_a_staff_name_and_valid_input(store_url: str) -> None:
    case_id = seed(store_url)
    result = runner.invoke(app, ["note", case_id, "x"])
    assert result.exit_code == 1 and "--staff" in result.stderr
    assert invoke("followup", case_id).exit_code == 2
    assert invoke("followup", case_id, "--reschedule", "tomorrow").exit_code == 2
    assert "in the past" in invoke("followup", case_id, "--reschedule", "2020-01-01", "--reason", "x").stderr
    assert invoke("note", "RC-99999", "x").exit_code == 1


def test_followups_due_today_and_overdue_most_urgent_first(store_url: str) -> None:
    late = seed(store_url, follow_up_date=(TODAY - timedelta(days=3)).isoformat())
    today = seed(store_url)
    soon = seed(store_url, follow_up_date=(TODAY + timedelta(days=2)).isoformat())
    done = seed(store_url, follow_up_date=(TODAY - timedelta(days=1)).isoformat())
    invoke("followup", done, "--done")
    rows = json.loads(invoke("followups", "--format", "json").stdout)
    assert [r["case_id"] for r in rows] == [late, today]
    assert rows[0]["days_overdue"] == 3 and rows[0]["promise"] == "Fix by 18:00" and rows[0]["owner"] == "Dana Reyes"
    assert [r["case_id"] for r in json.loads(invoke("followups", "--upcoming", "2", "--format", "json").stdout)] == [
        late,
        today,
        soon,
    ]
    csv_rows = list(csv.DictReader(io.StringIO(invoke("followups", "--format", "csv").stdout)))
    assert [r["case_id"] for r in csv_rows] == [late, today]
    assert [json.loads(invoke("list", "--overdue", "--format", "json").stdout)[0]["id"]] == [late]


def test_due_logic_uses_the_local_calendar_day(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from recoverycli.caselog.filters import day_start_utc

    monkeypatch.setenv("TZ", "Pacific/Auckland")
    import time

    time.tzset()
    try:
        start = datetime.fromisoformat(day_start_utc(date(2026, 11, 25)))
        assert start == datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # NZDT is UTC+13
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_ics_has_one_event_per_due_follow_up_with_stable_uids(store_url: str, tmp_path: Path) -> None:
    from icalendar import Calendar

    a = seed(store_url, follow_up_date=(TODAY - timedelta(days=1)).isoformat())
    b = seed(store_url)
    ics = tmp_path / "due.ics"
    assert invoke("followups", "--ics", str(ics), "--format", "json").exit_code == 0
    cal = Calendar.from_ical(ics.read_bytes())
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {f"{a}-follow-up@recover", f"{b}-follow-up@recover"}
    assert events[f"{b}-follow-up@recover"].decoded("dtstart") == TODAY
    assert "Fix by 18:00" in str(events[f"{b}-follow-up@recover"]["description"])
    first = int(events[f"{a}-follow-up@recover"]["sequence"])
    assert first == (TODAY - timedelta(days=1) - date(2000, 1, 1)).days  # what earlier versions wrote for this date
    invoke("followup", a, "--reschedule", "+3d", "--reason", "Guest travelling")
    invoke("followup", a, "--reschedule", "tomorrow", "--reason", "Back early")  # earlier than before: still a change
    assert invoke("followups", "--ics", str(ics), "--upcoming", "5").exit_code == 1  # an existing file needs --force
    assert invoke("followups", "--ics", str(ics), "--upcoming", "5", "--force").exit_code == 0
    again = {str(e["uid"]): e for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")}
    assert set(again) == set(events)  # same UIDs: a re-import updates, never duplicates
    latest = (TODAY + timedelta(days=3) - date(2000, 1, 1)).days  # the latest date it ever had, plus two moves
    assert int(again[f"{a}-follow-up@recover"]["sequence"]) == latest + 2
    assert int(again[f"{b}-follow-up@recover"]["sequence"]) == int(
        events[f"{b}-follow-up@recover"]["sequence"]
    )  # unchanged


def test_a_second_calendar_implementation_reads_the_ics(store_url: str, tmp_path: Path) -> None:
    """vobject, not the icalendar library that wrote the file, parses it and sees SEQUENCE only grow."""
    import vobject

    a = seed(
        store_url, follow_up_date=(TODAY + timedelta(days=4)).isoformat(), commitment="Refund €40; call back, “promise”"
    )
    ics = tmp_path / "due.ics"
    seen = []
    for move in (None, "+2d", "tomorrow", "today"):  # each move is earlier than the one before
        if move:
            assert invoke("followup", a, "--reschedule", move, "--reason", "Guest asked").exit_code == 0
        assert invoke("followups", "--upcoming", "7", "--ics", str(ics), "--force").exit_code == 0
        cal = vobject.readOne(ics.read_text(encoding="utf-8"))
        (event,) = cal.vevent_list
        assert event.uid.value == f"{a}-follow-up@recover"
        seen.append((event.dtstart.value, int(event.sequence.value)))
        assert event.dtend.value == event.dtstart.value + timedelta(days=1) and "Refund €40" in event.description.value
    assert [d for d, _ in seen] == [TODAY + timedelta(days=n) for n in (4, 2, 1, 0)]
    base = (TODAY + timedelta(days=4) - date(2000, 1, 1)).days  # what recover wrote before: days since 2000
    assert [s for _, s in seen] == [base, base + 1, base + 2, base + 3]  # each move earlier, the sequence still up


def test_rescheduling_to_the_same_date_is_refused(store_url: str) -> None:
    case_id = seed(store_url, follow_up_date=(TODAY + timedelta(days=1)).isoformat())
    result = invoke("followup", case_id, "--reschedule", "tomorrow", "--reason", "No change really")
    assert result.exit_code == 1
    assert f"the follow-up is already on {(TODAY + timedelta(days=1)).isoformat()} — nothing changed" in result.stderr
    assert [e.kind for e in open_store(store_url).get(case_id).events] == ["created"]


def test_list_filters(store_url: str) -> None:
    store = open_store(store_url)
    ana = store.add(make_case()).id
    bo = store.add(
        make_case().model_copy(
            update={
                "staff": "Bo Lind",
                "customer": Customer(name="Zed Q", contact="zed@x.org", segment="vip"),
                "playbook": make_case().playbook.model_copy(update={"id": "room-failure"}),
            }
        )
    ).id
    old = store.add(make_case().model_copy(update={"created_at": datetime(2025, 1, 1, tzinfo=UTC)})).id

    def ids(*args: str) -> set[str]:
        result = invoke("list", "--format", "json", *args)
        assert result.exit_code == 0, result.output
        return {c["id"] for c in json.loads(result.stdout)}

    assert ids() == {ana, bo, old}
    assert ids("--playbook", "room-failure") == {bo}
    assert ids("--customer", "zed@") == {bo} and ids("--customer", "SOUZA") == {ana, old}
    assert ids("--staff", "bo lind") == {bo}
    assert ids("--since", "2026-01-01") == {ana, bo}
    assert ids("--until", "2025-06-30") == {old}
    assert ids("--since", "-7d") == {ana, bo} or TODAY > date(2026, 12, 1)
    assert len(ids("--limit", "1")) == 1
    assert invoke("list", "--since", "someday").exit_code == 2
    rows = list(csv.DictReader(io.StringIO(invoke("list", "--format", "csv").stdout)))
    assert {r["case_id"] for r in rows} == {ana, bo, old}


def test_forget_also_erases_notes_that_quote_the_customer(store_url: str) -> None:
    case_id = seed(store_url)
    invoke("note", case_id, "Ana Souza rang again about the bill")
    invoke("note", case_id, "Invoice sent")
    assert invoke("forget", "--customer", "Ana Souza", "--yes").exit_code == 0
    notes = [e.data["text"] for e in open_store(store_url).get(case_id).events if e.kind == "note"]
    assert notes == ["[erased]", "Invoice sent"]


def test_watch_feed_reports_a_follow_up_falling_overdue_once(store_url: str) -> None:
    from recoverycli.caselog.watch import FeedState, poll

    store = open_store(store_url)
    case_id = seed(store_url, follow_up_date="2026-11-25")
    state = FeedState()
    assert poll(store, state, date(2026, 11, 25)) == []  # the first look only remembers
    assert poll(store, state, date(2026, 11, 25)) == []  # due today is not overdue yet
    items = poll(store, state, date(2026, 11, 26))
    assert [(i.kind, i.case_id) for i in items] == [("overdue", case_id)]
    assert "promised: Fix by 18:00" in items[0].text
    assert poll(store, state, date(2026, 11, 26)) == []  # reported once
    invoke("followup", case_id, "--done")
    assert poll(store, state, date(2026, 11, 27)) == []


def test_export_leaves_drafts_out_unless_asked(store_url: str) -> None:
    store = open_store(store_url)
    kept = seed(store_url)
    draft = store.add(make_case().model_copy(update={"status": "draft"})).id

    def ids(*a: str) -> list[str]:
        return [json.loads(line)["case_id"] for line in invoke("export", "--format", "jsonl", *a).stdout.splitlines()]

    assert ids() == [kept]
    assert ids("--status", "draft") == [draft]


def test_followups_mark_emergencies(store_url: str) -> None:
    calm = seed(store_url)
    store = open_store(store_url)
    urgent = store.add(
        make_case(customer_words="Again!", commitment="Manager calls", follow_up_date=TODAY.isoformat()).model_copy(
            update={"complaint_number": 2, "severity": "emergency"}
        )
    ).id
    rows = {r["case_id"]: r for r in json.loads(invoke("followups", "--format", "json").stdout)}
    assert rows[urgent]["emergency"] is True and rows[calm]["emergency"] is False
    table = runner.invoke(app, ["followups"], env={"COLUMNS": "100"}).stdout
    lines = table.splitlines()
    at = next(i for i, line in enumerate(lines) if urgent in line)
    assert "EMERGENCY" in lines[at + 1] and not any("EMERGENCY" in line for line in lines if calm in line)
    flags = {
        r["case_id"]: r["emergency"] for r in csv.DictReader(io.StringIO(invoke("followups", "--format", "csv").stdout))
    }
    assert flags == {urgent: "True", calm: "False"}


def test_sequence_only_grows_and_stays_above_what_older_versions_wrote() -> None:
    from recoverycli.caselog.followups import sequence
    from recoverycli.caselog.record import Event

    old_style = lambda d: (date.fromisoformat(d) - date(2000, 1, 1)).days  # noqa: E731 - the date-derived value of before
    case = make_case(follow_up_date="2026-12-01")
    seen = [sequence(case)]
    for before, after in (("2026-12-01", "2026-12-10"), ("2026-12-10", "2026-12-03"), ("2026-12-03", "2026-12-02")):
        case = case.model_copy(
            update={
                "answers": {**case.answers, "follow_up_date": after},
                "events": [
                    *case.events,
                    Event(
                        at=datetime.now(UTC),
                        staff="Lee",
                        kind="follow_up_rescheduled",
                        data={"from": before, "to": after, "reason": "x"},
                    ),
                ],
            }
        )
        seen.append(sequence(case))
        assert seen[-1] > seen[-2] and seen[-1] > old_style(after)  # up on every move, above the old value for the date
    assert seen == [
        old_style("2026-12-01"),
        old_style("2026-12-10") + 1,
        old_style("2026-12-10") + 2,
        old_style("2026-12-10") + 3,
    ]


# The formula guard's table: a cell as stored → the CSV cell every path writes. Numbers are never formulas.
GUARDED = [
    ("-5", "-5"),
    ("-5.2", "-5.2"),
    ("=1+1", "'=1+1"),
    ("+1 415", "'+1 415"),
    ("@x", "'@x"),
    ("\t=x", "'\t=x"),
    ("\r=x", "'\r=x"),
    ("", ""),
    ("Room 412 was cold", "Room 412 was cold"),
    ("-5 euros back", "'-5 euros back"),
    ("-", "'-"),
    ("-5.", "'-5."),
    ("-.5", "'-.5"),
    ("-5.2.1", "'-5.2.1"),
    ("-5e3", "'-5e3"),
    ("-5\n", "'-5\n"),
    ("5-", "5-"),
    (-5, "-5"),
    (-5.2, "-5.2"),
    (0, "0"),
]


def csv_cells(rows: list[tuple[object, ...]], columns: tuple[str, ...], guard: bool = False) -> list[list[str]]:
    out = io.StringIO()
    write_csv(rows, out, columns, guard=guard)
    return list(csv.reader(io.StringIO(out.getvalue(), newline="")))[1:]


def test_every_export_path_guards_formulas_by_one_rule(store_url: str) -> None:
    store = open_store(store_url)
    ids = {store.add(make_case(customer_words=cell, gesture=cell)).id: want for cell, want in GUARDED}
    cols = ("case_id", "customer_words", "gesture")
    exported = csv_cells(list(store.export_rows(cols, CaseFilter(), "oldest", None, neutralise=True)), cols)
    assert {case_id: (words, gesture) for case_id, words, gesture in exported} == {i: (w, w) for i, w in ids.items()}
    raw = csv_cells(list(store.export_rows(cols, CaseFilter(), "oldest", None, neutralise=False)), cols)
    assert sorted(w for _, w, _ in raw) == sorted(str(cell) for cell, _ in GUARDED)  # --raw: as typed
    # the crisis mail merge and the follow-ups CSV guard their cells in the writer, by the same rule
    merged = csv_cells([(cell,) for cell, _ in GUARDED], ("name",), guard=True)
    assert [row[0] for row in merged] == [want for _, want in GUARDED]
    assert [neutralise(cell) for cell, _ in GUARDED] == [
        want if isinstance(cell, str) else cell for cell, want in GUARDED
    ]
