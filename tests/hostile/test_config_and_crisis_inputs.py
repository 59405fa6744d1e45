"""The config file and the crisis inputs are read like an answers file (hostile pass 2, F11 and F12): a regular file
only, never past a size limit, nesting capped — a FIFO or /dev/zero is one line at once, never a hang or a flood of
memory (`crisis open --customers /dev/zero` took 6.9 GB in 4 s)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from recoverycli.config import config_file
from tests.hostile import ANSWERS, one_line, run


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("source", ["/dev/zero", "fifo"])
def test_crisis_inputs_are_regular_files_only(source: str, fifo: Path) -> None:
    path = str(fifo) if source == "fifo" else source
    kind = "a FIFO" if source == "fifo" else "a character device"
    opened = run("crisis", "open", "--title", "Power cut", "--customers", path, "--dry-run", timeout=20)
    assert opened.returncode == 1
    assert one_line(opened.stderr) == f"{path}: this is {kind}, not a file — give the customer list as a regular file"
    update = run("crisis", "update", "CR-AAAAA", "--message", path, timeout=20)
    assert update.returncode == 1
    assert one_line(update.stderr) == f"{path}: this is {kind}, not a file — give the message as a regular file"


def test_a_crisis_message_over_a_mebibyte_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "message.txt"
    big.write_text("We are sorry. " * 100_000)
    update = run("crisis", "update", "CR-AAAAA", "--message", str(big), timeout=20)
    assert update.returncode == 1
    assert "over the 1048576 limit" in one_line(update.stderr)


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "deep"])
def test_a_config_that_is_not_a_small_regular_file_never_hangs(kind: str) -> None:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "/dev/zero":
        path.symlink_to("/dev/zero")
    else:
        path.write_text("a = " + "[" * 30_000 + "]" * 30_000 + "\n")
    listed = run("notify", "list", timeout=20)
    assert listed.returncode == 1
    line = one_line(listed.stderr)
    assert line.startswith(f"{path}: ") and "unexpected" not in line, line
    saved = run("start", "other", "--answers", str(ANSWERS), timeout=30)  # the config is read for the staff name
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.strip().startswith("RC-")


@pytest.mark.parametrize("value", ["99999999999999999999", "abc", "nan", "-1", "1e3"])
def test_a_repeat_window_that_is_not_a_number_of_days_is_named(value: str) -> None:
    """F13: RECOVER_REPEAT_DAYS=99999999999999999999 was "unexpected error (OverflowError)"; abc, nan, -1 ignored."""
    from tests.helpers import cli

    result = cli("start", "other", "--answers", str(ANSWERS), env={"RECOVER_REPEAT_DAYS": value})
    assert result.exit_code == 2, result.output
    assert one_line(result.stderr) == (
        f"RECOVER_REPEAT_DAYS={value!r} is not a whole number of days from 0 to 36500 — fix it or remove it "
        "(the default is 30)"
    )


def test_a_repeat_window_in_the_config_is_used_or_named() -> None:
    from tests.helpers import cli

    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('repeat_days = "two weeks"\n')
    result = cli("start", "other", "--answers", str(ANSWERS))
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith(f"{path}: repeat_days = 'two weeks' is not a whole number of days")
    path.write_text("repeat_days = 14\n")
    assert cli("start", "other", "--answers", str(ANSWERS)).exit_code == 0


@pytest.mark.parametrize(("region", "shown"), [("XX", "XX"), ("GBR", "GBR"), ("../../", "…")])
def test_an_unknown_phone_region_is_named_not_every_number_unparsable(region: str, shown: str, tmp_path: Path) -> None:
    from tests.helpers import cli

    customers = tmp_path / "list.csv"
    customers.write_text("name,phone\nAna Souza,020 7946 0000\n")
    for env, extra in (({}, ["--phone-region", region]), ({"RECOVER_PHONE_REGION": region}, [])):
        result = cli(
            "crisis", "open", "--title", "Power cut", "--customers", str(customers), "--dry-run", *extra, env=env
        )
        assert result.exit_code == 2, result.output
        assert one_line(result.stderr) == (
            f"phone region '{shown}' (--phone-region or RECOVER_PHONE_REGION) is not a two-letter country code — "
            "use one such as US, GB or DE"
        )
    ok = cli(
        "crisis", "open", "--title", "Power cut", "--customers", str(customers), "--dry-run", "--phone-region", "gb"
    )
    assert ok.exit_code == 0, ok.output


def test_a_list_of_blank_rows_is_no_customers_in_a_dry_run_too(tmp_path: Path) -> None:
    """F13: it dry-ran as "would load 0 customer(s):  — nothing loaded" with exit 0; the real open refused it."""
    from tests.helpers import cli

    customers = tmp_path / "list.csv"
    customers.write_text("name,phone\n   ,   \n")
    result = cli("crisis", "open", "--title", "Power cut", "--customers", str(customers), "--dry-run")
    assert result.exit_code == 1, result.output
    assert f"{customers}: no customers in the file — nothing to open a crisis for (dry run)" in result.stderr
    assert "would load" not in result.output and result.stdout == ""


@pytest.mark.parametrize("flag", ["--title", "--supplier"])
def test_a_crisis_title_or_supplier_over_200_characters_is_refused_not_cut(flag: str, tmp_path: Path) -> None:
    """F13: 100,000 characters were taken (and cut to 200 without a word)."""
    from tests.helpers import cli

    customers = tmp_path / "list.csv"
    customers.write_text("name,phone\nAna Souza,+1 212 555 0100\n")
    args = {"--title": "Power cut", "--supplier": "Aurora Lines"}
    args[flag] = "x" * 100_000
    result = cli("crisis", "open", "--customers", str(customers), *[a for kv in args.items() for a in kv])
    assert result.exit_code == 2, result.output
    assert one_line(result.stderr) == f"{flag} is 100000 characters, over the 200 limit — shorten it"
