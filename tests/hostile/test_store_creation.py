"""Only `start` and `store migrate` create a store, only in a new or empty file; anything else is left untouched."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recoverycli.cli import app
from recoverycli.store import MIGRATIONS, SCHEMA_VERSION, open_store
from tests.helpers import ROOT
from tests.hostile import ANSWERS, fingerprint, one_line, run

runner = CliRunner()
READERS = [
    ["list"],
    ["list", "--format", "csv"],
    ["show", "RC-AAAAA"],
    ["export"],
    ["report"],
    ["followups"],
    ["check"],
    ["backup", "{tmp}/copy.db"],
    ["note", "RC-AAAAA", "hello", "--staff", "Dana"],
]
WRITERS = [["start", "other", "--answers", str(ANSWERS)], ["store", "migrate"]]


def cli(*args: str):
    return runner.invoke(app, list(args))


def bookmarks(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    conn.commit()
    conn.close()
    return path


def negative_version(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0].sqlite)
    conn.execute("PRAGMA user_version = -1")
    conn.close()
    return path


def unknown_version(path: Path) -> Path:
    """Another program's 'cases' and 'events' tables, with a user_version that happens to be one of ours."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE cases (case_no INTEGER PRIMARY KEY, court TEXT)")
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, case_no INTEGER, hearing TEXT)")
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    return path


FOREIGN = {
    "bookmarks": (
        bookmarks,
        "is not a recover case store (it holds other tables: moz_places) — it was left untouched; "
        "point --store at another file",
    ),
    "user_version -1": (
        negative_version,
        "is not a recover case store (its schema version is -1, not one of recover's) — "
        "it was left untouched; point --store at another file",
    ),
    "unknown version": (
        unknown_version,
        "is not a recover case store (its cases table is not recover's) — it was left "
        "untouched; point --store at another file",
    ),
    "text": (
        lambda p: (p.write_text("a shopping list\n"), p)[1],
        "is not a recover case store (not a SQLite database) — point --store at another file, or restore a backup",
    ),
}


@pytest.mark.parametrize("kind", FOREIGN)
@pytest.mark.parametrize("command", READERS + WRITERS, ids=lambda c: " ".join(c[:2]))
def test_a_file_that_is_not_a_recover_store_is_refused_untouched(tmp_path: Path, kind: str, command: list[str]) -> None:
    make, message = FOREIGN[kind]
    path = make(tmp_path / "other.db")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = fingerprint(path)
    result = cli(*[a.replace("{tmp}", str(tmp_path)) for a in command], "--store", str(path))
    assert result.exit_code == 1
    assert one_line(result.stderr) == f"{path} {message}"
    assert fingerprint(path) == before  # same bytes, same mtime, no -wal or -shm beside it
    assert not (tmp_path / "copy.db").exists()


@pytest.mark.parametrize("command", READERS, ids=lambda c: " ".join(c[:2]))
def test_a_read_only_command_never_creates_a_store(tmp_path: Path, command: list[str]) -> None:
    missing, empty = tmp_path / "missing.db", tmp_path / "empty.db"
    empty.touch()
    empty.chmod(0o644)
    for path in (missing, empty):
        cli(*[a.replace("{tmp}", str(tmp_path)) for a in command], "--store", str(path))
    assert not missing.exists()
    assert empty.stat().st_size == 0 and stat.S_IMODE(empty.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".db") or "-" in p.name) == ["empty.db"]


