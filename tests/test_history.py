"""The case history as a colleague reads it: every event in words, at the time it happened."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recoverycli.caselog.history import WORDS, describe
from recoverycli.caselog.record import Customer, Event
from recoverycli.cli import app
from recoverycli.identity import name_key
from recoverycli.playbooks.library import Library, bundled_dir
from recoverycli.store import open_store
from tests.helpers import DOWN, ENTER, EXAMPLES, FINISH, live, make_case

runner = CliRunner()
AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
OTHER = Library([bundled_dir()]).get("other")

# Every kind the code writes, with the data it writes, and the words a colleague should read.
KINDS = {
    "created": ({"via": "wizard"}, "Call began at the desk"),
    "saved": ({"via": "wizard"}, "Call finished: case saved and open"),
    "coached": (
        {"prompt": "apology", "flags": ["blame-department", "excuse"], "kept": False},
        "Coach flagged the answer to “What did you say to apologise? (optional)” (blame-department, excuse); "
        "the clerk revised it",
    ),
    "repeat": (
        {"of": "RC-7K3QX", "earlier": ["RC-7K3QX"], "complaint_number": 2},
        "Complaint number 2 from this customer: repeats RC-7K3QX",
    ),
    "answer_changed": (
        {"prompt": "desired_outcome", "stage": "summary"},
        "Changed at the summary before saving: “What outcome would they like?”",
    ),
    "note": ({"text": "Guest called back, calmer now"}, "Note: Guest called back, calmer now"),
    "follow_up_done": ({"note": "Happy with the refund"}, "Follow-up done: Happy with the refund"),
    "follow_up_rescheduled": (
        {"from": "2026-11-27", "to": "2026-11-29", "reason": "Guest away"},
        "Follow-up moved from 2026-11-27 to 2026-11-29: Guest away",
    ),
    "closed": ({"resolution": "Refunded; breakfast given"}, "Closed: Refunded; breakfast given"),
    "reopened": ({"reason": "Charged again"}, "Reopened: Charged again"),
    "system_fix_updated": (
        {"root_cause": "Spa terminal retries", "system_fix_owner": "Ben", "system_fix_due": "2026-12-01"},
        "System fix updated (root cause: Spa terminal retries; owner: Ben; due: 2026-12-01)",
    ),
    "system_fix_done": ({"done": True}, "System fix done"),
    "forgotten": (
        {"fields": ["customer_name", "customer_contact", "customer_words"]},
        "Personal data erased at the customer's request: name, contact, their own words",
    ),
    "copied": ({"from_id": "RC-22222"}, "Copied from another store, where it was RC-22222"),
}


def test_every_kind_the_code_writes_has_words() -> None:
    assert set(KINDS) == set(WORDS)
    for kind, (data, words) in KINDS.items():
        assert describe(Event(at=AT, staff="Dana", kind=kind, data=data), OTHER) == words, kind


def test_a_kind_from_a_newer_version_is_still_readable() -> None:
    assert (
        describe(Event(at=AT, staff="Dana", kind="sent_survey", data={"channel": "sms"}))
        == "Sent survey (channel: sms)"
    )
    assert describe(Event(at=AT, staff="Dana", kind="coached", data={"flags": "odd"})).startswith("Coach flagged")


def test_show_writes_the_history_in_words(store_url: str) -> None:
    store = open_store(store_url)
    case = make_case(customer_words="It broke.", follow_up_date="2026-11-27").model_copy(
        update={
            "events": [
                Event(at=AT + timedelta(minutes=i), staff="Dana Reyes", kind=k, data=d)
                for i, (k, (d, _)) in enumerate(KINDS.items())
            ]
        }
    )
    saved = store.add(case)
    screen = runner.invoke(app, ["show", saved.id], env={"COLUMNS": "250"}).stdout
    history = screen[screen.index("History") :]
    for kind, (_, words) in KINDS.items():
        assert words in " ".join(history.split()), kind
    assert not re.search(r"\w+=|\[\'|\{'|True|False", history)  # no raw Python left


def test_coached_events_carry_the_time_the_coach_fired_and_summary_changes_are_recorded(store_url: str) -> None:
    keys = (
        "Ana Souza\r+1 555 0100\r"
        + ENTER
        + ENTER
        + "n\r"  # a yes/no takes Enter
        + "Sorry, it's not our fault, the system lost it.\r"
        + DOWN
        + ENTER  # coached: keep it
        + "It broke"
        + FINISH
        + "Refund\r"
        + "I refund the fare by 17:00 today\r"
        + ENTER
        + "tomorrow\r"
        + ENTER
        + DOWN
        + ENTER
        + "outcome"
        + ENTER
        + "\x15Refund and a written apology\r"  # change desired_outcome…
        + DOWN
        + ENTER
        + "root"
        + ENTER
        + "\r"  # …open root_cause, leave it empty
        + ENTER
    )
    _, _, case_id = live(store_url, "other", keys)
    case = open_store(store_url).get(case_id)
    kinds = [e.kind for e in case.events]
    assert kinds == ["created", "coached", "answer_changed", "saved"]
    created, coached, changed, saved = case.events
    assert created.at < coached.at < changed.at < saved.at  # each when it happened, not all at the save
    assert changed.data == {"prompt": "desired_outcome", "stage": "summary"}  # the field, never what it said
    screen = runner.invoke(app, ["show", case_id], env={"COLUMNS": "250"}).stdout
    assert "Changed at the summary before saving: “What outcome would they like?”" in screen


def test_a_repeat_names_the_case_it_repeats(tmp_path: Path) -> None:
    first = tmp_path / "a.answers.yaml"
    first.write_text(
        (EXAMPLES / "other.answers.yaml")
        .read_text()
        .replace("Jo Okafor", "Mrs. Amara  Obi")
        .replace("jo.okafor@example.com", "amara@example.com")
    )
    first_id = runner.invoke(app, ["start", "other", "--answers", str(first)]).stdout.strip()
    second = tmp_path / "b.answers.yaml"  # another contact, the name written without the title's dot
    second.write_text(
        (EXAMPLES / "other.answers.yaml")
        .read_text()
        .replace("Jo Okafor", "Mrs Amara Obi")
        .replace("jo.okafor@example.com", "+44 20 7946 0000")
        .replace("answers:\n", "answers:\n  escalated_to: Duty manager Lena, alerted 10:05\n")
    )
    result = runner.invoke(app, ["start", "other", "--answers", str(second)])
    assert result.exit_code == 0, result.output
    second_id = result.stdout.strip()
    shown = json.loads(runner.invoke(app, ["show", second_id, "--format", "json"]).stdout)
    assert shown["complaint_number"] == 2 and shown["repeats"] == first_id
    assert json.loads(runner.invoke(app, ["show", first_id, "--format", "json"]).stdout)["repeats"] is None
    table = " ".join(runner.invoke(app, ["show", second_id], env={"COLUMNS": "200"}).stdout.split())
    assert f"Repeats {first_id}" in table and f"repeats {first_id}" in table  # the head and the history
    listed = {c["case_id"]: c for c in json.loads(runner.invoke(app, ["list", "--format", "json"]).stdout)}
    assert listed[second_id]["repeats"] == first_id


@pytest.mark.parametrize(
    "a, b",
    [
        ("Mrs Amara Obi", "Mrs. Amara  Obi"),
        ("Jean-Luc Picard", "jean luc picard"),
        ("O'Brien, Siobhán", "O Brien Siobhan"),
    ],
)
def test_name_keys_ignore_a_title_dot_hyphens_commas_and_doubled_spaces(a: str, b: str) -> None:
    assert name_key(a) == name_key(b) != ""


def test_store_migrate_brings_old_name_keys_up_to_date(store_url: str) -> None:
    store = open_store(store_url)
    saved = store.add(
        make_case().model_copy(update={"customer": Customer(name="Mrs. Amara Obi", contact="", segment="other")})
    )
    store.execute("UPDATE cases SET name_key = 'mrs. amara obi' WHERE id = ?", (saved.id,))  # as the old rule wrote it
    since = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    assert store.earlier_cases("", name_key("Mrs Amara Obi"), since)[0] == 0
    result = runner.invoke(app, ["store", "migrate", "--store", store_url])
    assert result.exit_code == 0 and "1 customer name key(s) brought up to date" in result.stderr
    assert open_store(store_url).earlier_cases("", name_key("Mrs Amara Obi"), since)[0] == 1
    again = runner.invoke(app, ["store", "migrate", "--store", store_url])
    assert "name key" not in again.stderr  # nothing left to do
