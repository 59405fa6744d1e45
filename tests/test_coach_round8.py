"""Round 8 of the coach: the kinds of sincere reply round 7's unseen writers used and the rules misread.

"Policy" is heard as hiding behind it only when the sentence refuses or limits something with it ("it's policy",
"policy says no", "I can't, it's our policy"), not when we name a policy while owning what went wrong, nor when the
clerk quotes what someone else called policy. "That was wrong" and "not the standard you paid for" own it; moving or
rebooking the customer's nights, table or transfer puts it right; a place called a Peak is not the peak season; "sorry
if I was short. I was." is admitted, not conditional; "show them at the lounge" is an instruction, not the log showing
the driver outside; a refund said done as a headline ("Refund of £38.50 done") is a specific commitment. The
sentences are our own paraphrases, not copies of corpus replies."""

from __future__ import annotations

import pytest

from tests.helpers import coach_flags as flags


@pytest.mark.parametrize(
    "text, prompt",
    [
        (
            "I'm sorry, Mr Hale. Our late-checkout policy is meant to help families, and yesterday it was used to "
            "hurry you out of the room. That was wrong.",
            "apology",
        ),
        (
            "I'm sorry the agent told you it was 'company policy' and left you to it, Mr Ruiz. That was the wrong "
            "answer, and I'm putting it right now.",
            "apology",
        ),
        ("Ms Ortiz, I apologise. The cleaning was rushed, and that isn't the standard you paid for.", "apology"),
        (
            "Sadly the landlord won't allow a second heater in the flat, so I've moved your remaining four nights "
            "to the Harbour Suites next door at no extra cost.",
            None,
        ),
        (
            "I've booked you on the 2:15 slot at Eagle Peak with fast passes, so no queue, and lunch vouchers are "
            "waiting at the main desk.",
            "commitment",
        ),
        (
            "I'm sorry if I was curt with you yesterday, Mr Dunn. I was, and you deserved a lot better from me.",
            "apology",
        ),
        (
            "Hi Omar, your flight now leaves at 22:05. Sorry. Two lounge passes are on your boarding pass, show them "
            "at the Plaza Premium lounge.",
            None,
        ),
        ("Refund of £38.50 done. It reaches your card within five working days.", "commitment"),
        ("Full refund issued on booking 55120; the receipt is in your inbox before 6 pm.", "commitment"),
    ],
)
def test_sincere_constructions_are_not_flagged(text: str, prompt: str | None) -> None:
    assert not flags(text, prompt), [(f.rule, f.match) for f in flags(text, prompt)]


@pytest.mark.parametrize(
    "text, prompt, category",
    [
        ("Late checkout isn't possible, it's hotel policy.", None, "policy"),
        ("I can't refund the deposit, I'm afraid, our policy is very strict on that.", None, "policy"),
        ("Those policies say no, sorry.", None, "policy"),
        ("Your travel insurance should pick up the hotel bill for that night.", None, "deflect"),
        ("It's peak season, so the pick-ups run a bit late.", None, "excuse"),
        ("I'm sorry if you felt rushed.", "apology", "non-apology"),
        ("The GPS shows him outside at 4:50, so maybe you missed him.", None, "doubt"),
        ("Your refund will be processed.", "commitment", "specific"),
    ],
)
def test_the_moves_next_to_them_are_still_flagged(text: str, prompt: str | None, category: str) -> None:
    assert category in {f.category for f in flags(text, prompt)}, [(f.rule, f.match) for f in flags(text, prompt)]


def test_a_concrete_act_of_ours_with_a_time_puts_it_right() -> None:
    """Measured on earlier rounds' rule files over writers they never saw: fewer false flags, no bad reply lost."""
    named = "The tour operator didn't send the minibus, Mrs Kaur."
    assert not flags(f"{named} Our own driver will collect you from the lobby at 9:15.")
    assert "blame" in {f.category for f in flags(f"{named} You'll need to get a taxi, sorry.")}
    assert "blame" in {f.category for f in flags(f"{named} If our driver can collect you at 9:15, fine.")}


@pytest.mark.parametrize(
    "text, silent",
    [
        ("We oversold the ferry and you were the one left on the quay, Mr Lowe.", True),
        ("We were careless with your passport copy, Ms Berg.", True),
        ("The whole £45 is on its way back to your card today.", True),
        ("Two meal vouchers are on your boarding passes now.", True),
        ("The 1 pm late checkout is yours.", True),
        ("The ferry company oversold it, so you were the one left on the quay.", False),
        ("Your refund request is with our finance team.", False),
    ],
)
def test_the_trained_ear_keeps_quiet_when_we_failed_or_it_is_already_with_them(text: str, silent: bool) -> None:
    from recoverycli.coach import default_rules, silenced

    assert silenced(text, "blame", default_rules()) is silent
