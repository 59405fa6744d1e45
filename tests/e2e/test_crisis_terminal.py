"""Crisis outreach in a real terminal: a listed customer calling in, a desk working the queue, a desk killed
mid-call."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pexpect
import pytest

from tests.e2e.term import CTRL_C, CTRL_D, DOWN, ENTER, RECOVER, Term, answer_steps, exit_status, recover_json

pytestmark = pytest.mark.skipif(not RECOVER.exists(), reason="recover is not installed next to this Python")
STAFF = {"RECOVER_STAFF": "Maya Olsen"}
LIST = (
    "name,phone,booking,segment\n"
    "Hannah Ruiz,+1 415 555 0199,BK-20931,couple\n"
    "Kai Nakamura,+1 303 555 0101,BK-6,couple\n"
)
DOCKED = 8  # title, steps, customer, up to three emergency rows: the crisis rows sit right under them, never scrolled


def spawn(*args: str, rows: int = 24, cols: int = 80) -> pexpect.spawn:
    """A program that prints a stream (the board), in an ordinary 80×24 terminal unless told otherwise."""
    return pexpect.spawn(
        str(RECOVER),
        list(args),
        env={**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", **STAFF},
        encoding="utf-8",
        timeout=20,
        dimensions=(rows, cols),
    )


def desk(*args: str, size: tuple[int, int] = (80, 24)) -> Term:
    """`recover ARGS` as a clerk at a desk sees it: an ordinary 80×24 terminal unless told otherwise."""
    return Term(*args, env=STAFF, size=size)


def open_crisis(tmp_path: Path, *extra: str) -> str:
    path = tmp_path / "list.csv"
    path.write_text(LIST)
    out = subprocess.run(
        [
            str(RECOVER),
            "crisis",
            "open",
            "--title",
            "Aurora lost power",
            "--supplier",
            "Blue Line",
            "--customers",
            str(path),
            *extra,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **STAFF},
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def board(crisis_id: str) -> dict:
    return recover_json("crisis", "board", crisis_id)


def docked(screen: str, *needles: str) -> bool:
    """Every needle in the rows docked at the top of the call screen (not somewhere further down, about to scroll)."""
    top = "\n".join(screen.split("\n")[:DOCKED])
    return all(n in top for n in needles)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_a_listed_customer_calling_in_is_shown_the_crisis_at_once(
    isolated_home: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    crisis_id = open_crisis(tmp_path)
    term = desk("start", "other", size=size)
    term.answer("Customer's name?", "Kai Nakamura" + ENTER)
    term.answer("Phone, email or booking reference?", "(303) 555-0101" + ENTER)
    term.answer("Who is the customer?", ENTER)
    term.wait_for(f"CRISIS {crisis_id}")
    term.wait_for("NOT reached yet")
    term.wait_for("They are calling us first")
    term.wait_for("Step 1 of 4")  # the crisis comes with the first step
    first = term.settle()
    assert docked(
        first, f"CRISIS {crisis_id} · Aurora lost power (Blue Line)", "NOT reached yet", "They are calling us first"
    ), first
    screens = answer_steps(
        term,
        "Nobody told us anything.",
        "To get home on Friday",
        "Kai, I'm so sorry we did not call you first.",
        "I confirm your Friday flight by 16:00 today",
        chased="y",
        follow_up="today",
    )
    for screen in screens:  # every question up to the save, and the summary itself
        assert docked(screen, f"CRISIS {crisis_id}", "NOT reached yet. They are calling us first"), screen
    term.send(ENTER)
    term.wait_for("marked reached")
    assert term.exit_status() == 0
    saved = re.search(r"Saved case (RC-[0-9A-Z]{5})", term.text())
    assert saved, term.text()
    case_id = saved.group(1)
    assert recover_json("show", case_id)["crisis_id"] == crisis_id
    assert board(crisis_id)["by_state"]["reached"] == 1


def test_a_desk_works_the_queue_from_one_customer_to_the_next(isolated_home: Path, tmp_path: Path) -> None:
    crisis_id = open_crisis(tmp_path)
    subprocess.run(
        [
            str(RECOVER),
            "crisis",
            "supplier",
            crisis_id,
            "--note",
            "Maria, guest relations",
            "--commitment",
            "Blue Line refunds two nights by 5 December",
        ],
        check=True,
        env={**os.environ, **STAFF},
        capture_output=True,
    )
    term = desk("crisis", "call")
    term.wait_for("Hannah Ruiz")
    term.wait_for("Blue Line refunds two nights")  # the supplier's latest word, before dialling
    term.answer("Did you reach them?", DOWN + DOWN + ENTER)  # no answer
    term.wait_for("Recorded: no answer; tried again after")
    term.answer("Call the next customer?", ENTER)
    term.wait_for("Kai Nakamura")
    term.answer("Did you reach them?", ENTER)  # reached: the outreach playbook, on the call screen
    term.wait_for("Step 1 of 5")
    term.wait_for("Kai, this is Maya.")
    screens = [
        term.answer("When did it happen?", ENTER),
        term.answer("What did you say to apologise?", ENTER),
        term.answer("What did you tell them we know?", "The ship is back in port; two ports are cancelled." + ENTER),
        term.answer("How did they take it", "We just want to get home." + CTRL_D),
        term.answer("What outcome would they like?", "Home on Friday" + ENTER),
        term.answer("What will be done, by whom, by when?", "I confirm your Friday flight by 16:00 today" + ENTER),
        term.answer("What extra will you offer?", ENTER),
        term.answer("When will you follow up", "today" + ENTER),
        term.answer("What caused it", ENTER),
        term.answer("Check the case with the customer", ENTER),  # the summary: Enter saves
    ]
    for screen in screens:  # the crisis and the customer stay in view through the whole call
        assert docked(
            screen,
            f"CRISIS {crisis_id} · Aurora lost power (Blue Line)",
            "We are calling them",
            "Blue Line: Blue Line refunds two nights",
        ), screen
        assert "Kai Nakamura · +1 303 555 0101 · couple" in screen, screen
    term.wait_for("Saved case")
    saved = re.search(r"Saved case (RC-[0-9A-Z]{5})", term.text())
    assert saved, term.text()
    case_id = saved.group(1)
    term.answer("Call the next customer?", "n" + ENTER)
    term.wait_for("2 call(s) from this desk")
    assert term.exit_status() == 0
    b = board(crisis_id)
    assert b["by_state"]["reached"] == 1 and b["by_state"]["no_answer"] == 1 and b["attempts"] == 2
    case = recover_json("show", case_id)
    assert case["crisis_id"] == crisis_id and case["customer"]["name"] == "Kai Nakamura"
    assert case["answers"]["told"] == "The ship is back in port; two ports are cancelled."
    assert case["answers"]["customer_chased"] is False  # from the list, not asked again


def test_a_desk_killed_mid_call_releases_its_customer_after_the_lease(
    isolated_home: Path, tmp_path: Path, store_url: str
) -> None:
    # 6 s: renewed every 2 s, so a killed desk's hold outlives the board's own start-up on a loaded machine
    crisis_id = open_crisis(tmp_path, "--lease", "6s")
    term = desk("crisis", "call")
    term.wait_for("Hannah Ruiz")
    term.wait_for("Did you reach them?")
    time.sleep(7)  # longer than the lease: the desk renews it while the call goes on
    assert [r["customer"] for r in board(crisis_id)["calling_now"]] == ["Hannah Ruiz"]
    other = tmp_path / "other.yaml"
    other.write_text("staff: Sam Lee\nanswers: {outcome: no answer}\n")
    second = subprocess.run([str(RECOVER), "crisis", "call", "--answers", str(other)], capture_output=True, text=True)
    assert second.returncode == 0 and "Kai Nakamura: no answer" in second.stderr  # not Hannah: she is taken
    term.child.kill(signal.SIGKILL)
    term.child.close(force=True)
    assert [r["customer"] for r in board(crisis_id)["calling_now"]] == ["Hannah Ruiz"]  # until the lease runs out
    time.sleep(6.5)
    assert board(crisis_id)["calling_now"] == [] and board(crisis_id)["by_state"]["not_tried"] == 1
    third = subprocess.run([str(RECOVER), "crisis", "call", "--answers", str(other)], capture_output=True, text=True)
    assert third.returncode == 0 and "Hannah Ruiz: no answer" in third.stderr


def test_ctrl_c_before_an_outcome_puts_the_customer_back_at_once(isolated_home: Path, tmp_path: Path) -> None:
    crisis_id = open_crisis(tmp_path)
    term = desk("crisis", "call")
    term.wait_for("Did you reach them?")
    term.send(CTRL_C)
    term.wait_for("Hannah Ruiz is back in the queue")
    assert term.exit_status() == 130
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
    done = subprocess.run(
        [
            str(RECOVER),
            "crisis",
            "call",
            "--answers",
            str(Path(__file__).parents[2] / "playbooks" / "examples" / "crisis" / "voicemail.answers.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    lines.expect_exact('"voicemail": 1')
    table.expect_exact("voicemail        1")
    for child in (lines, table):
        child.sendcontrol("c")
        assert exit_status(child) == 0
