"""A backup or an export stopped half way (a timeout's SIGTERM, a closed terminal's SIGHUP, kill -9) never leaves a
hidden partial copy of the store or of the export behind: it holds every customer's words, beyond `forget`'s reach."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from recoverycli.files import TEMP_MARK, stale_temps, temp_beside
from tests.helpers import ROOT
from tests.hostile import ANSWERS, run

# The real command line, held still at the worst moment: the copy (or part of the export) is on disk, not yet named.
STALLED = textwrap.dedent("""
    import sys, time
    from recoverycli.caselog import export
    from recoverycli.store import sqlite
    from recoverycli.cli import main

    def stall() -> None:
        print("writing", flush=True)
        time.sleep(60)

    real_write = export.write_cases
    def slow_write(store, out, *args, **kwargs):
        real_write(store, out, *args, **kwargs)
        out.flush()
        stall()
    export.write_cases = slow_write

    real_link = sqlite.link_into_place
    def slow_link(tmp, dest):
        stall()
        real_link(tmp, dest)
    sqlite.link_into_place = slow_link

    sys.argv = ["recover", *sys.argv[1:]]
    main()
""")

WRITERS = {
    "backup": lambda out: ["backup", str(out)],
    "export": lambda out: ["export", "-o", str(out)],
    "export --force": lambda out: ["export", "-o", str(out), "--force"],
}


def stalled(store_path: Path, *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", STALLED, *args, "--store", str(store_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        # a writer in a terminal that can hang up, even when the tests themselves run under nohup (SIGHUP ignored,
        # which the writer rightly keeps: see the nohup test below)
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL),
    )
    assert proc.stdout is not None and proc.stdout.readline() == "writing\n"
    return proc


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    store_path = tmp_path / "store" / "cases.db"
    result = run("start", "other", "--answers", str(ANSWERS), "--store", str(store_path))
    assert result.returncode == 0, result.stderr
    return store_path


def litter(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if TEMP_MARK in p.name or p.name.startswith(".new-"))


@pytest.mark.parametrize("what", WRITERS)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_writer_stopped_by_sigterm_or_sighup_removes_its_partial_copy(
    saved: Path, tmp_path: Path, what: str, sig: signal.Signals
) -> None:
    out = tmp_path / "out" / "copy.data"
    out.parent.mkdir()
    if what == "export --force":
        out.write_text("yesterday's export\n")
    proc = stalled(saved, *WRITERS[what](out))
    assert litter(out.parent) or out.exists()  # the partial copy is on disk while the writer runs
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and err == "interrupted\n"  # as Ctrl-C stops it
    assert litter(out.parent) == []
    if what == "export --force":
        assert out.read_text() == "yesterday's export\n"
    else:
        assert not out.exists()  # never half an export under the name the user asked for


def test_a_writer_under_nohup_is_not_stopped_by_sighup(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "copy.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", STALLED.replace("time.sleep(60)", "time.sleep(2)"), "backup", str(out)]
        + ["--store", str(saved)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),
    )
    assert proc.stdout is not None and proc.stdout.readline() == "writing\n"
    proc.send_signal(signal.SIGHUP)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.exists() and litter(tmp_path) == []


@pytest.mark.parametrize("what", WRITERS)
def test_partial_copies_a_kill_9_left_are_removed_by_the_next_write_beside_them(
    saved: Path, tmp_path: Path, what: str
) -> None:
    out = tmp_path / "out" / "monday.data"
    out.parent.mkdir()
    if what == "export --force":
        out.write_text("yesterday's export\n")
    proc = stalled(saved, *WRITERS[what](out))
    proc.kill()
    proc.communicate(timeout=30)
    left = litter(out.parent)
    assert left and all(name.startswith(f".monday.data{TEMP_MARK}.{proc.pid}") for name in left)
    # the next backup or export into that folder, under any other name, sweeps what the dead writer left
    for again in (["backup", str(out.parent / "tuesday.db")], ["export", "-o", str(out.parent / "tuesday.csv")]):
        result = run(*again, "--store", str(saved))
        assert result.returncode == 0, result.stderr
        assert litter(out.parent) == []
        proc = stalled(saved, *WRITERS[what](out))
        proc.kill()
        proc.communicate(timeout=30)
    # and opening the store sweeps the store's own folder
    proc = stalled(saved, *WRITERS[what](saved.parent / "wednesday.data"))
    proc.kill()
    proc.communicate(timeout=30)
    assert litter(saved.parent)
    assert run("list", "--store", str(saved)).returncode == 0
    assert litter(saved.parent) == []


def test_the_sweep_spares_live_writers_and_files_that_are_not_recover_temps(tmp_path: Path) -> None:
    mine = temp_beside(tmp_path / "mine.csv")  # this process: still writing
    mine.write_text("mine")
    alive = tmp_path / f".theirs.csv{TEMP_MARK}.{os.getppid()}"  # a writer that still runs
    alive.write_text("theirs")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    gone = [tmp_path / f".old.csv{TEMP_MARK}.{pid}", tmp_path / f".old.db{TEMP_MARK}.{pid}-journal"]
    kept = [tmp_path / f"notes{TEMP_MARK}.{pid}", tmp_path / f".x{TEMP_MARK}.{pid}.bak", tmp_path / "plain.csv"]
    for p in gone + kept:
        p.write_text("x")
    assert stale_temps(tmp_path / "anything.csv") == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in [mine, alive, *kept])
