"""Export speed and memory: `recover export --format csv` against two floors doing the same work.

Run by hand from a clone, in a venv with the project installed:
    python bench/export.py [--orders time,scrambled] [cases...]          (default: 100000)

For each size and data order it generates a store, then times each exporter writing a file (median of 3 runs),
each as its own process under /usr/bin/time (wall seconds and that process's own peak RSS):
  - `recover export --format csv` (drafts left out, formula guard on, oldest first);
  - `sqlite3 -csv` running recover's own export statement (captured from a run in this process with SQLite's
    trace callback: the same draft filter, JSON extraction and formula guard);
  - a bare Python script running that statement and writing the rows with the csv module (the Python floor).
Data orders: `time` inserts cases in the order they were made; `scrambled` in random time order.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

RUNS = 3
BIN = Path(sys.executable).parent
TIME = "/usr/bin/time"
FLOOR = """
import csv, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
out = open(sys.argv[3], "w", encoding="utf-8", newline="")
writer = csv.writer(out, lineterminator="\\r\\n")
cur = conn.execute(open(sys.argv[2], encoding="utf-8").read())
writer.writerow([d[0] for d in cur.description])
while batch := cur.fetchmany(1000):
    writer.writerows(batch)
out.close()
"""


def generate(path: Path, n: int, order: str) -> None:
    from recoverycli.store import open_store
    from recoverycli.store.columns import row_of

    store = open_store(path)
    rnd = random.Random(7)
    words = "the shower ran cold all morning and nobody came to fix it before the meeting".split()
    stamps = [f"2026-{1 + i % 11:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00.000000+00:00" for i in range(n)]
    if order == "time":
        stamps.sort()
    else:
        rnd.shuffle(stamps)
    from recoverycli.caselog.record import Case, Customer, PlaybookRef

    with store.transaction() as conn:
        rows = []
        cols: tuple[str, ...] = ()
        for i, at in enumerate(stamps):
            answers = {
                "customer_words": " ".join(rnd.choices(words, k=25)) + "\n" + " ".join(rnd.choices(words, k=10)),
                "desired_outcome": "A refund",
                "commitment": "Front desk refunds by 17:00",
                "gesture": "meal",
                "follow_up_date": "2026-12-01",
                "room_number": str(100 + i % 400),
            }
            case = Case.model_construct(
                id=f"RC-{i:07d}",
                status="open",
                created_at=_dt(at),
                updated_at=_dt(at),
                staff="Bench Desk",
                customer=Customer.model_construct(name=f"Guest {i}", contact=f"guest{i}@example.com", segment="family"),
                playbook=PlaybookRef.model_construct(id="room-failure", version=1, hash="h"),
                answers=answers,
                complaint_number=1,
                severity="normal",
                crisis_id=None,
            )
            row = row_of(case, store.answer_cell)
            cols = tuple(row)
            rows.append(tuple(row.values()))
            if len(rows) == 20_000:
                store.insert_rows(conn, "cases", cols, rows)
                rows = []
        if rows:
            store.insert_rows(conn, "cases", cols, rows)
    store.close()


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def export_sql(db: Path) -> str:
    """The statement `recover export --format csv` sends, captured with its parameters filled in."""
    from typer.testing import CliRunner

    from recoverycli.cli import app
    from recoverycli.store.sqlite import SqliteStore

    statements: list[str] = []
    original = SqliteStore._connect

    def connect(path: Path) -> object:
        conn = original(path)
        conn.set_trace_callback(statements.append)
        return conn

    SqliteStore._connect = staticmethod(connect)  # type: ignore[method-assign]
    result = CliRunner().invoke(app, ["export", "--format", "csv", "--limit", "1", "--store", str(db)])
    assert result.exit_code == 0, result.output
    SqliteStore._connect = original  # type: ignore[method-assign]
    found = [s for s in statements if "json_remove" in s or "FROM (SELECT" in s]
    return found[-1].replace(" LIMIT 1", "")


def timed(cmd: list[str], out: Path, env: dict[str, str]) -> tuple[float, float]:
    with open(out, "wb") as fh, tempfile.NamedTemporaryFile("r") as t:
        subprocess.run([TIME, "-f", "%e %M", "-o", t.name, *cmd], stdout=fh, env=env, check=True)
        wall, rss = t.read().split()[-2:]
    return float(wall), int(rss) / 1024


def median_of(cmd: list[str], out: Path, env: dict[str, str]) -> tuple[float, float]:
    runs = [timed(cmd, out, env) for _ in range(RUNS)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def main() -> None:
    opts = {a.split("=")[0]: (a.split("=") + [""])[1] for a in sys.argv[1:] if a.startswith("--")}
    sizes = [int(s) for s in sys.argv[1:] if not s.startswith("--")] or [100_000]
    orders = (opts.get("--orders") or "time,scrambled").split(",")
    sqlite = shutil.which("sqlite3")
    if sqlite is None or not Path(TIME).exists():
        sys.exit("needs sqlite3 and /usr/bin/time (Debian: apt-get install sqlite3 time)")
    for n in sizes:
        for order in orders:
            with tempfile.TemporaryDirectory() as tmp:
                db, here = Path(tmp) / "cases.db", Path(tmp)
                subprocess.run([sys.executable, __file__, "--generate", str(db), str(n), order], check=True)
                env = {**os.environ, "RECOVER_STORE": str(db)}
                sql = export_sql(db)
                (here / "export.sql").write_text(sql)
                (here / "floor.py").write_text(FLOOR)
                ours = median_of([str(BIN / "recover"), "export", "--format", "csv"], here / "ours.csv", env)
                lite = median_of([sqlite, "-csv", "-header", str(db), sql], here / "sqlite.csv", env)
                py = [sys.executable, str(here / "floor.py"), str(db), str(here / "export.sql"), str(here / "py.csv")]
                floor = median_of(py, here / "ignored", env)
                same = (here / "ours.csv").read_bytes() == (here / "py.csv").read_bytes()
                print(
                    f"SQLite {n:>9,} cases, {order:>9} order: recover export --format csv {ours[0]:6.2f} s,"
                    f" peak {ours[1]:5.1f} MiB | sqlite3 -csv, same SQL {lite[0]:6.2f} s, peak {lite[1]:5.1f} MiB |"
                    f" Python floor {floor[0]:6.2f} s, peak {floor[1]:5.1f} MiB | recover/floor"
                    f" {ours[0] / floor[0]:.2f}x, same bytes: {same}",
                    flush=True,
                )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--generate"]:
        generate(Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        main()
