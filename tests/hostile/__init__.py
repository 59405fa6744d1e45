"""A hostile tester's corpus: every input the issue found breaking the tool, each with its exact outcome.

Helpers shared by these tests: the real `recover` binary in a subprocess (for what only a real process
shows: umask, /dev/full behind stdout, FIFOs, kill -9), and a fingerprint of a file that must stay untouched.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.helpers import EXAMPLES, ROOT

RECOVER = Path(sys.executable).with_name("recover")
ANSWERS = EXAMPLES / "other.answers.yaml"


def run(
    *args: str,
    stdin: Any = subprocess.DEVNULL,
    stdout: Any = subprocess.PIPE,
    umask: int | None = None,
    timeout: float = 60,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The installed `recover`, as a user's shell would start it (the test's isolated home is in os.environ)."""

    def pre() -> None:
        if umask is not None:
            os.umask(umask)

    return subprocess.run(
        [str(RECOVER), *args],
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=timeout,
        preexec_fn=pre,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


def fingerprint(path: Path) -> tuple[str, int, list[str]]:
    """Bytes, modification time and the companions beside it: all a read must leave as they were."""
    companions = sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name) and p != path)
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns, companions


def one_line(text: str) -> str:
    """The single line an error must be (no traceback, no second line)."""
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]
