"""The call screen as the newcomer met it: what Ctrl-C keeps, when the banners show, what stays on screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from recoverycli.call.live import answers_held
from recoverycli.call.wizard import UNFINISHED
from tests.callscreen import answer, type_keys, until
from tests.test_call_screen import ROOM_FAILURE, run, screen_for, store  # noqa: F401 - the fixture

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
