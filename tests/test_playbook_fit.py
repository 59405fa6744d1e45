"""Bundled playbooks say what fits their situation: an outbound crisis call, a flight, not a hotel's fuse board."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recoverycli.call.wizard import rank_gestures
from recoverycli.cli import app
from recoverycli.playbooks.library import Library, bundled_dir

runner = CliRunner()
HOTEL_WORDS = ("heating", "fuse board", "maintenance", "guest")


@pytest.fixture
def library() -> Library:
    return Library([bundled_dir()])


def say_lines(library: Library, playbook_id: str) -> list[str]:
    return [line for step in library.get(playbook_id).steps for line in step.say]


def test_the_crisis_call_never_thanks_them_for_telling_us_or_asks_what_happened(library: Library) -> None:
    lines = " ".join(say_lines(library, "crisis-outreach"))
    assert "Thank you for telling us" not in lines and "from the start" not in lines
    assert "I wanted you to hear it from us first" in lines
    shown = runner.invoke(app, ["playbook", "show", "crisis-outreach"], env={"COLUMNS": "80"}).stdout
    assert "Thank you for telling us" not in shown and "from the start" not in shown
    # the inbound playbooks keep them
    assert "Could you tell me what happened, from the start?" in say_lines(library, "room-failure")


@pytest.mark.parametrize("playbook_id", ["crisis-outreach", "flight-disruption"])
def test_help_examples_fit_flights_and_crises_not_a_hotel(library: Library, playbook_id: str) -> None:
    pb = library.get(playbook_id)
    for prompt_id in ("commitment", "root_cause"):
        prompt = pb.prompt(prompt_id)
        assert prompt is not None and prompt.help.startswith("For example:")
        assert not any(word in prompt.help for word in HOTEL_WORDS), prompt.help
    commitment = pb.prompt("commitment")
    assert commitment is not None and commitment.required and commitment.coach == "strict"  # still guarded


def test_a_flight_vip_is_offered_flight_gestures_first(library: Library) -> None:
    pb = library.get("flight-disruption")
    ranked = [g.id for g in rank_gestures(pb.gestures, "vip", 1)]
    assert ranked == ["seat-upgrade", "travel-voucher", "lounge", "meal-voucher"]  # none of flowers, fruit, the bar


@pytest.mark.parametrize("playbook_id", ["crisis-outreach", "flight-disruption"])
def test_our_own_say_lines_raise_no_coach_flags(library: Library, playbook_id: str) -> None:
    from recoverycli import coach

    ctx = coach.Context(customer_name="Ana Souza", today=date.today())
    for line in say_lines(library, playbook_id):
        text = line.replace("{customer.first_name}", "Ana").replace("{staff.first_name}", "Dana")
        assert coach.check(text, coach.default_rules(), ctx) == [], text


def test_remove_say_names_a_line_the_parent_does_not_have(tmp_path: Path) -> None:
    path = tmp_path / "outbound.yaml"
    path.write_text(
        "id: outbound\ntitle: Outbound\nextends: four-step\nsteps:\n  - id: apologise\n"
        '    remove_say:\n      - "Thanks for calling."\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["playbook", "lint", str(path)])
    assert result.exit_code == 1
    assert f"{path}:7:9: error: step 'apologise' inherits no say line “Thanks for calling.” to remove" in result.stdout
    path.write_text(
        "id: outbound\ntitle: Outbound\nextends: four-step\nsteps:\n  - id: apologise\n    remove_say:\n"
        "      - \"Thank you for telling us. I'm {staff.first_name} and I'll look after this myself.\"\n",
        encoding="utf-8",
    )
    assert runner.invoke(app, ["playbook", "lint", str(path)]).exit_code == 0
    shown = runner.invoke(app, ["playbook", "show", "outbound", "--playbooks", str(tmp_path)]).stdout
    assert "Thank you for telling us" not in shown and "really sorry this happened" in shown
