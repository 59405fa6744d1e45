"""How fast `recover --help`, the call screen and the plain prompts appear, beside yardsticks timed in the same run.

Run by hand from an installed venv (with the test extra, for pexpect and pyte):

    python bench/startup.py [runs]

Yardsticks: a minimal two-command Typer app's --help; `copier --help` (a CLI of the same kind: Typer-free,
but pydantic, questionary and prompt_toolkit like ours), from a throwaway venv this script makes
once in ~/.cache/recover-bench (pip install copier) unless COPIER names a copier to use; and
`python -c 'import textual.app'`, the UI stack the call screen loads.

The call screen's times are taken in a real pty of 80×24, read through a terminal emulator (pyte):
from spawning `recover start` to the moment its first question is drawn on the screen.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 15
BIN = Path(sys.executable).parent
MINIMAL = """
import typer
app = typer.Typer()

@app.command()
def hello(name: str) -> None:
    print(name)

@app.command()
def bye(name: str) -> None:
    print(name)

app()
"""


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def drawn(args: list[str], text: str, env: dict[str, str]) -> float:
    """Seconds from spawning `recover ARGS` in an 80×24 pty until `text` is on its screen."""
    import pexpect
    import pyte

    screen = pyte.Screen(80, 24)
    stream = pyte.Stream(screen)
    t = time.perf_counter()
    child = pexpect.spawn(str(BIN / "recover"), args, env=env, encoding="utf-8", timeout=30, dimensions=(24, 80))
    while not any(text in line for line in screen.display):
        stream.feed(child.read_nonblocking(1 << 16, timeout=30))
    elapsed = time.perf_counter() - t
    child.terminate(force=True)
    return elapsed


def copier() -> str:
    """A copier to time: COPIER, one on PATH, or one installed once into a throwaway venv."""
    found = os.environ.get("COPIER") or shutil.which("copier")
    if found:
        return found
    venv = Path.home() / ".cache" / "recover-bench" / "copier-venv"
    exe = venv / "bin" / "copier"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "copier"], check=True)
    return str(exe)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "RECOVER_STORE": f"{tmp}/cases.db",
            "RECOVER_STAFF": "Bench",
            "TERM": "xterm-256color",
            "PROMPT_TOOLKIT_NO_CPR": "1",
            "XDG_CONFIG_HOME": tmp,
        }
        env.pop("NO_COLOR", None)
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text(MINIMAL)
        plain = Path(tmp) / "plain.py"  # the same app with rich help off, as recover has it
        plain.write_text(MINIMAL.replace("typer.Typer()", "typer.Typer(rich_markup_mode=None)"))
        recover = str(BIN / "recover")
        cases = [
            ("minimal Typer app --help", timed, [sys.executable, str(minimal), "--help"]),
            ("  same, rich help off", timed, [sys.executable, str(plain), "--help"]),
            ("recover --help", timed, [recover, "--help"]),
            ("copier --help", timed, [copier(), "--help"]),
            ("python -c 'import textual.app'", timed, [sys.executable, "-c", "import textual.app"]),
            ("recover start: call screen drawn", drawn, ["start"], "Opening the call"),
            ("recover start: picker drawn", drawn, ["start"], "What went wrong?"),
            ("recover start other: 1st question drawn", drawn, ["start", "other"], "Customer's name?"),
            ("recover start other --plain: 1st prompt", drawn, ["start", "other", "--plain"], "Customer's name?"),
        ]
        times: dict[str, list[float]] = {name: [] for name, *_ in cases}
        for run in range(RUNS + 1):  # round robin, so a busy moment on a shared machine hits every figure alike
            for name, fn, *args in cases:
                elapsed = fn(*args, env) * 1000
                if run:  # the first round only warms the page cache
                    times[name].append(elapsed)
    base = statistics.median(times["minimal Typer app --help"])
    copier_ms = statistics.median(times["copier --help"])
    print(f"runs per figure: {RUNS}, round robin; median (fastest) in ms; {os.cpu_count()} cores")
    for name, values in times.items():
        ms = statistics.median(values)
        print(
            f"{name:<42} {ms:7.1f} ({min(values):6.1f})  {ms / base:5.2f}x the minimal Typer app, "
            f"{ms / copier_ms:5.2f}x copier --help"
        )


if __name__ == "__main__":
    main()
