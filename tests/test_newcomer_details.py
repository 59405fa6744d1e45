"""Small things a newcomer tripped over: how waits are said, what help a typed-in choice shows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from recoverycli.call.wizard import Call, notice
from recoverycli.playbooks.library import Library, bundled_dir


@pytest.mark.parametrize(
    "incident, said",
    [
        ("2026-11-25T09:20+00:00", "→ 40 min"),
        ("2026-11-25T08:00+00:00", "→ 2 h"),
        ("2026-11-25T07:45+00:00", "→ 2 h 15 min"),
    ],
)
def test_the_wait_is_said_as_people_say_it(incident: str, said: str) -> None:
    pb = Library([bundled_dir()]).get("other")
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    call = Call(playbook=pb, staff="D", today=now.date(), now=now)
    assert notice(pb.prompt("incident_at"), incident, call) == f"{said} between the incident and this call"


def test_a_long_message_is_wrapped_between_words_never_inside_one() -> None:
    from recoverycli.cli.common import fitted

    message = (
        "opened CR-8PRJB with 3 customer(s): 2 couple, 1 family; 1 chased us already; desks call them with: "
        "recover crisis call CR-8PRJB"
    )
    lines = fitted(message, 80).split("\n")
    assert len(lines) == 2 and all(len(line) <= 80 for line in lines)
    assert " ".join(lines) == message  # every word whole: nothing like "alrea / dy"
    path = "/tmp/" + "a" * 100 + "/list.csv"
    assert fitted(f"read {path}", 80).split("\n") == ["read", path]  # a path is never cut
    assert fitted("short", 80) == "short"
    spaced = "/tmp/no  such   dir/" + "x" * 70 + "/list.csv: the directory does not exist"
    assert " ".join(fitted(spaced, 80).split("\n")) == spaced  # a path's runs of spaces are the path's (F9)


def test_wide_characters_are_wrapped_by_the_cells_they_take() -> None:
    """A customer's name in Chinese or Japanese takes two columns a character (hostile pass 3: wrapped by characters,
    the line ran past the terminal and was cut there)."""
    from rich.cells import cell_len

    from recoverycli.cli.common import fitted

    message = "error: no case for 王小明 山田花子 李娜 — " + "请再检查一下顾客的名字 " * 2 + "(check it)"
    assert len(message) <= 80 < cell_len(message)
    lines = fitted(message, 80).split("\n")
    assert len(lines) == 2 and all(cell_len(line) <= 80 for line in lines)
    assert " ".join(lines) == message
