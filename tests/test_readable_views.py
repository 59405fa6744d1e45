"""`show`, `list`, `followups` and `playbook list/show` read as a person meets them, at 80 and 120 columns."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recoverycli.cli import app
from tests.helpers import EXAMPLES

runner = CliRunner()
LONG_CONTACT = "ana.souza.longname@example-hotels.com"


def flat(text: str) -> str:
    """The words on screen, whatever the borders and line breaks."""
    for ch in "│┃╭╮╰╯─━":
        text = text.replace(ch, " ")
    return " ".join(text.split())


def seed(tmp_path: Path) -> dict[str, str]:
    first = (EXAMPLES / "room-failure.answers.yaml").read_text(encoding="utf-8")
    first = first.replace("name: Ana Souza", "name: Mrs. Ana Souza").replace('"+1 555 0100"', f'"{LONG_CONTACT}"')
    (tmp_path / "first.yaml").write_text(first, encoding="utf-8")
    repeat = first.replace("answers:\n", 'answers:\n  escalated_to: "Duty manager Priya at 08:05"\n', 1)
    (tmp_path / "repeat.yaml").write_text(repeat, encoding="utf-8")
    ids = {}
    for name, playbook, path in (
        ("first", "room-failure", tmp_path / "first.yaml"),
        ("repeat", "room-failure", tmp_path / "repeat.yaml"),
        ("theft", "theft-or-loss", EXAMPLES / "theft-or-loss.answers.yaml"),
        ("flight", "flight-disruption", EXAMPLES / "flight-disruption.answers.yaml"),
    ):
        result = runner.invoke(app, ["start", playbook, "--answers", str(path)])
        assert result.exit_code == 0, result.output
        ids[name] = result.stdout.strip()
    return ids


def screen(args: list[str], columns: int) -> str:
    result = runner.invoke(app, args, env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns
    return result.stdout


@pytest.mark.parametrize("columns", [80, 120])
def test_show_prints_every_answer_whole_and_readable(tmp_path: Path, store_path: Path, columns: int) -> None:
    ids = seed(tmp_path)
    out = screen(["show", ids["repeat"]], columns)
    words = flat(out)
    assert "Duty manager Priya at 08:05" in words
    assert "Sam (maintenance, called at 8:02, on floor 4) resets the breaker by 8:15; I call Ana at 8:20" in words
    assert "I plugged in the hair dryer and everything went dark." in words
    answers = out[out.index("Answers") : out.index("History")]
    assert "…" not in answers
    # no answer column squeezed to a sliver: the longest answer takes few lines
    assert sum("went dark" in line or "see a thing" in line for line in answers.splitlines()) == 2


def test_show_at_80_columns_puts_each_answer_under_its_question(tmp_path: Path, store_path: Path) -> None:
    ids = seed(tmp_path)
    lines = screen(["show", ids["repeat"]], 80).splitlines()
    at = next(i for i, line in enumerate(lines) if "What will be done, by whom, by when?" in line)
    assert "Sam (maintenance, called at 8:02" in lines[at + 1]


def test_show_at_120_columns_gives_the_answer_most_of_the_width(tmp_path: Path, store_path: Path) -> None:
    ids = seed(tmp_path)
    lines = screen(["show", ids["repeat"]], 120).splitlines()
    row = next(line for line in lines if "What will be done, by whom, by when?" in line)
    question, answer = row.split("│")[2:4]
    assert len(answer) > 1.5 * len(question)
    assert "Sam (maintenance, called at 8:02" in answer


def test_show_says_answer_times_in_local_time_as_the_summary_does(
    tmp_path: Path, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed(tmp_path)
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        out = screen(["show", ids["theft"]], 80)
    finally:
        monkeypatch.undo()
        time.tzset()
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "When did they notice it was gone?" in line)
    shown = flat(lines[at + 1])
    assert "+00:00" not in shown and "T" not in shown.replace("today", "")
    assert shown.split()[0] in ("today", "yesterday")
    assert "When will you follow up with the customer?" in out and "Saturday" in flat(out)


@pytest.mark.parametrize("columns", [80, 120])
def test_followups_show_the_whole_contact_and_a_readable_promise(
    tmp_path: Path, store_path: Path, columns: int
) -> None:
    seed(tmp_path)
    out = screen(["followups", "--upcoming", "3"], columns)
    words = flat(out)
    assert LONG_CONTACT in words and "…" not in out
    assert "A 300 EUR boutique voucher now (shop open for them until 20:00); I drive them there at 18:30" in words
    assert "EMERGENCY" in out
    promise_lines = [line for line in out.splitlines() if "boutique" in line or "Friday" in line]
    assert len(promise_lines) <= 3  # a readable promise, not one word a line


@pytest.mark.parametrize("columns", [80, 120])
def test_list_never_cuts_the_ids_people_type_next(tmp_path: Path, store_path: Path, columns: int) -> None:
    ids = seed(tmp_path)
    out = screen(["list"], columns)
    assert "…" not in out
    for case_id in ids.values():
        assert case_id in out
    for playbook in ("room-failure", "theft-or-loss", "flight-disruption"):
        assert playbook in out.split()
    # a name wraps at most once, never a word a line
    assert "Mrs. Ana" in out and not any(line.strip() == "Mrs." for line in out.splitlines())


@pytest.mark.parametrize("columns", [80, 120])
def test_playbook_list_and_show_never_cut_an_id(store_path: Path, columns: int) -> None:
    out = screen(["playbook", "list"], columns)
    assert "…" not in out and "flight-disruption" in out.split() and "Overrides" not in out
    shown = screen(["playbook", "show", "room-failure"], columns)
    for prompt_id in ("desired_outcome", "customer_chased", "follow_up_date"):
        assert prompt_id in shown.split()


def test_show_of_a_draft_stopped_mid_answer_says_what_was_being_typed(store_path: Path) -> None:
    from recoverycli.call.wizard import UNFINISHED
    from recoverycli.store import open_store
    from tests.helpers import make_case

    draft = make_case(customer_words="It broke.").model_copy(update={"status": "draft"})
    draft.answers[UNFINISHED] = {"prompt": "desired_outcome", "text": "A refund and"}
    saved = open_store(store_path).add(draft)
    words = flat(screen(["show", saved.id], 80))
    assert "Being typed when the call stopped (What outcome would they like?) A refund and" in words
    assert "{'prompt'" not in words


def test_a_rule_that_fires_twice_is_one_note_quoting_both_places() -> None:
    """At 80×24 "Someone will look into it as soon as possible" printed the same reason and advice twice (for
    "Someone will" and for "look into it"), pushing the third flag off the screen."""
    from recoverycli.coach import Flag
    from recoverycli.ui.views import coach_notes

    def flag(rule: str, match: str, level: str = "warning") -> Flag:
        return Flag(rule, "vague", level, 0, len(match), match, f"why {rule}", f"try {rule}")

    flags = [
        flag("not-specific", "as soon as possible"),
        flag("vague-someone", "Someone will"),
        flag("vague-someone", "look into it", "error"),
    ]
    notes = coach_notes(flags)
    assert [(q, f.rule, f.level) for q, f in notes] == [
        ("“as soon as possible”", "not-specific", "warning"),
        ("“Someone will”, “look into it”", "vague-someone", "error"),  # both places, at the stricter level
    ]
