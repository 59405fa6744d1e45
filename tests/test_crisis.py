"""Crisis outreach on both stores: the queue's order, attempts and leases, the board's figures, closing, the
supplier track, the personal update, inbound callers, export, report and erasure."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recoverycli.call import outreach
from recoverycli.caselog import crisis
from recoverycli.caselog.crisis_import import read_customers
from recoverycli.cli import app
from recoverycli.playbooks.library import Library, bundled_dir
from recoverycli.store import open_store
from tests.helpers import EXAMPLES

runner = CliRunner()
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
REACHED = EXAMPLES / "crisis-outreach.answers.yaml"
VOICEMAIL = EXAMPLES / "crisis" / "voicemail.answers.yaml"
OTHER = (EXAMPLES / "other.answers.yaml").read_text()


def cli(*args: str, **kw: object):
    return runner.invoke(app, list(args), env={"RECOVER_STAFF": "Lena Duty"}, **kw)


def customers_csv(
    tmp_path: Path, rows: list[str], header: str = "name,phone,booking,segment,chased", name: str = "list.csv"
) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def people(n: int, segment: str = "other") -> list[str]:
    return [f"Guest {i:03d},+1 415 555 {1000 + i:04d},BK-{i:04d},{segment}," for i in range(n)]


def opened(
    store_url: str, tmp_path: Path, rows: list[str], retry: timedelta = crisis.RETRY, lease: timedelta = crisis.LEASE
) -> tuple[object, crisis.Crisis]:
    store = open_store(store_url)
    read = read_customers(customers_csv(tmp_path, rows))
    assert not read.problems, read.problems
    crisis_id = crisis.open_crisis(
        store, "Aurora lost power at sea", "Blue Line Cruises", "crisis-outreach", read, "Lena Duty", T0, retry, lease
    )
    return store, crisis.resolve(store, crisis_id)


def claim_and_record(store, found, at: datetime, outcome: str, staff: str = "Maya", **extra: str) -> crisis.Claim:
    got = crisis.claim(store, found, staff, at)
    assert got is not None
    crisis.record(store, got, {"outcome": outcome, **extra}, staff, at)
    return got


def test_queue_takes_vips_then_families_then_those_who_chased_us_then_load_order(
    store_url: str, tmp_path: Path
) -> None:
    rows = [
        "Ann Other,+1 415 555 0101,,other,",
        "Bea Family,+1 415 555 0102,,family,",
        "Cy Vip,+1 415 555 0103,,vip,",
        "Di Chased,+1 415 555 0104,,other,yes",
        "Ed Other,+1 415 555 0105,,other,no",
        "Flo Vip,+1 415 555 0106,,VIP,",
    ]
    store, found = opened(store_url, tmp_path, rows)
    order = [crisis.claim(store, found, f"Desk {i}", T0).customer.name for i in range(6)]
    assert order == ["Cy Vip", "Flo Vip", "Bea Family", "Di Chased", "Ann Other", "Ed Other"]
    assert crisis.claim(store, found, "Desk 7", T0) is None  # every one is held by a desk


def test_a_due_call_back_comes_before_untried_vips(store_url: str, tmp_path: Path) -> None:
    rows = ["Vi One,+1 415 555 0101,,vip,", "Vi Two,+1 415 555 0102,,vip,", "Olga Other,+1 415 555 0103,,other,"]
    store, found = opened(store_url, tmp_path, rows)
    v1, v2, olga = (crisis.claim(store, found, "Desk", T0) for _ in range(3))
    assert olga.customer.name == "Olga Other"
    crisis.record(
        store, olga, {"outcome": "call_back", "call_back_at": (T0 + timedelta(minutes=5)).isoformat()}, "Desk", T0
    )
    store.release(v1.customer.id, v1.token)
    store.release(v2.customer.id, v2.token)
    assert crisis.claim(store, found, "Desk", T0 + timedelta(minutes=1)).customer.name == "Vi One"  # not due yet
    assert crisis.claim(store, found, "Desk", T0 + timedelta(minutes=6)).customer.name == "Olga Other"


def test_unreached_customers_return_after_the_retry_delay_and_wrong_numbers_do_not(
    store_url: str, tmp_path: Path
) -> None:
    store, found = opened(store_url, tmp_path, people(3), retry=timedelta(minutes=30))
    claim_and_record(store, found, T0, "voicemail", message_left="Maya from Seaview; I call again within the hour.")
    claim_and_record(store, found, T0, "no_answer")
    claim_and_record(store, found, T0, "wrong_number")
    assert crisis.claim(store, found, "Desk", T0 + timedelta(minutes=29)) is None
    assert "2 waiting to be tried again" in crisis.nobody_due(store, found, T0 + timedelta(minutes=29))
    again = [crisis.claim(store, found, "Desk", T0 + timedelta(minutes=31)) for _ in range(3)]
    assert [g.customer.name if g else None for g in again] == ["Guest 000", "Guest 001", None]
    assert again[0].customer.last_told == "Maya from Seaview; I call again within the hour."
    assert [a.outcome for a in again[0].attempts] == ["voicemail"]


def test_a_reached_customer_becomes_a_case_linked_to_the_crisis(store_url: str, tmp_path: Path) -> None:
    store, found = opened(store_url, tmp_path, people(2))
    lib = Library([bundled_dir()])
    done = outreach.call_from_file(store, lib, found, REACHED, None, date(2026, 11, 20), now=T0)
    assert done.outcome == "reached" and done.held and done.case_id.startswith("RC-")
    case = store.get(done.case_id)
    assert case.crisis_id == found.id and case.playbook.id == "crisis-outreach" and case.status == "open"
    assert (
        case.customer.name == "Guest 000" and case.customer.contact == "+1 415 555 1000"
    )  # from the list, not the file
    listed = crisis.Listed.from_row(store.crisis_list(found.id)[0])
    assert listed.state == "reached" and listed.case_id == case.id and listed.reached_at == T0
    assert listed.last_told.startswith("The Aurora lost power off Mykonos") and "call you at 16:30" in listed.last_told
    assert any("`customer:` is not used here" in n for n in done.notices)
    shown = runner.invoke(app, ["show", case.id], env={"COLUMNS": "120"}).stdout
    assert f"Crisis     {found.id} (recover crisis board {found.id})" in shown


def test_a_desk_whose_hold_ran_out_still_has_its_call_recorded(store_url: str, tmp_path: Path) -> None:
    store, found = opened(store_url, tmp_path, people(2), lease=timedelta(minutes=2))
    slow = crisis.claim(store, found, "Slow desk", T0)
    assert crisis.claim(store, found, "Other desk", T0 + timedelta(minutes=1)).customer.id != slow.customer.id
    fast = crisis.claim(store, found, "Fast desk", T0 + timedelta(minutes=3))  # the slow desk's hold ran out
    assert fast.customer.id == slow.customer.id
    _, held = crisis.record(store, slow, {"outcome": "no_answer"}, "Slow desk", T0 + timedelta(minutes=4))
    assert held is False
    row = store.crisis_customer(slow.customer.id)
    assert row["state"] == "new" and row["leased_by"] == "Fast desk"  # the desk that holds them now decides
    assert [(a.outcome, a.late) for a in map(crisis.Attempt.from_row, store.crisis_attempts(slow.customer.id))] == [
        ("no_answer", True)
    ]
    _, held = crisis.record(store, fast, {"outcome": "reached"}, "Fast desk", T0 + timedelta(minutes=5))
    assert held is True and store.crisis_customer(slow.customer.id)["state"] == "reached"


def board_scenario(store_url: str, tmp_path: Path):
    """Ten customers at known times; the board read at T0 + 12 h."""
    names = [
        "Vo Mail",
        "Rea Ched",
        "No Answer",
        "Rea Later",
        "Rea Last",
        "Cal Later",
        "Wro Ng",
        "Cal Due",
        "In Call",
        "Not Tried",
    ]
    rows = [f"{n},+1 415 555 {2000 + i:04d},BK-{i},other," for i, n in enumerate(names)]
    store, found = opened(store_url, tmp_path, rows, retry=timedelta(hours=24))
    h = lambda x: T0 + timedelta(hours=x)  # noqa: E731
    claim_and_record(store, found, h(5 / 60), "voicemail")
    claim_and_record(store, found, h(0.5), "reached")
    claim_and_record(store, found, h(0.75), "no_answer")
    claim_and_record(store, found, h(2), "reached")
    claim_and_record(store, found, h(10), "reached")
    claim_and_record(store, found, h(10.5), "call_back", call_back_at=h(20).isoformat())
    claim_and_record(store, found, h(11), "wrong_number")
    claim_and_record(
        store, found, h(11 + 5 / 60), "call_back", call_back_at=(h(12) - timedelta(seconds=30)).isoformat()
    )
    assert crisis.claim(store, found, "Desk 9", h(12) - timedelta(minutes=1)).customer.name == "In Call"
    crisis.log_supplier(
        store,
        found,
        "Lena Duty",
        "Spoke to Maria in guest relations",
        "Blue Line refunds two nights to every card by 5 December",
        "2026-12-05",
        "30% off a 2027 sailing",
        h(1),
    )
    return store, found, h(12)


def test_board_figures_match_a_known_crisis(store_url: str, tmp_path: Path) -> None:
    store, found, now = board_scenario(store_url, tmp_path)
    b = crisis.board(store, found, now)
    assert b["customers"] == 10 and b["attempts"] == 8 and b["open_minutes"] == 720
    assert b["by_state"] == {
        "in_call": 1,
        "not_tried": 1,
        "reached": 3,
        "voicemail": 1,
        "no_answer": 1,
        "call_back_due": 1,
        "call_back_later": 1,
        "wrong_number": 1,
        "given_up": 0,
    }
    assert b["reached_within"] == {
        "1h": {"count": 1, "share": 0.1},
        "4h": {"count": 2, "share": 0.2},
        "24h": {"count": 3, "share": 0.3},
    }
    assert [(r["staff"], r["customer"]) for r in b["calling_now"]] == [("Desk 9", "In Call")]
    assert b["supplier"] == [
        {
            "at": (T0 + timedelta(hours=1)).isoformat(timespec="microseconds"),
            "staff": "Lena Duty",
            "note": "Spoke to Maria in guest relations",
            "commitment": "Blue Line refunds two nights to every card by 5 December",
            "due": "2026-12-05",
            "deal": "30% off a 2027 sailing",
        }
    ]
    later = crisis.board(store, found, now + timedelta(minutes=2))  # Desk 9 went quiet: its hold ran out
    assert later["by_state"]["in_call"] == 0 and later["by_state"]["not_tried"] == 2 and later["calling_now"] == []


def test_board_in_the_terminal_and_as_json(store_url: str, tmp_path: Path) -> None:
    store, found = opened(store_url, tmp_path, people(4))
    now = datetime.now(UTC)
    claim_and_record(store, found, now, "reached")
    crisis.claim(store, found, "Desk 2", now)
    table = runner.invoke(app, ["crisis", "board", found.id], env={"COLUMNS": "80"})
    assert table.exit_code == 0, table.output
    for text in (
        "Aurora lost power at sea · Blue Line Cruises",
        "not yet tried    2",
        "in a call        1",
        "reached          1",
        "Calling now",
        "Desk 2",
        "Guest 001",
    ):
        assert text in table.stdout, text
    assert max(len(line) for line in table.stdout.splitlines()) <= 80
    data = json.loads(runner.invoke(app, ["crisis", "board", "--format", "json"]).stdout)  # the only open crisis
    assert data["crisis"]["id"] == found.id and data["by_state"]["reached"] == 1 and data["customers"] == 4


def test_crisis_panels_never_pass_a_control_sequence_or_markup_to_the_terminal(store_url: str, tmp_path: Path) -> None:
    rows = ["Eve\x1b]0;pwned\x07 [link=file:///etc/passwd]Evil[/link],+1 415 555 0101,BK-1,other,"]
    store, found = opened(store_url, tmp_path, [bytes(r, "utf-8").decode("unicode_escape") for r in rows])
    crisis.claim(store, found, "Desk\x1b[2J 2", datetime.now(UTC))
    table = runner.invoke(app, ["crisis", "board", found.id], env={"COLUMNS": "120"})
    assert table.exit_code == 0, table.output
    assert "\x1b" not in table.stdout and "\x07" not in table.stdout
    assert "[link=file:///etc/passwd]Evil[/link]" in table.stdout  # shown as the text it is, never a live link


def test_close_needs_everyone_reached_or_given_up_and_a_reason(store_url: str, tmp_path: Path) -> None:
    store, found = opened(store_url, tmp_path, people(3))
    claim_and_record(store, found, T0, "reached")
    held = crisis.claim(store, found, "Desk 2", datetime.now(UTC))
    refused = cli("crisis", "close", found.id, "--reason", "done", "--give-up")
    assert refused.exit_code == 1 and "1 customer(s) are being called right now" in refused.stderr
    store.release(held.customer.id, held.token)
    left = cli("crisis", "close", found.id, "--reason", "done")
    assert left.exit_code == 1 and "2 customer(s) not reached yet" in left.stderr and "--give-up" in left.stderr
    assert cli("crisis", "close", found.id, "--reason", " ").exit_code == 1
    closed = cli("crisis", "close", found.id, "--reason", "Refunds paid; two never answered", "--give-up")
    assert closed.exit_code == 0 and "2 customer(s) given up on" in closed.stderr
    b = crisis.board(store, crisis.resolve(store, found.id), datetime.now(UTC))
    assert b["by_state"]["given_up"] == 2 and b["crisis"]["status"] == "closed"
    assert b["crisis"]["close_reason"] == "Refunds paid; two never answered"
    again = cli("crisis", "call", found.id, "--answers", str(REACHED))
    assert again.exit_code == 1 and "is closed" in again.stderr


def test_supplier_track_refuses_sending_customers_to_the_supplier(store_url: str, tmp_path: Path) -> None:
    store, found = opened(store_url, tmp_path, people(1))
    pushed = cli(
        "crisis",
        "supplier",
        found.id,
        "--note",
        "Called Blue Line",
        "--commitment",
        "Passengers must contact them directly for refunds",
    )
    assert pushed.exit_code == 1 and "--commitment:" in pushed.stderr and "we tell them" in pushed.stderr
    ok = cli(
        "crisis",
        "supplier",
        found.id,
        "--note",
        "Maria, guest relations",
        "--commitment",
        "Blue Line refunds two nights to every card",
        "--by",
        "2026-12-05",
        "--deal",
        "30% off a 2027 sailing",
    )
    assert ok.exit_code == 0, ok.output
    assert [e["due"] for e in crisis.supplier_entries(store, found.id)] == ["2026-12-05"]
    assert cli("crisis", "supplier", found.id, "--note", "x", "--by", "fri").exit_code == 2


MESSAGE = """Dear {customer.first_name},

