"""Round 3 of the coach: fewer false alarms. A reply that owns the problem or puts it right is not heard as an excuse,
blame, deflection, policy or doubt; explicit wording is still caught beside a remedy."""

from __future__ import annotations

import pytest

from recoverycli.coach import Context, check, default_rules
from recoverycli.coach.text import sentence_spans
from tests.helpers import coach_flags as flags


@pytest.mark.parametrize(
    "text",
    [
        "Our policy is to charge a full day for a late return, Mr. Lee, but the shuttle never came, so I've taken "
        "the charge off.",
        "The spa's usual terms and conditions say 24 hours' notice; I've waived that and refunded the £60 today.",
        "Our kitchen missed the allergy note on your ticket. I've refunded your whole bill and the chef checks every "
        "allergy order now.",
        "The double charge was our booking system's error, and I've just reversed it; it shows on your card within 3 "
        "days.",
        "I've just checked with the clinic on deck 4: they'll see your daughter at 14:30, at no charge.",
        "Just so I have it right, the cot we promised wasn't there when you arrived? I'm so sorry. I've taken "
        "tonight off your bill.",
        "The transfer firm sent the driver to the wrong terminal, and that was wrong of us: we chose them. I'm "
        "booking you a car now.",
    ],
)
def test_a_reply_that_owns_it_or_puts_it_right_is_not_heard_as_an_excuse(text: str) -> None:
    assert flags(text) == []


@pytest.mark.parametrize(
    "text, rule",
    [
        ("I've refunded the taxi. For the rest, please contact the booking site directly.", "deflect-contact-them"),
        ("I've refunded the €40. We value your feedback and strive for excellence.", "canned"),
        ("I've taken £20 off your bill. I'm sorry if you felt we let you down.", "non-apology"),
        ("Dinner is on us tonight. We'll look into the heating soon.", "vague-time"),
        ("I've refunded the night. Please calm down, sir.", "dismissal"),
    ],
)
def test_explicit_wording_is_still_flagged_beside_a_remedy(text: str, rule: str) -> None:
    assert rule in {f.rule for f in flags(text)}


@pytest.mark.parametrize(
    "text, category",
    [
        ("That's the booking agency's error, not ours. They put the wrong date on your voucher.", "blame"),
        ("The engineering works weren't ours: the rail contractor handed the line back two hours late.", "blame"),
        ("Unfortunately there's nothing I can do; the fare rules aren't ours to bend.", "policy"),
    ],
)
def test_ownership_that_is_denied_is_not_ownership(text: str, category: str) -> None:
    assert category in {f.category for f in flags(text)}


@pytest.mark.parametrize(
    "text",
    [
        "You booked a sea-view room, and that's what you should have had. I'm moving you there at 10.",
        "You should have heard about the cancellation from us first, and I'm sorry you didn't.",
    ],
)
def test_what_we_owed_them_is_not_what_they_should_have_done(text: str) -> None:
    assert "doubt" not in {f.category for f in flags(text)}


def test_you_should_have_told_us_is_still_doubt() -> None:
    assert "doubt" in {f.category for f in flags("You should have told us about the allergy at check-in.")}


@pytest.mark.parametrize(
    "text, vague",
    [
        ("Your bag is on the 14:10 from Dublin; I'll text you as soon as it lands.", False),
        ("Keep the receipt, and the claim pays out as soon as you send us a photo of it.", False),
        ("We'll sort your refund soon.", True),
        ("I'll call you back as soon as possible.", True),
    ],
)
def test_as_soon_as_it_lands_names_a_moment_but_soon_does_not(text: str, vague: bool) -> None:
    assert ("vague-promise" in {f.category for f in flags(text)}) == vague


def test_a_title_with_a_full_stop_does_not_end_the_sentence() -> None:
    text = "Our policy is to charge, Mr. Sato, but I've waived it. You'll see £3.50 back by 7 p.m. today. Thanks!"
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Our policy is to charge, Mr. Sato, but I've waived it.",
        "You'll see £3.50 back by 7 p.m. today.",
        "Thanks!",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Dear Mrs Chakraborty, I'm sorry. Our local partner, Mr Rathore, moved you to another hotel that night.",
        "Hi Ms Obi, our duty engineer, Mr Hale, is in your room now.",
    ],
)
def test_a_colleague_or_partner_introduced_with_our_is_not_another_customers_name(text: str) -> None:
    assert "wrong-name" not in {
        f.rule for f in flags(text, customer="Priya Chakraborty" if "Chakraborty" in text else "Amara Obi")
    }


def test_another_customers_name_after_thanks_is_still_caught() -> None:
    assert "wrong-name" in {
        f.rule for f in flags("Thanks for your patience, Mr Jones. Your room is ready.", customer="Amara Obi")
    }


@pytest.mark.parametrize(
    "text, category",
    [
        (
            "I can see what happened: the travel website sent you the wrong hotel address. I'll let our partners "
            "team know.",
            "blame",
        ),
        ("I'm sorry, but most guests hardly noticed the noise, and it stopped by eleven.", "dismiss"),
        (
            "To put it in perspective, the train was only twenty minutes late, and most services that day were far "
            "worse.",
            "dismiss",
        ),
        ("The room was checked this morning, so might the thermostat have been changed during your stay?", "doubt"),
        ("I'm sorry you didn't feel the breakfast was up to much, Mr Lee.", "non-apology"),
    ],
)
def test_the_same_moves_in_more_words(text: str, category: str) -> None:
    assert category in {f.category for f in flags(text)}


def test_the_second_opinion_is_held_to_the_ownership_the_rules_respect() -> None:
    from recoverycli.coach import second_opinion

    model = second_opinion()
    excuse = "Changeover days are really tight, we only get an hour between guests, so the odd thing gets missed."
    assert [f.rule for f in check(excuse, default_rules(), Context(), model)] == ["sounds-like-excuse"]
    owned = excuse + " That's on us, and I've moved you to 412."
    assert check(owned, default_rules(), Context(), model) == []


def test_a_vague_word_in_the_apology_is_not_a_vague_promise() -> None:
    assert flags("I'm so sorry your bag didn't arrive with you, Ms Lind. Let's get this sorted.", "apology") == []
    assert "vague-promise" in {f.category for f in flags("Let's get this sorted.", "commitment")}
