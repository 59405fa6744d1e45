"""The coach: rules from YAML, context checks, and the live call."""

from __future__ import annotations

import json
import re
import textwrap
from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from recoverycli.cli import app
from recoverycli.coach import Context, check, compile_rules, default_rules, load_rules, score_rules
from recoverycli.coach.text import normalise, phrase_pattern
from recoverycli.errors import PlaybookError

runner = CliRunner()
CORPUS = yaml.safe_load((Path(__file__).parent / "coach_corpus.yaml").read_text())
WED = date(2026, 11, 25)


def rules_hit(text: str, **ctx: object) -> set[str]:
    return {f.rule for f in check(text, default_rules(), Context(**ctx))}  # type: ignore[arg-type]


def test_every_rule_passes_its_own_examples() -> None:
    for score in score_rules(default_rules()):
        assert (score.precision, score.recall) == (1.0, 1.0), score


def test_corpus_of_sincere_and_bad_replies() -> None:
    assert len(CORPUS["good"]) >= 40 and len(CORPUS["bad"]) >= 40
    ctx = {"customer_name": CORPUS["customer"]}
    false_positives = [g for g in CORPUS["good"] if rules_hit(g, **ctx)]
    missed = [b for b in CORPUS["bad"] if not rules_hit(b, **ctx)]
    assert false_positives == [] and missed == []


@pytest.mark.parametrize(
    "text, rule",
    [
        ("It wasn’t our fault.", "excuse"),  # curly apostrophe
        ("It wasnʼt our fault.", "excuse"),  # modifier letter apostrophe
        ("IT WAS NOT OUR FAULT? no: NOT OUR FAULT", "excuse"),
        ("We're not affiliated with them.", "deflect-not-affiliated"),
        ("Those policies say no.", "blame-policy"),  # inflection
        ("we’ll   look   into it", "vague-someone"),  # any spacing
    ],
)
def test_phrases_tolerate_apostrophes_case_spacing_and_inflection(text: str, rule: str) -> None:
    assert rule in rules_hit(text)


def test_word_boundaries_keep_words_apart() -> None:
    assert "vague-time" not in rules_hit("The room is in the south wing by 18:00, no monsoon here.")
    assert "blame-policy" not in rules_hit("Your travel insurance policyholder number is on the card.")
    assert re.fullmatch(phrase_pattern("isn't"), normalise("isn’t").text)
    assert not re.search(phrase_pattern("policy"), normalise("policyholder").text)


def test_exceptions_let_a_specific_time_through() -> None:
    assert "vague-time" in rules_hit("We'll sort it soon.")
    assert "vague-time" not in rules_hit("We'll sort it soon - by 18:30 at the latest.")
    assert "deflect-contact-them" in rules_hit("Please contact the booking site.")
    assert "deflect-contact-them" not in rules_hit("I'll contact the booking site for you.")


def test_wrong_customer_name_and_placeholders() -> None:
    assert "wrong-name" in rules_hit("Dear Maria, sorry about the room.", customer_name="Ana Souza")
    assert "wrong-name" in rules_hit("Hi Mr. Jones, your refund is done.", customer_name="Ana Souza")
    assert "wrong-name" not in rules_hit("Dear Ana, sorry about the room.", customer_name="Ana Souza")
    assert "wrong-name" not in rules_hit("Dear Ms Souza, sorry about the room.", customer_name="Ana Souza")
    assert "wrong-name" not in rules_hit("Dear Zoe, sorry.", customer_name="Zoë Ångström")  # accents do not matter
    assert "wrong-name" not in rules_hit("Sorry, the room is ready.", customer_name="Ana Souza")
    for text in (
        "Dear {customer.first_name},",
        "Hello [Customer Name]",
        "Hi <NAME>",
        "Dear %FIRSTNAME%",
        "Dear {{ name }}",
    ):
        assert "unfilled-placeholder" in rules_hit(text), text


def test_date_in_a_reply_must_match_the_promised_follow_up() -> None:
    ctx = {"customer_name": "Ana Souza", "follow_up_date": date(2026, 11, 27), "today": WED}
    assert "date-mismatch" in rules_hit("Ana, I will call you on Monday.", **ctx)
    assert "date-mismatch" in rules_hit("Ana, I will call you on 30 November.", **ctx)
    assert "date-mismatch" in rules_hit("Ana, I will call you tomorrow.", **ctx)
    assert "date-mismatch" not in rules_hit("Ana, I will call you on Friday.", **ctx)
    assert "date-mismatch" not in rules_hit("Ana, I will call you on 27 November at 10:00.", **ctx)
    assert "date-mismatch" not in rules_hit("Ana, I will call you on 2026-11-27.", **ctx)


@pytest.mark.parametrize(
    "text, missing",
    [
        ("Refund", "what"),
        ("Maintenance fixes the heating", "when"),
        ("Heating gets fixed by 18:00 today", "who"),
    ],
)
def test_commitment_needs_what_who_and_when(text: str, missing: str) -> None:
    flags = [f for f in check(text, default_rules(), Context(prompt="commitment")) if f.rule == "not-specific"]
    assert flags and missing in flags[0].reason


def test_a_specific_commitment_passes() -> None:
    assert not check(
        "Sam from maintenance fixes the heating by 18:00; I call you at 18:15.",
        default_rules(),
        Context(prompt="commitment"),
    )


