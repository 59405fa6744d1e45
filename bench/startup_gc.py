"""What the garbage collector costs while a command starts, with and without `recoverycli.startup`. Run by hand:

    python bench/startup_gc.py [runs]

Counts collections (per generation) and the time spent in them through `gc.callbacks`, in a fresh process per run,
for `recover start other --answers` (a whole call saved from a file; the first question of a live call loads the
same modules), `report --format json` and `export --format csv` on a small store. "usual" undoes startup.loading()
as the first thing the command does; "recover" is what ships. Collection time is the figure to read: wall time on a
shared 2-core machine moves by more than the difference.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 7
ANSWERS = Path(__file__).resolve().parents[2] / "shared" / "smoke" / "answers.yaml"
PROBE = """
import gc, json, sys, time
usual = {usual}
seen = {{"n": [0, 0, 0], "ms": 0.0, "longest": 0.0}}
def watch(phase, info):
    if phase == "start":
        seen["t"] = time.perf_counter()
    else:
        d = (time.perf_counter() - seen["t"]) * 1000
        seen["n"][info["generation"]] += 1
        seen["ms"] += d
        seen["longest"] = max(seen["longest"], d)
gc.callbacks.append(watch)
import recoverycli.startup as startup
if usual:
    startup.WHILE_LOADING = startup.USUAL
t0 = time.perf_counter()
sys.argv = ["recover"] + {args!r}
from recoverycli.cli import main
try:
    main()
except SystemExit:
    pass
seen["wall"] = (time.perf_counter() - t0) * 1000
seen.pop("t", None)
sys.stderr.write("\\nPROBE " + json.dumps(seen) + "\\n")
"""


def measure(args: list[str], usual: bool, env: dict[str, str], fresh_store: bool) -> dict[str, float]:
    runs = []
    for _ in range(RUNS):
        if fresh_store:
            Path(env["RECOVER_STORE"]).unlink(missing_ok=True)
        code = PROBE.format(usual=usual, args=args)
        err = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stderr
        runs.append(json.loads(err.rsplit("PROBE ", 1)[1]))
    return {
        "collections": statistics.median(sum(r["n"]) for r in runs),
        "full": statistics.median(r["n"][2] for r in runs),
        "gc_ms": statistics.median(r["ms"] for r in runs),
        "longest_ms": statistics.median(r["longest"] for r in runs),
        "wall_ms": statistics.median(r["wall"] for r in runs),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RECOVER_STORE": str(Path(tmp) / "cases.db"), "RECOVER_STAFF": "Bench"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        call = ["start", "other", "--answers", str(ANSWERS)]
        subprocess.run([sys.executable, "-m", "recoverycli.cli", *call], env=env, capture_output=True)
        rows = [
            ("start --answers (fresh store)", call, True),
            ("report --format json", ["report", "--format", "json"], False),
            ("export --format csv", ["export", "--format", "csv"], False),
        ]
        print(f"{'command':32} {'':8} {'collections':>11} {'full':>5} {'gc ms':>7} {'longest':>8} {'wall ms':>8}")
        for name, args, fresh in rows:
            for label, usual in (("usual", True), ("recover", False)):
                m = measure(args, usual, env, fresh)
                print(
                    f"{name:32} {label:8} {m['collections']:>11.0f} {m['full']:>5.0f} {m['gc_ms']:>7.1f}"
                    f" {m['longest_ms']:>8.1f} {m['wall_ms']:>8.0f}"
                )


if __name__ == "__main__":
    main()
