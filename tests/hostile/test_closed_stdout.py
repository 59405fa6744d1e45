"""A command started with stdout closed (`recover list >&-`, as some cron and daemon setups do) ends in one line
(hostile pass 2, F13): it was "unexpected error (AttributeError)"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile import ANSWERS, RECOVER, one_line, run

CLOSED = "standard output is closed, so nothing could be printed — give the command somewhere to write (> FILE)"


def closed(*args: str) -> subprocess.CompletedProcess[str]:
    """`recover ARGS >&-`: the process starts with no file descriptor 1."""
    script = "import os, sys; os.close(1); os.execv(sys.argv[1], sys.argv[1:])"
    return subprocess.run(
        [sys.executable, "-c", script, str(RECOVER), *args],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["export"],
        ["export", "--format", "json"],
        ["report", "--format", "json"],
        ["followups", "--format", "csv"],
    ],
)
def test_a_closed_stdout_is_one_line(args: list[str], tmp_path: Path) -> None:
    assert run("start", "other", "--answers", str(ANSWERS)).returncode == 0
    result = closed(*args)
    assert result.returncode == 1
    assert one_line(result.stderr) == CLOSED