Further to our call, where we told you: {customer.last_told}

{crisis.supplier} has now confirmed: {supplier.commitment} (by {supplier.due}). For your next trip they offer \
{supplier.deal}.
Your booking {customer.booking} stays with us, and I call you again on Monday.

{staff.name}
"""


def test_update_is_a_personal_coached_mail_merge(store_url: str, tmp_path: Path) -> None:
    rows = [
        "Hannah Ruiz,+1 415 555 0199,BK-20931,couple,",
        "=Evil Formula,+1 415 555 0198,BK-2,couple,",
        "Kai Nakamura,+1 415 555 0197,BK-3,couple,",
    ]
    store, found = opened(store_url, tmp_path, rows)
    lib = Library([bundled_dir()])
    for _ in range(2):
        outreach.call_from_file(store, lib, found, REACHED, None, date(2026, 11, 20), now=T0)
    message = tmp_path / "update.txt"
    message.write_text(MESSAGE)
    no_supplier = cli("crisis", "update", found.id, "--message", str(message), "--only", "reached")
    assert no_supplier.exit_code == 1 and "{supplier.commitment} is empty for 2 customer(s)" in no_supplier.stderr
    crisis.log_supplier(
        store,
        found,
        "Lena",
        "Maria",
        "Blue Line refunds two nights to every card",
        "2026-12-05",
        "30% off a 2027 sailing",
        T0,
    )
    everyone = cli("crisis", "update", found.id, "--message", str(message))
    assert (
        everyone.exit_code == 1
        and "{customer.last_told} is empty for 1 customer(s) (#3 Kai Nakamura)" in everyone.stderr
    )
    assert "--only reached" in everyone.stderr and everyone.stdout == ""
    out = tmp_path / "merge.csv"
    made = cli("crisis", "update", found.id, "--message", str(message), "--only", "reached", "--output", str(out))
    assert made.exit_code == 0, made.output
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    merged = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["name"] for r in merged] == ["Hannah Ruiz", "'=Evil Formula"]  # a formula is shown as text
    assert merged[0]["message"].startswith(
        "Dear Hannah,\n\nFurther to our call, where we told you: The Aurora lost power"
    )
    assert "Blue Line refunds two nights to every card (by Saturday 5 December)" in merged[0]["message"]
    assert "Your booking BK-20931 stays with us" in merged[0]["message"] and "Lena Duty" in merged[0]["message"]
    lines = cli(
        "crisis", "update", found.id, "--message", str(message), "--only", "reached", "--format", "jsonl"
    ).stdout
    assert [json.loads(line)["booking"] for line in lines.splitlines()] == ["BK-20931", "BK-2"]
    again = cli("crisis", "update", found.id, "--message", str(message), "--only", "reached", "--output", str(out))
    assert again.exit_code == 1 and "--force" in again.stderr  # an existing file is replaced only with --force
    assert (
        cli(
            "crisis",
            "update",
            found.id,
            "--message",
            str(message),
            "--only",
            "reached",
            "--output",
            str(out),
            "--force",
        ).exit_code
        == 0
    )
    if not store_url.startswith("postgresql"):  # never onto the store itself
        onto = cli(
            "crisis",
            "update",
            found.id,
            "--message",
            str(message),
            "--only",
            "reached",
            "--output",
            store_url,
            "--force",
        )
        assert onto.exit_code == 1 and open_store(store_url).crisis_row(found.id)["id"] == found.id


def test_update_refuses_a_canned_message_and_unknown_placeholders(store_url: str, tmp_path: Path) -> None:
    store, found = opened(
        store_url,
        tmp_path,
        [
            "Hannah Ruiz,+1 415 555 0199,BK-1,couple,",
            "Kai Nakamura,+1 415 555 0197,BK-3,family,",
            "Ana Souza,+1 415 555 0196,BK-4,vip,",
        ],
    )
    canned = tmp_path / "canned.txt"
    canned.write_text("Dear Hannah,\nPlease contact them directly for your refund.\n")
    refused = cli("crisis", "update", found.id, "--message", str(canned))
    assert refused.exit_code == 1 and refused.stdout == ""
    assert f"{canned}:1:6: error: wrong-name: “Hannah”" in refused.stderr
    assert "(2 message(s): #2 Kai Nakamura, #3 Ana Souza)" in refused.stderr  # one line, not one per customer
    assert "deflect" in refused.stderr and "nothing written" in refused.stderr
    typo = tmp_path / "typo.txt"
    typo.write_text("Dear {customer.first_name},\nyour booking {customer.bookin} is safe.\n")
    unknown = cli("crisis", "update", found.id, "--message", str(typo))
    assert unknown.exit_code == 1 and f"{typo}:2:14: unknown placeholder {{customer.bookin}}" in unknown.stderr


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Dear {customer.first name}, sorry.\n", "1:6: unknown placeholder {customer.first name}"),
        ("Dear {customer.name!r}, sorry.\n", "1:6: unknown placeholder {customer.name!r}"),
        ("Dear {customer.name:>20}, sorry.\n", "1:6: unknown placeholder {customer.name:>20}"),
        ("Dear {customer.name, sorry.\n", "1:6: a '{' that is never closed"),
        ("Dear {customer.name}}, sorry.\n", "1:21: a stray '}'"),
        ("Dear {{customer.name}}, sorry.\n", "1:6: a stray '{'"),
        ("Dear [customer.name], sorry.\n", "1:6: [customer.name] is not a placeholder here — write {customer.name}"),
        (
            "Dear <<customer.name>>, sorry.\n",
            "1:6: <<customer.name>> is not a placeholder here — write {customer.name}",
        ),
    ],
)
def test_update_refuses_any_brace_that_is_not_exactly_a_placeholder(
    store_url: str, tmp_path: Path, text: str, said: str
) -> None:
    """F4: template junk went to every customer of the crisis as literal braces; now nothing is written."""
    store, found = opened(store_url, tmp_path, ["Ana Bell,+1 415 555 0196,BK-4,vip,"])
    message = tmp_path / "m.txt"
    message.write_text(text)
    out = tmp_path / "merge.csv"
    refused = cli("crisis", "update", found.id, "--message", str(message), "-o", str(out))
    assert refused.exit_code == 1 and refused.stdout == "" and not out.exists()
    assert f"{message}:{said}" in refused.stderr
    assert "use one of {customer.name}, {customer.first_name}," in refused.stderr
    assert "nothing written" in refused.stderr


def inbound(tmp_path: Path, name: str, contact: str, staff: str = "Dana Reyes", escalated: bool = False):
    text = OTHER.replace("Jo Okafor", name).replace("jo.okafor@example.com", contact).replace("Jo, ", "")
    text = text.replace("Dana Reyes", staff)
    if escalated:
        text = text.replace("answers:\n", "answers:\n  escalated_to: Duty manager Lena, 10:05\n")
    path = tmp_path / f"in-{name.split()[0]}.yaml"
    path.write_text(text)
    return runner.invoke(app, ["start", "other", "--answers", str(path)])


def test_a_listed_customer_calling_in_sees_the_crisis_and_is_linked(store_url: str, tmp_path: Path) -> None:
    store, found = opened(
        store_url,
        tmp_path,
        ["Hannah Ruiz,+1 415 555 0199,BK-20931,couple,", "Kai Nakamura,+1 303 555 0101,BK-6,family,"],
    )
    claim_and_record(store, found, T0, "voicemail", staff="Maya")  # Kai, the family, came first
    result = inbound(tmp_path, "Hannah Ruiz", "(415) 555-0199")
    assert result.exit_code == 0, result.output
    assert f"CRISIS: Hannah Ruiz is on the list of {found.id} (Aurora lost power at sea)" in result.stderr
    assert "NOT reached yet (0 tries) — they are calling us first" in result.stderr
    case = store.get(result.stdout.strip())
    assert case.crisis_id == found.id and case.complaint_number == 1
    assert "Hannah Ruiz is marked reached" in result.stderr
    hannah = crisis.Listed.from_row(store.crisis_list(found.id)[0])
    assert hannah.state == "reached" and hannah.chased and hannah.case_id == case.id
    by_booking = inbound(tmp_path, "Kai Nakamura", "bk 6", staff="Sam Lee")  # a booking reference finds him too
    assert "CRISIS: Kai Nakamura" in by_booking.stderr and "NOT reached yet (1 try)" in by_booking.stderr
    assert store.get(by_booking.stdout.strip()).crisis_id == found.id


def test_a_customer_we_reached_calls_back_without_an_emergency(store_url: str, tmp_path: Path) -> None:
    store, found = opened(store_url, tmp_path, ["Hannah Ruiz,+1 415 555 0199,BK-20931,couple,"])
    outreach.call_from_file(store, Library([bundled_dir()]), found, REACHED, None, date(2026, 11, 20))
    result = inbound(tmp_path, "Hannah Ruiz", "+1 415 555 0199")
    assert result.exit_code == 0, result.output  # no escalation asked: our own call was not a complaint
    assert "EMERGENCY" not in result.stderr
    assert "; reached " in result.stderr and "we told them: The Aurora lost power off Mykonos" in result.stderr
    assert "their call is in" in result.stderr
    second = inbound(tmp_path, "Hannah Ruiz", "+1 415 555 0199", escalated=True)  # their second own call is
    assert "EMERGENCY: complaint number 2" in second.stderr and store.get(second.stdout.strip()).complaint_number == 2


def test_a_name_alone_is_shown_but_not_linked(store_url: str, tmp_path: Path) -> None:
    store, found = opened(store_url, tmp_path, ["Hannah Ruiz,+1 415 555 0199,BK-20931,couple,"])
    result = inbound(tmp_path, "hannah  RUIZ", "hannah@elsewhere.example")
    assert result.exit_code == 0 and "matched by name only" in result.stderr
    assert store.get(result.stdout.strip()).crisis_id is None
    assert crisis.Listed.from_row(store.crisis_list(found.id)[0]).state == "new"


def test_export_gains_crisis_id_at_the_end_and_report_a_section_per_crisis(store_url: str, tmp_path: Path) -> None:
    store, found = opened(store_url, tmp_path, people(3))
    lib = Library([bundled_dir()])
    outreach.call_from_file(store, lib, found, REACHED, None, date.today())
    outreach.call_from_file(store, lib, found, VOICEMAIL, None, date.today())
    crisis.log_supplier(store, found, "Lena", "Maria", "Refund two nights", "2026-12-05", None, datetime.now(UTC))
    rows = list(csv.reader(io.StringIO(cli("export").stdout)))
    assert rows[0][-2:] == ["extra", "crisis_id"] and rows[1][-1] == found.id
    assert json.loads(cli("export", "--format", "jsonl").stdout.splitlines()[0])["crisis_id"] == found.id
    report = json.loads(cli("report", "--format", "json").stdout)
    [section] = report["crises"]
    assert section["id"] == found.id and section["customers"] == 3 and section["cases"] == 1
    assert section["outcomes"] == {"reached": 1, "voicemail": 1} and section["by_state"]["reached"] == 1
    assert section["gestures"]["by_gesture"][0]["gesture"] == "home-flowers"
    assert section["minutes_to_reach"]["n"] == 1 and section["supplier_track"][0]["commitment"] == "Refund two nights"
    assert section["supplier"] == "Blue Line Cruises" and section["title"] == "Aurora lost power at sea"
    shown = runner.invoke(app, ["report"], env={"COLUMNS": "80"})
    table = shown.stdout
    assert shown.exit_code == 0, shown.output
    assert f"Crisis {found.id}" in table and "Aurora lost power at sea · Blue Line Cruises" in table
    assert "Supplier   Refund two nights; by 2026-12-05" in table and max(map(len, table.splitlines())) <= 80
    page = tmp_path / "report.html"
    assert cli("report", "--format", "html", "--output", str(page)).exit_code == 0
    assert f'<figure data-crisis="{found.id}"><figcaption>Crisis {found.id}</figcaption>' in page.read_text()


def test_forget_erases_a_customer_from_crisis_lists_too(store_url: str, tmp_path: Path) -> None:
    store, found = opened(
        store_url,
        tmp_path,
        ["Hannah Ruiz,+1 415 555 0199,BK-20931,couple,", "Kai Nakamura,+1 303 555 0101,BK-6,family,"],
    )
    claim_and_record(store, found, T0, "voicemail", message_left="Kai, Maya here about the Aurora.")
    result = cli("forget", "--customer", "+1 (303) 555-0101", "--yes")
    assert result.exit_code == 0, result.output
    assert "1 crisis list entr" in result.stderr
    kai = [r for r in store.crisis_list(found.id) if r["seq"] == 2][0]
    assert (
        kai["name"] == "[erased]" and kai["contact"] == "[erased]" and kai["booking"] == "" and kai["last_told"] is None
    )
    assert all(a["told"] is None for a in store.crisis_attempts(kai["id"]))
    assert "Kai" not in json.dumps(crisis.board(store, found, T0))


def test_forget_erases_the_customer_from_the_supplier_log_and_says_what_it_cannot_reach(
    store_url: str, tmp_path: Path
) -> None:
    """F6: the crisis's own log named her; the report printed it, and forget never said backups keep copies."""
    store, found = opened(store_url, tmp_path, ["Zelda Quixote,+1 212 555 0199,BK-1,couple,", *people(1)])
    crisis.log_supplier(
        store,
        found,
        "Lena Duty",
        "Spoke about Zelda Quixote XYZZYWORD",
        "Refund two nights",
        "2026-12-05",
        "Zelda Quixote gets a free night",
        T0,
    )
    crisis.log_supplier(store, found, "Lena Duty", "Room 412 and Guest 000 called", None, None, None, T0)
    period = ["report", "--format", "json", "--since", "2026-01-01", "--until", "2027-12-31"]
    hidden = cli(*period)
    assert hidden.exit_code == 0, hidden.output
    assert "Zelda" not in hidden.stdout and "Spoke about [customer] XYZZYWORD" in hidden.stdout
    assert "Spoke about Zelda Quixote XYZZYWORD" in cli(*period, "--show-customers").stdout
    result = cli("forget", "--customer", "+1 (212) 555-0199", "--yes")
    assert result.exit_code == 0, result.output
    log = crisis.supplier_entries(store, found.id)
    assert [(e["note"], e["deal"]) for e in log] == [
        ("Spoke about [erased] XYZZYWORD", "[erased] gets a free night"),
        ("Room 412 and Guest 000 called", None),
    ]
    assert f"crisis {found.id}'s supplier log" in result.stderr
    assert "backups and exports made before now still hold their data" in result.stderr
    shown = cli(*period, "--show-customers")
    assert "Zelda" not in shown.stdout and "Quixote" not in shown.stdout and "XYZZYWORD" in shown.stdout


