"""A store on a full disk (hostile pass 2, F9): opening it said "database error (disk I/O error) — run `recover check`"
(and `check` said the same); it is a full disk, and the line says so and where."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile import ANSWERS, one_line, run


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (needs root; skipped where mounting is not allowed)."""
    where = tmp_path / "disk"
    where.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("this machine does not let tests mount a tmpfs")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(where: Path) -> None:
    with open(where / "filler", "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass


def test_a_store_on_a_full_disk_says_the_disk_is_full_and_where(small_disk: Path) -> None:
    store = small_disk / "cases.db"
    env = {"RECOVER_STAFF": "Lee Park", "RECOVER_STORE": str(store)}
    assert run("start", "other", "--answers", str(ANSWERS), env=env).returncode == 0  # a real process: it closes
    assert sorted(p.name for p in small_disk.iterdir()) == ["cases.db"]  # no -wal/-shm left: SQLite must make them
    other = small_disk.parent / "other.yaml"  # another customer: no repeat-complaint line before the save
    other.write_text(
        ANSWERS.read_text().replace("Jo Okafor", "Max Pereira").replace("jo.okafor@", "max.p@").replace("Jo,", "Max,")
    )
    fill(small_disk)
    expected = f"{store}: the disk is full where the store is ({small_disk}) — free some space there and try again"
    saved = run("start", "other", "--answers", str(other), env=env)
    assert saved.returncode == 1, saved.stdout + saved.stderr
    assert one_line(saved.stderr).startswith(expected), saved.stderr
    for args in (["list"], ["check"]):  # a reader works while SQLite finds its files, else it says the same
        result = run(*args, env=env)
        assert result.returncode == 0 or one_line(result.stderr).startswith(expected), result.stderr
        assert "disk I/O error" not in result.stderr
    new = small_disk / "new.db"
    result = run("start", "other", "--answers", str(other), "--store", str(new), env=env)
    assert result.returncode == 1
    assert one_line(result.stderr).startswith(f"{new}: the disk is full where the store is ({small_disk})"), (
        result.stderr
    )
