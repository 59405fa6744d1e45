"""The call screen as the newcomer met it: what Ctrl-C keeps, when the banners show, what stays on screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recoverycli.call.live import answers_held
from recoverycli.call.wizard import UNFINISHED
from tests.callscreen import ROOM_FAILURE, answer, listed_customers, run, screen_for, type_keys, until
from tests.helpers import make_case

TYPED = "My flight was cancelled and I only found out at the gate.\rI had to sleep at the airport"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_ctrl_c_keeps_the_text_being_typed_and_resume_offers_it_again(store, size: tuple[int, int]) -> None:
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


def test_ctrl_c_on_an_empty_box_holds_nothing(store) -> None:
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


def test_the_unfinished_text_never_reaches_a_saved_case(store, tmp_path: Path) -> None:
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
    store,
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


def test_a_first_call_still_defaults_chasing_to_no(store) -> None:
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


def test_a_listed_customer_shows_the_crisis_at_the_segment_question(store, tmp_path: Path) -> None:
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


LONG_PROMISE = (
    "Sam from maintenance is at room 412 by 4:15 with a power bank; I call you at 4:30 and again at 6:00 to check "
    "that the power stayed on through the night"
)


def repeat_guide_call(store, size: tuple[int, int], pages: int):
    """A repeat call with a long earlier promise, F1 opened at the apology, then PgDn `pages` times."""
    from datetime import date

    store.add(
        make_case(
            customer_words="The power went off at 3am and never came back.",
            commitment=LONG_PROMISE,
            follow_up_date=date.today().isoformat(),
        )
    )
    app = screen_for(store, "other")

    async def call() -> tuple[str, str, str]:
        async with app.run_test(size=size) as pilot:
            for question, keys in repeat_script():
                await answer(pilot, question, keys)
            docked = await until(pilot, "What did you say to apologise?")
            await type_keys(pilot, ["f1"])
            guide = await until(pilot, "Earlier complaints")
            for _ in range(pages):
                await type_keys(pilot, ["pagedown"])
            await pilot.pause(0.1)
            paged = await until(pilot, "PgUp PgDn scroll") if pages else ""
            await type_keys(pilot, "\x03")
            await pilot.pause(0.2)
        return docked, guide, paged

    return run(call())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_emergency_rows_say_whether_the_follow_up_happened_and_f1_shows_them_whole(
    store,
    size: tuple[int, int],
) -> None:
    docked, guide, _ = repeat_guide_call(store, size, pages=0)
    top = docked.split("\n")[:7]
    assert any("Follow-up today NOT done · We promised: Sam from maintenance" in line for line in top), docked
    assert not any("through the night" in line for line in top)  # the docked row is cut at the edge…
    assert "Earlier complaints" in guide and "through the night" in guide, guide  # …the guide has it whole
    after = guide.split("Earlier complaints", 1)[1]
    assert "Follow-up today NOT" in after and "They said: “The power went off" in guide


def test_pgdn_scrolls_the_guidance_to_its_end_at_80x24(store) -> None:
    docked, guide, paged = repeat_guide_call(store, (80, 24), pages=4)
    assert "PgUp PgDn scroll" not in guide  # it does not fit: the end is below the screen
    assert "PgUp PgDn scroll · F1 closes this" in paged  # and the keyboard reaches it


def test_a_blocked_answer_says_so_on_screen_and_pgdn_shows_every_flag(store) -> None:
    store.add(make_case(customer_words="Nobody told us about the delay.", commitment="I call you at 16:00"))
    app = screen_for(store, "other")  # a repeat call: the emergency rows leave less room for the flags
    script = [
        *repeat_script(),
        ("What did you say to apologise?", "\r"),
        ("customer's own words?", "It broke\x04"),
        ("What outcome would they like?", "Refund\r"),
        ("What will be done, by whom, by when?", "Please contact Blue Line directly about your flight home.\r"),
    ]

    async def call() -> tuple[str, str]:
        async with app.run_test(size=(80, 24)) as pilot:
            for question, keys in script:
                await answer(pilot, question, keys)
            blocked = await until(pilot, "This cannot be saved as it is")
            for _ in range(3):
                await type_keys(pilot, ["pagedown"])
            await pilot.pause(0.1)
            paged = await until(pilot, "[not-specific]")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return blocked, paged

    blocked, paged = run(call())
    assert "✗ This cannot be saved as it is — rewrite it; why is below (PgDn)" in blocked
    assert "[deflect-contact-them]" in blocked and "[not-specific]" not in blocked  # the last flag is below the edge
    assert "[not-specific]" in paged and all(len(line) <= 80 for line in paged.split("\n"))
    assert "customer_words" in app.outcome.call.answers and "commitment" not in app.outcome.call.answers


def test_revise_keeps_the_coachs_flags_under_the_box(store) -> None:
    app = screen_for(store, "other")
    script = [
        ("Customer's name?", "Ana Souza\r"),
        ("Phone, email or booking reference?", "+1 555 0100\r"),
        ("Who is the customer?", ["enter"]),
        ("When did it happen?", "\r"),
        ("Did the customer have to chase us", "\r"),
        ("What did you say to apologise?", "Sorry if that upset you, it was caused by the power company.\r"),
    ]

    async def call() -> str:
        async with app.run_test(size=(120, 40)) as pilot:
            for question, keys in script:
                await answer(pilot, question, keys)
            await until(pilot, "Revise it, or keep it as it is?")
            await type_keys(pilot, ["enter"])  # revise it
            revising = await until(pilot, lambda t: "What did you say to apologise?" in t and "Revise it" not in t)
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return revising

    revising = run(call())
    assert "Sorry if that upset you, it was caused by the power company." in revising  # the text, to edit
    assert "⚑ “" in revising and "Try:" in revising  # and why, still under the box


def test_ctrl_c_in_the_same_burst_as_the_typing_still_keeps_every_letter(store) -> None:
    from tests.callscreen import typed_ahead

    app = screen_for(store)

    async def interrupted() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            for question, keys, _ in ROOM_FAILURE[:3]:
                await answer(pilot, question, keys)
            await until(pilot, "When did it happen?")
            typed_ahead(app, "about 07:15 at the gate\x03")  # one burst: the letters, then Ctrl-C
            await pilot.pause(0.3)

    run(interrupted())
    held = store.get(app.outcome.autosave.case_id).answers[UNFINISHED]
    assert held == {"prompt": "incident_at", "text": "about 07:15 at the gate"}


def test_typing_your_own_gesture_drops_the_lists_pick_one_help(store) -> None:
    app = screen_for(store)

    async def call() -> str:
        async with app.run_test(size=(80, 24)) as pilot:
            for question, keys, _ in ROOM_FAILURE[:12]:
                await answer(pilot, question, keys)
            await until(pilot, "What extra will you offer?")
            await type_keys(pilot, ["end", "enter"])  # the last choice: type your own
            own = await until(pilot, "What extra will you offer? (type it)")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return own

    own = run(call())
    assert "Type it in your own words, then Enter." in own and "Pick one" not in own


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_guide_says_what_f1_does_and_hides_when_it_has_nothing(store, size: tuple[int, int]) -> None:
    app = screen_for(store)

    async def call() -> tuple[str, str, str, str]:
        async with app.run_test(size=size) as pilot:
            await until(pilot, "Customer's name?")
            await type_keys(pilot, ["f1"])
            empty = await until(pilot, "Customer's name?")  # nothing to guide yet: the question stays
            await type_keys(pilot, ["f1"])
            for question, keys, _ in ROOM_FAILURE[:3]:
                await answer(pilot, question, keys)
            step = await until(pilot, "When did it happen?")
            await type_keys(pilot, ["f1"])
            opened = await until(pilot, "Guidance")
            for _ in range(4):
                await type_keys(pilot, ["pagedown"])
            end = await until(pilot, "PgUp PgDn scroll")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return empty, step, opened, end

    empty, step, opened, end = run(call())
    assert "F1 closes this" not in empty and "PgUp PgDn" not in empty
    if size[0] >= 110:  # the side panel: F1 widens it, then narrows it again
        assert "F1 widens this" in " ".join(step.split()) or "Guidance" in step
        assert "F1 narrows this" in end
    else:  # a narrow screen: F1 opens it over the question and closes it
        assert "Guidance" not in step and "F1 closes this" in end


def test_the_summary_at_120_columns_uses_the_width_the_guide_gives_up(store) -> None:
    app = screen_for(store)

    async def call() -> str:
        async with app.run_test(size=(120, 40)) as pilot:
            for question, keys, _ in ROOM_FAILURE:
                await answer(pilot, question, keys)
            summary = await until(pilot, "Check the case with the customer")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return summary

    summary = run(call())
    lines = summary.split("\n")
    promise = next(i for i, line in enumerate(lines) if "What will be done" in line)
    assert "Checked it" in lines[promise + 1] and "yes" in lines[promise + 1]  # the check, named short, under it
    assert "F1 closes this" not in summary and "F1 widens this" not in summary  # no empty side panel
    row = next(line for line in summary.split("\n") if "What will be done" in line)
    assert "Sam resets the breaker by 8:15; I call at 8:20" in row


def test_resume_says_what_a_yes_answered_and_marks_a_cut_line(store) -> None:
    from datetime import date

    from recoverycli.call.wizard import call_from_case
    from recoverycli.ui import views
    from tests.callscreen import WORDS

    app = screen_for(store)

    async def interrupted() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            for question, keys, _ in ROOM_FAILURE[:7]:
                await answer(pilot, question, keys)
            await until(pilot, "What do they need, and by when?")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.2)

    run(interrupted())
    draft = store.get(app.outcome.autosave.case_id)
    again = screen_for(store, draft=draft)

    async def resumed() -> str:
        async with again.run_test(size=(80, 24)) as pilot:
            shown = await until(pilot, "What do they need, and by when?")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return shown

    shown = run(resumed())
    picked = " ".join(" ".join(line.split()) for line in shown.split("\n") if line.strip())
    assert views.captured_line(draft, call_from_case(draft, again_playbook(), date.today())).count(
        "Did the customer have to chase us: no"
    )  # not a bare "no"
    assert "…" in picked and WORDS not in picked  # the customer's words are cut, and it shows


def again_playbook():
    from recoverycli.playbooks.library import Library, bundled_dir

    return Library([bundled_dir()]).get("room-failure")


def test_the_pickers_key_bar_fits_80_columns() -> None:
    from recoverycli.playbooks.library import Library, bundled_dir
    from recoverycli.ui.screen import CallScreen

    books = Library([bundled_dir()]).catalogue()
    app = CallScreen(lambda clerk: clerk.choose_playbook(books))

    async def call() -> str:
        async with app.run_test(size=(80, 24)) as pilot:
            shown = await until(pilot, "What went wrong?")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return shown

    keys = run(call()).rstrip("\n").split("\n")[-1]
    assert keys.strip() == "type to filter · ↑↓ choose · Enter pick · Ctrl+C stop, answers kept"


def test_changing_an_answer_shows_the_case_rows_without_the_option_bar(store) -> None:
    app = screen_for(store)

    async def call() -> str:
        async with app.run_test(size=(80, 24)) as pilot:
            for question, keys, _ in ROOM_FAILURE:
                await answer(pilot, question, keys)
            await until(pilot, "Check the case with the customer")
            await type_keys(pilot, ["end", "up", "up", "up", "enter"])  # the gesture row
            changing = await until(pilot, "Pick one")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return changing

    changing = run(call())
    rows = changing.split("\n")
    case_rows = [r for r in rows if "Mrs. Amara Obi" in r and "Name" in r]
    assert case_rows and not case_rows[0].lstrip().startswith("▊")  # the case, not a choice
    assert any(r.lstrip().startswith("▊") for r in rows)  # the choices keep their bar


def test_keys_typed_before_a_question_showed_are_not_dropped_silently(store) -> None:
    from tests.callscreen import key_events

    app = screen_for(store)

    async def call() -> tuple[str, str]:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, "Customer's name?")
            late = key_events("lena@example.org")  # typed with the name, before the contact question existed
            await type_keys(pilot, "Lena Park\r")
            await until(pilot, "Phone, email or booking reference?")
            for event in late:
                app.post_message(event)
            await pilot.pause(0.1)
            shown = await until(pilot, "were not taken")
            box = app.query_one("#answer").text
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return shown, box

    shown, box = run(call())
    assert box == ""  # still never taken as the answer…
    assert "⚠ Keys typed before this question showed were not taken: type them again." in shown  # …but said


def test_a_listed_customers_segment_comes_from_the_list(store, tmp_path: Path) -> None:
    listed_customers(store, tmp_path)  # Hannah Ruiz, couple
    app = screen_for(store, "other")

    async def call() -> str:
        async with app.run_test(size=(80, 24)) as pilot:
            await answer(pilot, "Customer's name?", "Hannah Ruiz\r")
            await answer(pilot, "Phone, email or booking reference?", "(415) 555-0199\r")
            shown = await answer(pilot, "Who is the customer?", ["enter"])  # Enter alone: the list's segment
            await until(pilot, "When did it happen?")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return shown

    shown = run(call())
    assert app.outcome.call.customer["segment"] == "couple"
    assert "Couple" in shown


def test_after_a_change_save_the_case_is_still_in_view_at_80x24(store) -> None:
    app = screen_for(store)

    async def call() -> str:
        async with app.run_test(size=(80, 24)) as pilot:
            for question, keys, _ in ROOM_FAILURE:
                await answer(pilot, question, keys)
            await until(pilot, "Check the case with the customer")
            await type_keys(pilot, ["end", "up", "up", "up", "enter"])  # the gesture row
            await until(pilot, "Pick one")
            await type_keys(pilot, ["down", "enter"])
            await pilot.pause(0.3)
            back = await until(pilot, "Check the case with the customer")
            await pilot.pause(0.2)
            from tests.callscreen import screen_text

            back = screen_text(app)
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return back

    back = run(call())
    assert "✔ Save the case" in back and "Extra offered" in back, back


def test_the_summary_at_80_columns_keeps_whole_labels_where_the_answer_is_short(store) -> None:
    app = screen_for(store)

    async def call() -> str:
        async with app.run_test(size=(80, 24)) as pilot:
            for question, keys, _ in ROOM_FAILURE:
                await answer(pilot, question, keys)
            summary = await until(pilot, "Check the case with the customer")
            await type_keys(pilot, "\x03")
            await pilot.pause(0.1)
        return summary

    summary = run(call())
    lines = summary.split("\n")
    promise = next(i for i, line in enumerate(lines) if "What will be done" in line)
    assert "Checked it" in lines[promise + 1] and "yes" in lines[promise + 1]  # the check, under the promise
    assert all(len(line) <= 80 for line in summary.split("\n"))
    # rows with long answers are named by the playbook's short labels, so none is cut to "What did you say to apo…"
    # and "What happened, in the c…" (newcomer #12)
    rows = {line.strip(" ▊▁▂▃▄▅▆▇█").split("  ")[0]: line for line in summary.split("\n") if "▊" in line}
    for name, said in (
        ("Apology", "I'm so sorry, Mrs Obi. I'll fix this now."),
        ("Customer's words", "The power went off at seven forty"),
        ("Outcome they want", "Power back before 8:30"),  # room-failure's own question keeps the base's name
        ("What will be done", "Sam resets the breaker by 8:15; I call at 8:20"),
        ("Extra offered", "A drink at the bar"),
    ):
        assert name in rows and said in rows[name], (name, summary)
    assert not any(name.endswith("…") for name in rows), summary  # no row's name is cut
