"""The installed `recover` in a real pty, typed into like a clerk would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

RECOVER = Path(sys.executable).with_name("recover")
ENTER, DOWN, FINISH = "\r", "\x1b[B", "\x1b\r"

pytestmark = pytest.mark.skipif(not RECOVER.exists(), reason="recover is not installed next to this Python")


def spawn(*args: str, env: dict[str, str] | None = None) -> pexpect.spawn:
    child = pexpect.spawn(str(RECOVER), list(args), env={**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", **(env or {})},
                          encoding="utf-8", timeout=20, dimensions=(50, 140))
    return child


def exit_status(child: pexpect.spawn) -> int | None:
    """Wait for the program to end; its exit code."""
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def answer(child: pexpect.spawn, prompt: str, keys: str) -> None:
    """Wait for `prompt` on screen, then type. (pexpect does not answer cursor-position requests, hence NO_CPR.)"""
    child.expect_exact(prompt)
    child.send(keys)


def answer_steps(child: pexpect.spawn, words: str, outcome: str, apology: str, commitment: str, chased: str = "n",
                 follow_up: str = "tomorrow", after_outcome: tuple[tuple[str, str], ...] = ()) -> None:
    """The four steps of the bundled 'other' playbook, answered up to the question whether to save."""
    answer(child, "When did it happen?", ENTER)
    answer(child, "Did the customer have to chase us", chased)
    if chased == "y":
        child.expect_exact("They had to chase us")
    answer(child, "What did you say to apologise?", apology + ENTER)
    answer(child, "customer's own words?", words + FINISH)
    answer(child, "What outcome would they like?", outcome + ENTER)
    for prompt, keys in after_outcome:
        answer(child, prompt, keys)
    answer(child, "What will be done, by whom, by when?", commitment + ENTER)
    answer(child, "What extra will you offer?", ENTER)
    answer(child, "When will you follow up", follow_up + ENTER)
    answer(child, "What caused it", ENTER)
    child.expect_exact("Save this case?")


def recover_json(*args: str) -> object:
    out = subprocess.run([str(RECOVER), *args, "--format", "json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_a_full_call_typed_by_hand_is_saved_exactly(isolated_home: Path) -> None:
    child = spawn("start")
    answer(child, "What went wrong?", "room failed")
    child.expect_exact("Something in the room failed")
    child.send(ENTER)
    answer(child, "Your name (staff)?", "Dana Reyes" + ENTER)
    answer(child, "Customer's name?", "Ana Souza" + ENTER)
    answer(child, "Phone, email or booking reference?", "+1 555 0100" + ENTER)
    answer(child, "Who is the customer?", DOWN + ENTER)
    child.expect_exact("Step 1 of 4")
    answer(child, "When did it happen?", "20 min ago" + ENTER)
    child.expect_exact("between the incident and this call")
    answer(child, "Did the customer have to chase us", "n")
    answer(child, "What did you say to apologise?", "I'm so sorry, Ana. I'll fix this now." + ENTER)
    child.expect_exact("Step 2 of 4")
    answer(child, "customer's own words?", "The power went off at 7:40.")
    child.send(ENTER)
    child.send("My meeting is at 9 and I can't dry my hair.")
    child.send(FINISH)
    answer(child, "What outcome would they like?", "Power back before 8:30" + ENTER)
    answer(child, "Room number?", "412" + ENTER)
    answer(child, "What failed?", ENTER)
    answer(child, "What do they need it for", "A 9:00 meeting" + ENTER)
    child.expect_exact("Step 3 of 4")
    answer(child, "What will be done, by whom, by when?", "Sam resets the breaker by 8:15; I call Ana at 8:20" + ENTER)
    answer(child, "What extra will you offer?", ENTER)
    answer(child, "When will you follow up", "yesterday" + ENTER)
    child.expect_exact("is in the past")
    child.send("\x15" + "+1d" + ENTER)
    child.expect_exact("→ follow-up on")
    answer(child, "real arrival time?", "Sam, floor 4, at the door by 8:10" + ENTER)
    answer(child, "Did you call them to check where they really are?", "y")
    answer(child, "Was a room move offered?", "n")
    child.expect_exact("Step 4 of 4")
    answer(child, "What caused it", "Breaker overloaded" + ENTER)
    child.expect_exact("Case summary")
    answer(child, "Save this case?", ENTER)
    child.expect(r"Saved case (RC-[0-9A-Z]{5})")
    case_id = child.match.group(1)
    assert exit_status(child) == 0

    case = recover_json("show", case_id)
    assert case["staff"] == "Dana Reyes"
    assert case["customer"] == {"name": "Ana Souza", "contact": "+1 555 0100", "segment": "business"}
    assert case["answers"]["customer_words"] == "The power went off at 7:40.\nMy meeting is at 9 and I can't dry my hair."
    assert case["answers"]["apology"] == "I'm so sorry, Ana. I'll fix this now."
    assert case["answers"]["technician_verified"] is True and case["answers"]["room_move"] is False
    assert case["answers"]["customer_chased"] is False and case["answers"]["incident_at"]
    assert case["answers"]["gesture"] == "drink"  # the first suggestion for a business traveller
    assert case["playbook"]["id"] == "room-failure"

    # the staff name was remembered: a second call does not ask for it
    child = spawn("start", "other")
    child.expect_exact("Customer's name?")
    assert "Your name (staff)?" not in child.before
    child.sendcontrol("c")
    assert exit_status(child) == 130


def test_answers_file_in_a_pty_prints_only_the_case_id(isolated_home: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "playbooks" / "examples" / "wrong-booking.answers.yaml"
    child = spawn("start", "wrong-booking", "--answers", str(example))
    assert exit_status(child) == 0
    output = child.before.strip()
    assert output.startswith("RC-") and len(output) == 8
    case = recover_json("show", output)
    assert case["answers"]["booking_channel"] == "DriveDeals.example"
    assert case["customer"]["segment"] == "family"


def test_help_is_available_through_python_dash_m() -> None:
    out = subprocess.run([sys.executable, "-m", "recoverycli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "start" in out.stdout and "show" in out.stdout


def test_the_same_customer_calling_twice_gets_the_emergency_banner(isolated_home: Path) -> None:
    staff = {"RECOVER_STAFF": "Dana Reyes"}

    def call(contact: str, chased: str, extra: list[tuple[str, str]]) -> pexpect.spawn:
        child = spawn("start", "other", env=staff)
        answer(child, "Customer's name?", "Priya Shah" + ENTER)
        answer(child, "Phone, email or booking reference?", contact + ENTER)
        answer(child, "Who is the customer?", ENTER)
        for prompt, keys in extra:
            answer(child, prompt, keys)
        answer_steps(child, "The safe in our room will not open.", "Our passports back before the 14:00 ferry",
                     "Priya, I'm so sorry.", "I bring the engineer to open the safe by 12:00", chased, "today")
        child.send(ENTER)
        child.expect(r"Saved case (RC-[0-9A-Z]{5})")
        return child

    first = call("+44 20 7946 0000", "n", [])
    assert "EMERGENCY" not in first.before
    first.expect(pexpect.EOF)
    second = spawn("start", "other", env=staff)
    answer(second, "Customer's name?", "priya shah" + ENTER)
    answer(second, "Phone, email or booking reference?", "+44 (0)20 7946 0000" + ENTER)
    answer(second, "Who is the customer?", ENTER)
    second.expect_exact("EMERGENCY")
    second.expect_exact("Complaint number 2 from priya shah")
    second.expect_exact("The safe in our room will not open.")
    second.expect_exact("I bring the engineer to open the safe by 12:00")
    answer(second, "who did you alert, and when?", "Duty manager Omar, 11:20" + ENTER)
    second.sendcontrol("c")
    second.expect(r"recover resume (RC-[0-9A-Z]{5})")
    draft = recover_json("show", second.match.group(1))
    assert draft["answers"]["escalated_to"] == "Duty manager Omar, 11:20"
    assert draft["complaint_number"] == 2 and draft["severity"] == "emergency"


def test_watch_shows_new_cases_and_emergencies_as_they_happen(isolated_home: Path, store_url: str) -> None:
    example = Path(__file__).resolve().parents[2] / "playbooks" / "examples" / "other.answers.yaml"
    subprocess.run([str(RECOVER), "start", "other", "--answers", str(example)], check=True, capture_output=True)
    shared = store_url.startswith("postgresql://")
    # PostgreSQL: a minute between looks, yet each case shows within the 20 s expect timeout — the notification wakes it
    child = spawn("watch", "--interval", "60" if shared else "0.3")
    child.expect_exact("as it happens (PostgreSQL notifications)" if shared else "every 0.3 s")
    child.expect_exact("Ctrl-C to stop")
    text = example.read_text()
    other = isolated_home / "other.yaml"
    other.write_text(text.replace("Jo Okafor", "Kim Lee").replace("jo.okafor@example.com", "kim@example.com"))
    new_id = subprocess.run([str(RECOVER), "start", "other", "--answers", str(other)], check=True, capture_output=True,
                            text=True).stdout.strip()
    child.expect_exact(f"{new_id}  new case from Kim Lee (other)")
    again = isolated_home / "again.yaml"
    again.write_text(text.replace("answers:\n", "answers:\n  escalated_to: Duty manager Lena, 10:05\n"))
    repeat_id = subprocess.run([str(RECOVER), "start", "other", "--answers", str(again)], check=True, capture_output=True,
                               text=True).stdout.strip()
    child.expect_exact(f"{repeat_id}  EMERGENCY: complaint number 2 from Jo Okafor")
    child.sendcontrol("c")
    child.expect_exact("stopped watching")
    assert exit_status(child) == 0


def test_store_copy_shows_a_progress_bar_in_a_terminal(store_url: str, tmp_path: Path) -> None:
    from recoverycli.store import open_store

    from tests.test_store import make_case

    desk = open_store(str(tmp_path / "desk.db"))
    for i in range(300):
        desk.add(make_case(customer_words=f"case {i}"))
    child = spawn("store", "copy", "--from", str(tmp_path / "desk.db"), "--to", store_url)
    child.expect(r"copying cases .*\d+/300")
    child.expect_exact("300 case(s) in")
    child.expect_exact("verified: 300 of 300 case(s) read back with the same content hash")
    assert exit_status(child) == 0
