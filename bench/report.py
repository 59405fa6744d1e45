"""`recover report --format json` at scale, against the database running the very same SQL by itself.

Run by hand from a clone, in a venv with the project installed with its test extra:
    python bench/report.py [--pg] [--orders time,scrambled] [sizes...]      (default sizes: 100000 1000000)

For each size and data order it generates a store (cases over the last 60 days, the report's default period
the last 30), then times, median of 3 runs, each as its own process under /usr/bin/time (wall seconds and that
process's peak RSS):
  - `recover report --format json`;
  - the floor: every SQL statement that report sends, captured from a run in this process (SQLite's trace
    callback; PostgreSQL's statements rendered with their parameters), replayed by `sqlite3` / `psql` alone.
Data orders: `time` inserts the cases in the order they were made (a real store); `scrambled` inserts them in
random time order, the worst case for reading a period through the created_at index.
--pg runs the same on a throwaway PostgreSQL cluster (tests/pgserver.py) or RECOVER_TEST_POSTGRES.
"""

from __future__ import annotations

import inspect
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recoverycli.store import iso, open_store  # noqa: E402

RUNS = 3
BIN = Path(sys.executable).parent
TIME = "/usr/bin/time"
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
COLS = (
    "id",
    "status",
    "created_at",
    "updated_at",
    "staff",
    "customer_name",
    "customer_contact",
    "segment",
    "playbook_id",
    "playbook_version",
    "playbook_hash",
    "answers",
    "follow_up_date",
    "follow_up_done_at",
    "closed_at",
    "complaint_number",
    "contact_key",
    "name_key",
)


