"""Second-complaint lookup speed as the store grows: 10k, 100k and 1M cases.

Run by hand from an installed venv:  python bench/repeat_lookup.py [sizes...]
Each store is generated with about three cases per customer; then 300 look-ups of random
customers (half of them never seen) through the same function `recover start` uses.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from recoverycli.identity import contact_key, name_key
from recoverycli.store import iso, open_store

SIZES = [int(s) for s in sys.argv[1:]] or [10_000, 100_000, 1_000_000]
LOOKUPS = 300


def generate(path: Path, n: int) -> int:
    store = open_store(path)
    customers = max(n // 3, 1)
    now = datetime.now(UTC)
    rnd = random.Random(n)
    answers = json.dumps(
        {"customer_words": "The room was cold.", "commitment": "Fix by 18:00", "follow_up_date": "2026-12-01"}
    )
    batch = []
    with store.transaction() as conn:
        for i in range(n):
            c = rnd.randrange(customers)
            at = iso(now - timedelta(days=rnd.randrange(400), minutes=i % 1440))
            phone = f"+1 415 {c // 10000:03d} {c % 10000:04d}"
            batch.append(
                (
                    f"RC-{i:07d}",
                    rnd.choice(("open", "closed", "closed")),
                    at,
                    at,
                    "Bench",
                    f"Guest {c}",
                    phone,
                    "family",
                    "other",
                    1,
                    "h",
                    answers,
                    contact_key(phone),
                    name_key(f"Guest {c}"),
                )
            )
            if len(batch) == 20_000:
                conn.executemany(
                    "INSERT INTO cases (id, status, created_at, updated_at, staff, customer_name, customer_contact, "
                    "segment,"
                    " playbook_id, playbook_version, playbook_hash, answers, contact_key, name_key)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    batch,
                )
                batch.clear()
        if batch:
            conn.executemany(
                "INSERT INTO cases (id, status, created_at, updated_at, staff, customer_name, customer_contact, "
                "segment,"
                " playbook_id, playbook_version, playbook_hash, answers, contact_key, name_key)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                batch,
            )
    store.conn.execute("ANALYZE")
    store.close()
    return customers


def time_lookups(store, customers: int) -> list[float]:
    """LOOKUPS look-ups of random customers, half never seen; milliseconds each, sorted."""
    rnd = random.Random(1)
    since = iso(datetime.now(UTC) - timedelta(days=30))
    times = []
    for _ in range(LOOKUPS):
        c = rnd.randrange(customers * 2)
        phone = f"+1 415 {c // 10000:03d} {c % 10000:04d}"
        t = time.perf_counter()
        store.earlier_cases(contact_key(phone), name_key(f"Guest {c}"), since)
        times.append((time.perf_counter() - t) * 1000)
    return sorted(times)


def main() -> None:
    print(f"{'cases':>10}  {'median':>9}  {'p95':>9}  {'max':>9}   (ms per look-up, {LOOKUPS} look-ups)")
    for n in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "cases.db"
            customers = generate(path, n)
            store = open_store(path)
            times = time_lookups(store, customers)
            print(f"{n:>10,}  {statistics.median(times):9.3f}  {times[int(len(times) * 0.95)]:9.3f}  {times[-1]:9.3f}")
            store.close()


if __name__ == "__main__":
    main()
