"""Round 7 of the coach: sincere constructions that round 6's unseen writers used and the coach misread, as kinds.

A policy named as what *we* broke or explained wrongly is not hiding behind it; "if I were in your shoes" is empathy,
not a condition on the apology; a first-person "I just checked with" is not telling the customer to check; the number
of the person bringing the remedy is not a hand-off; a change already made said as the new state, or a courier as
who, is a specific commitment; and the trained ear keeps quiet when the reply puts it right (our people bringing it,
a credit on the account, money paid back). The sentences are our own paraphrases, not copies of corpus replies."""

from __future__ import annotations

import pytest

from recoverycli.coach import default_rules
from tests.helpers import coach_flags as flags


@pytest.mark.parametrize(
    "text, prompt",
    [
        (
            "I'm sorry. Our rule is that guests who need step-free access get a room on the ground floor, "
            "and we didn't keep to it for you.",
            "apology",
        ),
        ("My apologies: our agent quoted the refund policy to you incorrectly, and you paid for it.", "apology"),
        ("If I were you I'd be livid as well, and I'm sorry. We put you on a table by the kitchen door.", "apology"),
        (
            "I just checked with the harbour office and your bag is in their safe, sorry we left it on the tender. "
            "I've refunded the excursion.",
            None,
        ),
        (
            "A new charger leaves our depot at 3:30 with Priyanka. She'll bring it to your room by four, "
            "and I'll text you her number now.",
            "commitment",
        ),
        ("Replacement tickets are being couriered this afternoon, arriving before 6 pm.", "commitment"),
        ("Room 214 is now 508, on the quiet side. Done.", "commitment"),
    ],
)
def test_sincere_constructions_are_not_flagged(text: str, prompt: str | None) -> None:
    assert not flags(text, prompt), [f.rule for f in flags(text, prompt)]


@pytest.mark.parametrize(
    "text, prompt, category",
    [
        ("Our policy doesn't cover lost keys, I'm afraid.", None, "policy"),
        ("If you felt let down, then I'm sorry.", "apology", "non-apology"),
        ("Just check with the front desk in the morning.", None, "deflect"),
        ("They'll sort it out, I'll text you their number.", None, "deflect"),
        ("Someone will look into it.", "commitment", "specific"),
    ],
)
def test_the_moves_next_to_them_are_still_flagged(text: str, prompt: str | None, category: str) -> None:
    assert category in {f.category for f in flags(text, prompt)}


@pytest.mark.parametrize(
    "text",
    [
        "You'll need to swap rooms again, but our porters will carry everything up for you at nine.",
        "I've arranged a new one for tonight, and there's a £40 credit on your booking for the bother.",
        "Buy whatever you need until it arrives and we'll pay it back.",
        "I've overridden the fee, and the full deposit will be back with you by Friday.",
    ],
)
def test_a_reply_that_puts_it_right_silences_the_trained_ear(text: str) -> None:
    from recoverycli.coach import silenced

    assert silenced(text, "deflect", default_rules())


@pytest.mark.parametrize(
    "text, prompt, category",
    [
        # the kinds added for the weaker moves, in words no corpus reply used
        ("We were a bit short-handed with the flu going round.", None, "excuse"),
        ("Just bad timing, really - the system was updating.", None, "excuse"),
        ("The desk clerk is brand new, so she didn't realise.", None, "blame"),
        ("It was left like that by the previous guest, I'm afraid.", None, "blame"),
        ("That's where the fault lies: the agency's booking team is separate from ours.", None, "blame"),
        ("We can't waive the fee for anyone, sorry.", None, "policy"),
        ("The contract you signed is very clear about cancellations.", None, "policy"),
        ("One rainy afternoon is hardly going to ruin your week.", None, "dismiss"),
        ("Sorry the delay came as a shock to you.", "apology", "non-apology"),
    ],
)
def test_weaker_moves_said_another_way(text: str, prompt: str | None, category: str) -> None:
    assert category in {f.category for f in flags(text, prompt)}


@pytest.mark.parametrize(
    "text, prompt",
    [
        ("I'm on my own tonight, so I'll bring the towels up myself in five minutes.", None),
        ("That was bad timing on our part, and I'm sorry. I've moved your tour to Thursday.", None),
        ("I'm sorry the bill came as such a shock; it was wrong, and I've reversed the extra £80.", None),
        ("Our rental agreement promises a working car, and we didn't give you one. I'm sorry.", "apology"),
        ("There's not a scratch on your car now: the body shop fixed it this morning, at our expense.", None),
    ],
)
def test_the_same_words_owned_or_put_right_pass(text: str, prompt: str | None) -> None:
    assert not flags(text, prompt), [f.rule for f in flags(text, prompt)]


@pytest.mark.parametrize(
    "text, quiet",
    [
        ("I'm so sorry. Our driver left the pier before you got there, and you were right on time.", True),
        ("We cancelled your breakfast booking with no warning, and I'd be upset too.", True),
        ("I've added a second night for free.", True),
        ("If we cancelled it, you would have had an email.", False),
        ("The driver left before you got there.", False),
    ],
)
def test_the_trained_ear_is_quiet_when_we_are_the_one_who_failed(text: str, quiet: bool) -> None:
    from recoverycli.coach import silenced

    assert silenced(text, "blame", default_rules()) is quiet