def test_crisis_call_with_answers_is_scriptable(store_url: str, tmp_path: Path) -> None:
    store, found = opened(store_url, tmp_path, people(2))
    reached = cli("crisis", "call", "--answers", str(REACHED))
    assert reached.exit_code == 0, reached.output
    assert reached.stdout.strip().startswith("RC-") and "Guest 000: reached" in reached.stderr
    voicemail = cli("crisis", "call", found.id, "--answers", str(VOICEMAIL))
    assert (
        voicemail.exit_code == 0
        and voicemail.stdout == ""
        and "Guest 001: voicemail — tried again after" in voicemail.stderr
    )
    empty = cli("crisis", "call", "--answers", str(REACHED))
    assert (
        empty.exit_code == 3
        and "nobody to call right now" in empty.stderr
        and "1 waiting to be tried again" in empty.stderr
    )


def test_a_refused_answers_file_claims_nobody(store_url: str, tmp_path: Path) -> None:
    store, found = opened(store_url, tmp_path, people(1))
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        textwrap.dedent("""
        staff: Maya
        answers: {outcome: voicemail, customer_words: "They were upset"}
    """)
    )
    result = cli("crisis", "call", "--answers", str(bad))
    assert (
        result.exit_code == 1
        and "customer_words: answers for a reached customer, but the outcome is voicemail" in result.stderr
    )
    late = tmp_path / "late.yaml"
    late.write_text("staff: Maya\nanswers: {outcome: call back, call_back_at: yesterday 10:00}\n")
    refused = cli("crisis", "call", "--answers", str(late))
    assert refused.exit_code == 1 and "call_back_at:" in refused.stderr and "is in the past" in refused.stderr
    for typo, said in (("2062-11-26 10:00", "is more than a month away"), ("in 400 days", "is more than a month away")):
        far = tmp_path / "far.yaml"  # a mistyped year is not a call-back anyone will keep (hostile pass 2, F13)
        far.write_text(f"staff: Maya\nanswers: {{outcome: call back, call_back_at: {typo}}}\n")
        far_off = cli("crisis", "call", "--answers", str(far))
        assert far_off.exit_code == 1 and "call_back_at:" in far_off.stderr and said in far_off.stderr, far_off.stderr
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("staff: Maya\nanswers: {outcome: busy}\n")
    assert "'busy' is not one of reached, voicemail" in cli("crisis", "call", "--answers", str(unknown)).stderr
    row = store.crisis_list(found.id)[0]
    assert row["state"] == "new" and row["lease_until"] is None and store.crisis_attempts(row["id"]) == []


