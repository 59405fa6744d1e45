"""A strict prompt refuses an answer only when the coach is sure (issue 15: never block a sincere reply).

tests/coach_blocks.yaml holds 150 sincere replies a hostile tester wrote to trip each blocking mechanism (masked card
numbers, "[sic]", a markdown link, a nickname, a couple, a clerk introducing themselves, "you're not overreacting",
"please ring reception, Ana has your key ready") and 50 bad replies close in wording; before this round 108 of the 150
were refused. tests/coach_blocks_2.yaml is a second tester's 121 sincere and 40 bad replies aimed at the narrowed
checks (a maiden name, a transliteration, an app's "[My booking]" button, the embassy, "Overreacting? Not one bit");
77 of its sincere replies were refused by the first fix."""

from pathlib import Path

import pytest

from recoverycli import coach
from recoverycli.coach import corpus
from recoverycli.coach import model as coachmodel

FILES = {"coach_blocks.yaml": 200, "coach_blocks_2.yaml": 161}
RULES = coach.default_rules()
MODEL = coachmodel.load()


def flags(text: str, prompt: str | None = "commitment", customer: str | None = None) -> list[coach.Flag]:
    return coach.check(text, RULES, coach.Context(customer_name=customer, prompt=prompt), MODEL)


def levels(text: str, rule: str, customer: str | None = None) -> set[str]:
    return {f.level for f in flags(text, customer=customer) if f.rule == rule}


@pytest.mark.parametrize("name", FILES)
def test_no_sincere_reply_written_against_the_blocks_is_refused_and_every_bad_one_is_still_flagged(name: str) -> None:
    replies = corpus.load_corpus(Path(__file__).parent / name)
    blocked, missed = [], []
    for reply in replies:
        found = coach.check(reply.text, RULES, corpus.context_for(reply), MODEL)
        if reply.verdict == "sincere" and any(f.level == "error" for f in found):
            blocked.append(reply.text[:80])
        if reply.verdict == "bad" and not found:
            missed.append(reply.text[:80])
    assert len(replies) == FILES[name] and blocked == [] and missed == []


@pytest.mark.parametrize(
    "text",
    [
        "I'm so sorry: we charged your card ending XXXX 4471 twice. I've reversed the second £212 myself.",
        "The refund went to XXXX-XXXX-XXXX-0932 at 10:14 today; I'll check with you on Friday that it landed.",
        "I've attached the map [PDF] and Omar will meet you at door 4 at 18:00.",
        "Your booking confirmation said 'Dear [sic] guest' - that's on us, and I've fixed the template tonight.",
        "Tap [here](https://example.com/r/QX7TRL) to see your new room; it's ready now.",
    ],
)
def test_a_masked_number_a_link_or_text_in_brackets_is_not_a_placeholder(text: str) -> None:
    assert "unfilled-placeholder" not in {f.rule for f in flags(text)}


def test_a_placeholder_blocks_when_it_can_only_be_a_mail_merge_field() -> None:
    for text in ("Dear [CUSTOMER NAME], your room is ready.", "Hi {first_name}, sorry!", "Dear <first name>,"):
        assert levels(text, "unfilled-placeholder") == {"error"}, text
    # a run of Xs or a blank line could be a redaction: flagged, not refused
    assert levels("Your refund of £XXX is on its way.", "unfilled-placeholder") == {"warning"}
    # a reply that owns the slip it quotes is flagged, never refused
    assert levels("Our e-mail began 'Dear {first_name}' - that was our mistake.", "unfilled-placeholder") == {"warning"}
    # told about, not left in: "the screen said <Guest name>"
    assert levels("I'm sorry the welcome screen said 'Dear <Guest name>'.", "unfilled-placeholder") == {"warning"}


