"""Smaller lines from hostile pass 2 (F13): each was a traceback-class error or a silent empty answer."""

from __future__ import annotations

import pytest

from tests.helpers import cli
from tests.hostile import ANSWERS, one_line


@pytest.fixture(autouse=True)
def a_case() -> None:
    assert cli("start", "other", "--answers", str(ANSWERS)).exit_code == 0


@pytest.mark.parametrize("command", ["export", "report", "list"])
def test_reversed_dates_are_refused_not_an_empty_answer(command: str) -> None:
    args = [command, "--since", "2026-11-30", "--until", "2026-11-01"]
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert one_line(result.stderr) == "--since 2026-11-30 is after --until 2026-11-01 — swap them"


def test_ten_thousand_columns_are_one_line_before_any_output() -> None:
    result = cli("export", "--columns", "case_id," * 10_000)
    assert result.exit_code == 2 and result.stdout == ""
    assert one_line(result.stderr) == "--columns: case_id is named twice — name each column once"
    unknown = cli("export", "--columns", ",".join(f"x{i}" for i in range(10_000)))
    assert unknown.exit_code == 2 and unknown.stdout == ""
    assert one_line(unknown.stderr).startswith("--columns: unknown column(s) x0, x1, x2, x3, x4 and 9995 more — ")


def test_a_playbook_directory_that_does_not_exist_is_named(tmp_path) -> None:
    missing = tmp_path / "typo"
    warning = f"warning: no playbook directory {missing} (from --playbooks or RECOVER_PLAYBOOKS) — its playbooks"
    listed = cli("playbook", "list", "--playbooks", str(missing))
    assert listed.exit_code == 0 and warning in listed.stderr
    started = cli("start", "late-checkin", "--answers", str(ANSWERS), env={"RECOVER_PLAYBOOKS": str(missing)})
    assert started.exit_code != 0 and warning in started.stderr


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_an_infinite_follow_up_date_is_not_a_date_not_a_number(value: str, tmp_path) -> None:
    text = ANSWERS.read_text()
    lines = [f"  follow_up_date: {value}" if ln.startswith("  follow_up_date:") else ln for ln in text.splitlines()]
    path = tmp_path / "inf.yaml"
    path.write_text("\n".join(lines) + "\n")
    result = cli("start", "other", "--answers", str(path))
    assert result.exit_code == 1
    assert "follow_up_date: '" in result.stderr and "' is not a date — write it as YYYY-MM-DD" in result.stderr
    assert "not a number" not in result.stderr


def test_store_migrate_on_a_new_path_says_it_made_a_store(tmp_path) -> None:
    from recoverycli.store import SCHEMA_VERSION

    new = tmp_path / "nonexist.db"
    made = cli("store", "migrate", "--store", str(new))
    assert made.exit_code == 0
    assert (
        one_line(made.stderr)
        == f"{new}: created a new, empty case store (schema v{SCHEMA_VERSION}) — there was none at this path"
    )
    again = cli("store", "migrate", "--store", str(new))
    assert one_line(again.stderr) == f"{new}: schema v{SCHEMA_VERSION}, already up to date"


@pytest.mark.parametrize("args", [["list"], ["export", "--tz", "local"], ["followups"]])
def test_a_time_zone_the_c_library_cannot_use_is_one_line(args: list[str]) -> None:
    """F13: TZ=UTC+99 (a POSIX offset past 24 h) was "unexpected error (ValueError)", after export's header line."""
    from tests.hostile import run

    result = run(*args, env={"TZ": "UTC+99"})
    assert result.returncode == 2 and result.stdout == ""
    assert one_line(result.stderr) == (
        "the time zone TZ='UTC+99' cannot be used — set TZ to a zone such as Europe/London, or unset it"
    )
    assert run(*args, env={"TZ": "UTC+5"}).returncode == 0