def test_add_checks_rows_against_the_list(store_url: str, tmp_path: Path) -> None:
    store, found = opened(store_url, tmp_path, people(2))
    more = customers_csv(
        tmp_path,
        ["Late Guest,+1 415 555 9999,BK-9,vip,", "Guest 001 again,(415) 555-1001,BK-1,other,"],
        name="more.csv",
    )
    refused = cli("crisis", "add", found.id, "--customers", str(more))
    assert refused.exit_code == 1 and "row 3: already on this crisis's list (customer #2, Guest 001" in refused.stderr
    assert len(store.crisis_list(found.id)) == 2
    fine = customers_csv(tmp_path, ["Late Guest,+1 415 555 9999,BK-9,vip,"], name="fine.csv")
    added = cli("crisis", "add", found.id, "--customers", str(fine))
    assert added.exit_code == 0, added.output
    assert crisis.claim(store, found, "Desk", T0).customer.name == "Late Guest"  # a VIP goes to the front


def test_a_wrong_number_is_corrected_by_adding_the_customer_again(store_url: str, tmp_path: Path) -> None:
    store, found = opened(
        store_url,
        tmp_path,
        ["Hannah Ruiz,+1 415 555 0199,BK-20931,couple,", "Kai Nakamura,+1 303 555 0101,BK-6,couple,"],
    )
    claim_and_record(store, found, T0, "wrong_number")
    fixed = customers_csv(tmp_path, ["Hannah Ruiz,+1 415 555 0142,BK-20931,couple,"], name="fixed.csv")
    result = cli("crisis", "add", found.id, "--customers", str(fixed))
    assert result.exit_code == 0, result.output
    assert (
        "added 0 customer(s)" in result.stderr
        and "1 wrong number(s) corrected and back in the queue (Hannah Ruiz)" in result.stderr
    )
    rows = store.crisis_list(found.id)
    assert len(rows) == 2 and rows[0]["contact"] == "+1 415 555 0142" and rows[0]["state"] == "new"
    assert crisis.claim(store, found, "Desk", T0).customer.name == "Hannah Ruiz"


