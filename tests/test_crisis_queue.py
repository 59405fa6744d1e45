"""Many desks, one outreach queue: every customer called exactly once, none skipped, on both stores."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from recoverycli.caselog import crisis
from recoverycli.caselog.crisis_import import read_customers
from recoverycli.store import open_store
from tests.helpers import EXAMPLES, ROOT

DESK = textwrap.dedent("""
    import json, sys
    from datetime import date
    from recoverycli.call.outreach import call_from_file
    from recoverycli.caselog import crisis
    from recoverycli.playbooks.library import Library, bundled_dir
    from recoverycli.store import open_store
    store = open_store(sys.argv[1])
    lib = Library([bundled_dir()])
    found = crisis.resolve(store, sys.argv[2])
    print("ready", flush=True)
    sys.stdin.readline()
    done = []
    while True:
        # the path `recover crisis call --answers` takes: claim, the whole outreach playbook, one transaction to record
        result = call_from_file(store, lib, found, sys.argv[3], "Desk " + sys.argv[4], date.today())
        if result is None:
            break
        done.append([result.customer, result.case_id, result.held])
    print(json.dumps(done), flush=True)
""")


def test_desks_claiming_at_once_call_every_customer_exactly_once(store_url: str, tmp_path: Path) -> None:
    # 8 desks on the shared store, 4 on one SQLite file (which serialises its writers anyway)
    desks, customers = (8, 160) if store_url.startswith("postgresql") else (4, 80)
    path = tmp_path / "list.csv"
    path.write_text(
        "name,phone,segment\n"
        + "".join(
            f"Guest {i:03d},+1 415 555 {1000 + i:04d},{('vip', 'family', 'other', 'other')[i % 4]}\n"
            for i in range(customers)
        )
    )
    store = open_store(store_url)
    crisis_id = crisis.open_crisis(
        store,
        "Aurora lost power",
        "Blue Line",
        "crisis-outreach",
        read_customers(path),
        "Lena",
        datetime.now(UTC),
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", DESK, store_url, crisis_id, str(EXAMPLES / "crisis-outreach.answers.yaml"), str(d)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for d in range(desks)
    ]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in procs:  # all at once
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * desks, [err for _, err in results]
    calls = [call for out, _ in results for call in json.loads(out)]
    names = Counter(name for name, _, _ in calls)
    assert len(calls) == customers and set(names.values()) == {1}  # nobody twice
    assert sorted(names) == [f"Guest {i:03d}" for i in range(customers)]  # nobody skipped
    assert all(held for _, _, held in calls)
    assert sum(1 for out, _ in results if json.loads(out)) >= 2  # the desks really shared the work

    rows = store.crisis_list(crisis_id)
    assert {r["state"] for r in rows} == {"reached"} and all(r["lease_until"] is None for r in rows)
    assert [len(store.crisis_attempts(r["id"])) for r in rows] == [1] * customers
    cases = store.crisis_cases(crisis_id)
    assert len(cases) == customers and {c["status"] for c in cases} == {"open"}
    assert {r["case_id"] for r in rows} == {c["id"] for c in cases}
    for r in rows:  # each case is that customer's
        assert store.get(r["case_id"]).customer.contact == r["contact"]
