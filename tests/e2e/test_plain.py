"""`--plain`: the questions line by line, for screen readers and simple terminals, read at 80×24 through pyte."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.term import CTRL_C, CTRL_D, ENTER, RECOVER, Term, recover_json
from tests.helpers import EXAMPLES

pytestmark = pytest.mark.skipif(not RECOVER.exists(), reason="recover is not installed next to this Python")
STAFF = {"RECOVER_STAFF": "Dana Reyes"}

# (question, keys) of a room-failure call; the same guest as playbooks/examples/room-failure.answers.yaml
CALL = [
    ("Customer's name?", "Mrs. Ana Souza" + ENTER),
    ("Phone, email or booking reference?", "+1 555 0100" + ENTER),
    ("Who is the customer?", ENTER),
    ("Repeat complaint: who did you alert, and when?", "Duty manager Lena, 08:05" + ENTER),
    ("When did it happen? (optional)", ENTER),
    ("Did the customer have to chase us", "in 2 weeks" + ENTER),  # typed for another question: refused, not "No"
    ("is not yes or no", "\x15" + "y" + ENTER),
    ("What did you say to apologise? (optional)", "I'm so sorry, Mrs Souza." + ENTER),
    ("What happened, in the customer's own words?", "Still no power." + ENTER + "Second time this week." + CTRL_D),
    ("What do they need, and by when?", "Power back now" + ENTER),
    ("Room number?", "412" + ENTER + "jjj"),  # typed ahead of the list below: dropped, not moving its choice
    ("What failed?", ENTER),
    ("What will be done, by whom, by when?", "Sam (floor 4) fixes it by 8:30; I call at 8:35" + ENTER),
    ("Did you call maintenance to check where they really are?", "y" + ENTER),
    ("What extra will you offer?", ENTER),
    ("When will you follow up with the customer?", "today" + ENTER),
    ("Was a room move offered?", ENTER),
    ("What caused it, as far as you know? (optional)", ENTER),
]


def _answer_box_under(lines: list[str], question: str) -> bool:
    rows = [k for k, line in enumerate(lines) if line.startswith(question[:40])]
    return bool(rows) and any(line.startswith("›") for line in lines[max(rows) + 1 :])


def test_plain_mode_asks_line_by_line_at_80_columns(isolated_home: Path) -> None:
    first = subprocess.run(
        [str(RECOVER), "start", "room-failure", "--answers", str(EXAMPLES / "room-failure.answers.yaml")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    term = Term("start", "room-failure", "--plain", env=STAFF, size=(80, 24))
    for i, (question, keys) in enumerate(CALL):
        term.wait_for(question)
        lines = term.settle_until(lambda lines, q=question: q.startswith("is not") or _answer_box_under(lines, q))
        if not question.startswith("is not"):
            row = max(k for k, line in enumerate(lines) if line.startswith(question[:40]))  # the label on its own line
            assert any(line.startswith("›") for line in lines[row + 1 :]), lines  # and the answer under it, full width
            if i >= 2:  # identified by name and contact: the emergency is repeated right above every question
                assert lines[row - 1].startswith("⚠ EMERGENCY · complaint number 2"), lines
        if question.startswith("Did the customer"):
            # the default, shown (wrapped after a long label): yes, a customer calling again has chased us
            assert "(Y/n)" in " ".join(lines[row : row + 2])
        term.send(keys)
    summary = term.wait_for("Save this case?")
    assert "Case summary" in summary or "Case summary" in "".join(term.transcript)
    term.send(ENTER)
    assert term.exit_status() == 0
    case = next(c for c in recover_json("list") if c["id"] != first)
    assert case["complaint_number"] == 2 and case["answers"]["escalated_to"] == "Duty manager Lena, 08:05"
    assert case["answers"]["customer_chased"] is True
    assert case["answers"]["what_failed"] == "power"  # "jjj" typed ahead did not move the list
    assert case["answers"]["customer_words"] == "Still no power.\nSecond time this week."
    assert case["answers"]["apology"] == "I'm so sorry, Mrs Souza."


def test_a_dumb_terminal_gets_the_plain_questions_and_ctrl_c_keeps_the_draft(isolated_home: Path) -> None:
    term = Term("start", "other", env={**STAFF, "TERM": "dumb"}, size=(80, 24))
    term.wait_for("Questions line by line: TERM=dumb cannot draw a full screen.")
    term.answer("Customer's name?", "Jo Okafor" + ENTER)
    term.wait_for("Phone, email or booking reference?")
    term.send(CTRL_C)
    assert term.exit_status() == 130
    hint = [line for line in term.text().split("\n") if "recover resume" in line]
    assert len(hint) == 1 and hint[0].startswith("interrupted — every answer so far is kept: recover resume RC-"), hint
    draft = recover_json("list", "--status", "draft")[0]
    assert draft["customer"]["name"] == "Jo Okafor"

    term = Term("resume", draft["id"], "--plain", env=STAFF, size=(80, 24))
    term.wait_for("Phone, email or booking reference?")  # the first unanswered question, straight away
    lines = [line for line in term.settle().split("\n") if line.strip()]
    captured = next(
        i for i, line in enumerate(lines) if line.startswith(f"Captured so far · {draft['id']} · 1 answer kept")
    )
    question = next(i for i, line in enumerate(lines) if line.startswith("Phone, email or booking reference?"))
    assert question - captured <= 4, lines  # what was captured, compactly, then the question
    term.send(CTRL_C)
    assert term.exit_status() == 130


def test_plain_mode_repeats_the_crisis_above_every_question_of_a_listed_caller(
    isolated_home: Path, tmp_path: Path
) -> None:
    listed = tmp_path / "list.csv"
    listed.write_text("name,phone,booking,segment\nKai Nakamura,+1 303 555 0101,BK-6,couple\n")
    opened = subprocess.run(
        [
            str(RECOVER),
            "crisis",
            "open",
            "--title",
            "Aurora lost power",
            "--supplier",
            "Blue Line",
            "--customers",
            str(listed),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **STAFF},
    )
    crisis_id = opened.stdout.strip()
    call = [
        ("Customer's name?", "Kai Nakamura" + ENTER),
        ("Phone, email or booking reference?", "(303) 555-0101" + ENTER),
        ("Who is the customer?", ENTER),
        ("When did it happen? (optional)", ENTER),
        ("Did the customer have to chase us", "y" + ENTER),
        ("What did you say to apologise? (optional)", "Kai, I'm so sorry we did not call you first." + ENTER),
        ("What happened, in the customer's own words?", "Nobody told us anything." + CTRL_D),
        ("What outcome would they like?", "To get home on Friday" + ENTER),
        ("What will be done, by whom, by when?", "I confirm your Friday flight by 16:00 today" + ENTER),
        ("What extra will you offer?", ENTER),
        ("When will you follow up with the customer?", "today" + ENTER),
        ("What caused it, as far as you know? (optional)", ENTER),
        ("Save this case?", ENTER),
    ]
    term = Term("start", "other", "--plain", env=STAFF, size=(80, 24))
    for i, (question, keys) in enumerate(call):
        term.wait_for(question)
        lines = term.settle().split("\n")
        row = max(k for k, line in enumerate(lines) if line.startswith(question[:40]))
        if i < 2:
            assert "CRISIS" not in "\n".join(lines[: row + 1]), lines  # nobody identified yet
        else:  # the crisis, in one line under 80 columns, right above every question once they are identified
            assert lines[row - 1] == f"⚑ CRISIS {crisis_id} · Aurora lost power · NOT reached yet", lines
        if i == 2:  # and the whole listing once, when they are identified (by name and contact)
            assert "They are calling us first" in " ".join(" ".join(lines).split()), lines
        term.send(keys)
    term.wait_for("marked reached")
    assert term.exit_status() == 0
    case = recover_json("list")[0]
    assert case["crisis_id"] == crisis_id and case["answers"]["customer_chased"] is True


def test_a_draft_discarded_at_another_desk_mid_call_is_saved_whole_and_said(isolated_home: Path) -> None:
    """F16: a manager tidies drafts while the clerk is still on the phone; the call goes on and is saved."""
    term = Term("start", "other", "--plain", env=STAFF, size=(80, 24))
    term.answer("Customer's name?", "Jo Okafor" + ENTER)
    term.answer("Phone, email or booking reference?", "+1 555 0100" + ENTER)
    term.answer("Who is the customer?", ENTER)
    term.wait_for("When did it happen? (optional)")
    draft = recover_json("list", "--status", "draft")[0]["id"]
    subprocess.run([str(RECOVER), "discard", draft, "--yes"], check=True, capture_output=True)
    term.send(ENTER)
    term.wait_for(f"draft {draft} was discarded or saved at another desk meanwhile — this call goes on as RC-")
    for question, keys in [
        ("Did the customer have to chase us", "n" + ENTER),
        ("What did you say to apologise?", "I am so sorry, Jo." + ENTER),
        ("in the customer's own words?", "The spa charged me twice." + CTRL_D),
        ("What outcome would they like?", "Refund today" + ENTER),
        ("What will be done, by whom, by when?", "I refund it now; Ben confirms by Thursday 12:00" + ENTER),
        ("What extra will you offer?", ENTER),
        ("When will you follow up with the customer?", "tomorrow" + ENTER),
        ("What caused it, as far as you know?", ENTER),
        ("Save this case?", ENTER),
    ]:
        term.answer(question, keys)
    assert term.exit_status() == 0
    (saved,) = recover_json("list", "--status", "open")
    assert saved["id"] != draft and saved["customer"]["name"] == "Jo Okafor"
    assert saved["answers"]["customer_words"] == "The spa charged me twice."
    assert saved["answers"]["commitment"] == "I refund it now; Ben confirms by Thursday 12:00"
