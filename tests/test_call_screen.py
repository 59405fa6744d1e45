"""The full-screen call, driven in-process with Textual's Pilot and judged by what is on the screen."""

from __future__ import annotations

import re
from datetime import UTC, date
from pathlib import Path
from typing import Any

import pytest

from recoverycli.call.wizard import Call
from recoverycli.playbooks.library import Library, bundled_dir
from recoverycli.ui import plain_reason
from recoverycli.ui.screen import CallScreen
from tests.callscreen import (
    ROOM_FAILURE,
    WORDS,
    answer,
    key_events,
    listed_customers,
    rows,
    run,
    screen_for,
    screen_text,
    type_keys,
    typed_ahead,
    until,
)
from tests.helpers import make_case

ENTER, DOWN, CTRL_D = "\r", ["down"], "\x04"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_every_question_shows_itself_the_customer_and_the_step(store, size: tuple[int, int]) -> None:
    app = screen_for(store)

    async def call() -> list[str]:
        seen = []
        async with app.run_test(size=size) as pilot:
            for question, keys, step in ROOM_FAILURE:
                text = await until(pilot, question)
                seen.append(text)
                assert f"▶ {step}" in text, f"{question}: step marker for {step} missing\n{text}"
                if question not in ("Customer's name?", "Phone, email or booking reference?"):
                    assert "Mrs. Amara Obi" in text and "+1 555 0100" in text, text
                if step not in ("Customer",):
                    assert re.search(r"Step [1-4] of 4", text)
                if size == (120, 40) and step != "Customer":
                    assert "Guidance" in text and "Tips" in text  # the side panel, beside the question
                await type_keys(pilot, keys)
            summary = await until(pilot, "Check the case with the customer")
            seen.append(summary)
            await type_keys(pilot, "\r")  # the highlighted row: save
            await pilot.pause(0.2)
        return seen

    seen = run(call())
    assert all(len(line) <= size[0] for text in seen for line in text.split("\n"))
    apology = next(t for t in seen if "What did you say to apologise?" in t)
    assert "“Mrs Obi, I'm really sorry this happened." in apology  # nameparser: a title and a surname, not "Mrs.,"
    assert "say “Mrs Obi”" in apology
    assert app.outcome is not None and not app.outcome.interrupted
    answers = app.outcome.call.answers
    assert (
        answers["customer_words"] == WORDS and answers["commitment_verified"] is True and answers["room_move"] is False
    )
    assert answers["what_failed"] == "power" and app.outcome.call.customer["segment"] == "business"


def test_a_long_answer_wraps_at_word_boundaries_in_a_box_at_least_60_wide(store) -> None:
    app = screen_for(store)

    async def call() -> list[str]:
        async with app.run_test(size=(80, 24)) as pilot:
            for question, keys, _ in ROOM_FAILURE[:6]:
                await answer(pilot, question, keys)
            await until(pilot, "What happened, in the customer's own words?")
            await type_keys(pilot, WORDS)
            await pilot.pause(0.1)
            shown = rows(app)
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return shown

    shown = run(call())
    box = [line.strip() for line in shown if line.lstrip().startswith("▊") and line.rstrip().endswith("▎")]
    inside = [line[1:-1] for line in box if not {"▔", "▁"} & set(line)]  # rows between the top and bottom edges
    assert min(len(line) for line in inside) >= 60
    typed = [line.strip() for line in inside if line.strip()]
    assert " ".join(typed) == WORDS  # every row ends at a space: joining the rows gives the answer back
    words = set(WORDS.split())
    assert all(w in words for line in typed for w in line.split()), typed  # no word cut in two


