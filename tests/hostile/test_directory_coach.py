"""A playbook directory's coach.yaml: a rule whose pattern could match for ever is refused at load, naming the line;
and its rules coach the call as they do `coach check` (they were only ever used by `coach check`)."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from recoverycli.call.live import live, settle
from recoverycli.call.wizard import Call, StepView
from recoverycli.coach import load_rules
from recoverycli.errors import PlaybookError
from recoverycli.playbooks.library import Library, search_dirs
from recoverycli.playbooks.schema import Prompt
from recoverycli.store import open_store
from tests.helpers import EXAMPLES
from tests.hostile import one_line, run

BANANA = """\
rules:
  - id: banana
    category: excuse
    patterns: ['banana']
    reason: No fruit on the phone.
    suggestion: Say what you will do instead.
"""


def pack(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "coach.yaml").write_text(textwrap.dedent(text))
    return folder


@pytest.mark.parametrize("pattern", ["(a+)+$", "(?:\\w+\\s?)*!", "x(a*){2,}y", "(?:ab|c+)+$"])
def test_a_pattern_with_nested_quantifiers_is_refused_at_load_with_its_line(tmp_path: Path, pattern: str) -> None:
    folder = pack(tmp_path / "redos", BANANA.replace("'banana'", f"'banana', '{pattern}'"))
    with pytest.raises(PlaybookError) as refused:
        load_rules(folder / "coach.yaml")
    assert refused.value.message.startswith(f"{folder / 'coach.yaml'}:4:")
    assert f"pattern {pattern!r} repeats a repetition" in refused.value.message
    assert "— write the inner part once, e.g. (a+)+ as a+" in refused.value.message


def test_coach_check_with_a_catastrophic_directory_rule_answers_at_once(tmp_path: Path) -> None:
    folder = pack(tmp_path / "redos", BANANA.replace("'banana'", "'(a+)+$'"))
    result = run("coach", "check", "a" * 40 + "!", env={"RECOVER_PLAYBOOKS": str(folder)}, timeout=30)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith(f"{folder / 'coach.yaml'}:4:") and "(a+)+$" in line


def test_bounded_and_plain_repeats_still_load(tmp_path: Path) -> None:
    folder = pack(
        tmp_path / "fine", BANANA.replace("'banana'", "'(?:\\\\w+\\\\s+){0,3}banana', 'ba(na)+', '[a-z]+ fruit'")
    )
    assert [r.id for r in load_rules(folder / "coach.yaml").rules] == ["banana"]
    assert load_rules().rules  # the bundled rules too


def coached_events(case: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["data"] for e in case["events"] if e["kind"] == "coached"]


@pytest.mark.parametrize("how", ["RECOVER_PLAYBOOKS", "--playbooks"])
def test_a_directory_rule_coaches_a_call_from_an_answers_file(tmp_path: Path, store_path: Path, how: str) -> None:
    folder = pack(tmp_path / "fruit", BANANA)
    answers = tmp_path / "call.yaml"
    answers.write_text(
        (EXAMPLES / "other.answers.yaml").read_text().replace("confirms it", "brings a banana and confirms it")
    )
    extra = ["--playbooks", str(folder)] if how == "--playbooks" else []
    env = {"RECOVER_PLAYBOOKS": str(folder)} if how == "RECOVER_PLAYBOOKS" else {}
    saved = run("start", "other", "--answers", str(answers), "--store", str(store_path), *extra, env=env)
    assert saved.returncode == 0, saved.stderr
    shown = run("show", saved.stdout.strip(), "--format", "json", "--store", str(store_path))
    assert {"prompt": "commitment", "flags": ["banana"], "kept": True} in coached_events(json.loads(shown.stdout))


TODAY = date(2026, 11, 25)
ANSWERS = {
    "customer.name": "Ana Souza",
    "customer.contact": "ana@example.com",
    "customer.segment": "business",
    "customer_words": "The heating is off.",
    "desired_outcome": "A warm room tonight",
    "commitment": "Sam fixes it by 20:00; I call at 20:15",
    "gesture": "meal",
    "follow_up_date": "tomorrow",
}


class Flagged:
    """An Asker with canned answers that keeps every answer the coach flags, noting the rules that spoke."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.flags: list[str] = []

    def show_step(self, view: StepView) -> None: ...

    def ask(self, prompt: Prompt, call: Call) -> Any:
        return self.answers.get(prompt.id)

    def rejected(self, prompt: Prompt, raw: Any, message: str) -> bool:
        raise AssertionError(f"{prompt.id}: {message}")

    def accepted(self, prompt: Prompt, value: Any, call: Call) -> None: ...

    def review(self, call: Call) -> str | None:
        return None

    def emergency(self, call: Call, repeat: Any) -> None: ...

    def crisis(self, call: Call, listing: Any) -> None: ...

    def coached(self, prompt: Prompt, value: str, flags: list[Any], blocking: bool) -> bool:
        self.flags += [f.rule for f in flags]
        return False


def test_a_directory_rule_coaches_a_live_call(
    tmp_path: Path, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = pack(tmp_path / "fruit", BANANA)
    monkeypatch.setenv("RECOVER_PLAYBOOKS", str(folder))
    clerk = Flagged({**ANSWERS, "apology": "I am so sorry, the banana was my mistake."})
    lib = Library(search_dirs())
    settle(live(clerk, open_store(store_path), Call(playbook=lib.get("other"), staff="Dana Reyes", today=TODAY)))
    assert "banana" in clerk.flags


def test_a_broken_directory_coach_file_costs_the_call_its_rules_not_the_call(
    tmp_path: Path, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = pack(tmp_path / "redos", BANANA.replace("'banana'", "'(a+)+$'"))
    monkeypatch.setenv("RECOVER_PLAYBOOKS", str(folder))
    warned: list[str] = []
    clerk = Flagged({**ANSWERS, "apology": "Sorry, it was beyond our control."})
    call = Call(playbook=Library(search_dirs()).get("other"), staff="Dana Reyes", today=TODAY)
    settled = settle(live(clerk, open_store(store_path), call, warn=warned.append))
    assert settled.case is not None
    assert clerk.flags  # the bundled rules still coach it
    assert len(warned) == 1 and warned[0].startswith(f"warning: {folder / 'coach.yaml'}:4:")
    assert warned[0].endswith("— until it is fixed, this call is coached by the bundled rules only")


def test_a_call_from_an_answers_file_is_saved_despite_a_broken_directory_coach_file(
    tmp_path: Path, store_path: Path
) -> None:
    folder = pack(tmp_path / "redos", BANANA.replace("'banana'", "'(a+)+$'"))
    saved = run(
        "start",
        "other",
        "--answers",
        str(EXAMPLES / "other.answers.yaml"),
        "--store",
        str(store_path),
        env={"RECOVER_PLAYBOOKS": str(folder)},
    )
    assert saved.returncode == 0, saved.stderr
    line = one_line(saved.stderr)
    assert line.startswith(f"warning: {folder / 'coach.yaml'}:4:") and line.endswith("by the bundled rules only")