@pytest.mark.parametrize(
    "text, customer",
    [
        ("Tanaka-san, I'm so sorry about the lift. Your new room is 1204.", "Hiroshi Tanaka"),
        ("Dear Mrs Iyer, dear Mr Patel, I'm sorry the suite wasn't ready. It is now.", "Rajesh Patel"),
        ("Hi Priya & Raj, so sorry about the dinner. The table is held at 8.", "Rajesh Patel"),
        ("Dear Claire, thank you for writing on your father's behalf. I've refunded his night.", "Gerald Dunne"),
        ("Dear Mrs Okonkwo-Bello, I'm sorry about the shuttle; a taxi is booked for 9.", "Ngozi Okonkwo"),
        ("Dear Ms Iyer, I'm sorry about the shuttle; a taxi is booked for 9.", "Priya Raman-Iyer"),
        ("Dear Mr Choudhury, the spelling on your passport is the one on the new ticket.", "Imran Chaudhry"),
        ("Dr Patel, resident physician on board, will see you at 10:00 in the medical centre.", "Ana Souza"),
        ("Dear Mr Ó Briain, your confirmation in Irish is attached.", "Cathal Ó Briain"),
        ("Dear Mr Sokolov, your transfer is at 9.", "Дмитрий Соколов"),
        ("Dear Mensah Owusu team, the second coach is at door 14 now.", "Kwame Mensah"),
        ("Ms Reyes, in housekeeping, has found your earring; it is at reception now.", "Ana Souza"),
    ],
)
def test_a_partner_a_proxy_an_honorific_or_a_married_name_is_not_refused(text: str, customer: str) -> None:
    assert "error" not in levels(text, "wrong-name", customer)


@pytest.mark.parametrize(
    "text",
    [
        "You're not overreacting at all. I've moved you to 402 and the bath is running.",
        "Once the baby has calmed down, ring me on 2201 and I'll walk you to the new room myself.",
        "Changing your date is not a big deal for us - it's done, the 14th at 10:00.",
        "You shouldn't have to deal with it on holiday. A recovery truck reaches you by 15:00.",
        "Please ring reception on 2201 and ask for Ana - she'll have your new key ready.",
        "You'll need to ring the bell at the side gate; Tom is expecting you at 22:00.",
        "Our duty manager Priya is taking it up with the airline herself and calls you by 18:00.",
        "You're not responsible for the scratch on the bumper - it was logged at pick-up.",
        "That text asking for your card details had nothing to do with us - please don't reply to it.",
        "Overreacting? Not one bit. Your new room is 402 and it's ready now.",
        "Please call the embassy on 020 7946 0000; I've told them you're coming and our rep Ines goes with you.",
        "Please call Maria directly on 07700 900 412 - she is waiting for your call to set the pick-up time.",
        "I'm so sorry about the scald, and thank you for your call - please look after yourself tonight.",
        "Calm down? Not a chance - you've every right to be furious, and I'm sorry.",
        "I'm so sorry. You had to take it up with three of our people before anyone listened.",
        # says who does what by when: warned about the words, not refused
        "You'll have to speak to the airline at the desk; Dimitri from our team walks you there at 14:10.",
    ],
)
def test_the_error_rules_do_not_refuse_reassurance_a_step_we_set_up_or_a_warning(text: str) -> None:
    assert not any(f.level == "error" for f in flags(text))


def test_a_colleague_named_in_the_next_clause_does_not_excuse_another_customers_surname() -> None:
    text = "Dear Mr Okafor, Sam from maintenance fixes the heating by 21:00; I call you at 21:15."
    assert levels(text, "wrong-name", "Tomás Ruiz") == {"error"}


def test_a_label_on_a_screen_warns_and_a_couple_with_another_surname_is_flagged() -> None:
    assert levels("Tap [Date] on the kiosk and pick Friday.", "unfilled-placeholder") <= {"warning"}
    assert levels("Dear [First Name], your room is ready.", "unfilled-placeholder") == {"error"}
    assert levels("Dear Mr. and Mrs. Caldwell, your room is ready.", "wrong-name", "Amara Obi") == {"warning"}
    assert levels("Dear Mr and Mrs Obi, your room is ready.", "wrong-name", "Amara Obi") == set()


@pytest.mark.parametrize(
    "text",
    [
        "Please calm down. Our driver is doing his best.",
        "Dear [CUSTOMER NAME], our staff will review it.",
        "You'll need to call the airline yourself.",
        "Please contact your bank about the double charge.",
        "We are not affiliated with that booking site.",
        "Please calm down, sir.",
        "It's not a big deal.",
    ],
)
def test_the_error_rules_still_refuse_the_moves_they_were_written_for(text: str) -> None:
    """A bare refusal to help, with nothing owned or put right beside it, is still refused."""
    assert any(f.level == "error" for f in flags(text))