def test_the_inbound_lookup_uses_the_indexes(store_url: str, tmp_path: Path) -> None:
    store, _ = opened(store_url, tmp_path, people(3))
    if store_url.startswith("postgresql"):
        store.execute("SET enable_seqscan = off")  # may the planner use the indexes at all? then it would at scale
    captured: list[str] = []
    real = store.execute

    def spy(sql: str, args=()):
        if "FROM crisis_customers c JOIN crises k" in sql:
            captured.append(sql)
            plan = real(
                ("EXPLAIN QUERY PLAN " if not store_url.startswith("postgresql") else "EXPLAIN ") + sql, args
            ).fetchall()
            captured.append(" ".join(str(tuple(r)) for r in plan))
        return real(sql, args)

    store.execute = spy  # type: ignore[method-assign]
    assert crisis.listing_for(store, "+1 415 555 1001", "Guest 001", "2026-01-01") is not None
    plan = captured[1]
    for index in (
        "crisis_customers_contact_key",
        "crisis_customers_alt_key",
        "crisis_customers_booking_key",
        "crisis_customers_name_key",
    ):
        assert index in plan, plan


def test_a_crisis_keeps_its_own_history_and_takes_notices_once(store_url: str, tmp_path: Path) -> None:
    from recoverycli.caselog.record import Event

    store, found = opened(store_url, tmp_path, people(3))
    assert [
        (e["kind"], json.loads(e["data"]) if isinstance(e["data"], str) else e["data"])
        for e in store.crisis_events(found.id)
    ] == [("opened", {"customers": 3})]
    decided: list[int] = []

    def once(events: list[Event]) -> Event | None:  # what a notification ledger does: claim only if not claimed yet
        decided.append(len(events))
        return None if events else Event(at=T0, staff="watch", kind="notify", data={"notice": "opened"})

    assert store.append_crisis_event_if(found.id, "notify", once) is not None
    assert store.append_crisis_event_if(found.id, "notify", once) is None and decided == [0, 1]
    assert [(c.id, n, reached) for c, n, reached in crisis.reach_figures(store, T0)] == [(found.id, 3, 0)]
    assert cli("crisis", "close", found.id, "--reason", "drill", "--give-up").exit_code == 0
    assert [e["kind"] for e in store.crisis_events(found.id)] == ["opened", "notify", "closed"]
    assert crisis.reach_figures(store, T0) == []