def test_a_repeat_complaint_keeps_the_emergency_on_screen_at_every_question(store) -> None:
    store.add(
        make_case(
            customer_words="The shower was cold all morning.",
            commitment="Plumber by 18:00 today",
            follow_up_date="2026-11-26",
        )
    )
    app = screen_for(store, "other")
    script = [
        ("Customer's name?", "Ana Souza\r"),
        ("Phone, email or booking reference?", "+1-555-0100\r"),
        ("Who is the customer?", ["enter"]),
        ("who did you alert, and when?", "Duty manager Lena, 10:05\r"),
        ("When did it happen?", "\r"),
        ("Did the customer have to chase us", "y\r"),
        ("What did you say to apologise?", "So sorry, Ana.\r"),
        ("customer's own words?", "Still cold\x04"),
        ("What outcome would they like?", "Fix it now\r"),
        ("What will be done, by whom, by when?", "I move you to room 512 by 10:30\r"),
        ("What extra will you offer?", ["enter"]),
        ("When will you follow up", "today\r"),
        ("What caused it", "\r"),
        ("Check the case with the customer", ["down", "enter"]),
    ]  # and change the customer's name there

    async def call() -> list[str]:
        seen = []
        async with app.run_test(size=(80, 24)) as pilot:
            for question, keys in script:
                seen.append(await answer(pilot, question, keys))
            changing = await until(
                pilot, lambda t: "As they would like to be addressed." in t and "Duty manager Lena" in t
            )
            seen.append(changing)  # the case stays in view above the answer being changed
            await type_keys(pilot, ["ctrl+u"])  # a binding: it acts once the key has bubbled up, so type on after it
            await type_keys(pilot, "Ana Souza-Obi\r")
            seen.append(await until(pilot, lambda t: "Check the case" in t and "Ana Souza-Obi" in t))
            assert "▶ Save the case" not in seen[-1]
            await type_keys(pilot, ["home", "enter"])  # the changed row is highlighted: up to "Save the case"
            await pilot.pause(0.2)
        return seen

    seen = run(call())
    for text in seen[2:]:  # from the moment the customer is identified (name and contact) to the summary
        top = text.split("\n")[:7]
        assert any("⚠ EMERGENCY · complaint number 2" in line for line in top), text
        assert any("We promised: Plumber by 18:00 today" in line for line in top), text
        assert any("“The shower was cold all morning.”" in line for line in top), text
    assert "EMERGENCY" not in seen[0]
    assert app.outcome.call.customer["name"] == "Ana Souza-Obi" and not app.outcome.interrupted


def test_a_listed_customer_keeps_the_crisis_on_screen_at_every_question(store, tmp_path: Path) -> None:
    from datetime import datetime

    from recoverycli.caselog import crisis

    crisis_id = listed_customers(store, tmp_path)
    found = crisis.resolve(store, crisis_id)
    tried = crisis.claim(store, found, "Maya Olsen", datetime.now(UTC))
    crisis.record(
        store,
        tried,
        {"outcome": "voicemail", "message_left": "Maya from Seaview, about the Aurora"},
        "Maya Olsen",
        datetime.now(UTC),
    )
    app = screen_for(store, "other")
    script = [
        ("Customer's name?", "Hannah Ruiz\r"),
        ("Phone, email or booking reference?", "(415) 555-0199\r"),
        ("Who is the customer?", ["enter"]),
        ("When did it happen?", "\r"),
        ("Did the customer have to chase us", "y\r"),
        ("What did you say to apologise?", "So sorry, Hannah.\r"),
        ("customer's own words?", "Nobody told us anything.\x04"),
        ("What outcome would they like?", "Home on Friday\r"),
        ("What will be done, by whom, by when?", "I confirm your Friday flight by 16:00 today\r"),
        ("What extra will you offer?", ["enter"]),
        ("When will you follow up", "today\r"),
        ("What caused it", "\r"),
        ("Check the case with the customer", ["enter"]),
    ]

    async def call() -> tuple[list[str], str]:
        async with app.run_test(size=(80, 24)) as pilot:
            seen = [await answer(pilot, question, keys) for question, keys in script[:5]]
            await until(pilot, script[5][0])
            await type_keys(pilot, ["f1"])  # the guide has the crisis whole, and the calls so far
            guide = await until(pilot, "Calls so far")
            await type_keys(pilot, ["f1"])
            seen += [await answer(pilot, question, keys) for question, keys in script[5:]]
            await pilot.pause(0.2)
        return seen, guide

    seen, guide = run(call())
    whole = " ".join(guide.split())  # the guide wraps; the docked row is cut at the edge
    assert "Crisis" in guide and "· Maya Olsen · voicemail — message left: Maya from Seaview, about the Aurora" in whole
    assert "NOT reached yet. They are calling us first: apologise for that too · 1 call from us so far" in whole
    assert not any("CRISIS" in text for text in seen[:2])  # nobody is identified yet
    for text in seen[
        2:
    ]:  # every question from identification (name and contact) on, and the summary: docked under the customer
        top = text.split("\n")[:7]
        assert any(f"⚑ CRISIS {crisis_id} · Aurora lost power at sea (Blue Line Cruises)" in line for line in top), text
        assert any("NOT reached yet. They are calling us first: apologise for that too" in line for line in top), text
        assert any("Blue Line Cruises by Sat 5 Dec: Refund two nights" in line for line in top), text
        assert all(len(line) <= 80 for line in text.split("\n"))
    assert not app.outcome.interrupted and app.outcome.call.crisis_id == crisis_id  # linked: a contact match


