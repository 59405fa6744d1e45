"""A call cut short by Ctrl-C, a closed terminal or kill -9 loses nothing, and resumes."""

from __future__ import annotations

import io
import signal
import subprocess
from pathlib import Path

import pexpect
import pytest

from tests.e2e.test_terminal import ENTER, RECOVER, answer, answer_steps, exit_status, recover_json, spawn

pytestmark = pytest.mark.skipif(not RECOVER.exists(), reason="recover is not installed next to this Python")
STAFF = {"RECOVER_STAFF": "Dana Reyes"}


def three_answers_then(stop: str) -> str:
    child = spawn("start", "other", env=STAFF)
    answer(child, "Customer's name?", "Zoë Ångström" + ENTER)
    answer(child, "Phone, email or booking reference?", "zoe@example.se" + ENTER)
    answer(child, "Who is the customer?", ENTER)
    child.expect_exact("Step 1 of 4")  # the third answer is in, and written
    child.expect_exact("When did it happen?")
    if stop == "ctrl-c":
        child.sendcontrol("c")
        child.expect(r"recover resume (RC-[0-9A-Z]{5})")
        case_id = child.match.group(1)
        assert exit_status(child) == 130
        return case_id
    child.kill(signal.SIGKILL if stop == "kill" else signal.SIGHUP)
    child.close(force=True)
    assert child.signalstatus in (signal.SIGKILL, signal.SIGHUP) or child.exitstatus not in (0, None)
    drafts = recover_json("list", "--status", "draft")
    assert len(drafts) == 1
    return drafts[0]["id"]


def answer_taxi_call(child: pexpect.spawn, chased: str, after_outcome: tuple[tuple[str, str], ...] = ()) -> None:
    answer_steps(child, "The taxi never came.", "Fare refunded", "Zoë, I'm so sorry.", "I refund the fare by 17:00 today",
                 chased, after_outcome=after_outcome)


def finish_call(child: pexpect.spawn, extra: tuple[tuple[str, str], ...] = ()) -> None:
    """Answer the rest of a resumed 'other' call (plus any `extra` prompts after the outcome) and save it."""
    child.expect_exact("Captured so far")
    answer_taxi_call(child, chased="y", after_outcome=extra)
    child.send(ENTER)
    child.expect(r"Saved case RC-")
    assert exit_status(child) == 0


@pytest.mark.parametrize("stop", ["kill", "ctrl-c", "hangup"])
def test_interrupted_call_keeps_its_answers_and_resumes(store_url: str, stop: str) -> None:
    case_id = three_answers_then(stop)
    draft = recover_json("show", case_id)
    assert draft["status"] == "draft"
    assert draft["customer"] == {"name": "Zoë Ångström", "contact": "zoe@example.se", "segment": "family"}

    # with no CASE, resume offers this clerk's drafts; with one, it goes straight there
    child = spawn("resume", env=STAFF) if stop == "hangup" else spawn("resume", case_id, env=STAFF)
    if stop == "hangup":
        answer(child, "Which call do you want to continue?", ENTER)
    finish_call(child)

    case = recover_json("show", case_id)
    assert case["status"] == "open"
    assert case["customer"]["name"] == "Zoë Ångström"
    assert case["answers"]["customer_words"] == "The taxi never came."
    assert case["answers"]["apology"] == "Zoë, I'm so sorry."
    assert [e["kind"] for e in case["events"]] == ["created", "saved"]
    assert recover_json("list", "--status", "draft") == []


def test_resume_on_a_changed_playbook_says_so_and_asks_the_new_question(isolated_home: Path) -> None:
    case_id = three_answers_then("ctrl-c")
    mine = isolated_home / "playbooks"
    mine.mkdir()
    (mine / "other.yaml").write_text(
        "id: other\ntitle: Something else went wrong\nversion: 2\nextends: four-step\n"
        "steps:\n  - id: review\n    prompts:\n      - {id: booking_ref, label: Booking reference for this stay, required: true}\n")
    child = spawn("resume", case_id, env={**STAFF, "RECOVER_PLAYBOOKS": str(mine)})
    child.expect_exact("has changed since this call began (v1 → v2)")
    child.expect_exact("Every answer is kept")
    finish_call(child, extra=(("Booking reference for this stay", "BK-77" + ENTER),))
    case = recover_json("show", case_id)
    assert case["answers"]["booking_ref"] == "BK-77" and case["playbook"]["version"] == 2
    assert case["customer"]["name"] == "Zoë Ångström"


def test_the_shared_store_going_away_mid_call_loses_nothing(pg_cluster, pg_url: str) -> None:
    """The server stops answering twice: once mid-call (the call goes on) and once at the save (a file keeps it)."""
    away, back = "ALTER TABLE cases RENAME TO cases_away", "ALTER TABLE cases_away RENAME TO cases"
    child = spawn("start", "other", env=STAFF)
    answer(child, "Customer's name?", "Zoë Ångström" + ENTER)
    child.expect_exact("Phone, email or booking reference?")
    pg_cluster.sql(away, pg_url)
    child.send("zoe@example.se" + ENTER)
    child.expect_exact("not saved just now")
    answer(child, "Who is the customer?", ENTER)
    child.expect_exact("could not look for this customer's earlier complaints")
    pg_cluster.sql(back, pg_url)
    transcript = io.StringIO()
    child.logfile_read = transcript
    answer_taxi_call(child, chased="n")
    assert "the store answers again: every answer so far is saved" in transcript.getvalue()
    pg_cluster.sql(away, pg_url)
    child.send(ENTER)
    child.expect(r"every answer is in (\S+\.answers\.yaml); when the store is back")
    kept = child.match.group(1)
    assert exit_status(child) == 1
    pg_cluster.sql(back, pg_url)

    case_id = subprocess.run([str(RECOVER), "start", "--answers", kept], capture_output=True, text=True, check=True).stdout.strip()
    case = recover_json("show", case_id)
    assert case["status"] == "open" and case["customer"]["name"] == "Zoë Ångström"
    assert case["answers"]["customer_words"] == "The taxi never came."
    assert case["answers"]["commitment"] == "I refund the fare by 17:00 today"
