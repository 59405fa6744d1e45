"""Export speed and memory: `recover export --format csv` against `sqlite3 -csv` on the same rows.

Run by hand from an installed venv:  python bench/export.py [cases]
Generates a store with N cases (default 100,000), then times each exporter writing a file,
median of 3 runs, and reads each one's peak memory (max RSS) from the kernel.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 100_000
RUNS = 3
BIN = Path(sys.executable).parent


def generate(path: Path, n: int) -> None:
    from recoverycli.store import open_store

    store = open_store(path)
    rnd = random.Random(7)
    words = "the shower ran cold all morning and nobody came to fix it before the meeting".split()
    rows = []
    for i in range(n):
        at = f"2026-{1 + i % 11:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00.000000+00:00"
        answers = {
            "customer_words": " ".join(rnd.choices(words, k=25)) + "\n" + " ".join(rnd.choices(words, k=10)),
            "desired_outcome": "A refund",
            "commitment": "Front desk refunds by 17:00",
            "gesture": "meal",
            "follow_up_date": "2026-12-01",
            "room_number": str(100 + i % 400),
        }
        rows.append(
            (
                f"RC-{i:07d}",
                "open",
                at,
                at,
                "Bench Desk",
                f"Guest {i}",
                f"guest{i}@example.com",
                "family",
                "room-failure",
                1,
                "h",
                json.dumps(answers),
                "2026-12-01",
            )
        )
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO cases (id, status, created_at, updated_at, staff, customer_name, customer_contact, segment,"
            " playbook_id, playbook_version, playbook_hash, answers, follow_up_date) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
    store.close()


SQLITE_QUERY = (
    "SELECT id, status, created_at, updated_at, staff, playbook_id, playbook_version, customer_name, customer_contact,"
    " segment, complaint_number, json_extract(answers,'$.customer_words'), json_extract(answers,'$.desired_outcome'),"
    " json_extract(answers,'$.apology'), json_extract(answers,'$.commitment'), json_extract(answers,'$.gesture'),"
    " follow_up_date, follow_up_done_at, json_extract(answers,'$.root_cause'), closed_at, resolution,"
    " json_remove(answers,'$.customer_words','$.desired_outcome','$.apology','$.commitment','$.gesture',"
    "'$.follow_up_date','$.root_cause') FROM cases ORDER BY created_at, id"
)


def measure(cmd: list[str], out: Path, env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run."""
    with open(out, "wb") as fh:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fh, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t
    assert os.waitstatus_to_exitcode(status) == 0, cmd
    return elapsed, usage.ru_maxrss


def main() -> None:
    sqlite = shutil.which("sqlite3")
    if sqlite is None:
        sys.exit("needs the sqlite3 command-line tool (Debian: apt-get install sqlite3)")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "cases.db"
        t = time.perf_counter()
        # in a child, so this process stays small: a forked exporter would inherit its memory figure
        subprocess.run([sys.executable, __file__, "--generate", str(db), str(N)], check=True)
        print(f"generated {N:,} cases in {time.perf_counter() - t:.1f} s ({db.stat().st_size / 1e6:.0f} MB)")
        env = {**os.environ, "RECOVER_STORE": str(db)}
        ours = [
            measure([str(BIN / "recover"), "export", "--format", "csv"], Path(tmp) / "ours.csv", env)
            for _ in range(RUNS)
        ]
        theirs = [
            measure([sqlite, "-csv", "-header", str(db), SQLITE_QUERY], Path(tmp) / "sqlite.csv", env)
            for _ in range(RUNS)
        ]
        rows = sum(1 for _ in open(Path(tmp) / "ours.csv", encoding="utf-8", newline=""))
    t_ours, t_theirs = statistics.median(r[0] for r in ours), statistics.median(r[0] for r in theirs)
    m_ours, m_theirs = max(r[1] for r in ours), max(r[1] for r in theirs)
    print(f"recover export --format csv: {t_ours:6.2f} s, peak {m_ours / 1024:6.1f} MiB")
    print(f"sqlite3 -csv (same rows)   : {t_theirs:6.2f} s, peak {m_theirs / 1024:6.1f} MiB")
    print(f"time ratio: {t_ours / t_theirs:.2f}x  ({rows:,} physical lines in our file)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--generate"]:
        generate(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