def generate(location: str, n: int, order: str) -> None:
    """n cases over 60 days; 1 in 10 coached (an event), as a desk's calls are; in time order or scrambled."""
    store = open_store(location)
    try:
        from recoverycli.store.columns import answer_columns  # the base answers as columns (schema v7)
    except ImportError:
        answer_columns = None
    rnd = random.Random(n)
    now = datetime.now(UTC)
    offsets = [timedelta(days=rnd.randrange(60), minutes=rnd.randrange(1440)) for _ in range(n)]
    if order == "time":
        offsets.sort(reverse=True)  # oldest first: made, and inserted, in time order
    if answer_columns is not None:  # (answers, cell) before schema v8, then (…, name), then (…, name, contact)
        given, takes = answer_columns, len(inspect.signature(answer_columns).parameters)
        answer_columns = lambda *args: given(*args[:takes])  # noqa: E731
    cols = COLS + (tuple(answer_columns({}, store.answer_cell, "", "")) if answer_columns else ())
    rows: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    for i, offset in enumerate(offsets):
        created = now - offset
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
        row = (
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
        cells = answer_columns(answers, store.answer_cell, row[5], row[6]) if answer_columns else {}
        rows.append(row + tuple(cells.values()))
        if i % 10 == 0:
            flags = rnd.sample(["blame", "no_apology", "vague_commitment", "jargon"], k=rnd.randrange(1, 3))
            events.append((f"RC-{i:07d}", iso(created), "Desk", "coached", json.dumps({"flags": flags, "kept": True})))
        if len(rows) == 20_000:
            flush(store, cols, rows, events)
    flush(store, cols, rows, events)
    if location.startswith("postgresql://"):  # autovacuum would, soon after a bulk load; a SQLite file never is
        store.execute("ANALYZE cases")
        store.execute("ANALYZE events")
    store.close()


def flush(store: Any, cols: tuple[str, ...], rows: list[tuple[Any, ...]], events: list[tuple[Any, ...]]) -> None:
    with store.transaction() as tx:
        store.insert_rows(tx, "cases", cols, rows)
        store.insert_rows(tx, "events", ("case_id", "at", "staff", "kind", "data"), events)
    rows.clear()
    events.clear()


def timed(cmd: list[str], env: dict[str, str], stdin: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one process, as /usr/bin/time sees it (not this process's memory)."""
    with open(stdin or os.devnull, "rb") as fin, tempfile.NamedTemporaryFile("r") as out:
        subprocess.run(
            [TIME, "-f", "%e %M", "-o", out.name, *cmd], env=env, check=True, stdin=fin, stdout=subprocess.DEVNULL
        )
        wall, rss = out.read().split()[-2:]
    return float(wall), int(rss) / 1024


def median_of(cmd: list[str], env: dict[str, str], stdin: Path | None = None) -> tuple[float, float]:
    runs = [timed(cmd, env, stdin) for _ in range(RUNS)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def captured_sql(location: str, out: Path) -> int:
    """Run the report in this process and write every statement it sends, parameters filled in, to `out`."""
    from typer.testing import CliRunner

    from recoverycli.cli import app
    from recoverycli.store.sqlite import SqliteStore

    statements: list[str] = []
    if location.startswith("postgresql://"):
        from psycopg import ClientCursor

        from recoverycli.store.postgres import PgStore, pg_sql

        original = PgStore.execute

        def execute(self: PgStore, sql: str, args: Any = ()) -> Any:
            text = ClientCursor(self.conn).mogrify(pg_sql(sql), args) if args else sql
            statements.append(text)
            return original(self, sql, args)

        PgStore.execute = execute  # type: ignore[method-assign]
    else:
        original_connect = SqliteStore._connect

        def connect(path: Path) -> Any:
            conn = original_connect(path)
            conn.set_trace_callback(statements.append)
            return conn

        SqliteStore._connect = staticmethod(connect)  # type: ignore[method-assign]
    result = CliRunner().invoke(app, ["report", "--format", "json", "--store", location])
    assert result.exit_code == 0, result.output
    keep = [s for s in statements if not s.lstrip().upper().startswith(("PRAGMA", "BEGIN", "COMMIT", "ROLLBACK"))]
    if location.startswith("postgresql://"):  # recover runs the report in one transaction (its scratch table with it)
        keep = ["BEGIN", *keep, "COMMIT"]
    out.write_text("".join(s.rstrip().rstrip(";") + ";\n" for s in keep))
    return len(keep) - 2 if location.startswith("postgresql://") else len(keep)


def bench(location: str, label: str, floor_cmd: list[str], env: dict[str, str], tmp: Path) -> None:
    ours = median_of([str(BIN / "recover"), "report", "--format", "json", "--store", location], env)
    script = tmp / "report.sql"
    count = captured_sql(location, script)
    floor = median_of(floor_cmd, env, script)
    print(
        f"{label}: recover report --format json {ours[0]:6.2f} s, peak {ours[1]:5.1f} MiB | "
        f"{Path(floor_cmd[0]).name} running its {count} statements {floor[0]:6.2f} s, peak {floor[1]:5.1f} MiB",
        flush=True,
    )


def main() -> None:
    opts = {a.split("=")[0]: (a.split("=") + [""])[1] for a in sys.argv[1:] if a.startswith("--")}
    sizes = [int(s) for s in sys.argv[1:] if not s.startswith("--")] or [100_000, 1_000_000]
    orders = (opts.get("--orders") or "time,scrambled").split(",")
    sqlite = shutil.which("sqlite3")
    if sqlite is None or not Path(TIME).exists():
        sys.exit("needs sqlite3 and /usr/bin/time (Debian: apt-get install sqlite3 time)")
    cluster = None
    if "--pg" in opts:
        from tests import pgserver

        cluster = pgserver.start(fsync=True)
    try:
        for n in sizes:
            for order in orders:
                with tempfile.TemporaryDirectory() as tmp:
                    db = Path(tmp) / "cases.db"
                    # generated in a child, so a big generation never sits in this process while it measures
                    subprocess.run([sys.executable, __file__, "--generate", str(db), str(n), order], check=True)
                    env = {**os.environ, "RECOVER_STORE": str(db)}
                    label = f"SQLite {n:>9,} cases, {order:>9} order"
                    bench(str(db), label, [sqlite, str(db)], env, Path(tmp))
                    if cluster is not None:
                        url = cluster.new_database()
                        try:
                            subprocess.run([sys.executable, __file__, "--generate", url, str(n), order], check=True)
                            psql = pgserver.find_bin("psql") or "psql"
                            label = f"PgSQL  {n:>9,} cases, {order:>9} order"
                            bench(
                                url,
                                label,
                                [psql, "-q", "-X", "-v", "ON_ERROR_STOP=1", "-o", os.devnull, url],
                                env,
                                Path(tmp),
                            )
                        finally:
                            cluster.drop_database(url)
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--generate"]:
        generate(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