def test_a_caller_matched_by_name_alone_is_told_to_check_and_not_linked(store, tmp_path: Path) -> None:
    crisis_id = listed_customers(store, tmp_path, supplier_word=False)
    app = screen_for(store, "other")

    async def call() -> str:
        async with app.run_test(size=(80, 24)) as pilot:
            await answer(pilot, "Customer's name?", "hannah  RUIZ\r")
            await answer(pilot, "Phone, email or booking reference?", "hannah@elsewhere.example\r")
            await answer(pilot, "Who is the customer?", ["enter"])
            shown = await until(pilot, "When did it happen?")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return shown

    top = run(call()).split("\n")[:7]
    assert any(f"⚑ CRISIS {crisis_id}" in line for line in top), top
    assert any("Matched by name only: check their booking before you treat this call as theirs" in line for line in top)
    assert app.outcome.interrupted and app.outcome.call.crisis_id is None


def test_keys_typed_before_a_question_shows_are_never_its_answer(store) -> None:
    app = screen_for(store)

    async def call() -> str:
        async with app.run_test(size=(80, 24)) as pilot:
            for question, keys, _ in ROOM_FAILURE[:5]:
                await answer(pilot, question, keys)
            await until(pilot, "What did you say to apologise?")
            late = key_events("more\r")  # typed now, before the next question exists…
            typed_ahead(app, "Sorry.\rjunk\r")  # …and a burst: the apology, then keys meant for who knows what
            await until(pilot, "What happened, in the customer's own words?")
            for event in late:  # …reaching the screen only now, as keys do behind a slow save
                app.post_message(event)
            await pilot.pause(0.1)
            box = app.query_one("#answer").text
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return box

    assert run(call()) == ""  # "junk" and its Enter went nowhere
    assert app.outcome.interrupted and app.outcome.call.answers["apology"] == "Sorry."
    assert "customer_words" not in app.outcome.call.answers


def test_a_yes_no_question_waits_for_enter_and_refuses_other_words(store) -> None:
    app = screen_for(store)

    async def call() -> list[str]:
        async with app.run_test(size=(80, 24)) as pilot:
            for question, keys, _ in ROOM_FAILURE[:4]:
                await answer(pilot, question, keys)
            asked = await answer(pilot, "Did the customer have to chase us", "n")
            await pilot.pause(0.2)
            waiting = screen_text(app)  # a single key is not an answer
            await type_keys(pilot, ["ctrl+u"])
            await type_keys(pilot, "in 2 weeks\r")
            refused = await until(pilot, "is not yes or no")
            await type_keys(pilot, ["ctrl+u"])
            await type_keys(pilot, "y\r")
            await until(pilot, "What did you say to apologise?")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return [asked, waiting, refused]

    asked, waiting, refused = run(call())
    assert "(y/N)" in asked
    assert "Did the customer have to chase us" in waiting and "What did you say to apologise?" not in waiting
    assert "✗ 'in 2 weeks' is not yes or no — answer yes or no" in refused
    assert app.outcome.call.answers["customer_chased"] is True


def test_guidance_and_tips_are_one_key_away_and_only_those_that_apply(store) -> None:
    app = screen_for(store)

    async def call() -> tuple[str, str, str]:
        async with app.run_test(size=(80, 24)) as pilot:
            for question, keys, _ in ROOM_FAILURE[:3]:
                await answer(pilot, question, keys)
            question = await until(pilot, "When did it happen?")
            await type_keys(pilot, ["f1"])
            guide = await until(pilot, "Tips")
            await type_keys(pilot, ["f1"])
            back = await until(pilot, "When did it happen?")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return question, guide, back

    question, guide, back = run(call())
    assert "Guidance" not in question  # at 80 columns the question has the room
    assert "Start with a real apology in your own words." in " ".join(guide.split())
    assert "Avoid" in guide and "★ Apologise like a person" in guide
    assert "Business" not in guide or "deadline" not in guide
    assert "A second complaint is an emergency" not in guide  # a first call: that tip does not apply
    assert "When did it happen?" not in guide and "When did it happen?" in back


def test_a_second_complaint_shows_its_tip(store) -> None:
    store.add(make_case())
    app = screen_for(store, "other")

    async def call() -> str:
        async with app.run_test(size=(120, 40)) as pilot:
            await answer(pilot, "Customer's name?", "Ana Souza\r")
            await answer(pilot, "Phone, email or booking reference?", "+1 555 0100\r")
            await answer(pilot, "Who is the customer?", ["enter"])
            shown = await until(pilot, "who did you alert, and when?")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return shown

    shown = run(call())  # the side panel at 120 columns: this call's own tip first
    assert "★ A second complaint is an" in shown
    assert shown.index("★ A second complaint is an") < shown.index("★ Apologise like a person")


