"""Cases saved per second by 1, 2 and 4 processes writing one SQLite store at once.

Run by hand from an installed venv:  python bench/concurrency.py [cases-per-writer]
Each writer opens its own connection and saves whole cases (case row + event) in one
transaction each, as `recover start` does at the end of a call.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

PER_WRITER = int(sys.argv[1]) if len(sys.argv) > 1 else 500
WRITER = textwrap.dedent("""
    import sys
    from datetime import datetime, timezone
    from pathlib import Path
    from recoverycli.caselog.record import Case, Customer, Event, PlaybookRef
    from recoverycli.store import open_store
    now = datetime.now(timezone.utc)
    store = open_store(Path(sys.argv[1]))
    for i in range(int(sys.argv[2])):
        store.add(Case(id="RC-NEW", status="open", created_at=now, updated_at=now, staff="Bench",
                       customer=Customer(name=f"Guest {i}", contact=f"g{i}@example.com", segment="family"),
                       playbook=PlaybookRef(id="other", version=1, hash="bench"),
                       answers={"customer_words": "The shower ran cold all morning. " * 4,
                                "follow_up_date": "2026-12-01"},
                       events=[Event(at=now, staff="Bench", kind="created")]))
""")


def run(writers: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.db"
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; from recoverycli.store import open_store;"
                " open_store(Path(sys.argv[1]))",
                str(path),
            ],
            check=True,
        )
        t = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(PER_WRITER)]) for _ in range(writers)]
        codes = [p.wait() for p in procs]
        elapsed = time.perf_counter() - t
        assert codes == [0] * writers, codes
        import sqlite3

        n = sqlite3.connect(path).execute("SELECT count(DISTINCT id) FROM cases").fetchone()[0]
        return elapsed, n


def main() -> None:
    print(f"{PER_WRITER} cases per writer; wall time includes starting Python in each writer")
    for writers in (1, 2, 4):
        elapsed, n = run(writers)
        assert n == writers * PER_WRITER, (n, writers * PER_WRITER)
        print(f"{writers} writer(s): {n:5d} cases in {elapsed:6.2f} s = {n / elapsed:7.0f} cases/s, all ids unique")


if __name__ == "__main__":
    main()
