"""Garbage collection while a command starts (recoverycli/startup.py): fewer collections while modules load, the
usual ones once the first question is up. Run in fresh processes, so the test session's own collector is untouched."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import gc, json
import recoverycli.cli
from recoverycli import startup
loading = gc.get_threshold()
{then}
print(json.dumps({{"loading": loading, "after": gc.get_threshold(), "frozen": gc.get_freeze_count()}}))
"""


def probe(then: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE.format(then=then)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_the_command_line_loads_with_fewer_collections_and_settles_to_the_usual_ones() -> None:
    seen = probe("startup.settled(); startup.settled(); startup.loading()")
    assert seen["loading"] == [500_000, 10, 10]
    # settled: the usual thresholds back, start-up's objects frozen, and nothing raises them again
    assert seen["after"] == [700, 10, 10] and seen["frozen"] > 10_000


def test_the_plain_prompts_settle_at_the_first_question() -> None:
    seen = probe(
        "from rich.console import Console\n"
        "from recoverycli.ui.prompts import TerminalAsker\n"
        "try:\n"
        "    TerminalAsker(Console()).ask(None, None)\n"
        "except Exception:\n"
        "    pass"
    )
    assert seen["after"] == [700, 10, 10] and seen["frozen"] > 0
