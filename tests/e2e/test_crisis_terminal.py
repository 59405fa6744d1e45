"""Crisis outreach in a real terminal: a listed customer calling in, a desk working the queue, a desk killed mid-call."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pexpect
import pytest

from tests.e2e.test_terminal import ENTER, FINISH, RECOVER, answer, answer_steps, exit_status, recover_json

pytestmark = pytest.mark.skipif(not RECOVER.exists(), reason="recover is not installed next to this Python")
DOWN = "\x1b[B"
STAFF = {"RECOVER_STAFF": "Maya Olsen"}
LIST = ("name,phone,booking,segment\n"
        "Hannah Ruiz,+1 415 555 0199,BK-20931,couple\n"
        "Kai Nakamura,+1 303 555 0101,BK-6,couple\n")


def spawn(*args: str, rows: int = 24, cols: int = 80) -> pexpect.spawn:
    """An ordinary 80×24 terminal unless told otherwise."""
    return pexpect.spawn(str(RECOVER), list(args), env={**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", **STAFF},
                         encoding="utf-8", timeout=20, dimensions=(rows, cols))


def open_crisis(tmp_path: Path, *extra: str) -> str:
    path = tmp_path / "list.csv"
    path.write_text(LIST)
    out = subprocess.run([str(RECOVER), "crisis", "open", "--title", "Aurora lost power", "--supplier", "Blue Line",
                          "--customers", str(path), *extra], capture_output=True, text=True, env={**os.environ, **STAFF})
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def board(crisis_id: str) -> dict:
    return recover_json("crisis", "board", crisis_id)


@pytest.mark.parametrize("size", [(24, 80), (40, 120)], ids=["80x24", "120x40"])
def test_a_listed_customer_calling_in_is_shown_the_crisis_at_once(isolated_home: Path, tmp_path: Path,
                                                                  size: tuple[int, int]) -> None:
    crisis_id = open_crisis(tmp_path)
    child = spawn("start", "other", rows=size[0], cols=size[1])
    answer(child, "Customer's name?", "Kai Nakamura" + ENTER)
    answer(child, "Phone, email or booking reference?", "(303) 555-0101" + ENTER)
    answer(child, "Who is the customer?", ENTER)
    child.expect_exact(f"CRISIS {crisis_id}")
    child.expect_exact("NOT reached yet")
    child.expect_exact("They are calling us first")
    child.expect_exact("Step 1 of 4")  # the crisis comes before the first step
    answer_steps(child, "Nobody told us anything.", "To get home on Friday", "Kai, I'm so sorry we did not call you first.",
                 "I confirm your Friday flight by 16:00 today", chased="y", follow_up="today")
    child.send(ENTER)
    child.expect(r"Saved case (RC-[0-9A-Z]{5})")
    case_id = child.match.group(1)
    child.expect_exact("marked reached")
    assert exit_status(child) == 0
    assert recover_json("show", case_id)["crisis_id"] == crisis_id
    assert board(crisis_id)["by_state"]["reached"] == 1


def test_a_desk_works_the_queue_from_one_customer_to_the_next(isolated_home: Path, tmp_path: Path) -> None:
    crisis_id = open_crisis(tmp_path)
    subprocess.run([str(RECOVER), "crisis", "supplier", crisis_id, "--note", "Maria, guest relations", "--commitment",
                    "Blue Line refunds two nights by 5 December"], check=True, env={**os.environ, **STAFF}, capture_output=True)
    child = spawn("crisis", "call")
    child.expect_exact("Hannah Ruiz")
    child.expect_exact("Blue Line refunds two nights")  # the supplier's latest word, before dialling
    answer(child, "Did you reach them?", DOWN + DOWN + ENTER)  # no answer
    child.expect_exact("Recorded: no answer; tried again after")
    answer(child, "Call the next customer?", ENTER)
    child.expect_exact("Kai Nakamura")
    answer(child, "Did you reach them?", ENTER)  # reached: the outreach playbook
    child.expect_exact("Step 1 of 5")
    child.expect_exact("Kai, this is Maya.")
    answer(child, "When did it happen?", ENTER)
    answer(child, "What did you say to apologise?", ENTER)
    answer(child, "What did you tell them we know?", "The ship is back in port; two ports are cancelled." + ENTER)
    answer(child, "How did they take it", "We just want to get home." + FINISH)
    answer(child, "What outcome would they like?", "Home on Friday" + ENTER)
    answer(child, "What will be done, by whom, by when?", "I confirm your Friday flight by 16:00 today" + ENTER)
    answer(child, "What extra will you offer?", ENTER)
    answer(child, "When will you follow up", "today" + ENTER)
    answer(child, "What caused it", ENTER)
    answer(child, "Save this case?", ENTER)
    child.expect(r"Saved case (RC-[0-9A-Z]{5})")
    case_id = child.match.group(1)
    answer(child, "Call the next customer?", "n" + ENTER)
    child.expect_exact("2 call(s) from this desk")
    assert exit_status(child) == 0
    b = board(crisis_id)
    assert b["by_state"]["reached"] == 1 and b["by_state"]["no_answer"] == 1 and b["attempts"] == 2
    case = recover_json("show", case_id)
    assert case["crisis_id"] == crisis_id and case["customer"]["name"] == "Kai Nakamura"
    assert case["answers"]["told"] == "The ship is back in port; two ports are cancelled."
    assert case["answers"]["customer_chased"] is False  # from the list, not asked again


def test_a_desk_killed_mid_call_releases_its_customer_after_the_lease(isolated_home: Path, tmp_path: Path,
                                                                    store_url: str) -> None:
    crisis_id = open_crisis(tmp_path, "--lease", "2s")
    child = spawn("crisis", "call")
    child.expect_exact("Hannah Ruiz")
    child.expect_exact("Did you reach them?")
    time.sleep(3.5)  # longer than the lease: the desk renews it while the call goes on
    assert [r["customer"] for r in board(crisis_id)["calling_now"]] == ["Hannah Ruiz"]
    other = tmp_path / "other.yaml"
    other.write_text("staff: Sam Lee\nanswers: {outcome: no answer}\n")
    second = subprocess.run([str(RECOVER), "crisis", "call", "--answers", str(other)], capture_output=True, text=True)
    assert second.returncode == 0 and "Kai Nakamura: no answer" in second.stderr  # not Hannah: she is taken
    child.kill(signal.SIGKILL)
    child.close(force=True)
    assert [r["customer"] for r in board(crisis_id)["calling_now"]] == ["Hannah Ruiz"]  # until the lease runs out
    time.sleep(2.5)
    assert board(crisis_id)["calling_now"] == [] and board(crisis_id)["by_state"]["not_tried"] == 1
    third = subprocess.run([str(RECOVER), "crisis", "call", "--answers", str(other)], capture_output=True, text=True)
    assert third.returncode == 0 and "Hannah Ruiz: no answer" in third.stderr


def test_ctrl_c_before_an_outcome_puts_the_customer_back_at_once(isolated_home: Path, tmp_path: Path) -> None:
    crisis_id = open_crisis(tmp_path)
    child = spawn("crisis", "call")
    child.expect_exact("Did you reach them?")
    child.sendcontrol("c")
    child.expect_exact("Hannah Ruiz is back in the queue")
    assert exit_status(child) == 130
    b = board(crisis_id)
    assert b["calling_now"] == [] and b["by_state"]["not_tried"] == 2 and b["attempts"] == 0


def test_the_board_watches_the_desks_live(isolated_home: Path, tmp_path: Path, store_url: str) -> None:
    crisis_id = open_crisis(tmp_path)
    shared = store_url.startswith("postgresql://")
    # PostgreSQL: a minute between looks, yet each change shows within the 20 s timeout — a notification wakes it
    lines = spawn("crisis", "board", crisis_id, "--watch", "--format", "json", "--interval", "60" if shared else "0.3")
    lines.expect_exact('"not_tried": 2')
    table = spawn("crisis", "board", "--watch", "--interval", "60" if shared else "0.3", rows=40, cols=100)
    table.expect_exact("not yet tried    2")
    done = subprocess.run([str(RECOVER), "crisis", "call", "--answers", str(Path(__file__).parents[2] / "playbooks" / "examples"
                                                                         / "crisis" / "voicemail.answers.yaml")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines.expect_exact('"voicemail": 1')
    table.expect_exact("voicemail        1")
    for child in (lines, table):
        child.sendcontrol("c")
        assert exit_status(child) == 0
