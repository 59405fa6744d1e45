"""How fast `recover --help` and the first prompt of `recover start` appear.

Run by hand from an installed venv:  python bench/startup.py [runs]
Compares against a minimal two-command Typer app's --help, timed in the same run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 15
BIN = Path(sys.executable).parent
MINIMAL = '''
import typer
app = typer.Typer()

@app.command()
def hello(name: str) -> None:
    print(name)

@app.command()
def bye(name: str) -> None:
    print(name)

app()
'''


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def first_prompt(env: dict[str, str]) -> float:
    import pexpect

    t = time.perf_counter()
    child = pexpect.spawn(str(BIN / "recover"), ["start", "other"], env=env, encoding="utf-8", timeout=30)
    child.expect_exact("Customer's name?")
    elapsed = time.perf_counter() - t
    child.terminate(force=True)
    return elapsed


def median_ms(fn, *args) -> float:
    fn(*args)  # warm the page cache
    return statistics.median(fn(*args) for _ in range(RUNS)) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RECOVER_STORE": f"{tmp}/cases.db", "RECOVER_STAFF": "Bench", "TERM": "xterm",
               "PROMPT_TOOLKIT_NO_CPR": "1", "XDG_CONFIG_HOME": tmp}
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text(MINIMAL)
        plain = Path(tmp) / "plain.py"  # the same app with rich help off, as recover has it
        plain.write_text(MINIMAL.replace("typer.Typer()", "typer.Typer(rich_markup_mode=None)"))
        base = median_ms(timed, [sys.executable, str(minimal), "--help"], env)
        base_plain = median_ms(timed, [sys.executable, str(plain), "--help"], env)
        helped = median_ms(timed, [str(BIN / "recover"), "--help"], env)
        prompt = median_ms(first_prompt, env)
    print(f"runs per figure: {RUNS} (median)")
    print(f"minimal Typer app --help : {base:7.1f} ms")
    print(f"  same, rich help off    : {base_plain:7.1f} ms")
    print(f"recover --help           : {helped:7.1f} ms  ({helped / base:.2f}x the minimal app, {helped / base_plain:.2f}x with rich help off)")
    print(f"recover start, 1st prompt: {prompt:7.1f} ms  ({prompt / base:.2f}x the minimal app)")


if __name__ == "__main__":
    main()