def test_coach_check_cli_spans_exit_codes_and_json(tmp_path: Path) -> None:
    bad = runner.invoke(
        app, ["coach", "check", "Hi Carlos,\nwe are not affiliated with them.", "--customer", "Ana Souza"]
    )
    assert bad.exit_code == 1
    lines = bad.stdout.splitlines()
    assert lines[0].startswith("1:4-10: warning: wrong-name: “Carlos”")  # a bare first name warns
    assert lines[1].startswith("2:8-22: error: deflect-not-affiliated: “not affiliated”") and "Try: " in lines[1]
    good = runner.invoke(app, ["coach", "check", "Ana, I'm so sorry. Your new room is ready now."])
    assert good.exit_code == 0 and good.stdout == ""
    draft = tmp_path / "reply.txt"
    draft.write_text("Dear [Customer Name],\nWe apologize for any inconvenience.\n")
    result = runner.invoke(app, ["coach", "check", "--file", str(draft), "--format", "json"])
    data = json.loads(result.stdout)
    assert [f["rule"] for f in data] == ["unfilled-placeholder", "canned"]
    assert (data[1]["line"], data[1]["col"]) == (2, 1)
    assert runner.invoke(app, ["coach", "check"]).exit_code == 2


def test_trainer_extends_rules_and_sees_precision_and_recall(tmp_path: Path) -> None:
    (tmp_path / "coach.yaml").write_text(
        textwrap.dedent("""
        rules:
          - id: hotel-speak
            category: canned
            phrases: ["esteemed patron"]
            reason: Nobody talks like that.
            suggestion: Use their name.
            examples_flag: ["Dear esteemed patron, sorry.", "As an esteemed patron you matter."]
            examples_pass: ["Dear Ana, sorry.", "We have esteemed patrons' feedback for years."]
    """)
    )
    result = runner.invoke(app, ["coach", "test", "--playbooks", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1  # "patrons" is caught by inflection: the trainer sees it at once
    data = json.loads(result.stdout)
    mine = next(r for r in data["rules"] if r["rule"] == "hotel-speak")
    assert mine["caught"] == 2 and mine["wrongly_flagged"] == 1 and mine["precision"] == pytest.approx(0.667, abs=0.001)
    assert data["failures"] == [
        {
            "rule": "hotel-speak",
            "example": "We have esteemed patrons' feedback for years.",
            "problem": "wrongly flagged",
        }
    ]
    assert any(r["rule"] == "excuse" for r in data["rules"])  # bundled rules still there
    checked = runner.invoke(app, ["coach", "check", "Dear esteemed patron", "--playbooks", str(tmp_path)])
    assert "hotel-speak" in checked.stdout
    assert runner.invoke(app, ["coach", "test"]).exit_code == 0


def test_broken_rules_file_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "coach.yaml"
    bad.write_text(
        "rules:\n  - id: x\n    category: c\n    reason: r\n    suggestion: s\n    patterns: ['(unclosed']\n"
    )
    with pytest.raises(
        PlaybookError, match=r"coach.yaml:6:15: 'patterns': pattern '\(unclosed' is not a valid regular expression"
    ):
        load_rules(bad)
    result = runner.invoke(app, ["coach", "test", str(bad)])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_rules_compile_once_and_checks_are_repeatable() -> None:
    rules = compile_rules(load_rules())
    assert check("It's not our fault.", rules) == check("It's not our fault.", rules)
    assert default_rules() is default_rules()


def test_a_draft_can_be_piped_in_and_an_empty_one_is_not_sincere() -> None:
    """Hostile pass 4: `… | recover coach check --file -` said '-: cannot read file', and `coach check ""` said
    'no flags: sounds sincere', exit 0."""
    piped = runner.invoke(app, ["coach", "check", "--file", "-", "--rules-only"], input="It's our policy, sorry.\n")
    assert piped.exit_code == 1 and "-:1:" in piped.stdout and "policy" in piped.stdout
    for empty in (["coach", "check", ""], ["coach", "check", "  \n "]):
        result = runner.invoke(app, empty)
        assert result.exit_code == 2 and "nothing to check: the reply is empty" in result.stderr
    assert runner.invoke(app, ["coach", "check", "--file", "-"], input="").exit_code == 2


def test_a_draft_past_64_kb_is_refused_in_one_line(tmp_path: Path) -> None:
    """A mailbox pasted whole: one line saying so, not minutes of checking (hostile pass 4)."""
    draft = tmp_path / "thread.txt"
    draft.write_text("I'm so sorry, I have moved you to 412.\n" + "> earlier message in the thread\n" * 3000)
    result = runner.invoke(app, ["coach", "check", "--file", str(draft)])
    assert result.exit_code == 1
    assert "over 65,536 — check the reply you are writing, not the thread it quotes" in result.stderr


def test_a_long_thread_gets_the_flags_of_its_parts() -> None:
    """Checking each hit's sentence once per text (the speed fix) loses no flag: each of 50 quoted policy lines is
    flagged where it stands."""
    line = "> As per our policy we cannot refund, please contact the airline."
    thread = "Dear Ana,\nI'm so sorry. I have moved you to 412 and call you at 18:00.\n\n" + (line + "\n") * 50
    flags = check(thread, default_rules(), Context(customer_name="Ana Souza"))
    for rule in ("policy-refusal", "deflect-contact-them"):
        assert len({f.start for f in flags if f.rule == rule}) == 50
