"""Round 6 of the coach: implied moves (a helpful-sounding hand-off, a colleague blamed by implication, reassurance
that minimises) are heard as kinds, and the tricky sincere constructions round 5's writers used are not flagged.

The sentences below are our own paraphrases, not copies of corpus replies: they check kinds, not one reply's words."""

from __future__ import annotations

import pytest

from recoverycli.coach import model as coachmodel
from tests.helpers import coach_flags as flags


def categories(text: str, prompt: str | None = None, customer: str | None = None) -> set[str]:
    return {f.category for f in flags(text, prompt, customer)}


@pytest.mark.parametrize(
    "text, move",
    [
        # the customer is the one who acts next, however helpfully it is put
        ("The gift shop is run independently of the ship, so you'd be best asking them at deck 6.", "deflect"),
        ("The marina office keeps the mooring log, so they'd be your best bet.", "deflect"),
        ("Happy to text you her mobile now, she's the owner and very quick to answer.", "deflect"),
        ("I'll send you the number for the airline's baggage desk so you can chase them in the morning.", "deflect"),
        ("Your insurer can settle a claim like this in a few days, far quicker than us.", "deflect"),
        ("If I were you I'd ask the bus driver, he keeps the lost property.", "deflect"),
        # a colleague, a shift or a system as the one who failed
        ("Between you and me, the new barman is still learning his way round the till.", "blame"),
        ("The lost booking is down to the agency, they never sent it over.", "blame"),
        ("That happened during the weekend shift; it wasn't anyone on our morning team.", "blame"),
        ("The ferry company changed the timetable and didn't bother to tell anyone.", "blame"),
        # reassurance that minimises
        ("You've still got a whole week of holiday left, one wet afternoon won't ruin the rest of it.", "dismiss"),
        ("No need to get so upset, it's a couple of crumbs on the seat, not a dirty car.", "dismiss"),
        ("The delay took up less than an hour of a ten-day tour.", "dismiss"),
        ("Everyone gets a bit seasick on the first crossing.", "dismiss"),
        ("Well, you made it to the wedding in the end.", "dismiss"),
        # doubt, excuse, policy, non-apology in new words
        ("I'd need to see a photo of the damage before I could accept it happened on board.", "doubt"),
        ("Did you maybe choose the wrong date when you booked?", "doubt"),
        ("You caught us on the one weekend of the year when the whole town is full.", "excuse"),
        ("I'm not allowed to make exceptions to the check-out time.", "policy"),
        ("I'm sorry the trip has left you with that impression.", "non-apology"),
    ],
)
def test_implied_moves_in_new_words_are_heard(text: str, move: str) -> None:
    assert move in categories(text)


@pytest.mark.parametrize(
    "text, prompt",
    [
        ("I'd love to tell you this has never happened before, but that isn't the point: it happened to you.", None),
        ("I'm mortified. Our driver left without you, and I've paid for your taxi.", "apology"),
        ("Sorry our lobby was so busy when you arrived, you shouldn't have had to queue. The room is ready now.", None),
        ("We're full tonight, but the window table is yours from 8 and if you're running late I'll hold it.", None),
        ("The tour bus broke down in the heat and we kept you on it for two hours. I'm sorry.", "apology"),
        ("I'll text you my direct number now so you can reach me until this is sorted.", "commitment"),
        ("Every room we have is full tonight, so I've booked you into the hotel next door at our cost.", None),
        ("It happened on my shift, so it's mine to fix: a new key is on its way up to you now.", None),
        ("I know you got there in the end, but a four-hour delay ruined your evening. I've refunded the night.", None),
        ("Relaxing by the pool was the point of the trip and the pool was shut. I've refunded two nights.", None),
        ("I'm sorry you were stuck waiting on us. Your refund of $80 went back to your card this morning.", None),
    ],
)
def test_tricky_sincere_constructions_are_not_flagged(text: str, prompt: str | None) -> None:
    assert flags(text, prompt, "Ana Souza") == []


@pytest.mark.parametrize(
    "text",
    [
        "A fresh cake is being made right now and dessert is on us tonight.",
        "The extra day is off your bill, and I'll email the receipt before you reach the station.",
        "If the room still smells when you get back, call me on 4411 and you'll be moved within the hour.",
    ],
)
def test_a_commitment_that_says_who_and_when_in_other_words_is_specific(text: str) -> None:
    assert "not-specific" not in {f.rule for f in flags(text, "commitment")}


def test_a_request_passed_on_is_not_a_commitment_carried_out() -> None:
    text = "A replacement car has been requested and it'll be with you once one comes free."
    assert "not-specific" in {f.rule for f in flags(text, "commitment")}


def test_a_short_closing_line_before_the_senders_name_is_the_signature() -> None:
    text = "Hi Ana,\n\nI've refunded the tour and booked you on Friday at 9.\n\nAloha,\nKeoni"
    assert "wrong-name" not in {f.rule for f in flags(text, customer="Ana Souza")}
    assert "wrong-name" in {f.rule for f in flags("Hi Keoni, I've refunded the tour.", customer="Ana Souza")}


def test_text_speak_could_and_because_are_read() -> None:
    assert "excuse" in categories("bus was late bc of the roadworks, nothing we cd do")


def test_the_model_hears_a_class_of_word_it_never_saw() -> None:
    feats = coachmodel.features("The harbourmaster forgot to tell the caterer.", [])
    assert "cb:the PARTY" in feats and "cs:PARTY FAIL" not in feats  # 'harbourmaster' is not in a class
    assert "cs:PARTY PARTY" in coachmodel.features("The porter and the caterer", [])
    assert "cs:CAN CONTACT" in coachmodel.features("You could call them", [])  # who may act, and how
