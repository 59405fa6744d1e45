"""The call screen as the newcomer met it: what Ctrl-C keeps, when the banners show, what stays on screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recoverycli.call.live import answers_held
from recoverycli.call.wizard import UNFINISHED
from tests.callscreen import answer, type_keys, until
from tests.test_call_screen import ROOM_FAILURE, listed_customers, run, screen_for, store  # noqa: F401 - the fixture
from tests.test_store import make_case

TYPED = "My flight was cancelled and I only found out at the gate.\rI had to sleep at the airport"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_ctrl_c_keeps_the_text_being_typed_and_resume_offers_it_again(store, size: tuple[int, int]) -> None:  # noqa: F811
    app = screen_for(store)

    async def interrupted() -> None:
        async with app.run_test(size=size) as pilot:
            for question, keys, _ in ROOM_FAILURE[:6]:
                await answer(pilot, question, keys)
            await until(pilot, "What happened, in the customer's own words?")
            await type_keys(pilot, TYPED)  # two lines, not yet finished with Ctrl+D
            await type_keys(pilot, "\x03")
            await pilot.pause(0.2)

    run(interrupted())
    assert app.outcome.interrupted
    draft = store.get(app.outcome.autosave.case_id)
    assert draft.answers[UNFINISHED] == {"prompt": "customer_words", "text": TYPED.replace("\r", "\n")}
    assert "customer_words" not in draft.answers
    assert answers_held(draft) == "6 answers"  # the unfinished text is not counted as an answer

    again = screen_for(store, draft=draft)

    async def resumed() -> str:
        async with again.run_test(size=size) as pilot:
            shown = await until(pilot, lambda t: "customer's own words?" in t and "sleep at the airport" in t)
            await type_keys(pilot, " overnight\x04")
            await until(pilot, "What do they need, and by when?")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.2)
        return shown

    shown = run(resumed())
    assert "My flight was cancelled and I only found out at the gate." in shown
    case = store.get(draft.id)
    assert case.answers["customer_words"] == TYPED.replace("\r", "\n") + " overnight"
    assert UNFINISHED not in case.answers  # answered: nothing is held any more


def test_ctrl_c_on_an_empty_box_holds_nothing(store) -> None:  # noqa: F811
    app = screen_for(store)

    async def interrupted() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            for question, keys, _ in ROOM_FAILURE[:3]:
                await answer(pilot, question, keys)
            await until(pilot, "When did it happen?")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.2)

    run(interrupted())
    assert UNFINISHED not in store.get(app.outcome.autosave.case_id).answers


def test_the_unfinished_text_never_reaches_a_saved_case(store, tmp_path: Path) -> None:  # noqa: F811
    from datetime import date

    from recoverycli.call.live import Autosave
    from recoverycli.call.wizard import Call
    from recoverycli.playbooks.library import Library, bundled_dir

    call = Call(playbook=Library([bundled_dir()]).get("other"), staff="Dana", today=date.today())
    autosave = Autosave(store, via="wizard")
    call.on_answer = autosave
    call.set("customer.name", "Ana Souza")
    call.hold_unfinished("customer.contact", "+1 555")
    assert store.get(autosave.case_id).answers[UNFINISHED] == {"prompt": "customer.contact", "text": "+1 555"}
    saved = autosave.finish(call)
    assert UNFINISHED not in store.get(saved.id).answers


def repeat_script() -> list[tuple[str, Any]]:
    return [
        ("Customer's name?", "Ana Souza\r"),
        ("Phone, email or booking reference?", "+1-555-0100\r"),
        ("Who is the customer?", ["enter"]),
        ("who did you alert, and when?", "Duty manager Lena, 10:05\r"),
        ("When did it happen?", "\r"),
        ("Did the customer have to chase us", "\r"),  # Enter alone: yes, they called again
    ]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("earlier", [1, 2])
def test_a_repeat_shows_the_emergency_once_name_and_contact_match_and_says_they_chased_us(
    store,  # noqa: F811
    size: tuple[int, int],
    earlier: int,
) -> None:
    for _ in range(earlier):
        store.add(make_case(customer_words="The shower was cold.", commitment="Plumber by 18:00 today"))
    app = screen_for(store, "other")
    script = repeat_script()

    async def call() -> list[str]:
        async with app.run_test(size=size) as pilot:
            seen = [await answer(pilot, question, keys) for question, keys in script]
            await until(pilot, "What did you say to apologise?")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.2)
        return seen

    seen = run(call())
    segment = seen[2]  # the segment question, asked right after name and contact
    assert "Who is the customer?" in segment
    assert any(f"⚠ EMERGENCY · complaint number {earlier + 1}" in line for line in segment.split("\n")[:7]), segment
    alert = " ".join(seen[3].split())
    assert "Repeat complaint: who did you alert, and when?" in alert and "Second complaint" not in alert
    chase = seen[5]
    assert "Did the customer have to chase us" in chase and "(Y/n)" in chase
    assert app.outcome.call.answers["customer_chased"] is True


def test_a_first_call_still_defaults_chasing_to_no(store) -> None:  # noqa: F811
    app = screen_for(store, "other")
    script = [
        ("Customer's name?", "Ana Souza\r"),
        ("Phone, email or booking reference?", "+1-555-0100\r"),
        ("Who is the customer?", ["enter"]),
        ("When did it happen?", "\r"),
    ]

    async def call() -> str:
        async with app.run_test(size=(80, 24)) as pilot:
            for question, keys in script:
                await answer(pilot, question, keys)
            shown = await until(pilot, "Did the customer have to chase us")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.2)
        return shown

    shown = run(call())
    assert "(y/N)" in shown and "EMERGENCY" not in shown


def test_a_listed_customer_shows_the_crisis_at_the_segment_question(store, tmp_path: Path) -> None:  # noqa: F811
    crisis_id = listed_customers(store, tmp_path)
    app = screen_for(store, "other")

    async def call() -> str:
        async with app.run_test(size=(80, 24)) as pilot:
            await answer(pilot, "Customer's name?", "Hannah Ruiz\r")
            await answer(pilot, "Phone, email or booking reference?", "(415) 555-0199\r")
            shown = await until(pilot, "Who is the customer?")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.2)
        return shown

    shown = run(call())
    assert any(f"⚑ CRISIS {crisis_id}" in line for line in shown.split("\n")[:7]), shown
