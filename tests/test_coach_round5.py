"""Round 5 of the coach: a greeting with a title is the customer, a reply already carried out is specific, and more
ways of saying the weak moves (dismissal, canned, blame, excuse) are heard.

The sentences below are our own paraphrases, not copies of corpus replies: they check kinds, not one reply's words."""

from __future__ import annotations

import pytest

from tests.helpers import coach_flags as flags


def rules(text: str, prompt: str | None = None, customer: str | None = None) -> set[str]:
    return {f.rule for f in flags(text, prompt, customer)}


@pytest.mark.parametrize(
    "greeting, customer",
    [
        ("Dear Professor Lindqvist,", "Annika Lindqvist"),
        ("Hi Coach Okoro,", "Daniel Okoro"),
        ("Dear Captain Reyes,", "Maria Reyes"),
        ("Hello Pastor James Whitaker,", "James Whitaker"),
    ],
)
def test_a_title_before_the_customers_name_is_not_another_name(greeting: str, customer: str) -> None:
    text = f"{greeting}\n\nI'm so sorry about the coach. I've refunded the transfer today."
    assert "wrong-name" not in rules(text, customer=customer)


def test_a_greeting_word_that_is_also_a_word_warns_rather_than_blocks() -> None:
    def levels(text: str) -> set[str]:
        return {f.level for f in flags(text, "commitment", "Daniel Okoro") if f.rule == "wrong-name"}

    assert levels("Hi Coach, I've refunded the transfer.") <= {"warning"}
    assert levels("Hi Marco, I've refunded the transfer.") == {"warning"}  # a first name: it may be what they go by
    assert levels("Dear Mr Marco Ferri, your transfer is at nine.") == {"error"}
    assert levels("Dear Mr Marco Ferri, I've refunded the transfer.") == {"warning"}  # put right: flagged, not refused
    assert levels("Dear Marco Okoro, I've refunded the transfer.") == {"warning"}  # another first name: still said


@pytest.mark.parametrize(
    "text",
    [
        "I've cancelled the duplicate charge myself; the reference is QX-1182.",
        "Your new tickets are in your app now, coach C, seats 41 and 42.",
        "The refund has been issued to your card, reference 55812.",
    ],
)
def test_a_commitment_already_carried_out_is_specific(text: str) -> None:
    assert "not-specific" not in rules(text, "commitment")


def test_passing_it_on_is_still_not_a_commitment_carried_out() -> None:
    assert "not-specific" in rules("I've passed it to the team, they'll be in touch.", "commitment")


@pytest.mark.parametrize(
    "text",
    [
        "I know you have to ring the other families tonight, so I've written the times out for you below.",
        "The supplier still hasn't answered, so I'm not waiting on them: I've approved £200 for a hire car.",
        "You were told the bar was busy, and that is no answer. I've refunded the drinks.",
        "Since the lobby can get busy at nine, I've arranged for Ana to meet you at the side door.",
        "The ferry will not be able to sail on Friday because of the gales. Sorry; I've moved you to Thursday's.",
        "The terms should have been explained to you at booking, and they weren't, so I won't hold you to them.",
    ],
)
def test_sincere_constructions_are_left_alone(text: str) -> None:
    assert not flags(text), text


@pytest.mark.parametrize(
    "text, category",
    [
        ("Nobody has ever complained about the pool heating before.", "dismiss"),
        ("You'd be surprised how many people get bumped on a Sunday night, you're in good company.", "dismiss"),
        ("Its a small scratch, wont affect the car.", "dismiss"),
        ("Our mission is to exceed every guest's expectations.", "canned"),
        ("We value each of our passengers and are always working to make every journey better.", "canned"),
        ("The transfers aren't run by us, and the coach firm sent the driver to the wrong terminal.", "blame"),
        ("That one's on the franchise, they set their own opening hours.", "blame"),
        ("Delays like this were down to the airport's baggage team, not us.", "blame"),
        ("We were three down in the kitchen and the Sunday rush was insane.", "excuse"),
        ("Our booking system was down all morning, which is why no confirmation reached you.", "excuse"),
        ("Honestly, with a hotel this size, housekeeping requests work their way through the queue slowly.", "excuse"),
        ("Could they be tucked inside a jacket pocket? Nine times out of ten that's where keys turn up.", "doubt"),
        ("I don't have the authority to go beyond what your ticket allows.", "policy"),
        ("Questions about customs need to go to the border agency directly.", "deflect"),
        ("Dear Ms Holt, we're sorry about cabin [CABIN NO.] and have passed it on.", "template"),
    ],
)
def test_more_ways_of_saying_the_weak_moves_are_heard(text: str, category: str) -> None:
    assert category in {f.category for f in flags(text)}, text
