"""`recover report` over 100,000 and 1,000,000 cases: SQL aggregates, timed end to end.

Run by hand from an installed venv:  python bench/report.py [sizes...]
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from recoverycli.store import iso, open_store

SIZES = [int(s) for s in sys.argv[1:]] or [100_000, 1_000_000]
BIN = Path(sys.executable).parent
CAUSES = [
    "Breaker overloaded",
    "breaker overloaded",
    "Boiler timer reset",
    "Partner site wrong address",
    "Crew shortage",
    "Lock can be opened without a card",
    "Overbooked flight",
    "Shower mixer valve",
    None,
    None,
]


def generate(path: Path, n: int) -> None:
    store = open_store(path)
    rnd = random.Random(n)
    now = datetime.now(UTC)
    rows = []
    cols = (
        "id, status, created_at, updated_at, staff, customer_name, customer_contact, segment, playbook_id, "
        "playbook_version,"
        " playbook_hash, answers, follow_up_date, follow_up_done_at, closed_at, complaint_number, contact_key, name_key"
    )
    with store.transaction() as conn:
        for i in range(n):
            created = now - timedelta(days=rnd.randrange(60), minutes=rnd.randrange(1440))
            answers = {
                "customer_words": "It broke.",
                "commitment": "Fix by 18:00",
                "gesture": rnd.choice(["meal", "drink", "flowers", "keepsake"]),
                "follow_up_date": (created + timedelta(days=2)).date().isoformat(),
                "room_number": str(100 + i % 300),
                "incident_at": (created - timedelta(minutes=rnd.randrange(5, 300))).isoformat(),
            }
            if (cause := rnd.choice(CAUSES)) is not None:
                answers["root_cause"] = cause
            done = iso(created + timedelta(days=rnd.randrange(4))) if rnd.random() < 0.7 else None
            closed = iso(created + timedelta(hours=rnd.randrange(1, 96))) if rnd.random() < 0.5 else None
            rows.append(
                (
                    f"RC-{i:07d}",
                    "closed" if closed else "open",
                    iso(created),
                    iso(created),
                    f"Desk {i % 7}",
                    f"Guest {i % 30000}",
                    f"g{i % 30000}@example.com",
                    "family",
                    rnd.choice(["room-failure", "other", "wrong-booking"]),
                    1,
                    "h",
                    json.dumps(answers),
                    answers["follow_up_date"],
                    done,
                    closed,
                    2 if rnd.random() < 0.1 else 1,
                    f"g{i % 30000}@example.com",
                    f"guest {i % 30000}",
                )
            )
            if len(rows) == 20_000:
                conn.executemany(f"INSERT INTO cases ({cols}) VALUES ({','.join('?' * 18)})", rows)
                rows.clear()
        if rows:
            conn.executemany(f"INSERT INTO cases ({cols}) VALUES ({','.join('?' * 18)})", rows)
    store.conn.execute("ANALYZE")
    store.close()


def main() -> None:
    for n in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "cases.db"
            generate(db, n)
            env = {**os.environ, "RECOVER_STORE": str(db)}
            times = []
            for fmt in ("json", "json", "json"):
                t = time.perf_counter()
                subprocess.run(
                    [str(BIN / "recover"), "report", "--format", fmt], env=env, check=True, stdout=subprocess.DEVNULL
                )
                times.append(time.perf_counter() - t)
            print(
                f"{n:>10,} cases (last 30 days of 60): recover report --format json, median of 3: "
                f"{statistics.median(times):.2f} s"
            )


if __name__ == "__main__":
    main()
