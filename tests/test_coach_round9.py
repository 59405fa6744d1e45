"""Round 9 of the coach: the kinds of sincere reply round 8's unseen writers used and the rules misread, and the
trained model quieting the warnings of the implied moves when it hears the whole reply as plainly sincere.

"Sorry you feel let down" is a non-apology, unless the same sentence says at once that we did let them down; a cause
named and then set aside ("but that doesn't change the fact that you waited") is not offered as an excuse; the
customer's own event is not a busy time of ours, and a circumstance before an act of ours to come ("for your next
conference I'll walk the rooms with you at 7:30 so...") is not the reason it went wrong; "let's go through the plan
together" is not sending them elsewhere; asking what would put it right is a real question. The sentences are our
own paraphrases, not copies of corpus replies."""

from __future__ import annotations

import pytest

from recoverycli.coach import Context, check, default_rules, silenced
from recoverycli.coach.model import SURELY_SINCERE, Model
from tests.helpers import coach_flags as flags


@pytest.mark.parametrize(
    "text, prompt",
    [
        (
            "I'm sorry you feel let down, Ms Quinn, because we did let you down: the taxi we booked never came.",
            "apology",
        ),
        (
            "Unfortunately the gondola stopped because of a storm up the valley, but that doesn't change the fact that "
            "you and your son waited an hour with nobody from our team beside you. I'm sorry.",
            None,
        ),
        (
            "I'm sorry the projector wasn't working when your board arrived at nine. For your next conference I'll "
            "test every room with you at 8:00 so nothing like this happens again.",
            None,
        ),
        ("Let's go through the guest list together on Friday at 10, and I'll have the printed cards with me.", None),
        (
            "Let me go back through the invoice line by line with you tomorrow at 2, Mr Adeyemi.",
            "commitment",
        ),
    ],
)
def test_sincere_constructions_are_not_flagged(text: str, prompt: str | None) -> None:
    assert not flags(text, prompt), [(f.rule, f.match) for f in flags(text, prompt)]


@pytest.mark.parametrize(
    "text, prompt, category",
    [
        ("I'm sorry you feel let down by the trip.", "apology", "non-apology"),
        ("I'm sorry you feel that way, Ms Quinn.", "apology", "non-apology"),
        ("The gondola stopped because of a storm up the valley, so there was nothing we could do.", None, "excuse"),
        ("There was a conference in the hotel that week, so the rooms weren't ready on time.", None, "excuse"),
        ("It's best to go through your insurer for the lost bag.", None, "deflect"),
    ],
)
def test_the_moves_next_to_them_are_still_flagged(text: str, prompt: str | None, category: str) -> None:
    assert category in {f.category for f in flags(text, prompt)}, [(f.rule, f.match) for f in flags(text, prompt)]


def _model(score: float) -> Model:
    """A model that hears every sentence at `score` (log-odds of a bad sentence) and names it an excuse."""
    return Model(bias=score, weights={}, threshold=3.0, moves={"excuse": (0.0, {})}, trained_on=[])


def test_a_plainly_sincere_reply_quiets_the_warnings_of_implied_moves() -> None:
    """Round 9: on earlier rule files over writers they never saw, fewer false flags for little recall."""
    rules = default_rules()
    reply = "The shuttle was full because of a rail strike, so you waited forty minutes."
    assert {f.category for f in check(reply, rules, Context())} == {"excuse"}
    assert check(reply, rules, Context(), _model(SURELY_SINCERE - 1)) == []
    assert {f.category for f in check(reply, rules, Context(), _model(SURELY_SINCERE + 1))} == {"excuse"}


@pytest.mark.parametrize(
    "text",
    [
        "It's not our fault.",  # explicit wording: never quieted
        "We apologise for any inconvenience caused.",
        "I'm sorry you feel that way.",
    ],
)
def test_explicit_moves_are_never_quieted(text: str) -> None:
    assert check(text, default_rules(), Context(), _model(SURELY_SINCERE - 5))


def test_an_error_is_never_quieted() -> None:
    rules = default_rules()
    reply = "You'll have to call the airline yourself about the lost bag."
    strict = Context(prompt="commitment")
    assert any(f.level == "error" for f in check(reply, rules, strict))
    assert any(f.level == "error" for f in check(reply, rules, strict, _model(SURELY_SINCERE - 5)))


def test_the_shipped_model_keeps_a_plain_excuse_flagged() -> None:
    from recoverycli.coach import second_opinion

    model = second_opinion()
    for text in ("It's your own fault for using a hair dryer.", "It's been chaos with the festival, so it was late."):
        assert check(text, default_rules(), Context(), model), text


@pytest.mark.parametrize(
    "text, silent",
    [
        ("Before I book anything, what would make this right for you, Mr Cole?", True),
        ("Which would work better for your family, the 9:00 boat or the 11:00?", True),
        ("What would you have done instead, if you'd read the terms?", False),
        ("Did you maybe leave it in the taxi yourself?", False),
    ],
)
def test_the_trained_ear_keeps_quiet_when_we_ask_what_would_put_it_right(text: str, silent: bool) -> None:
    assert silenced(text, "doubt", default_rules()) is silent
