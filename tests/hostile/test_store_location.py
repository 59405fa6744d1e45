"""A store location that is not quite a postgresql:// URL is never turned into a local file named after it.

Hostile pass 2 (F1, F1b): `POSTGRESQL://`, a leading space, `postgresql+psycopg://`, `mysql://`, a libpq key=value
string each became a SQLite file in the current directory, its name holding the password; a correct URL given
where a file was expected (`store copy --from`, `backup`, `export -o`, `--answers`) was echoed in clear.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recoverycli.cli import app
from recoverycli.store.pgurl import store_location
from tests.hostile import ANSWERS, one_line

runner = CliRunner()
SECRET = "s3cretPW"


def cli(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env={"RECOVER_STAFF": "Lee Park", **(env or {})})


@pytest.mark.parametrize(
    "location",
    [
        f"mysql://u:{SECRET}@127.0.0.1:1/db",
        f"jdbc:postgresql://127.0.0.1:1/db?user=u&password={SECRET}",
        f"pgsql://u:{SECRET}@127.0.0.1:1/db",
        f"host=127.0.0.1 port=1 password={SECRET} dbname=x",
        f"host=127.0.0.1 password='{SECRET} x' dbname=x",
    ],
)
def test_a_url_of_another_kind_is_refused_redacted_and_creates_nothing(
    location: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for args in (["check"], ["start", "other", "--answers", str(ANSWERS)], ["list"]):
        result = cli(*args, "--store", location)
        assert result.exit_code == 1, result.output
        line = one_line(result.stderr)
        assert SECRET not in result.output and "***" in line
        assert "postgresql://" in line
    assert os.listdir(tmp_path) == []  # no store, no directory named after the URL


@pytest.mark.parametrize(
    ("raw", "used"),
    [
        ("POSTGRESQL://u:pw@h:1/db", "postgresql://u:pw@h:1/db"),
        ("Postgres://u:pw@h/db", "postgres://u:pw@h/db"),
        (" postgresql://u:pw@h/db\r\n", "postgresql://u:pw@h/db"),
        ("postgresql+psycopg://u:pw@h/db", "postgresql://u:pw@h/db"),
        ("postgresql+psycopg2://u:pw@h/db", "postgresql://u:pw@h/db"),
        ("/srv/recover/cases.db\r", "/srv/recover/cases.db"),
        ("  cases.db ", "cases.db"),
        ("a=b.db", "a=b.db"),  # not libpq's keyword: a file name
    ],
)
def test_a_postgresql_url_is_known_whatever_its_case_and_whitespace_is_dropped(raw: str, used: str) -> None:
    assert store_location(raw) == used


def test_an_uppercase_scheme_reaches_postgresql_not_a_local_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("check", "--store", f"POSTGRESQL://u:{SECRET}@127.0.0.1:1/db")
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert line.startswith("postgresql://u:***@127.0.0.1:1/db: cannot connect to PostgreSQL"), line
    assert SECRET not in result.output
    assert os.listdir(tmp_path) == []


def test_a_path_with_a_trailing_cr_is_the_same_store(tmp_path: Path) -> None:
    store = tmp_path / "crtest.db"
    assert cli("start", "other", "--answers", str(ANSWERS), env={"RECOVER_STORE": str(store)}).exit_code == 0
    listed = cli("list", "--format", "csv", env={"RECOVER_STORE": f"{store}\r"})
    assert listed.exit_code == 0 and listed.stdout.count("RC-") == 1, listed.output
    assert not any("\r" in name for name in os.listdir(tmp_path))


def test_a_blank_store_is_named_as_such() -> None:
    result = cli("list", "--store", " ")
    assert result.exit_code == 1
    assert "blank" in one_line(result.stderr)


URL = f"postgresql://pgadmin:{SECRET}%23x@127.0.0.1:54329/fresh1"


@pytest.mark.parametrize(
    "args",
    [
        ["store", "copy", "--from", URL, "--to", "{tmp}/x.db"],
        ["backup", URL],
        ["export", "-o", URL],
        ["report", "-o", URL],
        ["followups", "--ics", URL],
        ["start", "other", "--answers", URL],
    ],
)
def test_a_url_where_a_file_is_expected_is_never_echoed(args: list[str], tmp_path: Path) -> None:
    assert cli("start", "other", "--answers", str(ANSWERS)).exit_code == 0  # a store, so each reaches its path
    result = cli(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == 1, result.output
    line = one_line(result.stderr)
    assert SECRET not in result.output and "URL" in line, line
    assert not (tmp_path / "postgresql:").exists()
