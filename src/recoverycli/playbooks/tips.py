"""The practices of docs/practices.md by stable tag, in plain words a clerk can act on."""

from __future__ import annotations

from typing import NamedTuple


class Tip(NamedTuple):
    title: str
    text: str
    tag: str = ""  # its key in TIPS, filled in below: a step shows it as [tag]


TIPS: dict[str, Tip] = {
    "kaufman-inevitable": Tip(
        "Things go wrong",
        "In travel something always goes wrong sooner or later. What counts is how we handle it now.",
    ),
    "trust-gain": Tip(
        "A good recovery builds trust",
        "Handled well, this guest may trust us more than before. Handled badly, they leave and tell everyone.",
    ),
    "lifetime-value": Tip(
        "Think of the years ahead",
        "Weigh every future trip and every friend they will tell, not just tonight's bill.",
    ),
    "step-apologise": Tip(
        "Apologise like a person",
        "Say sorry in your own words, no script. Show you heard them and that you are on their side. "
        "No excuses: to them we are one business.",
    ),
    "step-review": Tip(
        "Let them tell it",
        "Let the customer explain in their own words. Then ask what a good outcome looks like for them; do not guess.",
    ),
    "step-fix": Tip(
        "Fix it, then add something",
        "Fix it or offer an alternative, quickly but carefully. Putting things right is the minimum: add an "
        "extra, and follow up with the customer and with colleagues.",
    ),
    "step-document": Tip(
        "Write it down properly",
        "Record what went wrong and what we did, so nobody asks the customer to repeat it and we can spot "
        "what keeps going wrong.",
    ),
    "kuzmeski-individual": Tip(
        "Fit the answer to the person",
        "A family with tired children needs something different from a traveller with a meeting at nine.",
    ),
    "kuzmeski-verify": Tip(
        "Check before you promise",
        "Before you say 'someone is on the way', call them and find out where they really are.",
    ),
    "kuzmeski-specific": Tip(
        "Be specific",
        "Say exactly what will happen and when. Clear details calm people down.",
    ),
    "kuzmeski-second-complaint": Tip(
        "A second complaint is an emergency",
        "One mistake can be forgiven. If they are calling again about the same thing, drop everything and act now.",
    ),
    "kuzmeski-culture": Tip(
        "Everyone can help",
        "Whoever takes the call owns it. Tell colleagues what happened so the next person already knows.",
    ),
    "kuzmeski-no-second-chance": Tip(
        "This call is a gift",
        "Most unhappy customers never call; they just leave. This one is giving us a chance.",
    ),
    "kaufman-respond-now": Tip(
        "Reach them first",
        "When something big goes wrong, contact the customer before they have to chase us.",
    ),
    "kaufman-supplier": Tip(
        "Bring the supplier in",
        "Call the airline, hotel, cruise line or rental firm: this is our shared customer, so win them back "
        "together and secure a good deal for their next trip.",
    ),
    "kaufman-gesture": Tip(
        "Do something unexpected",
        "Go beyond the apology. Prefer something they can enjoy and use up, like a meal, flowers or an upgrade, "
        "over an object that reminds them of the bad day.",
    ),
    "riffey-ownership": Tip(
        "Own it",
        "Whoever booked or sold for us speaks for us. Never say 'we are not affiliated'; solve their need.",
    ),
    "riffey-canned": Tip(
        "Make it personal",
        "A template that sends them elsewhere, or carries someone else's name, destroys trust. Use their name "
        "and their situation.",
    ),
    "kaufman-customer-first": Tip(
        "Customer first, system second",
        "Put the person at ease first (apology, replacement, waived fees); fix the lock or the process after.",
    ),
}

TIPS = {tag: tip._replace(tag=tag) for tag, tip in TIPS.items()}


# Tips that only make sense on some calls, as a `when:` on earlier answers (the keys prompts use).
# A `when:` condition (a prompt's, or a tip's below): each key's answer must be one of the wanted values.
Condition = dict[str, str | bool | int | list[str | bool | int]]

ONLY_WHEN: dict[str, Condition] = {
    "kuzmeski-second-complaint": {"repeat": True},
}
