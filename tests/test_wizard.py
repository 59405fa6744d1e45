"""The wizard driven in-process through real questionary prompts (prompt_toolkit pipe input)."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from recoverycli.call.wizard import Call, case_from_call, check_answer, fill, run_call
from recoverycli.dates import parse_when
from recoverycli.playbooks.library import Library, bundled_dir
from recoverycli.safety import clean_text
from recoverycli.ui.prompts import TerminalAsker

ENTER, DOWN, FINISH, CLEAR = "\r", "\x1b[B", "\x04", "\x15"  # Ctrl+D finishes a multi-line answer
TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def drive(playbook_id: str, keys: str) -> tuple[Call, str]:
    """Run a whole call with `keys` typed, and return it with what the screen showed."""
    pb = Library([bundled_dir()]).get(playbook_id)
    out = io.StringIO()
    console = Console(file=out, width=100, color_system=None)
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        inp.send_text(keys)
        inp.close()  # out of keys means EOF, a failure, never a hang
        call = run_call(TerminalAsker(console), Call(playbook=pb, staff="Dana Reyes", today=TODAY, now=NOW))
    return call, out.getvalue()


CUSTOMER = "Ana Souza\r" + "+1 555 0100\r" + DOWN + ENTER  # business


def test_full_room_failure_call_captures_every_answer_exactly() -> None:
    keys = (
        CUSTOMER
        + "07:40\r"
        + "n\r"  # incident_at, customer_chased (Enter needed)
        + "Sorry, Ana — we'll fix it now.\r"  # apology
        + "Power died at 7:40 💡\rMeeting at 9 — 会议"
        + FINISH  # customer_words (multi-line)
        + "Power back by 8:30 for a 9:00 meeting\r"  # desired_outcome (what they need, by when)
        + "412\r"
        + ENTER  # room_number, what_failed
        + "Sam (floor 4) resets the breaker by 8:15; I call at 8:20\r"  # commitment
        + "y\r"  # commitment_verified
        + DOWN
        + ENTER  # gesture: second in the catalogue
        + "fri\r"  # follow_up_date
        + "\r"  # room move: Enter alone is the default, no
        + "Breaker overloaded\r"  # root_cause
        + ENTER  # save
    )
    call, screen = drive("room-failure", keys)
    assert call.customer == {"name": "Ana Souza", "contact": "+1 555 0100", "segment": "business"}
    assert call.answers == {
        "apology": "Sorry, Ana — we'll fix it now.",
        "customer_words": "Power died at 7:40 💡\nMeeting at 9 — 会议",
        "desired_outcome": "Power back by 8:30 for a 9:00 meeting",
        "room_number": "412",
        "what_failed": "power",
        "commitment": "Sam (floor 4) resets the breaker by 8:15; I call at 8:20",
        "commitment_verified": True,
        "gesture": "next-discount",  # second of the gestures that suit business travellers
        "follow_up_date": "2026-11-27",
        "customer_chased": False,
        "room_move": False,
        "root_cause": "Breaker overloaded",
        "incident_at": parse_when("07:40", NOW).isoformat(timespec="minutes"),
    }
    assert "Step 1 of 4" in screen and "Step 4 of 4" in screen
    assert "Check before you promise" in screen  # kuzmeski-verify shown at the fix step
    assert "follow-up on Friday 27 November 2026" in screen
    assert "Deadlines" in screen or "deadlines" in screen  # business guidance, not family
    assert "bedtimes" not in screen


def test_bad_answers_are_asked_again_with_the_text_kept() -> None:
    keys = (
        CUSTOMER
        + ENTER
        + "n\r"  # incident_at skipped, not chased
        + ENTER  # apology skipped (optional)
        + FINISH  # customer_words empty: refused
        + "They waited an hour"
        + FINISH
        + "\r"
        + "A refund\r"  # desired_outcome empty then given
        + "Refund by 17:00 today\r"
        + ENTER
        + "2020-01-01\r"
        + CLEAR
        + "+2d\r"  # past date refused, then cleared and retyped
        + ENTER  # root_cause skipped
        + ENTER
    )
    call, screen = drive("other", keys)
    assert screen.count("an answer is needed here") == 2
    assert "2020-01-01 is in the past" in screen
    assert call.answers["customer_words"] == "They waited an hour"
    assert call.answers["follow_up_date"] == "2026-11-27"
    assert "apology" not in call.answers and "root_cause" not in call.answers and "incident_at" not in call.answers


def test_gesture_of_your_own_and_changing_an_answer_at_the_summary() -> None:
    other = DOWN * 6  # past the six catalogue gestures to "Something else (type it)"
    keys = (
        "Jo Okafor\r"
        + "jo@example.com\r"
        + ENTER  # family
        + ENTER
        + "n\r"  # incident_at skipped, not chased
        + ENTER
        + "Charged twice"
        + FINISH
        + "Refund\r"
        + "Refund today by 12:00\r"
        + other
        + ENTER
        + "Tickets to the zoo for the kids\r"
        + "tomorrow\r"
        + ENTER
        + DOWN
        + ENTER  # change an answer…
        + "outcome"
        + ENTER  # …filtered to desired_outcome
        + CLEAR
        + "Refund and a written apology\r"
        + ENTER  # now save
    )
    call, screen = drive("other", keys)
    assert call.answers["gesture"] == "Tickets to the zoo for the kids"
    assert call.answers["desired_outcome"] == "Refund and a written apology"
    assert screen.count("Case summary") == 1  # not printed again after the change: the changed line is
    assert "✓ What outcome would they like? Refund and a written apology" in screen
    assert "children" in screen  # family guidance


def test_case_from_call_records_playbook_hash_and_creation_event() -> None:
    pb = Library([bundled_dir()]).get("other")
    call = Call(
        playbook=pb,
        staff="Dana",
        today=TODAY,
        customer={"name": "Jo", "contact": "x", "segment": "vip"},
        answers={"customer_words": "hi"},
    )
    case = case_from_call(call, via="answers")
    assert case.playbook.hash == pb.content_hash()
    assert case.customer.segment == "vip"
    assert [e.kind for e in case.events] == ["created"] and case.events[0].data == {"via": "answers"}
    assert case.created_at.tzinfo is not None


@pytest.fixture
def call() -> Call:
    pb = Library([bundled_dir()]).get("room-failure")
    return Call(playbook=pb, staff="Dana Reyes", today=TODAY, customer={"name": "Ana Souza"})


def test_check_answer_types(call: Call) -> None:
    p = call.playbook.prompt
    assert check_answer(p("commitment_verified"), "Yes", call) is True
    assert check_answer(p("room_move"), "no", call) is False
    with pytest.raises(ValueError, match="not yes or no"):
        check_answer(p("room_move"), "maybe", call)
    assert check_answer(p("what_failed"), "POWER", call) == "power"
    assert check_answer(p("gesture"), "Late checkout", call) == "late-checkout"
    assert check_answer(p("gesture"), "A bottle of wine", call) == "A bottle of wine"
    assert check_answer(p("follow_up_date"), "tomorrow", call) == "2026-11-26"
    assert check_answer(p("apology"), "   ", call) is None
    with pytest.raises(ValueError, match="an answer is needed"):
        check_answer(p("desired_outcome"), "", call)


def test_absurd_length_is_refused_with_the_limit(call: Call) -> None:
    with pytest.raises(ValueError, match="answer is 5000 characters, over the 4000 limit — shorten it"):
        check_answer(call.playbook.prompt("desired_outcome"), "x" * 5000, call)


def test_control_characters_go_and_unicode_stays() -> None:
    text = "Ça\x1b[31m va 👨‍👩‍👧 مرحبا 東京 e\u0301\x00\x07"
    assert clean_text(text, multiline=False) == "Ça[31m va 👨‍👩‍👧 مرحبا 東京 e\u0301"
    assert clean_text("a\r\nb\rc", multiline=True) == "a\nb\nc"
    assert clean_text("a\nb", multiline=False) == "a b"


def test_placeholders_filled_from_the_call(call: Call) -> None:
    assert fill("{customer.first_name}, I'm {staff.first_name}", call) == "Ana, I'm Dana"
    assert fill("{customer.unknown} stays", call) == "{customer.unknown} stays"


@pytest.mark.parametrize(
    "name, spoken",
    [
        ("Mrs. Amara Obi", "Mrs Obi"),  # a title: title and surname
        ("A. Obi", "A. Obi"),  # an initial is no name to say on its own
        ("Mrs. A. Obi", "Mrs Obi"),
        ("Amara Obi", "Amara"),
        ("priya shah", "Priya"),
        ("Dr. Jane Smith", "Dr Smith"),
        ("Sir Elton John", "Sir Elton"),
        ("Hannah and Pete Ruiz", "Hannah and Pete"),
        ("Zoë Ångström", "Zoë"),
        ("Obi", "Obi"),
    ],
)
def test_say_lines_address_the_customer_as_a_person(call: Call, name: str, spoken: str) -> None:
    call.customer["name"] = name
    assert (
        fill("{customer.first_name}, I'm really sorry this happened.", call)
        == f"{spoken}, I'm really sorry this happened."
    )


TITLES = ["Mr", "Mrs", "Ms", "Dr", "Prof", "Mr.", "Mrs.", "Ms.", "Dr."]


@given(
    st.lists(
        st.one_of(
            st.sampled_from(TITLES),
            st.from_regex(r"[A-Z]\.?", fullmatch=True),
            st.from_regex(r"[A-Z][a-z]{1,8}", fullmatch=True),
        ),
        min_size=1,
        max_size=4,
    )
)
@example(["Mr", "Jp"])  # nameparser reads Jp as a suffix (Justice of the Peace): once said as a bare 'Mr'
def test_a_name_is_never_said_as_a_bare_title_or_initial(parts: list[str]) -> None:
    from recoverycli.identity import address_as

    name = " ".join(parts)
    said = address_as(name)
    assert said, name
    if any(p not in TITLES and len(p.rstrip(".")) > 1 for p in parts):  # a real name was typed: it is said
        assert not re.fullmatch(r"(Mr|Mrs|Ms|Dr|Prof)\.?", said), (name, said)
        assert not re.fullmatch(r"\w\.?", said), (name, said)


def test_dates_and_times_read_back_as_people_say_them(call: Call) -> None:
    call.answers.update(follow_up_date="2026-11-27", incident_at="2026-11-25T07:40+00:00")
    follow_up, incident = call.playbook.prompt("follow_up_date"), call.playbook.prompt("incident_at")
    assert call.display(follow_up) == "Friday 27 November"
    assert call.display(incident).endswith(":40") and call.display(incident).split()[0] in ("today", "yesterday")
    call.answers["follow_up_date"] = "2026-11-26"
    assert call.display(follow_up) == "tomorrow, Thursday 26 November"
