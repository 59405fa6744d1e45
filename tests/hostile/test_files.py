"""recover's own files: 0600 in 0700 directories whatever the umask, tightened if looser, never through a link."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recoverycli.cli import app
from recoverycli.cli.common import LOG_LIMIT
from tests.helpers import ROOT
from tests.hostile import ANSWERS, run

runner = CliRunner()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def python(code: str, umask: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        preexec_fn=lambda: os.umask(umask),
        timeout=60,
    )


CRASH = """
    from recoverycli.cli.common import guarded

    @guarded
    def boom():
        raise RuntimeError("a customer's words that must not be logged")

    boom()
"""


def test_a_crash_as_the_very_first_thing_makes_a_private_log_in_a_private_directory(isolated_home: Path) -> None:
    done = python(CRASH, umask=0)
    assert done.returncode == 1 and "unexpected error (RuntimeError) — details in" in done.stderr
    log = isolated_home / "share" / "recover" / "recover.log"
    assert mode(log) == 0o600 and mode(log.parent) == 0o700 and mode(log.parent.parent) == 0o700
    assert "RuntimeError" in log.read_text() and "customer's words" not in log.read_text()


def test_the_crash_log_is_capped_and_rotated(isolated_home: Path) -> None:
    log = isolated_home / "share" / "recover" / "recover.log"
    log.parent.mkdir(parents=True)
    log.write_text("old entry\n" * (LOG_LIMIT // 10 + 10))
    log.chmod(0o644)
    for _ in range(3):
        assert python(CRASH, umask=0o022).returncode == 1
    rotated = log.with_name("recover.log.1")
    assert rotated.read_text().startswith("old entry") and log.stat().st_size < LOG_LIMIT
    assert log.read_text().count("RuntimeError") == 3 and mode(log) == 0o600
    assert sorted(p.name for p in log.parent.iterdir()) == ["recover.log", "recover.log.1"]  # one old log, no more


REMEMBER = """
    from recoverycli.config import remember
    remember("staff", "Dana Reyes")
"""


def test_the_config_file_is_private_whatever_the_umask_and_tightened(isolated_home: Path) -> None:
    assert python(REMEMBER, umask=0).returncode == 0
    config = isolated_home / "config" / "recover" / "config.toml"
    assert config.read_text() == 'staff = "Dana Reyes"\n'
    assert mode(config) == 0o600 and mode(config.parent) == 0o700
    config.chmod(0o666)
    config.parent.chmod(0o777)
    assert python(REMEMBER, umask=0).returncode == 0
    assert mode(config) == 0o600 and mode(config.parent) == 0o700


def test_a_linked_config_is_never_written_through(isolated_home: Path, tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles.toml"
    dotfiles.write_text('staff = "Dana Reyes"\n')
    config = isolated_home / "config" / "recover" / "config.toml"
    config.parent.mkdir(parents=True)
    config.symlink_to(dotfiles)
    assert python(REMEMBER.replace("Dana Reyes", "Someone Else"), umask=0o022).returncode == 0
    assert dotfiles.read_text() == 'staff = "Dana Reyes"\n' and config.is_symlink()


def test_a_new_store_is_private_whatever_the_umask(isolated_home: Path, store_path: Path) -> None:
    result = run("start", "other", "--answers", str(ANSWERS), umask=0)
    assert result.returncode == 0, result.stderr
    assert mode(store_path) == 0o600 and mode(store_path.parent) == 0o700


def test_the_default_data_directory_is_tightened(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECOVER_STORE")
    data = isolated_home / "share" / "recover"
    data.mkdir(parents=True)
    data.chmod(0o777)
    result = runner.invoke(app, ["start", "other", "--answers", str(ANSWERS)])
    assert result.exit_code == 0, result.output
    assert mode(data) == 0o700 and mode(data / "cases.db") == 0o600


def test_a_rescued_call_is_private(isolated_home: Path) -> None:
    from datetime import date

    from recoverycli.call.live import rescue
    from recoverycli.call.wizard import Call
    from recoverycli.playbooks.library import Library, bundled_dir

    old = os.umask(0)
    try:
        path, _ = rescue(
            Call(playbook=Library([bundled_dir()]).get("other"), staff="Dana", today=date.today()),
            "cases.db",
            "the disk is full",
        )
    finally:
        os.umask(old)
    assert path is not None and mode(path) == 0o600 and mode(path.parent) == 0o700


def _write(how: str, path: Path) -> None:
    from recoverycli.files import append_private, replace_private, tighten, write_output
    from recoverycli.notify.settings import keep_private

    if how == "append (the log)":
        with append_private(path) as fh:
            fh.write("new\n")
    elif how == "replace (the config)":
        replace_private(path, "new\n")
    elif how == "output with --force (an export)":
        write_output(path, "new\n", force=True)
    elif how == "tighten (an empty store)":
        assert tighten(path, follow_links=True)
    else:
        keep_private(path)


@pytest.mark.parametrize(
    "how",
    [
        "append (the log)",
        "replace (the config)",
        "output with --force (an export)",
        "tighten (an empty store)",
        "keep_private (the notify config)",
    ],
)
def test_a_private_file_that_already_exists_as_0644_ends_up_0600(tmp_path: Path, how: str) -> None:
    """os.open's mode applies only to a file it creates: every private writer tightens one that was there."""
    folder = tmp_path / "recover"
    folder.mkdir(mode=0o700)
    path = folder / "file.txt"
    path.write_text("old\n")
    path.chmod(0o644)
    _write(how, path)
    assert mode(path) == 0o600
    assert path.read_text() in ("old\n", "new\n", "old\nnew\n")


def test_tightening_never_goes_through_a_link_it_was_not_told_to_follow(tmp_path: Path) -> None:
    from recoverycli.files import tighten

    target = tmp_path / "elsewhere.txt"
    target.write_text("theirs\n")
    target.chmod(0o644)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    with pytest.raises(OSError):
        tighten(link)
    assert mode(target) == 0o644
    assert tighten(link, follow_links=True) and mode(target) == 0o600
