"""Text from data never drives the terminal: no control characters reach it, rich markup is shown, not obeyed."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recoverycli.caselog.record import Customer, Event, PlaybookRef
from recoverycli.cli import app
from recoverycli.safety import safe_text
from recoverycli.store import open_store
from tests.helpers import NOW, make_case

runner = CliRunner()
LINK = "[link=file:///etc/passwd]click me[/link]"
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b]8;;file:///etc/passwd\x1b\\\x9b31m"
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\x08", "\x00")


def hostile(text: str) -> str:
    return f"{text} {ESCAPES}{LINK}"


@pytest.fixture
def poisoned(store_url: str) -> str:
    """A shared store another desk wrote with escape sequences and markup in every field it could."""
    store = open_store(store_url)
    case = make_case(
        customer_words=hostile("words"),
        commitment=hostile("promise"),
        root_cause=hostile("cause"),
        gesture=hostile("gesture"),
        follow_up_date=(NOW - timedelta(days=3)).date().isoformat(),
    )
    case = case.model_copy(
        update={
            "id": "[link=file:///etc/passwd]RC-X[/link]\x1b[2J",
            "staff": hostile("Dana"),
            "customer": Customer(name=hostile("Ana"), contact=hostile("+1 555"), segment="vip"),
            "playbook": PlaybookRef(id=hostile("other"), version=1, hash="h"),
            "complaint_number": 2,
            "severity": "emergency",
            "events": [Event(at=NOW, staff=hostile("Dana"), kind=hostile("created"), data={"via": hostile("x")})],
            "created_at": NOW,
            "updated_at": NOW,
        }
    )
    store.add(case, keep_id=True)
    plain = store.add(make_case(customer_words=hostile("words")).model_copy(update={"staff": hostile("Bo")}))
    return plain.id


def clean(output: str) -> None:
    for ch in FORBIDDEN:
        assert ch not in output, repr(output[:400])


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--format", "json"],
        ["followups", "--upcoming", "30"],
        ["report", "--since", "2026-11-01", "--until", "2026-11-30"],
        ["check"],
        ["show", "{plain}"],
        ["note", "{plain}", "called back"],
        ["export", "--format", "json"],
    ],
)
def test_every_command_prints_hostile_data_inert(poisoned: str, args: list[str]) -> None:
    result = runner.invoke(
        app, [a.replace("{plain}", poisoned) for a in args], env={"COLUMNS": "400", "RECOVER_STAFF": "Lee"}
    )
    assert result.exit_code in (0, 1), result.output
    clean(result.stdout)
    clean(result.stderr)
    if args[0] in ("list", "show", "followups") and "--format" not in args:
        assert "[link=file:///etc/passwd]" in result.stdout  # shown as text, not turned into a link


def test_report_labels_are_shown_as_written(store_path: Path) -> None:
    open_store(store_path).add(make_case(customer_words="w", root_cause="[red]Boiler[/red]", gesture="[i]Tea[/i]"))
    result = runner.invoke(app, ["report", "--since", "2026-11-01", "--until", "2026-11-30"], env={"COLUMNS": "200"})
    assert "[red]Boiler[/red]" in result.stdout and "[i]Tea[/i]" in result.stdout


def test_the_live_feed_prints_hostile_data_inert(
    store_url: str, poisoned: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recoverycli.store.base import BaseStore

    looks = []

    def another_desk_saves_then_ctrl_c(self: BaseStore, timeout: float) -> None:
        looks.append(timeout)
        if len(looks) > 1:
            raise KeyboardInterrupt
        self.add(
            make_case(customer_words="new").model_copy(
                update={
                    "staff": hostile("Cy"),
                    "customer": Customer(name=hostile("Eve"), contact="eve@x", segment="vip"),
                    "complaint_number": 2,
                    "created_at": NOW + timedelta(minutes=5),
                }
            )
        )

    monkeypatch.setattr(type(open_store(store_url)), "wait_for_change", another_desk_saves_then_ctrl_c)
    result = runner.invoke(app, ["watch", "--interval", "0.2"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "EMERGENCY: complaint number 2 from Eve" in result.stdout and "taken by Cy" in result.stdout
    clean(result.stdout)
    clean(result.stderr)


def test_errors_that_quote_input_are_inert(store_path: Path) -> None:
    open_store(store_path).add(make_case())
    result = runner.invoke(app, ["show", "RC-\x1b]0;pwned\x07"])
    assert result.exit_code == 1
    clean(result.stderr)
    assert result.stderr.count("\n") == 1


def test_safe_text_strips_controls_and_escapes_markup() -> None:
    assert safe_text("a\x1b[2Jb\x9bc\x07d\te") == "a[2Jbcd e"
    assert safe_text("[bold]x[/bold]") == "\\[bold]x\\[/bold]"
    assert safe_text("[bold]x[/bold]", markup=False) == "[bold]x[/bold]"
    assert safe_text("one\ntwo", multiline=False) == "one two"
    assert safe_text("emoji 🙂, עברית, 中文, e\u0301") == "emoji 🙂, עברית, 中文, e\u0301"  # any other Unicode is kept
    # a right-to-left override would make "RC-\u202eGPJ.exe" read as "RC-exe.JPG": overrides and isolates dropped,
    # the marks a right-to-left name may carry (U+200E, U+200F) kept (hostile pass 3, F12)
    assert safe_text("RC-\u202eGPJ.exe \u2066x\u2069 \u200fשלום") == "RC-GPJ.exe x \u200fשלום"


def test_lint_flags_control_characters_even_escaped_in_quotes(tmp_path: Path) -> None:
    (tmp_path / "ctl.yaml").write_text(
        'id: ctl\nextends: four-step\ntitle: "\\e]0;pwned\\a Owned"\ndescription: "\\x9b31m red"\n'
    )
    result = runner.invoke(app, ["playbook", "lint", str(tmp_path / "ctl.yaml")])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:2] == [
        f"{tmp_path / 'ctl.yaml'}:3:8: error: control character U+001B in the text — delete it; a terminal would act "
        "on it",
        f"{tmp_path / 'ctl.yaml'}:4:14: error: control character U+009B in the text — delete it; a terminal would "
        "act on it",
    ]
    clean(result.stdout)


def test_a_playbook_title_with_markup_is_shown_as_written(tmp_path: Path) -> None:
    (tmp_path / "mark.yaml").write_text(f'id: mark\nextends: four-step\ntitle: "{LINK} [red]Red"\n')
    listed = runner.invoke(app, ["playbook", "list", "--playbooks", str(tmp_path)], env={"COLUMNS": "300"})
    assert listed.exit_code == 0 and f"{LINK} [red]Red" in listed.stdout
    shown = runner.invoke(app, ["playbook", "show", "mark", "--playbooks", str(tmp_path)], env={"COLUMNS": "300"})
    assert shown.exit_code == 0 and "[link=file:///etc/passwd]" in shown.stdout


def test_json_output_keeps_the_data_exactly(poisoned: str, store_url: str) -> None:
    data = json.loads(runner.invoke(app, ["show", poisoned, "--format", "json"]).stdout)
    assert data["staff"] == hostile("Bo")  # scripts get the data as stored; JSON escapes the control characters
