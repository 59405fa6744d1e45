"""Many desks at once: 8 writers x 500 cases on PostgreSQL and on SQLite; a desk log copied in; repeat lookup at 1M.

Run by hand from the repository, in an installed venv with the test extra (psycopg):
    python bench/shared_store.py [writers] [cases-per-writer] [lookup-cases]
PostgreSQL is a throwaway cluster on loopback started here with fsync on (tests/pgserver.py),
or the server in RECOVER_TEST_POSTGRES. Each writer is its own process with its own
connection, saving whole cases (row + event, one transaction each) through the same
`store.add` that `recover start` uses; all start together on a signal. Latency is per save.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import pgserver  # noqa: E402

from recoverycli.identity import contact_key, name_key  # noqa: E402
from recoverycli.store import iso, open_store  # noqa: E402
from repeat_lookup import LOOKUPS, time_lookups  # noqa: E402  (bench/ is on the path when run as a script)

WRITERS = int(sys.argv[1]) if len(sys.argv) > 1 else 8
PER_WRITER = int(sys.argv[2]) if len(sys.argv) > 2 else 500
LOOKUP_CASES = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000

WRITER = textwrap.dedent("""
    import json, sys, time
    from datetime import datetime, timezone
    from recoverycli.caselog.record import Case, Customer, Event, PlaybookRef
    from recoverycli.store import open_store
    store = open_store(sys.argv[1])
    n, w = int(sys.argv[2]), sys.argv[3]
    print("ready", flush=True)
    sys.stdin.readline()
    lat = []
    for i in range(n):
        now = datetime.now(timezone.utc)
        case = Case(id="RC-NEW", status="open", created_at=now, updated_at=now, staff=f"Desk {w}",
                    customer=Customer(name=f"Guest {w}-{i}", contact=f"+1 415 55{int(w):01d} {i:04d}",
                                      segment="family"),
                    playbook=PlaybookRef(id="other", version=1, hash="bench"),
                    answers={"customer_words": "The shower ran cold all morning. " * 4, "follow_up_date": "2026-12-01"},
                    events=[Event(at=now, staff=f"Desk {w}", kind="created", data={"via": "bench"})])
        t = time.perf_counter()
        store.add(case)
        lat.append(time.perf_counter() - t)
    print(json.dumps(lat), flush=True)
