"""The coach as a customer hears it: the issue's own examples, the labelled corpus and `coach test`."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from recoverycli import coachcorpus
from recoverycli.cli import app
from recoverycli.coach import Context, check, default_rules
from recoverycli.coachcorpus import load_corpus
from recoverycli.coachtext import normalise
from recoverycli.errors import PlaybookError
from recoverycli.store import open_store

runner = CliRunner()
CORPUS_DIR = Path(__file__).parent / "coach"
DEV = CORPUS_DIR / "dev.yaml"


def flags(text: str, prompt: str | None = None, customer: str | None = None) -> list:
    return check(text, default_rules(), Context(customer_name=customer, prompt=prompt))


def categories(text: str, prompt: str | None = None, customer: str | None = None) -> set[str]:
    return {f.category for f in flags(text, prompt, customer)}


def blocked(text: str, prompt: str = "commitment", customer: str | None = None) -> bool:
    """What ask_one does for a `coach: strict` prompt: any error-level flag refuses the answer."""
    return any(f.level == "error" for f in flags(text, prompt, customer))


# --- the issue's examples, as a customer would judge them -------------------------------------------


@pytest.mark.parametrize("text, prompt", [
    ("I'm sorry you have to call again. Sam fixes the power in 318 by 19:10; I call you at 19:30", "commitment"),
    ("I am so sorry, Ms Obi, that you have to call a third time.", "apology"),
])
def test_an_apology_for_making_them_call_again_is_sincere(text: str, prompt: str) -> None:
    assert flags(text, prompt, "Amara Obi") == []
    assert not blocked(text, customer="Amara Obi")


@pytest.mark.parametrize("text, category", [
    ("It's your own fault for using a hair dryer.", "doubt"),
    ("Sorry, our electrician is busy, he will come when he can.", "vague-promise"),
    ("You should have reported it earlier.", "doubt"),
    ("That has never happened before.", "dismiss"),
    ("Did you maybe leave the phone in the taxi yourself?", "doubt"),
    ("Did you maybe leave it in the taxi?", "doubt"),
])
def test_the_issues_bad_replies_are_caught_for_what_they_are(text: str, category: str) -> None:
    found = flags(text)
    assert category in {f.category for f in found}
    assert all(f.category != "deflect" for f in found)  # "phone" is not read as "phone them"


def test_every_flag_explains_itself() -> None:
    text = "Sorry, our electrician is busy, he will come when he can."
    for f in flags(text):
        assert f.category and f.reason and f.suggestion
        assert f.match == text[f.start:f.end] and f.match.strip()  # the words it fired on, as typed
    assert {f.match for f in flags(text)} >= {"is busy", "when he can"}


@pytest.mark.parametrize("text", ["hello", "ok", "Noted.", "Hello, front desk.", "Thanks for calling, I have your booking here."])
def test_an_apology_that_apologises_for_nothing_is_noticed(text: str) -> None:
    found = flags(text, "apology")
    assert [f.rule for f in found] == ["no-apology"] and found[0].level == "warning"
    assert flags(text) == [] or "no-apology" not in {f.rule for f in flags(text)}  # only the apology prompt asks for one


@pytest.mark.parametrize("text", [
    "I'm so sorry the heating failed last night.",
    "That's our mistake, Mr Banks, and I'm putting it right now.",
    "Mrs Fischer, I'd be furious too. Let me fix this.",
])
def test_a_real_apology_passes_the_apology_prompt(text: str) -> None:
    assert flags(text, "apology", "Tom Banks Fischer") == []


@pytest.mark.parametrize("text", [
    "I've called the airline myself, and they've confirmed you on the 07:50 tomorrow; I'll ring you at 18:00.",
    "Our policy is normally no refunds after check-in, but I've waived it: both nights go back to your card today.",
    "You don't need to call your bank: I've reversed the $220 charge myself, reference RV-55812.",
    "Unfortunately the part won't arrive until tomorrow, so Ahmed moves you to Suite 902 at 8:15.",
    "We were busy tonight, but that's no reason for you to wait an hour, and it's my responsibility.",
    "You should have found a car waiting at the address we gave you. That's on us.",
])
def test_sincere_replies_may_mention_the_airline_policy_or_the_bank(text: str) -> None:
    assert flags(text, customer="Ana Souza") == []


@pytest.mark.parametrize("text, category", [
    ("Since you booked through a third-party site, you'll need to call them about the pickup address.", "deflect"),
    ("Honestly, I'd reach out to your credit card company on this one.", "deflect"),
    ("The best thing would be to take it up with your travel insurer once you're home.", "deflect"),
    ("Per our rental terms the refueling charge stands.", "policy"),
    ("The lot crew signed it out without checking - they're the ones who dropped the ball.", "blame"),
    ("We're slammed with spring break this week and lines are long everywhere.", "excuse"),
    ("I'm sorry if the delay caused you any upset.", "non-apology"),
    ("Your satisfaction is our top priority.", "canned"),
    ("We'll get back to you soon regarding the refund.", "vague-promise"),
])
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
    assert "template" not in categories("Our security officer, Mr Dias, will call on you at 18:00.", customer="Giulia Romano")
    assert "template" not in categories("Grace, our night manager, moves you by 23:00.", customer="Ahmed Farouk")
    assert "template" not in categories("Dear Mr. Levi,\nIt's refunded.\nSincerely,\nAnna Morales", customer="David Levi")
    for text in ("Hi XXX, our engineer will be at room XXX by XX:XX.", "Dear Ms/Mr ________,", "Dear <first name>, sorry."):
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
    assert {r.channel for r in replies} >= {"phone", "chat", "sms", "email"} and {r.locale for r in replies} == {"en-GB", "en-US"}


def test_the_coach_holds_its_figures_on_the_development_half() -> None:
    """A regression check, not a field figure: the rules were written against this half."""
    result = runner.invoke(app, ["coach", "test", "--corpus", str(DEV), "--format", "json"])
    card = json.loads(result.stdout)["corpus"][0]
    assert card["name"] == "dev" and card["bad"] == 130 and card["sincere"] == 130
    assert card["recall"] >= 0.95 and card["false_flag_rate"] <= 0.02 and card["false_blocks"] == 0


def test_coach_test_reports_each_half_and_each_move(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "dev.yaml").write_text(DEV.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "heldout.yaml").write_text(textwrap.dedent("""\
        replies:
          - text: "You'll need to ring the airline about that, I'm afraid."
            verdict: bad
            move: deflect
            field: commitment
            customer: Ana Souza
          - text: "Honestly, the weather does that here."
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
        """), encoding="utf-8")
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
    assert any(re.match(r"\s*heldout\s+2\s+1\s+50\.0%\s+2\s+0\s+0\.0%\s+100\.0%\s+0\s*$", line) for line in lines), table.stdout
    assert f"{folder / 'heldout.yaml'}:7: missed excuse (reply): Honestly, the weather does that here." in lines
    assert max(len(line) for line in lines if ".yaml:" not in line) <= 80  # the tables fit a plain terminal


def test_a_trainers_pack_is_scored_on_the_same_corpus(tmp_path: Path) -> None:
    pack = tmp_path / "coach.yaml"
    pack.write_text(textwrap.dedent("""
        rules:
          - id: only-soon
            category: vague-promise
            phrases: ["soon"]
            reason: Soon means nothing.
            suggestion: Give a time.
            examples_flag: ["We'll fix it soon."]
    """))
    mine = json.loads(runner.invoke(app, ["coach", "test", "--rules", str(pack), "--corpus", str(DEV), "--format", "json"]).stdout)
    same = json.loads(runner.invoke(app, ["coach", "test", str(pack), "--corpus", str(DEV), "--format", "json"]).stdout)
    usual = json.loads(runner.invoke(app, ["coach", "test", "--corpus", str(DEV), "--format", "json"]).stdout)
    assert [r["rule"] for r in mine["rules"]] == ["only-soon"] and mine["corpus"] == same["corpus"]
    assert 0 < mine["corpus"][0]["caught"] < usual["corpus"][0]["caught"]
    both = runner.invoke(app, ["coach", "test", str(pack), "--rules", str(pack)])
    assert both.exit_code == 2


def test_a_trainers_pack_adds_and_replaces_rules_on_the_corpus(tmp_path: Path) -> None:
    (tmp_path / "coach.yaml").write_text(textwrap.dedent("""
        rules:
          - id: excuse
            category: excuse
            phrases: ["the weather does that"]
            reason: An excuse.
            suggestion: Own it.
    """))
    assert not runner.invoke(app, ["coach", "check", "It's not our fault."]).exit_code == 0
    replaced = runner.invoke(app, ["coach", "check", "It's not our fault.", "--playbooks", str(tmp_path)])
    assert replaced.exit_code == 0  # the trainer's `excuse` replaced the bundled one
    added = runner.invoke(app, ["coach", "check", "Honestly, the weather does that here.", "--playbooks", str(tmp_path)])
    assert added.exit_code == 1 and "excuse" in added.stdout


@pytest.mark.parametrize("body, message", [
    ("replies:\n  - text: hi\n    verdict: good\n", r"x\.yaml:3:14: 'verdict': .*"),
    ("replies:\n  - text: hi\n    verdict: bad\n    move: rude\n", r"x\.yaml:4:11: 'move': unknown move 'rude' — use one of: excuse, "),
    ("replies:\n  - text: hi\n    verdict: bad\n", r"x\.yaml:2:5: a bad reply names its move; a sincere one has move: none"),
    ("replies:\n  - text: hi\n    verdict: sincere\n    mood: calm\n", r"x\.yaml:4:5: unknown key 'mood' — check the spelling; allowed here: text, verdict"),
    ("- just a list\n", r"x\.yaml:1:1: a coach corpus is a mapping with one key, `replies`"),
])
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
    assert result.exit_code == 1 and "coach.yaml:6:22: 'normal_patterns': pattern '(' is not a valid regular expression" in result.stderr
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
    path.write_text(CALL.format(apology="I am so sorry, Ms Obi, that you have to call a third time.",
                                commitment="I'm sorry you have to call again. Sam fixes the power in 318 by 19:10; I call you at 19:30"))
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