def test_ctrl_c_stops_the_questions_and_keeps_the_draft(store) -> None:
    app = screen_for(store)

    async def call() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            for question, keys, _ in ROOM_FAILURE[:3]:
                await answer(pilot, question, keys)
            await until(pilot, "When did it happen?")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.2)

    run(call())
    assert app.outcome.interrupted and app.finished
    draft = store.get(app.outcome.autosave.case_id)
    assert draft.status == "draft" and draft.customer.name == "Mrs. Amara Obi" and draft.customer.segment == "business"


def test_resume_opens_at_the_first_unanswered_question_with_what_was_captured(store) -> None:
    draft = store.add(make_case(customer_words="The taxi never came.").model_copy(update={"status": "draft"}))
    draft = store.get(draft.id)
    pb_other = Library([bundled_dir()]).get("other")
    draft = draft.model_copy(update={"answers": {"customer_words": "The taxi never came."}})
    app = screen_for(store, "other", draft=draft)

    async def call() -> str:
        async with app.run_test(size=(80, 24)) as pilot:
            first = await until(pilot, "When did it happen?")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return first

    first = run(call())
    assert pb_other.id == "other"
    assert f"Picked up {draft.id} · 4 answers kept: Ana Souza · +1 555 0100 · " in " ".join(first.split())
    assert "The taxi never came." in first
    assert "Customer's name?" not in first


def picker_screen(picked: list[str]) -> CallScreen:
    """A call screen that asks only for a playbook from the bundled catalogue and the staff name, into `picked`."""
    books = Library([bundled_dir()]).catalogue()

    def conduct(clerk: Any) -> None:
        picked.append(clerk.choose_playbook(books))
        picked.append(clerk.ask_staff())

    return CallScreen(conduct)


def test_the_picker_puts_ids_and_titles_before_descriptions(store) -> None:
    picked: list[str] = []
    app = picker_screen(picked)

    async def call() -> str:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, "What went wrong?")
            await type_keys(pilot, "room")
            shown = await until(pilot, lambda t: "Booked wrong" not in t)
            await type_keys(pilot, "\r")
            await answer(pilot, "Your name (staff)?", "Dana Reyes\r")
            await pilot.pause(0.2)
        return shown

    shown = run(call())
    options = [line for line in shown.split("\n") if "▊" in line and "·" in line]
    assert "Something in the room failed" in options[0] and "Property stolen or lost" in options[1]
    assert picked == ["room-failure", "Dana Reyes"]


def test_the_full_screen_gives_way_to_plain_questions_where_it_cannot_be_drawn() -> None:
    assert plain_reason({"TERM": "dumb"}, (80, 24)) == "TERM=dumb cannot draw a full screen"
    assert plain_reason({}, (80, 24)) == "TERM=(unset) cannot draw a full screen"
    assert plain_reason({"TERM": "xterm"}, (50, 24)) == "the terminal is 50×24; the call screen needs at least 60×18"
    assert plain_reason({"TERM": "xterm-256color"}, (80, 24)) is None


def test_the_coach_flags_an_answer_on_screen_and_a_strict_one_must_be_rewritten(store) -> None:
    app = screen_for(store, "other")
    script = [
        ("Customer's name?", "Ana Souza\r"),
        ("Phone, email or booking reference?", "+1 555 0100\r"),
        ("Who is the customer?", ["enter"]),
        ("When did it happen?", "\r"),
        ("Did the customer have to chase us", "\r"),
        ("What did you say to apologise?", "Sorry, it's not our fault, the system lost it.\r"),
    ]

    async def call() -> tuple[str, str]:
        async with app.run_test(size=(80, 24)) as pilot:
            for question, keys in script:
                await answer(pilot, question, keys)
            flagged = await until(pilot, "Revise it, or keep it as it is?")
            await type_keys(pilot, ["down", "enter"])  # keep it
            await answer(pilot, "customer's own words?", "It broke\x04")
            await answer(pilot, "What outcome would they like?", "Refund\r")
            await answer(pilot, "What will be done, by whom, by when?", "Please contact the booking site yourself.\r")
            blocked = await until(pilot, "This cannot be saved as it is")
            await type_keys(pilot, ["ctrl+u"])
            await type_keys(pilot, "I refund the fare by 17:00 today\r")
            await until(pilot, "What extra will you offer?")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return flagged, blocked

    flagged, blocked = run(call())
    assert "⚑ “" in flagged and "not our fault" in flagged
    assert "What will be done, by whom, by when?" in blocked and "Please contact the booking site yourself." in blocked
    answers = app.outcome.call.answers
    assert answers["apology"] == "Sorry, it's not our fault, the system lost it."
    assert answers["commitment"] == "I refund the fare by 17:00 today"
    assert [c["kept"] for c in app.outcome.call.coaching] == [True, False]


