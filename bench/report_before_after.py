"""The report before and after a change, on the same cases: the older code generates and times, then this
checkout upgrades the store (`recover store migrate`) and times the same report on the same data.

Run by hand from a clone:
    mkdir /tmp/recover-before && git archive <older commit> | tar -x -C /tmp/recover-before
    python bench/report_before_after.py /tmp/recover-before/src 1000000 scrambled
Each report is its own process under /usr/bin/time (median of 3, peak RSS), next to its floor: the statements
that version sends, replayed by sqlite3 (bench/report.py does the generating, timing and capturing).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import report  # noqa: E402

PY = sys.executable
RECOVER = str(Path(sys.executable).parent / "recover")


def run(label: str, db: Path, env: dict[str, str], n: int, order: str, tmp: Path) -> None:
    ours = report.median_of([RECOVER, "report", "--format", "json", "--store", str(db)], env)
    script = tmp / f"{label}.sql"
    code = (
        f"import sys; sys.path.insert(0, {str(HERE)!r}); import report; from pathlib import Path;"
        f" print(report.captured_sql({str(db)!r}, Path({str(script)!r})))"
    )
    count = subprocess.run([PY, "-c", code], env=env, check=True, capture_output=True, text=True).stdout.strip()
    floor = report.median_of(["sqlite3", str(db)], env, script)
    print(
        f"{label}: SQLite {n:>9,} {order:>9}: recover report --format json {ours[0]:6.2f} s, peak {ours[1]:5.1f} MiB"
        f" | sqlite3, its {count} statements {floor[0]:6.2f} s, peak {floor[1]:5.1f} MiB",
        flush=True,
    )


def main() -> None:
    before_src, n, order = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    after_src = str(HERE.parent / "src")
    env_before = {**os.environ, "PYTHONPATH": before_src}
    env_after = {**os.environ, "PYTHONPATH": after_src}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "cases.db"
        t = time.perf_counter()
        subprocess.run([PY, str(HERE / "report.py"), "--generate", str(db), str(n), order], env=env_before, check=True)
        print(f"generated {n:,} cases, {order} order, with the older code in {time.perf_counter() - t:.0f} s")
        run("before", db, env_before, n, order, Path(tmp))
        t = time.perf_counter()
        subprocess.run(
            [RECOVER, "store", "migrate", "--store", str(db)], env=env_after, check=True, capture_output=True
        )
        print(f"recover store migrate on {n:,} cases: {time.perf_counter() - t:.1f} s", flush=True)
        run("after", db, env_after, n, order, Path(tmp))


if __name__ == "__main__":
    main()