def test_a_claim_works_without_libpq_pipelines(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))  # libpq older than 14
    store, found = opened(pg_url, tmp_path, people(2))
    first, second = crisis.claim(store, found, "Desk 1", T0), crisis.claim(store, found, "Desk 2", T0)
    assert (first.customer.name, second.customer.name) == ("Guest 000", "Guest 001")
    assert crisis.claim(store, found, "Desk 3", T0) is None


def test_a_call_back_weeks_away_is_confirmed_with_its_date(store_url: str, tmp_path: Path) -> None:
    """'tried again after Tue 14:05' was ambiguous for a call-back three weeks away (hostile pass 3): a moment more
    than a day off is said with its date, as everywhere else."""
    store, found = opened(store_url, tmp_path, people(1))
    later = tmp_path / "later.yaml"
    later.write_text("staff: Maya\nanswers: {outcome: call back, call_back_at: in 20 days}\n")
    result = cli("crisis", "call", "--answers", str(later))
    assert result.exit_code == 0, result.output
    due = store.crisis_list(found.id)[0]["next_try_at"]
    local = datetime.fromisoformat(due).astimezone()
    assert f"tried again after {local:%a} {local.day} {local:%b} {local:%H:%M}" in result.stderr, result.stderr


def test_an_update_never_carries_one_listed_customers_name_or_number_to_the_others(
    store_url: str, tmp_path: Path
) -> None:
    """Hostile pass 4: '{supplier.commitment}' held 'Blue Line rebooks Guest 001 (+1 415 555 1001)…' and every
    customer's message said so. Refused before anything is written; a commitment naming nobody still goes out."""
    store, found = opened(store_url, tmp_path, people(3))
    message = tmp_path / "update.txt"
    message.write_text("Hi {customer.first_name}, I am so sorry. {supplier.commitment}. I call you by 16:00 today.\n")
    for leak in ("Blue Line rebooks Guest 001 on Friday", "Blue Line calls +1 (415) 555-1001 back on Friday"):
        crisis.log_supplier(store, found, "Lena", "Maria", leak, None, None, T0)
        refused = cli("crisis", "update", found.id, "--message", str(message))
        assert refused.exit_code == 1 and refused.stdout == ""
        assert "identifies a customer on this list" in refused.stderr and "Guest 001" not in refused.stderr
    crisis.log_supplier(store, found, "Lena", "Maria", "Blue Line rebooks everyone on Friday", None, None, T0)
    sent = cli("crisis", "update", found.id, "--message", str(message))
    assert sent.exit_code == 0, sent.stderr
    assert "Hi Guest, I am so sorry. Blue Line rebooks everyone on Friday." in sent.stdout


