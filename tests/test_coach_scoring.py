"""`coach test` as the core scores it (coach.corpus.score_coach): one pass over each rule's examples, then the
labelled corpora, without the command line."""

from __future__ import annotations

import textwrap
from pathlib import Path

from recoverycli.coach import compile_rules, load_rules
from recoverycli.coach.corpus import score_coach

RULES = textwrap.dedent("""
    rules:
      - id: only-soon
        category: vague-promise
        phrases: ["soon"]
        reason: Soon means nothing.
        suggestion: Give a time.
        examples_flag: ["We'll fix it soon.", "It will be sorted shortly."]
        examples_pass: ["Sam fixes it by 18:00.", "Soon after six Sam calls you back."]
""")
CORPUS = textwrap.dedent("""\
    replies:
      - text: "We'll sort it soon, promise."
        verdict: bad
        move: vague-promise
        field: commitment
      - text: "I'm sorry, Ana. Sam fixes the heating by 18:00; I call you at 18:15."
        verdict: sincere
        field: commitment
        customer: Ana Souza
""")


def rules_in(tmp_path: Path) -> list:
    (tmp_path / "coach.yaml").write_text(RULES)
    return compile_rules(load_rules(tmp_path / "coach.yaml"))


def test_each_wrong_example_is_counted_and_named_once(tmp_path: Path) -> None:
    result = score_coach(rules_in(tmp_path), corpora=[])
    [only] = result.rules
    assert (only.flagged, only.missed, only.wrongly, only.passed) == (1, 1, 1, 1)
    assert result.failures == [
        ("only-soon", "It will be sorted shortly.", "not flagged"),
        ("only-soon", "Soon after six Sam calls you back.", "wrongly flagged"),
    ]
    assert result.cards == [] and result.totals == [] and result.corpora == []


def test_a_labelled_corpus_is_scored_reply_by_reply(tmp_path: Path) -> None:
    corpus = tmp_path / "dev.yaml"
    corpus.write_text(CORPUS)
    result = score_coach(rules_in(tmp_path), corpora=[corpus])
    [card] = result.cards
    assert card.name == "dev" and card.path == str(corpus)
    assert len(card.outcomes) == 2
    caught = {o.reply.text: bool(o.flagged) for o in card.outcomes}
    assert caught == {
        "We'll sort it soon, promise.": True,
        "I'm sorry, Ana. Sam fixes the heating by 18:00; I call you at 18:15.": False,
    }
    assert result.totals == []  # one file per half: no half total to add


def test_without_corpora_the_bundled_halves_are_scored(tmp_path: Path) -> None:
    result = score_coach(rules_in(tmp_path))
    assert result.corpora and {p.stem.split("-")[0] for p in result.corpora} == {"dev", "heldout"}
    assert len(result.cards) == len(result.corpora)
