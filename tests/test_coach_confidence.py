"""Round 4 of the coach: block only when it is very sure, and hear the same moves in wording it was not written from.

The sentences below are our own paraphrases of the moves, not copies of corpus replies: they check that a rule
catches a kind of move (who acts, a stance), not one reply's words."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.helpers import coach_flags as flags


def levels(text: str, rule: str, prompt: str | None = None, customer: str | None = None) -> set[str]:
    return {f.level for f in flags(text, prompt, customer) if f.rule == rule}


def test_the_senders_signature_is_not_another_customers_name() -> None:
    text = (
        "Dear Ms. Rossi,\n\nYour case was found at 15:10 and that was our mistake. It is in your cabin now.\n\n"
        "Warm regards,\nDaniel, Guest Services"
    )
    assert "wrong-name" not in {f.rule for f in flags(text, customer="Giulia Rossi")}


def test_another_surname_blocks_in_a_greeting_a_first_name_warns_and_further_in_warns() -> None:
    assert levels("Dear Mr Okafor, your room is ready.", "wrong-name", "commitment", "Diego Romero") == {"error"}
    assert levels("Hi Maria Lopez, your room is ready.", "wrong-name", "commitment", "Diego Romero") == {"error"}
    # a first name may be what the customer goes by (Sasha for Aleksandr, an English name chosen for work): it warns
    assert levels("Hi Marco, your room is ready.", "wrong-name", "commitment", "Diego Romero") == {"warning"}
    assert levels("Marco, I'm so sorry about the room.", "wrong-name", "apology", "Diego Romero") == {"warning"}
    further = "I'm so sorry about the wait. Thanks for your patience, Mr Jones. Your room is ready at 15:00."
    assert levels(further, "wrong-name", "commitment", "Amara Obi") == {"warning"}


def test_an_error_rule_only_warns_when_the_reply_owns_it_or_puts_it_right() -> None:
    assert levels("Please calm down, sir.", "dismissal", "commitment") == {"error"}
    assert levels("I've refunded the night. Please calm down, sir.", "dismissal", "commitment") == {"warning"}
    assert levels("You'll need to call the airline yourself.", "deflect-contact-them", "commitment") == {"error"}
    owned = "That was our mistake. You'll need to call the airline yourself about the bags."
    assert levels(owned, "deflect-contact-them", "commitment") == {"warning"}


@pytest.mark.parametrize(
    "text, category",
    [
        ("I'm sorry, but the kitchen says nobody told them about the allergy.", "non-apology"),
        ("Sorry for the noise, but the band is booked until midnight every Friday.", "non-apology"),
        ("The night team were supposed to leave your key at the desk, and they didn't.", "blame"),
        ("Whoever took your booking put the wrong date on it.", "blame"),
        ("The caterer swapped the menu without telling us.", "blame"),
        ("The florist delivered lilies instead of the roses we ordered.", "blame"),
        ("Saturday is always our busiest day of the week.", "excuse"),
        ("The lifts can only carry so many people at once.", "excuse"),
        ("Is there any chance the ring went down the sink?", "doubt"),
        ("If you'd arrived at the pier on time you would have boarded.", "doubt"),
        ("The departure time was printed clearly on your voucher.", "doubt"),
        ("We can move you to Sunday. Under our terms, no-shows are non-refundable.", "policy"),
        ("The deposit can't be refunded within 48 hours of arrival, so the charge stands.", "policy"),
        ("I'm sorry the cabin wasn't quite what you were hoping for.", "non-apology"),
        ("Honestly, the matinee isn't one of our best, so you didn't miss much.", "dismiss"),
    ],
)
def test_the_same_moves_in_words_the_rules_were_not_written_from(text: str, category: str) -> None:
    assert category in {f.category for f in flags(text)}


@pytest.mark.parametrize(
    "text, prompt",
    [
        ("I'm so sorry, Mr Ito, that our driver didn't come this morning.", "apology"),
        ("I'm so sorry your guide didn't turn up at the museum.", "apology"),
        ("Even if it's busy on Saturday, I'll bring the cake to your table myself at 20:00.", "commitment"),
        (
            "I'm sorry the power went just before your meeting. Let's get you ready first, then I'll deal with "
            "the fault.",
            "apology",
        ),
        ("I'm sorry. We charged you twice, and you were the one who had to spot it.", "apology"),
        ("I won't tell you this has never happened before. I've moved you to a suite at 14:00.", None),
        ("I'm sorry, but I've already moved you to the 14:10 at no cost.", None),
        ("Your room is ready now. Ravi will bring your bags across by 11:00.", "commitment"),
        ("I've added assistance for the 22nd, and I'll text you the day before to confirm.", "commitment"),
        ("I've agreed with our events team that music ends at 22:30 from now on, and refunded the night.", None),
    ],
)
def test_sincere_replies_that_look_like_a_move_are_left_alone(text: str, prompt: str | None) -> None:
    assert flags(text, prompt) == []


def test_a_vague_time_in_the_apology_is_flagged_too() -> None:
    assert "vague-time" in {f.rule for f in flags("So sorry, someone will look at the heating shortly.", "apology")}


PARAPHRASES = yaml.safe_load((Path(__file__).parent / "coach_paraphrases.yaml").read_text(encoding="utf-8"))


def _prompt(field: str) -> str | None:
    return None if field == "reply" else field


@pytest.mark.parametrize("case", PARAPHRASES["bad"], ids=lambda c: f"{c['set']}-{c['move']}-{c['text'][:30]}")
def test_every_paraphrased_move_is_flagged_by_the_rules_alone(case: dict) -> None:
    assert flags(case["text"], _prompt(case["field"]), case.get("customer")), case["text"]


@pytest.mark.parametrize("case", PARAPHRASES["sincere"], ids=lambda c: f"{c['set']}-{c['text'][:30]}")
def test_no_paraphrased_sincere_reply_is_flagged(case: dict) -> None:
    assert flags(case["text"], _prompt(case["field"]), case.get("customer")) == [], case["text"]