def test_forget_also_erases_her_title_and_surname_and_booking_from_the_crisis_logs(
    store_url: str, tmp_path: Path
) -> None:
    """Hostile pass 4: after `forget --customer "Di Four"` the supplier log still said "Rebook Ms. Four and D. Four",
    and "booking BK-4417", and an update mailed that to the other customers. A crisis's own logs name its own
    customers, so a title or an initial with the surname, and her booking reference, pick her out there."""
    store, found = opened(store_url, tmp_path, ["Di Four,+1 415 555 0104,BK-4417,family,", *people(2)])
    crisis.log_supplier(
        store,
        found,
        "Lena",
        "Spoke to Blue Line about booking BK-4417",
        "Rebook Ms. Four and D. Four on Friday",
        None,
        None,
        T0,
    )
    message = tmp_path / "update.txt"
    message.write_text("Hi {customer.first_name}, so sorry. {supplier.commitment}. I call you by 16:00 today.\n")
    refused = cli("crisis", "update", found.id, "--message", str(message))
    assert refused.exit_code == 1 and "identifies a customer on this list" in refused.stderr
    shown = cli("report", "--format", "json", "--since", "2026-01-01", "--until", "2027-12-31").stdout
    assert "Four" not in shown and "BK-4417" not in shown and "Rebook [customer] and [customer] on Friday" in shown
    assert cli("forget", "--customer", "Di Four", "--yes").exit_code == 0
    log = crisis.supplier_entries(store, found.id)
    assert [(e["note"], e["commitment"]) for e in log] == [
        ("Spoke to Blue Line about booking [erased]", "Rebook [erased] and [erased] on Friday")
    ]
