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