""")


def writers(url: str) -> tuple[float, list[float], int]:
    open_store(url).close()  # schema first, so no writer pays for it
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(PER_WRITER), str(w)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(WRITERS)
    ]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    t = time.perf_counter()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    lat: list[float] = []
    for p in procs:
        lat += json.loads(p.stdout.readline())
        assert p.wait() == 0
    elapsed = time.perf_counter() - t
    store = open_store(url)
    n = len({c.id for c in store.cases(events=False)})
    store.close()
    return elapsed, sorted(lat), n


def report(name: str, elapsed: float, lat: list[float], n: int) -> None:
    assert n == WRITERS * PER_WRITER, (n, WRITERS * PER_WRITER)
    ms = [x * 1000 for x in lat]
    print(
        f"{name:<11} {n:6d} cases in {elapsed:6.2f} s = {n / elapsed:7.0f} cases/s; save latency median "
        f"{statistics.median(ms):6.2f} ms, p95 {ms[int(len(ms) * 0.95)]:6.2f} ms, max {ms[-1]:7.2f} ms; ids unique"
    )


def generate_pg(url: str, n: int) -> int:
    """About three cases per customer, loaded with COPY (the same rows bench/repeat_lookup.py makes for SQLite)."""
    import psycopg

    open_store(url).close()
    customers = max(n // 3, 1)
    now = datetime.now(UTC)
    rnd = random.Random(n)
    answers = json.dumps(
        {"customer_words": "The room was cold.", "commitment": "Fix by 18:00", "follow_up_date": "2026-12-01"}
    )
    cols = (
        "id, status, created_at, updated_at, staff, customer_name, customer_contact, segment, playbook_id, "
        "playbook_version, playbook_hash, answers, contact_key, name_key"
    )
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY cases ({cols}) FROM STDIN") as copy:
            for i in range(n):
                c = rnd.randrange(customers)
                at = iso(now - timedelta(days=rnd.randrange(400), minutes=i % 1440))
                phone = f"+1 415 {c // 10000:03d} {c % 10000:04d}"
                copy.write_row(
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
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE cases")
    return customers


def lookups(url: str, customers: int) -> list[float]:
    store = open_store(url)
    times = time_lookups(store, customers)
    since = iso(datetime.now(UTC) - timedelta(days=30))
    plan = " ".join(
        r[0]
        for r in store.execute(
            "EXPLAIN SELECT count(*) FROM cases WHERE status != 'draft' AND id != ''"
            " AND ((contact_key = ? AND contact_key != '')"
            " OR (name_key = ? AND name_key != '')) AND (status = 'open' OR created_at >= ?)",
            ("+14150001234", "guest 1234", since),
        ).fetchall()
    )
    store.close()
    both_indexes = "cases_contact_key" in plan and "cases_name_key" in plan
    print(f"plan: {'index scans on cases_contact_key and cases_name_key' if both_indexes else plan}")
    return times


def copy_desk_log(cluster: pgserver.Cluster, n: int = 5_000) -> None:
    """`recover store copy` of a desk's SQLite log into PostgreSQL, then again (nothing to copy, all verified)."""
    with tempfile.TemporaryDirectory() as tmp:
        desk = str(Path(tmp) / "desk.db")
        store = open_store(desk)
        now = datetime.now(UTC)
        from recoverycli.caselog.record import Case, Customer, Event, PlaybookRef

        with store.transaction() as tx:
            for i in range(n):
                case = Case(
                    id=f"RC-{i:05d}",
                    status="open",
                    created_at=now - timedelta(minutes=i),
                    updated_at=now,
                    staff="Desk",
                    customer=Customer(name=f"Guest {i}", contact=f"g{i}@example.com"),
                    playbook=PlaybookRef(id="other", version=1, hash="bench"),
                    answers={"customer_words": "The shower ran cold. " * 4, "follow_up_date": "2026-12-01"},
                    events=[Event(at=now, staff="Desk", kind="created"), Event(at=now, staff="Desk", kind="saved")],
                )
                store.insert_case(tx, case)
        url = cluster.new_database()
        open_store(url).close()
        for run in ("first copy", "second copy"):
            t = time.perf_counter()
            out = subprocess.run(
                [
                    str(Path(sys.executable).with_name("recover")),
                    "store",
                    "copy",
                    "--from",
                    desk,
                    "--to",
                    url,
                    "--format",
                    "json",
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            report = json.loads(out.stdout)
            elapsed = time.perf_counter() - t
            print(
                f"store copy, {run}: {n:,} cases in {elapsed:5.1f} s = {n / elapsed:5.0f} cases/s; copied "
                f"{len(report['copied'])}, already there {len(report['unchanged'])}, verified {report['verified']}"
            )
        cluster.drop_database(url)


def main() -> None:
    cluster = pgserver.start(fsync=True)
    try:
        print(f"{WRITERS} writers x {PER_WRITER} cases, each writer its own process and connection")
        with tempfile.TemporaryDirectory() as tmp:
            report("SQLite", *writers(str(Path(tmp) / "cases.db")))
        url = cluster.new_database()
        report("PostgreSQL", *writers(url))
        cluster.drop_database(url)

        copy_desk_log(cluster)

        url = cluster.new_database()
        t = time.perf_counter()
        customers = generate_pg(url, LOOKUP_CASES)
        print(f"repeat lookup on PostgreSQL, {LOOKUP_CASES:,} cases (loaded in {time.perf_counter() - t:.0f} s):")
        times = lookups(url, customers)
        print(
            f"  {LOOKUPS} look-ups: median {statistics.median(times):.3f} ms, p95 "
            f"{times[int(len(times) * 0.95)]:.3f} ms, "
            f"max {times[-1]:.3f} ms"
        )
        cluster.drop_database(url)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