def test_list_on_an_empty_file_says_there_are_no_cases_yet(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()
    result = cli("list", "--store", str(tmp_path / "empty.db"))
    assert result.exit_code == 0 and result.stderr == "No cases yet. Start one with `recover start`.\n"
    shown = cli("show", "RC-AAAAA", "--store", str(tmp_path / "empty.db"))
    assert one_line(shown.stderr) == (
        f"no case store at {tmp_path / 'empty.db'} yet (the file is empty) — `recover start` "
        f"creates it, or pass --store"
    )


def test_start_makes_a_private_store_in_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    path.chmod(0o644)
    result = cli("start", "other", "--answers", str(ANSWERS), "--store", str(path))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert open_store(path, create=False).get(result.stdout.strip()).customer.name == "Jo Okafor"


def test_a_store_with_an_unknown_newer_version_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    result = cli("list", "--store", str(path))
    assert one_line(result.stderr) == (
        f"{path}: this store has schema version {SCHEMA_VERSION + 1}, newer than this "
        f"recover understands ({SCHEMA_VERSION}) — upgrade recover (pip install -U recoverycli)"
    )


SLOW_CREATE = textwrap.dedent("""
    import sys, time
    from recoverycli.store import sqlite
    real = sqlite.SqliteStore._migrate
    def slow(conn, current):
        real(conn, current)
        print("creating", flush=True)
        time.sleep(60)
    sqlite.SqliteStore._migrate = staticmethod(slow)
    sqlite.open_sqlite(sqlite.Path(sys.argv[1]))
""")


def test_a_store_creation_killed_half_way_leaves_no_litter(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    proc = subprocess.Popen([sys.executable, "-c", SLOW_CREATE, str(path)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None and proc.stdout.readline() == "creating\n"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    litter = [p.name for p in tmp_path.iterdir()]
    assert litter == [f".cases.db.recover-tmp.{proc.pid}"] and not path.exists()
    (tmp_path / ".new-cases.db.999999999").write_bytes(b"left by an older recover")  # the name it used to leave
    result = run("start", "other", "--answers", str(ANSWERS), "--store", str(path))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.db"]


RACER = textwrap.dedent("""
    import os, sys, time
    from tests.helpers import make_case
    from recoverycli.store import open_store
    if sys.argv[1].startswith("postgresql://"):
        import psycopg  # noqa: F401 - imported before the start, so the desks really meet at the store
    go = sys.argv[2]
    while not os.path.exists(go):
        time.sleep(0.001)
    time.sleep(int(sys.argv[3]) * float(sys.argv[4]))  # arriving a moment apart: while the first desk is still creating
    store = open_store(sys.argv[1])
    print(store.add(make_case(customer_words=f"desk {sys.argv[3]}")).id)
""")


def race(location: str, go: Path, n: int = 4, apart: float = 0.0) -> list[subprocess.CompletedProcess[str]]:
    """n desks open a store that does not exist yet at the same moment (or `apart` seconds apart), each saving a
    case."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, location, str(go), str(i), str(apart)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for i in range(n)
    ]
    time.sleep(1.5)  # every desk imported and waiting
    go.touch()
    return [subprocess.CompletedProcess(p.args, p.wait(60), *p.communicate()) for p in procs]


def test_four_desks_creating_a_new_sqlite_store_at_once_keep_every_case(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    done = race(str(path), tmp_path / "go")
    assert [d.returncode for d in done] == [0, 0, 0, 0], [d.stderr for d in done]
    ids = {d.stdout.strip() for d in done}
    store = open_store(path, create=False)
    assert {c.id for c in store.cases()} == ids and len(ids) == 4
    assert {c.answers["customer_words"] for c in store.cases()} == {f"desk {i}" for i in range(4)}


@pytest.mark.parametrize("apart", [0.0, 0.01, 0.015, 0.02])
def test_four_desks_creating_a_new_shared_store_at_once_are_all_served(
    pg_url: str, tmp_path: Path, apart: float
) -> None:
    """Arriving together, or while the first desk is still creating the schema: nobody is told to migrate."""
    done = race(pg_url, tmp_path / "go", apart=apart)
    assert [d.returncode for d in done] == [0, 0, 0, 0], [d.stderr for d in done]
    store = open_store(pg_url, create=False)
    assert store.schema_version() == SCHEMA_VERSION
    assert {c.answers["customer_words"] for c in store.cases()} == {f"desk {i}" for i in range(4)}
    assert json.loads(cli("check", "--format", "json", "--store", pg_url).stdout)["ok"] is True


def test_a_store_tidied_with_analyze_is_still_a_store(tmp_path: Path) -> None:
    """A database admin running ANALYZE adds SQLite's own sqlite_stat1: the desks must not be locked out."""
    store = tmp_path / "cases.db"
    assert cli("start", "other", "--answers", str(ANSWERS), "--store", str(store)).exit_code == 0
    conn = sqlite3.connect(store)
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    listed = cli("list", "--store", str(store), "--format", "csv")
    assert listed.exit_code == 0, listed.output
    assert listed.output.count("RC-") == 1
    assert cli("check", "--store", str(store)).exit_code == 0
