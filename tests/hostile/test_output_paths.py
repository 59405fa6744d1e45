"""Output paths a user names (export, report, calendar, backup): never the store, never through a link, never a
crash."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from recoverycli.cli import app
from recoverycli.store import open_store
from tests.helpers import make_case
from tests.hostile import fingerprint, one_line, run

runner = CliRunner()
BIN = Path(sys.executable).parent
WRITERS = {
    "export": ["export", "--output"],
    "report": ["report", "--format", "json", "--output"],
    "calendar": ["followups", "--ics"],
}


def cli(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def store(store_path: Path):
    s = open_store(store_path)
    for _ in range(3):
        s.add(make_case(customer_words="Three cases that must survive", follow_up_date="2026-11-20"))
    return s


def intact(store_path: Path) -> None:
    again = open_store(store_path, create=False)
    assert len(again.cases()) == 3 and again.check()["ok"]


@pytest.mark.parametrize("what", WRITERS)
@pytest.mark.parametrize("target", ["store", "wal", "shm"])
def test_no_output_ever_replaces_the_store_or_its_companions(store, store_path: Path, what: str, target: str) -> None:
    reader = sqlite3.connect(store_path)  # an open reader keeps the -wal and -shm files in place
    reader.execute("SELECT count(*) FROM cases").fetchone()
    path = {
        "store": store_path,
        "wal": store_path.with_name("cases.db-wal"),
        "shm": store_path.with_name("cases.db-shm"),
    }[target]
    assert path.exists()
    before = path.read_bytes() if target == "store" else None
    result = cli(*WRITERS[what], str(path), "--force")
    assert result.exit_code == 1
    line = one_line(result.stderr)
    if target == "store":
        assert line == (
            f"{path}: will not write the {what} there: it is the case store ({store_path}) — choose another file name"
        )
        assert path.read_bytes() == before
    else:
        suffix = "-" + target
        assert line == (
            f"{path}: will not write the {what} there: it belongs to the case store {store_path} "
            f"(its {suffix} file) — choose another file name"
        )
    assert "wrote" not in result.output and "exported" not in result.output
    reader.close()
    intact(store_path)


@pytest.mark.parametrize("what", WRITERS)
def test_a_backup_is_never_overwritten_even_with_force(store, store_path: Path, tmp_path: Path, what: str) -> None:
    assert cli("backup", str(tmp_path / "monday.db")).exit_code == 0
    before = fingerprint(tmp_path / "monday.db")
    result = cli(*WRITERS[what], str(tmp_path / "monday.db"), "--force")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"{tmp_path / 'monday.db'}: will not write the {what} there: it is a SQLite "
        f"database (a case store or a backup of one) — choose another file name"
    )
    assert fingerprint(tmp_path / "monday.db") == before


@pytest.mark.parametrize("what", WRITERS)
def test_an_existing_file_is_replaced_only_with_force_and_made_private(store, tmp_path: Path, what: str) -> None:
    out = tmp_path / "out.txt"
    out.write_text("yesterday's file\n")
    out.chmod(0o644)
    refused = cli(*WRITERS[what], str(out))
    assert refused.exit_code == 1
    assert one_line(refused.stderr) == (
        f"{out} already exists — pass --force to replace it, or choose a new file name for the {what}"
    )
    assert out.read_text() == "yesterday's file\n"
    replaced = cli(*WRITERS[what], str(out), "--force")
    assert replaced.exit_code == 0, replaced.output
    assert out.read_text() != "yesterday's file\n" and stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if ".recover-tmp." in p.name]


@pytest.mark.parametrize("what", WRITERS)
@pytest.mark.parametrize("link", ["to-a-file", "to-the-store", "dangling"])
def test_a_symlink_is_never_followed(store, store_path: Path, tmp_path: Path, what: str, link: str) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    target = {"to-a-file": victim, "to-the-store": store_path, "dangling": tmp_path / "elsewhere.txt"}[link]
    out = tmp_path / "out.txt"
    out.symlink_to(target)
    result = cli(*WRITERS[what], str(out), "--force")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"{out} is a symbolic link (to {target}) — recover does not write through links; give the real file name"
    )
    assert victim.read_text() == "keep me\n" and not (tmp_path / "elsewhere.txt").exists()
    intact(store_path)


@pytest.mark.parametrize("what", WRITERS)
def test_a_directory_or_a_missing_directory_is_one_clear_line(store, tmp_path: Path, what: str) -> None:
    into_dir = cli(*WRITERS[what], str(tmp_path))
    assert into_dir.exit_code == 1
    assert (
        one_line(into_dir.stderr)
        == f"{tmp_path} is a directory — give a file name inside it, e.g. {tmp_path}/recover-{what}"
    )
    missing = tmp_path / "no-such-dir" / "out.txt"
    nowhere = cli(*WRITERS[what], str(missing))
    assert nowhere.exit_code == 1
    assert one_line(nowhere.stderr) == (
        f"{missing}: the directory {missing.parent} does not exist — create it first, or choose another path"
    )


@pytest.mark.parametrize("what", WRITERS)
def test_a_full_disk_is_one_clear_line(store, store_path: Path, what: str) -> None:
    result = cli(*WRITERS[what], "/dev/full")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"cannot write the {what} to /dev/full (No space left on device) — free some space; the store is unchanged"
    )
    intact(store_path)


@pytest.mark.parametrize(
    "command",
    [
        ["show", "{id}"],
        ["list"],
        ["check"],
        ["report"],
        ["followups"],
        ["export"],
        ["list", "--format", "csv"],
        ["playbook", "list"],
    ],
)
def test_stdout_on_a_full_disk_is_one_clear_line(store, store_path: Path, command: list[str]) -> None:
    case_id = open_store(store_path).cases()[0].id
    with open("/dev/full", "w") as full:
        result = run(*[a.replace("{id}", case_id) for a in command], stdout=full)
    assert result.returncode == 1
    assert one_line(result.stderr) == (
        "cannot write the output (No space left on device) — free some space, or send it "
        "somewhere else; the store is unchanged"
    )


def test_outputs_are_private_whatever_the_umask(store, tmp_path: Path) -> None:
    for i, what in enumerate(WRITERS):
        out = tmp_path / f"out{i}"
        result = run(*WRITERS[what], str(out), umask=0)
        assert result.returncode == 0, result.stderr
        assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_streams_are_written_in_place(store, tmp_path: Path) -> None:
    """/dev/null and a pipe are not files to replace: no --force needed, nothing renamed."""
    assert cli("export", "--output", "/dev/null").exit_code == 0
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    nobody = cli("export", "--output", str(fifo))
    assert nobody.exit_code == 1
    assert one_line(nobody.stderr) == f"cannot write the export to {fifo} (no process is reading it)"


def test_backup_names_a_missing_destination_and_never_the_store(store, store_path: Path, tmp_path: Path) -> None:
    missing = tmp_path / "usb" / "cases-backup.db"
    result = cli("backup", str(missing))
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"{missing}: the directory {missing.parent} does not exist — create it first, or choose another path"
    )
    for target in (store_path, store_path.with_name("cases.db-wal")):
        refused = cli("backup", str(target))
        assert refused.exit_code == 1 and "will not write the backup there" in refused.stderr
    assert store_path.with_name("cases.db-wal").read_bytes()[:3] == b"\x37\x7f\x06"  # still the store's own log
    intact(store_path)


def test_a_failed_write_leaves_the_old_file_and_no_partial_one(store, tmp_path: Path, monkeypatch) -> None:
    """A disk that fills half-way: --force keeps yesterday's file; a new file leaves nothing behind."""
    import recoverycli.caselog.export as ex

    def fill_up(rows, out, cols, excel=False):
        out.write("case_id\r\n")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ex, "write_csv", fill_up)
    old = tmp_path / "cases.csv"
    old.write_text("yesterday\n")
    kept = cli("export", "--output", str(old), "--force")
    assert kept.exit_code == 1
    assert one_line(kept.stderr) == (
        f"cannot write the export to {old} (No space left on device) — free some space; {old} was left as it was"
    )
    assert old.read_text() == "yesterday\n"
    new = tmp_path / "new.csv"
    gone = cli("export", "--output", str(new))
    assert gone.exit_code == 1 and "no partial file was left" in gone.stderr and not new.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in ("data", "config", "share", "home")) == [
        "cases.csv"
    ]


