"""Complaint number two is an emergency; customer first, system second; verify, supplier, respond now."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recoverycli.call.wizard import Call, notice, rank_gestures
from recoverycli.cli import app
from recoverycli.identity import contact_key, name_key
from recoverycli.playbooks.library import Library, bundled_dir
from recoverycli.playbooks.schema import Gesture
from recoverycli.store import open_store
from tests.helpers import DOWN, ENTER, EXAMPLES, FINISH, live, make_case

runner = CliRunner()
OTHER = (EXAMPLES / "other.answers.yaml").read_text()


def save(tmp_path: Path, text: str = OTHER, name: str = "a.yaml", **env: str):
    path = tmp_path / name
    path.write_text(text)
    return runner.invoke(app, ["start", "other", "--answers", str(path)], env=env or None)


@pytest.mark.parametrize(
    "a, b",
    [
        ("+1 415 555 0199", "(415) 555-0199"),
        ("+44 20 7946 0000", "+44 (0)20 7946 0000"),
        ("Jo.Okafor@Example.com ", "jo.okafor@example.com"),
        ("bk-20931", "BK 20931"),
    ],
)
def test_contacts_normalise_to_one_key(a: str, b: str) -> None:
    assert contact_key(a) == contact_key(b) != ""


def test_names_ignore_case_accents_and_spacing() -> None:
    assert name_key("  Zoë  ÅNGSTRÖM ") == name_key("zoe angstrom")


def test_second_call_with_answers_needs_an_escalation_and_is_an_emergency(tmp_path: Path, store_url: str) -> None:
    first = save(tmp_path)
    assert first.exit_code == 0
    again = save(tmp_path, OTHER.replace("jo.okafor@example.com", "JO.OKAFOR@example.com"), "b.yaml")
    assert again.exit_code == 1
    assert "escalated_to: required answer missing" in again.stderr and "EMERGENCY: complaint number 2" in again.stderr
    escalated = OTHER.replace("answers:\n", "answers:\n  escalated_to: Duty manager Lena, alerted 10:05\n")
    second = save(tmp_path, escalated, "c.yaml")
    assert second.exit_code == 0, second.output
    assert second.stdout.strip().startswith("RC-") and "\n" not in second.stdout.strip()
    assert "EMERGENCY: complaint number 2 from this customer; last case " + first.stdout.strip() in second.stderr
    shown = json.loads(runner.invoke(app, ["show", second.stdout.strip(), "--format", "json"]).stdout)
    assert shown["complaint_number"] == 2 and shown["severity"] == "emergency"
    assert shown["answers"]["escalated_to"] == "Duty manager Lena, alerted 10:05"
    rows = {r["case_id"]: r for r in csv.DictReader(io.StringIO(runner.invoke(app, ["export"]).stdout))}
    assert (
        rows[second.stdout.strip()]["complaint_number"] == "2" and rows[first.stdout.strip()]["complaint_number"] == "1"
    )
    table = runner.invoke(app, ["show", second.stdout.strip()], env={"COLUMNS": "200"}).stdout
    assert "EMERGENCY · complaint number 2" in table


def test_only_open_or_recent_cases_count(store_url: str) -> None:
    store = open_store(store_url)
    old = make_case().model_copy(update={"created_at": datetime.now(UTC) - timedelta(days=90)})
    closed_old = store.add(old.model_copy(update={"status": "closed"}))
    since = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    keys = (contact_key("+1 555 0100"), name_key("Ana Souza"))
    assert store.earlier_cases(*keys, since)[0] == 0  # closed and 90 days old: a new matter
    store.add(old)  # 90 days old but still open: it counts
    assert store.earlier_cases(*keys, since)[0] == 1
    store.add(make_case())  # recent
    store.add(make_case().model_copy(update={"status": "draft"}))  # drafts never count
    count, previous = store.earlier_cases(*keys, since)
    assert count == 2 and closed_old.id not in {c.id for c in previous}
    assert store.earlier_cases(contact_key("+1 555 0199"), name_key("Someone Else"), since)[0] == 0


def test_lookup_uses_the_indexes(store_path: Path) -> None:
    store = open_store(store_path)
    plan = " ".join(
        r[3]
        for r in store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM cases WHERE status != 'draft' AND id != ? AND "
            "((contact_key = ? AND contact_key != '') OR (name_key = ? AND name_key != '')) AND (status = 'open' OR "
            "created_at >= ?)",
            ("", "+15550100", "ana souza", "2026-01-01"),
        )
    )
    assert "cases_contact_key" in plan and "cases_name_key" in plan


def test_coach_in_the_live_call_records_what_was_shown_and_kept(store_url: str) -> None:
    keys = (
        "Ana Souza\r+1 555 0100\r"
        + ENTER
        + ENTER
        + "n\r"
        + "Sorry, it's not our fault, the system lost it.\r"
        + DOWN
        + ENTER  # coached: keep it
        + "It broke"
        + FINISH
        + "Refund\r"
        + "Please contact the booking site yourself.\r"  # blocked: must revise
        + "\x15I refund the fare by 17:00 today\r"
        + ENTER
        + "tomorrow\r"
        + ENTER
        + ENTER
    )
    call, screen, case_id = live(store_url, "other", keys)
    assert "Coach" in screen and "not our fault" in screen and "This cannot be saved as it is" in screen
    assert call.answers["apology"] == "Sorry, it's not our fault, the system lost it."
    assert call.answers["commitment"] == "I refund the fare by 17:00 today"
    events = [e for e in open_store(store_url).get(case_id).events if e.kind == "coached"]
    assert [e.data for e in events] == [
        {"prompt": "apology", "flags": ["blame-someone", "blame-system", "excuse"], "kept": True},
        {"prompt": "commitment", "flags": ["deflect-contact-them", "not-specific"], "kept": False},
    ]
    assert all("fault" not in json.dumps(e.data) for e in events)  # which rules fired, never the text itself


def test_emergency_banner_and_escalation_in_the_live_call(store_url: str) -> None:
    store = open_store(store_url)
    store.add(
        make_case(
            customer_words="The shower was cold all morning.",
            commitment="Plumber by 18:00 today",
            follow_up_date="2026-11-26",
        )
    )
    keys = (
        "Ana Souza\r+1-555-0100\r"
        + DOWN
        + ENTER
        + "Duty manager Lena, alerted 10:05\r"
        + ENTER
        + "y\r"
        + "So sorry, Ana.\r"
        + "Still cold"
        + FINISH
        + "Fix it now\r"
        + "I move you to room 512 by 10:30\r"
        + ENTER
        + "today\r"
        + ENTER
        + ENTER
    )
    call, screen, case_id = live(store_url, "other", keys)
    assert "EMERGENCY" in screen and "Complaint number 2 from Ana Souza" in screen
    assert "The shower was cold all morning." in screen and "Plumber by 18:00 today" in screen
    assert "They had to chase us" in screen
    case = open_store(store_url).get(case_id)
    assert case.complaint_number == 2 and case.severity == "emergency"
    assert case.answers["escalated_to"] == "Duty manager Lena, alerted 10:05"
    assert screen.index("EMERGENCY") < screen.index("Step 1 of 4")


def test_verify_prompt_follows_a_promise(store_url: str) -> None:
    pb = Library([bundled_dir()]).get("room-failure")
    ids = [p.id for p in pb.prompts()]
    assert ids[ids.index("commitment") + 1] == "commitment_verified"
    assert pb.prompt("commitment_verified").type == "confirm" and pb.prompt("commitment_verified").required
    assert pb.prompt("commitment_verified").label == "Did you call maintenance to check where they really are?"


def test_supplier_playbooks_ask_whether_we_called_the_supplier() -> None:
    for pid, supplier in (
        ("wrong-booking", "booking site"),
        ("trip-disruption", "cruise line"),
        ("flight-disruption", "airline"),
    ):
        pb = Library([bundled_dir()]).get(pid)
        assert pb.prompt("supplier_contacted").label == f"Have you contacted the {supplier} yourself?"
        assert pb.prompt("supplier_action").when == {"supplier_contacted": True}
    assert Library([bundled_dir()]).get("other").prompt("supplier_contacted") is None


def test_respond_now_shows_the_delay_and_the_chase() -> None:
    pb = Library([bundled_dir()]).get("other")
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    call = Call(playbook=pb, staff="D", today=now.date(), now=now)
    assert (
        notice(pb.prompt("incident_at"), "2026-11-25T07:45+00:00", call)
        == "→ 2 h 15 min between the incident and this call"
    )
    assert "chase" in notice(pb.prompt("customer_chased"), True, call)
    assert notice(pb.prompt("customer_chased"), False, call) is None


def test_gestures_rank_consumables_first_then_segment_then_generosity() -> None:
    gs = [
        Gesture(id="pen", label="Pen", consumable=False, cost=2),
        Gesture(id="drink", label="Drink", consumable=True, cost=10),
        Gesture(id="meal", label="Meal", consumable=True, cost=40, suits=["family"]),
        Gesture(id="suite", label="Suite", consumable=True, cost=200),
    ]
    assert [g.id for g in rank_gestures(gs, "family", 1)] == ["meal", "drink", "suite", "pen"]
    assert [g.id for g in rank_gestures(gs, "business", 1)] == ["drink", "meal", "suite", "pen"]
    assert [g.id for g in rank_gestures(gs, "business", 2)] == ["suite", "meal", "drink", "pen"]
    assert [g.id for g in rank_gestures(gs, "vip", 1)][0] == "suite"


def test_system_fix_track_after_the_customer(store_url: str) -> None:
    store = open_store(store_url)
    a = store.add(make_case()).id
    b = store.add(make_case()).id
    env = {"RECOVER_STAFF": "Lee Park"}

    def ids(*args: str) -> set[str]:
        return {c["id"] for c in json.loads(runner.invoke(app, ["list", "--format", "json", *args], env=env).stdout)}

    assert ids("--system-fix-open") == {a, b}
    r = runner.invoke(
        app,
        [
            "system-fix",
            a,
            "--root-cause",
            "Boiler timer reset by a power cut",
            "--owner",
            "Sam (maintenance)",
            "--due",
            "+3d",
        ],
        env=env,
    )
    assert r.exit_code == 0, r.output
    assert runner.invoke(app, ["system-fix", a, "--done"], env=env).exit_code == 0
    assert ids("--system-fix-open") == {b}
    case = store.get(a)
    assert (
        case.answers["root_cause"] == "Boiler timer reset by a power cut"
        and case.answers["system_fix_owner"] == "Sam (maintenance)"
    )
    assert [e.kind for e in case.events][-2:] == ["system_fix_updated", "system_fix_done"]
    assert runner.invoke(app, ["system-fix", a], env=env).exit_code == 2
    row = next(r for r in csv.DictReader(io.StringIO(runner.invoke(app, ["export"]).stdout)) if r["case_id"] == a)
    assert json.loads(row["extra"])["system_fix_owner"] == "Sam (maintenance)"