@pytest.mark.parametrize(
    "typed, first",
    [
        (
            "room",
            ["room-failure", "theft-or-loss"],
        ),  # room-failure by its id; the theft playbook only by its description
        ("room failed", ["room-failure"]),
        ("Flight", ["flight-disruption"]),
        ("stolen", ["theft-or-loss"]),
        ("partner", ["wrong-booking"]),
        ("xyz", []),
    ],
)
def test_the_picker_ranks_ids_and_titles_before_descriptions(typed: str, first: list[str]) -> None:
    from recoverycli.playbooks.library import matching

    assert [pb.id for pb in matching(Library([bundled_dir()]).catalogue(), typed)] == first


@pytest.mark.parametrize(
    "width, hint",
    [
        (80, "interrupted — every answer so far is kept: recover resume RC-7K2QD"),
        (60, "interrupted; answers kept: recover resume RC-7K2QD"),
        (30, "recover resume RC-7K2QD"),
        (20, "recover resume RC-7K2QD"),
    ],
)
def test_the_resume_hint_is_one_line_that_never_splits_the_case_id(width: int, hint: str) -> None:
    from recoverycli.cli.call import resume_hint

    assert resume_hint("RC-7K2QD", width) == hint


def test_the_steps_row_names_each_step_once_and_cuts_the_current_title_rather_than_drop_it() -> None:
    from recoverycli.ui import views

    call = Call(playbook=Library([bundled_dir()]).get("crisis-outreach"), staff="Maya Olsen", today=date.today())
    assert views.short_titles(call.playbook.steps) == [
        "Apologise",
        "Inform",
        "Listen",
        "Fix",
        "Write",
    ]  # not "What" twice
    at_fix = views.steps_line(views.step_marks(call, 3), 78)
    assert at_fix == "✓ Customer  ✓ Apologise  ✓ Inform  ✓ Listen  ▶ What we are doing, by…  · Write"
    assert views.steps_line(views.step_marks(call, 3), 118).endswith("▶ What we are doing, by when  · Write it down")
    room = Call(playbook=Library([bundled_dir()]).get("room-failure"), staff="Dana Reyes", today=date.today())
    assert views.steps_line(views.step_marks(room, 1), 78) == (
        "✓ Customer  ✓ Apologise  ▶ Listen and review  · Fix and follow up  · Document"
    )


def test_plain_modes_crisis_line_fits_80_columns_whatever_the_title() -> None:
    from types import SimpleNamespace

    from recoverycli.ui import views

    listing = SimpleNamespace(
        crisis=SimpleNamespace(
            id="CR-7K3QX", title="Aurora lost power off Mykonos and was towed back to Piraeus overnight"
        ),
        matched_by="contact",
        outreach=False,
        reached=lambda: False,
    )
    line = views.crisis_state(listing)
    assert (
        len(line) <= 79
        and line.startswith("⚑ CRISIS CR-7K3QX · Aurora lost power")
        and line.endswith("… · NOT reached yet")
    )


def test_a_draft_counts_every_captured_answer_customer_fields_included() -> None:
    from recoverycli.call.live import captured
    from tests.helpers import make_case

    case = make_case()
    assert captured(case.model_copy(update={"answers": {}})) == 3  # name, contact, segment
    assert captured(case) == 3 + len([v for v in case.answers.values() if v not in (None, "")])


def test_help_loads_neither_the_call_screen_nor_the_prompts() -> None:
    """`recover --help` must stay quick: Textual, questionary and nameparser load only when a call starts."""
    import subprocess
    import sys

    probe = (
        "import sys\nfrom recoverycli.cli import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'questionary', 'nameparser', 'pydantic'}))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_a_filter_and_enter_typed_in_one_burst_pick_what_was_typed(store) -> None:
    """ "room⏎" typed at once: the Enter arrived before the list had narrowed, and picked the first playbook of the
    whole list ("Booked wrong by a partner"). Found in tmux at 80×24 with `send-keys room Enter`."""
    picked: list[str] = []
    app = picker_screen(picked)

    async def call() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, "What went wrong?")
            await type_keys(pilot, "flight\r")  # one burst, Enter included
            await answer(pilot, "Your name (staff)?", "Dana Reyes\r")
            await pilot.pause(0.2)

    run(call())
    assert picked == ["flight-disruption", "Dana Reyes"]
