"""Ctrl-C mid-answer in the real terminal: the words being typed are kept in the draft and offered on resume."""

from __future__ import annotations

import pytest

from tests.e2e.term import CTRL_C, ENTER, RECOVER, Term, recover_json

pytestmark = pytest.mark.skipif(not RECOVER.exists(), reason="recover is not installed next to this Python")
STAFF = {"RECOVER_STAFF": "Dana Reyes"}
TYPED = "Rebooked on the next flight and the hotel night paid"


@pytest.mark.parametrize("plain", [True, False])
def test_ctrl_c_keeps_the_unsubmitted_answer_and_resume_offers_it(isolated_home, plain: bool) -> None:
    args = ("start", "other", *(["--plain"] if plain else []))
    term = Term(*args, env=STAFF, size=(80, 24))
    term.answer("Customer's name?", "Tom Becker" + ENTER)
    term.answer("Phone, email or booking reference?", "tom.becker@example.com" + ENTER)
    term.answer("Who is the customer?", ENTER)
    term.wait_for("When did it happen?")
    term.settle()
    term.send("about 07:15 at the gate")  # typed, not submitted
    term.wait_for("about 07:15 at the gate")
    term.send(CTRL_C)
    assert term.exit_status() == 130
    drafts = recover_json("list", "--status", "draft")
    assert drafts[0]["answers"]["_unfinished"] == {"prompt": "incident_at", "text": "about 07:15 at the gate"}
    again = Term("resume", drafts[0]["id"], *(["--plain"] if plain else []), env=STAFF, size=(80, 24))
    again.wait_for("When did it happen?")
    screen = again.wait_for("about 07:15 at the gate")  # the box starts with what was typed
    assert "When did it happen?" in screen
    again.send(CTRL_C)
    assert again.exit_status() == 130


def test_plain_enter_on_a_yes_no_question_says_what_it_answered(isolated_home) -> None:
    term = Term("start", "other", "--plain", env=STAFF, size=(80, 24))
    term.answer("Customer's name?", "Tom Becker" + ENTER)
    term.answer("Phone, email or booking reference?", "tom.becker@example.com" + ENTER)
    term.answer("Who is the customer?", ENTER)
    term.answer("When did it happen?", ENTER)
    term.answer("Did the customer have to chase us", ENTER)
    screen = term.wait_for("What did you say to apologise?")
    assert "→ no" in screen
    term.send(CTRL_C)
    assert term.exit_status() == 130