def test_dev_stdout_redirected_to_a_file_is_written_through_the_shells_file(
    store, store_path: Path, tmp_path: Path
) -> None:
    """`recover export -o /dev/stdout > out.csv` (a cron idiom): /dev/stdout is a link to the process's own stdout,
    written through that descriptor — `>` gives the CSV, `>>` adds it after what the file held, a link it was not."""
    out = tmp_path / "out.csv"
    with out.open("w") as fh:
        result = run("export", "--output", "/dev/stdout", stdout=fh)
    assert result.returncode == 0, result.stderr
    lines = out.read_text().splitlines()
    assert lines[0].startswith("case_id,") and len(lines) == 4
    log = tmp_path / "nightly.log"
    log.write_text("run 1\n")
    with log.open("a") as fh:
        assert run("report", "--format", "json", "--output", "/dev/fd/1", stdout=fh).returncode == 0
    first, rest = log.read_text().split("\n", 1)
    assert first == "run 1" and '"total": 3' in rest


def test_dev_stdout_appending_to_the_store_is_refused(store, store_path: Path) -> None:
    """`>> cases.db` after `-o /dev/stdout` would add CSV to the database: refused before the command runs, the store
    intact; a descriptor beyond the standard ones (`-o /dev/fd/3 3>> cases.db`) is refused by the output check."""
    before = fingerprint(store_path)
    with store_path.open("a") as fh:
        result = run("export", "--output", "/dev/stdout", stdout=fh)
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        f"error: standard output is {store_path}: it is the case store ({store_path}) — nothing was written and the"
        " command did not run; redirect > to another file"
    )
    assert fingerprint(store_path) == before
    with store_path.open("a") as fh:
        result = run_with_fd3("export", "--output", "/dev/fd/3", fd3=fh)
    assert result.returncode == 1
    assert one_line(result.stderr) == (
        f"/dev/fd/3: will not write the export there: it is the case store ({store_path}) — redirect it to another file"
    )
    assert fingerprint(store_path) == before
    intact(store_path)


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_a_shell_redirection_onto_the_store_writes_nothing_there(store, store_path: Path, stream: str) -> None:
    """`recover export >> cases.db` or `recover report --since nonsense 2>> cases.db` (hostile pass 3: the refusal
    itself was appended to the database): the command does not run, not one byte reaches the store, and the other
    stream says why. A `>>` onto an ordinary file still works."""
    before = fingerprint(store_path)
    args = ["export"] if stream == "stdout" else ["report", "--since", "nonsense"]
    with store_path.open("a") as fh:
        if stream == "stdout":
            result = run(*args, stdout=fh)
            said = result.stderr
        else:
            result = subprocess.run(
                [str(BIN / "recover"), *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=fh, text=True
            )
            said = result.stdout
    assert result.returncode == 2
    redirect = ">" if stream == "stdout" else "2>"
    assert one_line(said) == (
        f"error: standard {'output' if stream == 'stdout' else 'error'} is {store_path}: it is the case store"
        f" ({store_path}) — nothing was written and the command did not run; redirect {redirect} to another file"
    )
    assert fingerprint(store_path) == before
    intact(store_path)


def test_appending_to_an_ordinary_file_still_works(store, tmp_path: Path) -> None:
    log = tmp_path / "nightly.csv"
    log.write_text("earlier run\n")
    with log.open("a") as fh:
        assert run("export", stdout=fh).returncode == 0
    first, rest = log.read_text().split("\n", 1)
    assert first == "earlier run" and rest.startswith("case_id,") and len(rest.splitlines()) == 4


def run_with_fd3(*args: str, fd3: Any) -> subprocess.CompletedProcess[str]:
    """`recover ARGS 3>> FILE`: the file open as descriptor 3 in the child."""
    fd = fd3.fileno()
    return subprocess.run(
        [str(BIN / "recover"), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        close_fds=False,  # the descriptor is made 3 in the child, after the fork
        preexec_fn=lambda: os.dup2(fd, 3),
    )


def test_the_report_table_goes_to_the_file_it_is_given(store, tmp_path: Path) -> None:
    """`report -o monday.txt` (table format) printed the table and wrote no file, exit 0 (hostile pass 3, F5)."""
    out = tmp_path / "monday.txt"
    result = cli("report", "--output", str(out))
    assert result.exit_code == 0 and result.stdout == "", result.output
    text = out.read_text()
    assert "Cases" in text and "Report " in text and "\x1b[" not in text  # plain text, no colour codes
    assert max(len(line) for line in text.splitlines()) <= 100 and stat.S_IMODE(out.stat().st_mode) == 0o600


def test_an_empty_wal_or_an_emptied_store_as_stdout_is_refused(store, store_path: Path, tmp_path: Path) -> None:
    """Hostile pass 4: `> cases.db-wal` while another process has the store open (the -wal exists, empty) wrote the
    case id over the WAL header and the case was lost; `start … > cases.db` (the shell empties the store) quietly
    built a new store there. Both are refused: an empty file is checked by name against the store it would be."""
    holder = sqlite3.connect(store_path)  # another desk, or `recover watch`, has the store open
    try:
        holder.execute("SELECT count(*) FROM cases").fetchone()
        holder.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the log emptied, the file kept: as between writes
        wal = store_path.with_name(store_path.name + "-wal")
        assert wal.exists() and wal.stat().st_size == 0
        with wal.open("w") as fh:
            result = run("export", stdout=fh)
        assert result.returncode == 2 and wal.stat().st_size == 0
        assert "its -wal file" in one_line(result.stderr)
    finally:
        holder.close()
    intact(store_path)
    emptied = tmp_path / "emptied.db"
    emptied.write_bytes(store_path.read_bytes())
    answers = tmp_path / "a.yaml"
    answers.write_text("staff: Maya\ncustomer: {name: Zed New, contact: zed@example.net}\nanswers: {}\n")
    with emptied.open("w") as fh:  # what `recover start … --store emptied.db > emptied.db` does to it
        result = run("start", "other", "--store", str(emptied), "--answers", str(answers), stdout=fh)
    assert result.returncode == 2 and emptied.stat().st_size == 0
    assert "the shell's `>` has just emptied it: put back your latest backup" in one_line(result.stderr)
