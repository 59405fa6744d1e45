"""Crisis outreach at scale: load 10,000 customers, then desks claim and close calls as fast as they can.

Run by hand from the repository, in an installed venv with the test extra (psycopg):
    python bench/crisis.py [customers] [desks]
PostgreSQL is a throwaway cluster on loopback started here with fsync on (tests/pgserver.py), or the
server in RECOVER_TEST_POSTGRES. The load is `recover crisis open` itself (a subprocess: Python's
start-up, the CSV read and checked, one transaction). Each desk is its own process with its own
connection, looping over the path `recover crisis call` takes: claim the next customer (timed: the claim
transaction alone), record the call (outcome reached, no case: the queue's own cost), until nobody is left.
Double claims: a customer claimed by two desks, counted from what the desks report and from the attempts.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import pgserver  # noqa: E402

from recoverycli.store import open_store  # noqa: E402

CUSTOMERS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
DESKS = int(sys.argv[2]) if len(sys.argv) > 2 else 8
RECOVER = Path(sys.executable).with_name("recover")

DESK = textwrap.dedent("""
    import json, sys, time
    from datetime import datetime, timezone
    from recoverycli.caselog import crisis
    from recoverycli.store import open_store
    store = open_store(sys.argv[1])
    found = crisis.resolve(store, sys.argv[2])
    staff = "Desk " + sys.argv[3]
    print("ready", flush=True)
    sys.stdin.readline()
    lat, got = [], []
    while True:
        now = datetime.now(timezone.utc)
        t = time.perf_counter()
        claim = store.claim_next(found.id, staff, now, found.lease)
        lat.append(time.perf_counter() - t)
        if claim is None:
            break
        row, token = claim
        got.append(row["id"])
        store.record_attempt(row["id"], token, {"outcome": "reached", "staff": staff, "told": "bench"},
                             datetime.now(timezone.utc), found.retry)
    print(json.dumps({"lat": lat[:-1], "got": got}), flush=True)
""")


def customer_file(folder: Path, n: int) -> Path:
    segments = ("other", "other", "family", "couple", "vip", "business", "group", "other")
    path = folder / "customers.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("Passenger name;Mobile;E-mail;PNR;Type;Cabin;Called us\n")
        for i in range(n):
            fh.write(
                f"Guest {i};+1 415 {200 + i // 10000:03d} {i % 10000:04d};guest{i}@example.com;BK-{i:06d};"
                f"{segments[i % len(segments)]};{1000 + i % 900};{'yes' if i % 37 == 0 else ''}\n"
            )
    return path


def load(store: str, path: Path) -> tuple[float, str]:
    env = {**os.environ, "RECOVER_STAFF": "Bench", "RECOVER_STORE": store}
    t = time.perf_counter()
    out = subprocess.run(
        [
            str(RECOVER),
            "crisis",
            "open",
            "--title",
            "Aurora lost power",
            "--supplier",
            "Blue Line",
            "--customers",
            str(path),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    elapsed = time.perf_counter() - t
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return elapsed, out.stdout.strip()


def desks(store: str, crisis_id: str, n: int) -> tuple[float, list[float], list[int]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", DESK, store, crisis_id, str(d)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for d in range(n)
    ]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    t = time.perf_counter()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    lat: list[float] = []
    got: list[int] = []
    for p in procs:
        data = json.loads(p.stdout.readline())
        lat += data["lat"]
        got += data["got"]
        assert p.wait() == 0
    return time.perf_counter() - t, sorted(lat), got


def run(name: str, store: str, n_desks: int, folder: Path) -> None:
    elapsed, crisis_id = load(store, customer_file(folder, CUSTOMERS))
    print(f"{name}: `recover crisis open` with {CUSTOMERS:,} customers: {elapsed:.2f} s (Python start-up included)")
    wall, lat, got = desks(store, crisis_id, n_desks)
    st = open_store(store)
    rows = st.crisis_list(crisis_id)
    attempts = Counter(
        r["customer_id"]
        for r in st.execute("SELECT customer_id FROM crisis_attempts WHERE crisis_id = ?", (crisis_id,)).fetchall()
    )
    st.close()
    double = sum(1 for c in Counter(got).values() if c > 1) + sum(1 for c in attempts.values() if c > 1)
    skipped = sum(1 for r in rows if r["state"] != "reached")
    ms = [x * 1000 for x in lat]
    print(
        f"  {n_desks} desks: {len(got):,} claims in {wall:.2f} s = {len(got) / wall:,.0f} claims/s; claim latency "
        f"median {statistics.median(ms):.2f} ms, p95 {ms[int(len(ms) * 0.95)]:.2f} ms, max {ms[-1]:.1f} ms; "
        f"double claims {double}, customers left uncalled {skipped}"
    )


def main() -> None:
    cluster = pgserver.start(fsync=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = cluster.new_database()
            run("PostgreSQL (loopback)", url, DESKS, Path(tmp))
            cluster.drop_database(url)
        for n in (4, DESKS):
            with tempfile.TemporaryDirectory() as tmp:
                run("SQLite (one file, WAL)", str(Path(tmp) / "cases.db"), n, Path(tmp))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
