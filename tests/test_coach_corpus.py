"""The coach as a customer hears it: the issue's own examples, the labelled corpus and `coach test`."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recoverycli.cli import app
from recoverycli.coach import Context, check, default_rules
from recoverycli.coach import corpus as coachcorpus
from recoverycli.coach.corpus import load_corpus
from recoverycli.coach.text import normalise
from recoverycli.errors import PlaybookError
from recoverycli.store import open_store
from tests.helpers import coach_flags as flags

runner = CliRunner()
CORPUS_DIR = Path(__file__).parent / "coach"
DEV = CORPUS_DIR / "dev.yaml"


def categories(text: str, prompt: str | None = None, customer: str | None = None) -> set[str]:
    return {f.category for f in flags(text, prompt, customer)}


def blocked(text: str, prompt: str = "commitment", customer: str | None = None) -> bool:
    """What ask_one does for a `coach: strict` prompt: any error-level flag refuses the answer."""
    return any(f.level == "error" for f in flags(text, prompt, customer))


# --- the issue's examples, as a customer would judge them -------------------------------------------


@pytest.mark.parametrize(
    "text, prompt",
    [
        ("I'm sorry you have to call again. Sam fixes the power in 318 by 19:10; I call you at 19:30", "commitment"),
        ("I am so sorry, Ms Obi, that you have to call a third time.", "apology"),
    ],
)
def test_an_apology_for_making_them_call_again_is_sincere(text: str, prompt: str) -> None:
    assert flags(text, prompt, "Amara Obi") == []
    assert not blocked(text, customer="Amara Obi")


@pytest.mark.parametrize(
    "text, category",
    [
        ("It's your own fault for using a hair dryer.", "doubt"),
        ("Sorry, our electrician is busy, he will come when he can.", "vague-promise"),
        ("You should have reported it earlier.", "doubt"),
        ("That has never happened before.", "dismiss"),
        ("Did you maybe leave the phone in the taxi yourself?", "doubt"),
        ("Did you maybe leave it in the taxi?", "doubt"),
    ],
)
def test_the_issues_bad_replies_are_caught_for_what_they_are(text: str, category: str) -> None:
    found = flags(text)
    assert category in {f.category for f in found}
    assert all(f.category != "deflect" for f in found)  # "phone" is not read as "phone them"


def test_every_flag_explains_itself() -> None:
    text = "Sorry, our electrician is busy, he will come when he can."
    for f in flags(text):
        assert f.category and f.reason and f.suggestion
        assert f.match == text[f.start : f.end] and f.match.strip()  # the words it fired on, as typed
    assert {f.match for f in flags(text)} >= {"is busy", "when he can"}


@pytest.mark.parametrize(
    "text", ["hello", "ok", "Noted.", "Hello, front desk.", "Thanks for calling, I have your booking here."]
)
def test_an_apology_that_apologises_for_nothing_is_noticed(text: str) -> None:
    found = flags(text, "apology")
    assert [f.rule for f in found] == ["no-apology"] and found[0].level == "warning"
    assert flags(text) == [] or "no-apology" not in {
        f.rule for f in flags(text)
    }  # only the apology prompt asks for one


@pytest.mark.parametrize(
    "text",
    [
        "I'm so sorry the heating failed last night.",
        "That's our mistake, Mr Banks, and I'm putting it right now.",
        "Mrs Fischer, I'd be furious too. Let me fix this.",
    ],
)
def test_a_real_apology_passes_the_apology_prompt(text: str) -> None:
    assert flags(text, "apology", "Tom Banks Fischer") == []


@pytest.mark.parametrize(
    "text",
    [
        "I've called the airline myself, and they've confirmed you on the 07:50 tomorrow; I'll ring you at 18:00.",
        "Our policy is normally no refunds after check-in, but I've waived it: both nights go back to your card today.",
        "You don't need to call your bank: I've reversed the $220 charge myself, reference RV-55812.",
        "Unfortunately the part won't arrive until tomorrow, so Ahmed moves you to Suite 902 at 8:15.",
        "We were busy tonight, but that's no reason for you to wait an hour, and it's my responsibility.",
        "You should have found a car waiting at the address we gave you. That's on us.",
    ],
)
def test_sincere_replies_may_mention_the_airline_policy_or_the_bank(text: str) -> None:
    assert flags(text, customer="Ana Souza") == []


@pytest.mark.parametrize(
    "text, category",
    [
        ("Since you booked through a third-party site, you'll need to call them about the pickup address.", "deflect"),
        ("Honestly, I'd reach out to your credit card company on this one.", "deflect"),
        ("The best thing would be to take it up with your travel insurer once you're home.", "deflect"),
        ("Per our rental terms the refueling charge stands.", "policy"),
        ("The lot crew signed it out without checking - they're the ones who dropped the ball.", "blame"),
        ("We're slammed with spring break this week and lines are long everywhere.", "excuse"),
        ("I'm sorry if the delay caused you any upset.", "non-apology"),
        ("Your satisfaction is our top priority.", "canned"),
        ("We'll get back to you soon regarding the refund.", "vague-promise"),
    ],
)
def test_moves_are_caught_in_other_words(text: str, category: str) -> None:
    assert category in categories(text)


def test_strict_prompts_block_only_the_explicit_wording() -> None:
    assert blocked("You'll need to call the airline yourself.")
    assert blocked("We are not affiliated with that booking site.")
    assert not blocked("Honestly, I'd reach out to your credit card company on this one.")  # a warning: indirect
    assert not blocked("It's only a small gesture, but dinner tonight is on us at 20:00.")
    assert not blocked("You'll need to call me back with the code from the key box by 18:00.")


def test_another_customers_name_and_unfilled_templates() -> None:
    assert "template" in categories("Mrs Patel, I'm really sorry the car wasn't there.", customer="Deepa Menon")
    assert "template" in categories("Right, Ms Lindqvist, I've put you on the 18:45.", customer="Róisín Kearney")
    assert "template" not in categories("Right, Ms Kearney, I've put you on the 18:45.", customer="Róisín Kearney")
    assert "template" not in categories(
        "Our security officer, Mr Dias, will call on you at 18:00.", customer="Giulia Romano"
    )
    assert "template" not in categories("Grace, our night manager, moves you by 23:00.", customer="Ahmed Farouk")
    assert "template" not in categories(
        "Dear Mr. Levi,\nIt's refunded.\nSincerely,\nAnna Morales", customer="David Levi"
    )
    for text in (
        "Hi XXX, our engineer will be at room XXX by XX:XX.",
        "Dear Ms/Mr ________,",
        "Dear <first name>, sorry.",
    ):
        assert "unfilled-placeholder" in {f.rule for f in flags(text)}, text


# --- the normalised reading -------------------------------------------------------------------------


def test_contractions_and_inflections_read_alike() -> None:
    assert normalise("It wasn’t my fault").text == normalise("it was not my fault").text == "it be not my fault"
    assert normalise("You'll need to ring them").text == "you will need to ring them"
    assert normalise("They were phoning the policies").text == "they be phone the policy"


def test_a_flag_points_at_the_words_as_typed() -> None:
    text = "Honestly, it WASN’T our fault."
    f = next(f for f in flags(text) if f.rule == "excuse")
    assert f.match == "WASN’T our fault"


# --- the labelled corpus ----------------------------------------------------------------------------


def test_the_development_half_is_labelled_as_the_format_asks() -> None:
    replies = load_corpus(DEV)
    assert len(replies) >= 260
    bad = [r for r in replies if r.verdict == "bad"]
    assert len(bad) * 2 == len(replies)
    assert {r.move for r in bad} == set(coachcorpus.MOVES)
    assert sum(r.tricky for r in replies) * 3 >= len(replies) * 0.9  # about a third of each verdict is tricky
    assert {r.channel for r in replies} >= {"phone", "chat", "sms", "email"} and {r.locale for r in replies} == {
        "en-GB",
        "en-US",
    }


def test_the_coach_holds_its_figures_on_the_development_half() -> None:
    """A regression check, not a field figure: the rules and the model were written against this half."""
    result = runner.invoke(app, ["coach", "test", "--corpus", str(DEV), "--format", "json"])
    card = json.loads(result.stdout)["corpus"][0]
    assert card["name"] == "dev" and card["bad"] == 130 and card["sincere"] == 130
    assert card["recall"] >= 0.95 and card["false_flag_rate"] <= 0.02 and card["false_blocks"] == 0


def test_every_development_file_is_reported_and_totalled() -> None:
    """dev.yaml, the four files written apart (boundary, sincere, spoken, written) and the fourteen spent held-out files
    (read and trained on since rounds 4 to 9; -13/-14 were round 9's validation pair) form the development half."""
    result = runner.invoke(app, ["coach", "test", "--format", "json"])
    out = json.loads(result.stdout)
    names = [c["name"] for c in out["corpus"]]
    development = ["dev", "dev-boundary", "dev-sincere", "dev-spent", "dev-spent-10", "dev-spent-11", "dev-spent-12"]
    development += ["dev-spent-13", "dev-spent-14", "dev-spent-2", "dev-spent-3", "dev-spent-4", "dev-spent-5"]
    development += ["dev-spent-6", "dev-spent-7", "dev-spent-8", "dev-spent-9", "dev-spoken", "dev-written"]
    assert names[:19] == development and "heldout" not in names[:19]
    dev = next(h for h in out["halves"] if h["name"] == "dev (all)")
    assert (dev["bad"], dev["sincere"]) == (1930, 2090)
    assert dev["recall"] >= 0.97 and dev["false_flag_rate"] <= 0.02 and dev["false_blocks"] == 0
    rules_only = json.loads(runner.invoke(app, ["coach", "test", "--rules-only", "--format", "json"]).stdout)
    assert next(h for h in rules_only["halves"] if h["name"] == "dev (all)")["caught"] <= dev["caught"]


def test_the_new_corpus_files_keep_the_format() -> None:
    for name in ("dev-written", "dev-spoken", "dev-boundary"):
        replies = load_corpus(CORPUS_DIR / f"{name}.yaml")
        bad = [r for r in replies if r.verdict == "bad"]
        assert len(replies) == 200 and len(bad) == 100 and {r.move for r in bad} == set(coachcorpus.MOVES)
    assert {r.industry for r in load_corpus(CORPUS_DIR / "dev-spoken.yaml")} >= {
        "spa",
        "theme-park",
        "taxi",
    }  # any industry
    sincere = load_corpus(CORPUS_DIR / "dev-sincere.yaml")  # mostly sincere, most of it deliberately tricky
    good = [r for r in sincere if r.verdict == "sincere"]
    assert len(sincere) == 360 and len(good) == 260 and sum(r.tricky for r in good) >= 0.7 * len(good)


def test_coach_test_reports_each_half_and_each_move(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "dev.yaml").write_text(DEV.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "heldout.yaml").write_text(
        textwrap.dedent("""\
        replies:
          - text: "You'll need to ring the airline about that, I'm afraid."
            verdict: bad
            move: deflect
            field: commitment
            customer: Ana Souza
          - text: "The ferry runs on island time."  # an excuse the coach still misses
            verdict: bad
            move: excuse
            field: reply
          - text: "I'm sorry, Ana. Sam fixes the heating by 18:00; I call you at 18:15."
            verdict: sincere
            move: none
            field: commitment
            customer: Ana Souza
          - text: "Ana, I'm so sorry. Please contact me directly on 0161 555 0100 if anything else goes wrong tonight."
            verdict: sincere
            move: none
            field: reply
            customer: Ana Souza
        """),
        encoding="utf-8",
    )
    monkeypatch.setattr(coachcorpus, "bundled_corpus_dir", lambda: folder)
    result = runner.invoke(app, ["coach", "test", "--format", "json", "--mistakes"])
    assert result.exit_code == 0, result.output
    cards = json.loads(result.stdout)["corpus"]
    assert [c["name"] for c in cards] == ["dev", "heldout"]
    held = cards[1]
    assert (held["bad"], held["caught"], held["sincere"], held["false_flags"], held["false_blocks"]) == (2, 1, 2, 0, 0)
    assert held["recall"] == 0.5 and held["precision"] == 1.0 and held["false_flag_rate"] == 0.0
    assert held["by_move"]["deflect"]["caught"] == 1 and held["by_move"]["excuse"]["caught"] == 0
    assert [(m["move"], m["where"]) for m in held["mistakes"]] == [("excuse", f"{folder / 'heldout.yaml'}:7")]
    table = runner.invoke(app, ["coach", "test", "--mistakes"], env={"COLUMNS": "80"})
    lines = table.stdout.splitlines()
    assert any(re.match(r"\s*heldout\s+2\s+1\s+50\.0%\s+2\s+0\s+0\.0%\s+100\.0%\s+0\s*$", line) for line in lines), (
        table.stdout
    )
    assert f"{folder / 'heldout.yaml'}:7: missed excuse (reply): The ferry runs on island time." in lines
    assert max(len(line) for line in lines if ".yaml:" not in line) <= 80  # the tables fit a plain terminal


def test_a_trainers_pack_is_scored_on_the_same_corpus(tmp_path: Path) -> None:
    pack = tmp_path / "coach.yaml"
    pack.write_text(
        textwrap.dedent("""
        rules:
          - id: only-soon
            category: vague-promise
            phrases: ["soon"]
            reason: Soon means nothing.
            suggestion: Give a time.
            examples_flag: ["We'll fix it soon."]
    """)
    )
    mine = json.loads(
        runner.invoke(app, ["coach", "test", "--rules", str(pack), "--corpus", str(DEV), "--format", "json"]).stdout
    )
    same = json.loads(runner.invoke(app, ["coach", "test", str(pack), "--corpus", str(DEV), "--format", "json"]).stdout)
    usual = json.loads(runner.invoke(app, ["coach", "test", "--corpus", str(DEV), "--format", "json"]).stdout)
    assert [r["rule"] for r in mine["rules"]] == ["only-soon"] and mine["corpus"] == same["corpus"]
    assert 0 < mine["corpus"][0]["caught"] < usual["corpus"][0]["caught"]
    both = runner.invoke(app, ["coach", "test", str(pack), "--rules", str(pack)])
    assert both.exit_code == 2


def test_a_trainers_pack_adds_and_replaces_rules_on_the_corpus(tmp_path: Path) -> None:
    (tmp_path / "coach.yaml").write_text(
        textwrap.dedent("""
        rules:
          - id: excuse
            category: excuse
            phrases: ["the weather does that"]
            reason: An excuse.
            suggestion: Own it.
    """)
    )
    assert not runner.invoke(app, ["coach", "check", "It's not our fault."]).exit_code == 0
    replaced = runner.invoke(app, ["coach", "check", "It's not our fault.", "--playbooks", str(tmp_path)])
    assert replaced.exit_code == 0  # the trainer's `excuse` replaced the bundled one
    added = runner.invoke(
        app, ["coach", "check", "Honestly, the weather does that here.", "--playbooks", str(tmp_path)]
    )
    assert added.exit_code == 1 and "excuse" in added.stdout


@pytest.mark.parametrize(
    "body, message",
    [
        ("replies:\n  - text: hi\n    verdict: good\n", r"x\.yaml:3:14: 'verdict': .*"),
        (
            "replies:\n  - text: hi\n    verdict: bad\n    move: rude\n",
            r"x\.yaml:4:11: 'move': unknown move 'rude' — use one of: excuse, ",
        ),
        (
            "replies:\n  - text: hi\n    verdict: bad\n",
            r"x\.yaml:2:5: a bad reply names its move; a sincere one has move: none",
        ),
        (
            "replies:\n  - text: hi\n    verdict: sincere\n    mood: calm\n",
            r"x\.yaml:4:5: unknown key 'mood' — check the spelling; allowed here: text, verdict",
        ),
        ("- just a list\n", r"x\.yaml:1:1: a coach corpus is a mapping with one key, `replies`"),
    ],
)
def test_a_broken_corpus_is_one_line_naming_file_line_and_fix(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(body)
    with pytest.raises(PlaybookError, match=message):
        load_corpus(path)
    result = runner.invoke(app, ["coach", "test", "--corpus", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1


def test_rule_fields_and_normal_patterns_are_checked_when_loaded(tmp_path: Path) -> None:
    bad = tmp_path / "coach.yaml"
    bad.write_text("rules:\n  - id: x\n    category: c\n    reason: r\n    suggestion: s\n    normal_patterns: ['(']\n")
    result = runner.invoke(app, ["coach", "check", "hi", "--rules", str(bad)])
    assert (
        result.exit_code == 1
        and "coach.yaml:6:22: 'normal_patterns': pattern '(' is not a valid regular expression" in result.stderr
    )
    bad.write_text("rules:\n  - id: x\n    category: c\n    reason: r\n    suggestion: s\n    fields: [email]\n")
    assert "coach.yaml:6" in runner.invoke(app, ["coach", "check", "hi", "--rules", str(bad)]).stderr


# --- the live call ----------------------------------------------------------------------------------

CALL = """
staff: Dana Reyes
customer: {{name: "Amara Obi", contact: "amara@example.com", segment: business}}
answers:
  apology: "{apology}"
  customer_words: The power went out in 318 before my presentation.
  desired_outcome: Power back tonight
  commitment: "{commitment}"
  gesture: breakfast
  follow_up_date: +1d
"""


def test_a_call_saves_the_sincere_commitment_the_old_coach_blocked(tmp_path: Path, store_path: Path) -> None:
    path = tmp_path / "call.yaml"
    path.write_text(
        CALL.format(
            apology="I am so sorry, Ms Obi, that you have to call a third time.",
            commitment="I'm sorry you have to call again. Sam fixes the power in 318 by 19:10; I call you at 19:30",
        )
    )
    result = runner.invoke(app, ["start", "other", "--answers", str(path)])
    assert result.exit_code == 0, result.output
    case = open_store(str(store_path)).get(result.stdout.strip())
    assert case.answers["commitment"].startswith("I'm sorry you have to call again")
    assert not [e for e in case.events if e.kind == "coached"]


def test_a_call_refuses_a_commitment_that_sends_the_customer_away(tmp_path: Path, store_path: Path) -> None:
    path = tmp_path / "call.yaml"
    path.write_text(CALL.format(apology="hello", commitment="You'll need to call the booking site yourself."))
    result = runner.invoke(app, ["start", "other", "--answers", str(path)])
    assert result.exit_code == 1
    assert "commitment: cannot be saved as written — deflect-contact-them" in result.stderr
    assert "coach on apology: no-apology ('hello')" in result.stderr


# --- round two: names people go by, who acts, words taken back, the trained second opinion ---------


@pytest.mark.parametrize(
    "text, customer",
    [
        ("Hi Dave, so sorry the wifi's down. Tech is booked for 9am tomorrow.", "David Ferraro"),
        ("Hi Jo, I'm so sorry the keysafe code was the old one. New code is 4182.", "Joanna Kirkwood"),
        ("Hi Tasha, really sorry we lost your booking. Table for 6 is held at 8:15.", "Natasha Greenwood"),
        ("Eish, I'm so sorry, Mr Pillay. I've set up the private room for you now.", "Kumaran Pillay"),
        ("Yeah, nah, you're right to be cranky. I'm knocking two nights off.", "Kirsten Lowry"),
        (
            "I've spoken to the hotel manager, Mr Stavrou, and together we've arranged the pool next door.",
            "Alan Thackeray",
        ),
    ],
)
def test_a_name_the_customer_goes_by_is_not_another_customers(text: str, customer: str) -> None:
    assert "template" not in categories(text, customer=customer)


def test_a_short_form_the_list_does_not_know_passes_and_another_name_blocks() -> None:
    assert flags("Hi Kasia, sorry you had to sleep in the common room.", customer="Katarzyna Nowak") == []
    assert flags("Hi Dai, you're on the 21:00 tonight instead, no charge.", customer="David Morgan") == []
    assert not blocked("Hey Marco! Ellie from maintenance fixes it by 6.", customer="Diego Romero")  # warned
    assert "wrong-name" in {f.rule for f in flags("Hi Dana, your room is ready.", customer="Kasia Nowak")}
    assert blocked("Dear Mrs Dana Fischer, your room is ready.", customer="Kasia Nowak")


@pytest.mark.parametrize(
    "text",
    [
        "I know the cruise line's policy is no refunds for missed ports, and I'm not going to hide behind that. I've "
        "put a $300 credit on your account.",
        "I'm sorry, Mr. Ruiz. I know 'it's never happened before' is no comfort when it's happened to you.",
        "I'm sorry, Mr. Kowalczyk. I know you've heard 'the system' from us before, so no excuses this time: that's "
        "our mistake.",
        "Our policy says I can only offer a future credit, but that isn't good enough here: I've authorised a cash "
        "refund of £640 today.",
    ],
)
def test_words_taken_back_or_quoted_are_not_flagged(text: str) -> None:
    assert flags(text) == []


@pytest.mark.parametrize(
    "text, category",
    [
        ("Sorry about that, that'll be the lads on nights, they never pass anything on to us in the morning.", "blame"),
        (
            "The Wi-Fi outage on your train was caused by our onboard connectivity vendor. We have raised it with "
            "them.",
            "blame",
        ),
        ("The crew on the late run never restock the minibar, so that one is theirs.", "blame"),
        (
            "It's been total chaos since the storm came through, so there's really nothing anyone could've done.",
            "excuse",
        ),
        (
            "We had a wedding that weekend and the hotel was at full capacity, which is why housekeeping was late.",
            "excuse",
        ),
        ("If you'd told us at check-in about the allergy we could have done something.", "doubt"),
        ("Sometimes guests pop out and forget to lock the balcony door.", "doubt"),
        ("Most drivers find them pretty much identical on the road.", "dismiss"),
        ("Your card issuer can usually reverse a double charge faster than we can.", "deflect"),
        ("Pop into the office in Killarney tomorrow morning and they'll sort you out there.", "deflect"),
        ("I'm sorry for the way you perceived our driver's announcement.", "non-apology"),
        ("Someone from our side will reach out in due time.", "vague-promise"),
    ],
)
def test_who_acts_decides_the_move(text: str, category: str) -> None:
    assert category in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "Our guide didn't check the trail closure before the hike, and that's on us. I've refunded the $95 per person.",
        "I'm so sorry the guide skipped the Alcatraz stop. I've booked you on tomorrow's 10 am ferry at no cost.",
        "We were fully booked tonight, so I can't move you. Instead I've sent engineering up with a fan now.",
        "You're right that you should have been offered a taxi. Send me the receipt and I'll refund it today.",
        "Our team will not charge you for the extra night, and Sam moves you at 18:00.",
        "I'll make sure we fix the booking system so this never happens to anyone again.",
    ],
)
def test_owning_it_keeps_a_reply_sincere(text: str) -> None:
    assert flags(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "If you can come back at three, Maria will do the full ninety minutes, on the house.",
        "Your driver, Ahmed, is 6 minutes away in a black Camry; the ride's on us.",
        "Look, I've put you down for checkout at two o'clock, no charge.",
    ],
)
def test_a_commitment_may_say_its_time_in_words(text: str) -> None:
    assert "specific" not in categories(text, "commitment")


def test_word_classes_let_a_trainer_say_who_acts(tmp_path: Path) -> None:
    (tmp_path / "coach.yaml").write_text(
        textwrap.dedent(r"""
        words:
          sommelier: ['sommelier', 'wine steward']
        rules:
          - id: blame-sommelier
            category: blame
            normal_patterns: ['\bthe @sommelier @fail\b']
            exceptions: ['@owned']
            exceptions_in: reply
            reason: The guest does not care who poured it.
            suggestion: Own it.
            examples_flag: ["The sommelier forgot your bottle."]
            examples_pass: ["The sommelier forgot your bottle, and that's on us."]
    """)
    )
    result = runner.invoke(app, ["coach", "test", "--playbooks", str(tmp_path), "--corpus", str(DEV)])
    assert result.exit_code == 0, result.output
    found = runner.invoke(app, ["coach", "check", "The wine steward forgot your bottle.", "--playbooks", str(tmp_path)])
    assert "blame-sommelier" in found.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("words:\n  Bad-Name: ['x']\nrules: []\n")
    assert "word class 'Bad-Name'" in runner.invoke(app, ["coach", "check", "hi", "--rules", str(bad)]).stderr


def test_the_second_opinion_speaks_only_when_the_rules_are_silent() -> None:
    from recoverycli.coach import second_opinion

    model = second_opinion()
    assert model is not None and model.trained_on and not any(f.startswith("heldout") for f in model.trained_on)
    text = "Changeover days are really tight, we only get an hour between guests, so the odd thing gets missed."
    assert flags(text) == []  # no rule has words for it
    heard = check(text, default_rules(), Context(), model)
    assert [(f.level, f.rule.startswith("sounds-like-")) for f in heard] == [("warning", True)]
    f = heard[0]
    assert (
        f.match == text[f.start : f.end]
        and f.category in coachcorpus.MOVES
        and "trained ear" in f.reason
        and f.suggestion
    )
    ruled = "Sorry, our electrician is busy, he will come when he can."
    assert check(ruled, default_rules(), Context(), model) == flags(ruled)  # the rules speak; the model keeps quiet
    sincere = "I'm so sorry the heating failed, Ms Obi. Sam moves you to 412 at 18:10 and dinner is on us."
    assert check(sincere, default_rules(), Context(customer_name="Amara Obi"), model) == []
    cli = runner.invoke(app, ["coach", "check", text])
    assert cli.exit_code == 1 and "sounds-like-" in cli.stdout
    assert runner.invoke(app, ["coach", "check", text, "--rules-only"]).exit_code == 0


def test_the_model_loads_only_when_a_reply_is_checked() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from recoverycli.cli import app; import recoverycli.coach; "
        "print('recoverycli.coach.model' in sys.modules, 'lemminflect' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
