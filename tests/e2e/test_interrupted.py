"""A call cut short by Ctrl-C, a closed terminal or kill -9 loses nothing, and resumes on the same screen."""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import pytest

from tests.e2e.term import CTRL_C, ENTER, RECOVER, Term, answer_steps, recover_json

pytestmark = pytest.mark.skipif(not RECOVER.exists(), reason="recover is not installed next to this Python")
STAFF = {"RECOVER_STAFF": "Dana Reyes"}


def three_answers_then(stop: str) -> str:
    term = Term("start", "other", env=STAFF)
    term.answer("Customer's name?", "Zoë Ångström" + ENTER)
    term.answer("Phone, email or booking reference?", "zoe@example.se" + ENTER)
    term.answer("Who is the customer?", ENTER)
    term.wait_for("Step 1 of 4")  # the third answer is in, and written
    term.wait_for("When did it happen?")
    if stop == "ctrl-c":
        term.send(CTRL_C)
        assert term.exit_status() == 130
        hint = [line for line in term.text().split("\n") if "recover resume" in line]
        assert len(hint) == 1, term.text()  # one line, on an 80-column screen, with the case id whole
        case_id = re.search(r"recover resume (RC-[0-9A-Z]{5})$", hint[0].rstrip())
        assert case_id and hint[0].startswith("interrupted — every answer so far is kept: "), hint
        return case_id.group(1)
    term.child.kill(signal.SIGKILL if stop == "kill" else signal.SIGHUP)
    term.child.close(force=True)
    assert term.child.signalstatus in (signal.SIGKILL, signal.SIGHUP) or term.child.exitstatus not in (0, None)
    drafts = recover_json("list", "--status", "draft")
    assert len(drafts) == 1
    return drafts[0]["id"]


def answer_taxi_call(term: Term, chased: str, after_outcome: tuple[tuple[str, str], ...] = ()) -> list[str]:
    return answer_steps(
        term,
        "The taxi never came.",
        "Fare refunded",
        "Zoë, I'm so sorry.",
        "I refund the fare by 17:00 today",
        chased,
        after_outcome=after_outcome,
    )


def finish_call(term: Term, extra: tuple[tuple[str, str], ...] = ()) -> str:
    """Answer the rest of a resumed 'other' call (plus any `extra` prompts after the outcome) and save it;
    the first screen it showed."""
    first = term.wait_for("When did it happen?")  # the first unanswered question, straight away
    first = term.settle()
    answer_taxi_call(term, chased="y", after_outcome=extra)
    term.send(ENTER)
    assert term.exit_status() == 0
    assert "Saved case RC-" in term.text()
    return first


@pytest.mark.parametrize("stop", ["kill", "ctrl-c", "hangup"])
def test_interrupted_call_keeps_its_answers_and_resumes(store_url: str, stop: str) -> None:
    case_id = three_answers_then(stop)
    draft = recover_json("show", case_id)
    assert draft["status"] == "draft"
    assert draft["customer"] == {"name": "Zoë Ångström", "contact": "zoe@example.se", "segment": "family"}

    # with no CASE, resume offers this clerk's drafts, counting every answer; with one, it goes straight there
    term = Term("resume", env=STAFF) if stop == "hangup" else Term("resume", case_id, env=STAFF)
    if stop == "hangup":
        chooser = term.answer("Which call do you want to continue?", ENTER)
        assert f"{case_id} · " in chooser and "Zoë Ångström · 3 answers" in chooser
    first = finish_call(term)
    assert f"Picked up {case_id} · 3 answers kept: Zoë Ångström · zoe@example.se" in " ".join(first.split())
    assert "▶ Apologise" in first and "Zoë Ångström · zoe@example.se · family" in first

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
        "steps:\n  - id: review\n    prompts:\n      - {id: booking_ref, label: Booking reference for this stay, "
        "required: true}\n"
    )
    term = Term("resume", case_id, env={**STAFF, "RECOVER_PLAYBOOKS": str(mine)})
    term.wait_for("has changed since this call began (v1 → v2)")
    term.wait_for("Every answer is kept")
    finish_call(term, extra=(("Booking reference for this stay", "BK-77" + ENTER),))
    case = recover_json("show", case_id)
    assert case["answers"]["booking_ref"] == "BK-77" and case["playbook"]["version"] == 2
    assert case["customer"]["name"] == "Zoë Ångström"


def test_discard_counts_every_captured_answer(isolated_home: Path) -> None:
    case_id = three_answers_then("ctrl-c")
    term = Term("discard", case_id)
    term.wait_for(f"Discard draft {case_id} (3 answers)? This cannot be undone")
    term.send("y" + ENTER)
    assert term.exit_status() == 0
    assert recover_json("list", "--status", "draft") == []


def test_the_shared_store_going_away_mid_call_loses_nothing(pg_cluster, pg_url: str) -> None:
    """The server stops answering twice: once mid-call (the call goes on) and once at the save (a file keeps it)."""
    away, back = "ALTER TABLE cases RENAME TO cases_away", "ALTER TABLE cases_away RENAME TO cases"
    term = Term("start", "other", env=STAFF)
    term.answer("Customer's name?", "Zoë Ångström" + ENTER)
    term.wait_for("Phone, email or booking reference?")
    pg_cluster.sql(away, pg_url)
    term.send("zoe@example.se" + ENTER)
    term.wait_for("not saved just now")  # on screen with the next question, which is asked all the same
    term.answer("Who is the customer?", ENTER)
    term.wait_for("could not look for this customer's earlier complaints")
    pg_cluster.sql(back, pg_url)
    term.answer("When did it happen?", ENTER)
    term.wait_for("the store answers again: every answer so far is saved")
    term.answer("Did the customer have to chase us", "n" + ENTER)
    term.answer("What did you say to apologise?", "Zoë, I'm so sorry." + ENTER)
    term.answer("customer's own words?", "The taxi never came." + "\x04")
    term.answer("What outcome would they like?", "Fare refunded" + ENTER)
    term.answer("What will be done, by whom, by when?", "I refund the fare by 17:00 today" + ENTER)
    term.answer("What extra will you offer?", ENTER)
    term.answer("When will you follow up", "tomorrow" + ENTER)
    term.answer("What caused it", ENTER)
    term.wait_for("Check the case with the customer")
    pg_cluster.sql(away, pg_url)
    term.send(ENTER)
    assert term.exit_status() == 1
    kept = re.search(r"every answer is in\s+(\S+\.answers\.yaml);\s+when the store is back", term.everything())
    assert kept, term.text()
    pg_cluster.sql(back, pg_url)

    case_id = subprocess.run(
        [str(RECOVER), "start", "--answers", kept.group(1)], capture_output=True, text=True, check=True
    ).stdout.strip()
    case = recover_json("show", case_id)
    assert case["status"] == "open" and case["customer"]["name"] == "Zoë Ångström"
    assert case["answers"]["customer_words"] == "The taxi never came."
    assert case["answers"]["commitment"] == "I refund the fare by 17:00 today"
