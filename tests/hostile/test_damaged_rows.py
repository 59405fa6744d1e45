"""One damaged row never takes down a reader of the whole store (hostile pass 2, F19).

A text column holding bytes that are not UTF-8 (another tool wrote Latin-1, a flipped bit) made list, export,
report, show and watch end in "unexpected error (OperationalError)"; rows `check` names as unreadable crashed
`list` and `followups`; damage in the schema crashed `check` and `backup` themselves.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recoverycli.cli import app
from recoverycli.store import SCHEMA_VERSION
from tests.hostile import ANSWERS, one_line

runner = CliRunner()
SECOND = ANSWERS.read_text().replace("Jo Okafor", "Max Pereira").replace("jo.okafor@", "max.p@")


def cli(*args: str):
    return runner.invoke(app, list(args), env={"RECOVER_STAFF": "Lee Park"})


def store_with_damage(tmp_path: Path, damage: str) -> tuple[Path, str, str]:
    """Two saved cases, the first then damaged by `damage` (SQL SET clause): (store, damaged id, healthy id)."""
    store = tmp_path / "cases.db"
    second = tmp_path / "second.yaml"
    second.write_text(SECOND)
    ids = []
    for answers in (ANSWERS, second):
        result = cli("start", "other", "--answers", str(answers), "--store", str(store))
        assert result.exit_code == 0, result.output
        ids.append(result.stdout.strip().splitlines()[-1])
    conn = sqlite3.connect(store)
    conn.execute(f"UPDATE cases SET {damage} WHERE id = ?", (ids[0],))
    conn.commit()
    conn.close()
    return store, ids[0], ids[1]


DAMAGE = [
    "customer_name = CAST(X'4A6FFF20536D6F6B65' AS TEXT)",  # 'Jo\xff Smoke': not UTF-8
    "staff = CAST(X'4C6565FF' AS TEXT)",
    "segment = 'martian'",
    "status = 'weird'",
    "complaint_number = 'abc'",
    "playbook_version = 'x'",
    "answers = '[]'",
    "answers = 'null'",
    "created_at = 'garbage'",
    """answers = json_set(answers, '$.customer_words', 5)""",
]


@pytest.mark.parametrize("damage", DAMAGE)
def test_list_and_followups_leave_out_the_damaged_row_and_name_it(tmp_path: Path, damage: str) -> None:
    store, bad, good = store_with_damage(tmp_path, damage)
    for args in (
        ["list"],
        ["list", "--format", "json"],
        ["list", "--format", "csv"],
        ["followups", "--upcoming", "30"],
    ):
        result = cli(*args, "--store", str(store))
        assert result.exit_code == 0, (args, result.output)
        assert "unexpected" not in result.output and good in result.stdout, (args, result.output)
        if args[0] == "list":  # every case is listed, or left out and named
            assert bad in result.stdout or f"cannot be read: {bad}" in result.stderr, (args, result.output)


@pytest.mark.parametrize("damage", DAMAGE[:2])
def test_text_that_is_not_utf8_is_left_out_and_named_by_every_reader(tmp_path: Path, damage: str) -> None:
    store, bad, good = store_with_damage(tmp_path, damage)
    for args in (["list"], ["list", "--format", "csv"], ["export"], ["export", "--format", "jsonl"], ["report"]):
        result = cli(*args, "--store", str(store))
        assert result.exit_code == 0, (args, result.output)
        if args != ["report"] or "customer_name" in damage:  # the report reads no staff names
            assert "left out 1 case(s)" in result.stderr and bad in result.stderr, (args, result.stderr)
        assert "\ufffd" not in result.stdout and "unexpected" not in result.output
    assert good in cli("export", "--store", str(store)).stdout
    show = cli("show", bad, "--store", str(store))
    assert show.exit_code == 1
    assert one_line(show.stderr).startswith(f"case {bad} in {store} cannot be read")
    check = cli("check", "--store", str(store))
    assert check.exit_code == 1 and "DAMAGED" in check.stdout and bad in check.stdout


def test_a_schema_that_is_not_utf8_is_one_line_from_check_and_backup(tmp_path: Path) -> None:
    store, _, _ = store_with_damage(tmp_path, "segment = segment")
    conn = sqlite3.connect(store)
    conn.execute("CREATE TABLE zz (a)")
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET name = CAST(X'7AFF' AS TEXT) WHERE name = 'zz'")
    conn.commit()
    conn.close()
    for args in (["check"], ["backup", str(tmp_path / "copy.db")], ["list"]):
        result = cli(*args, "--store", str(store))
        assert result.exit_code == 1, result.output
        assert "the store is damaged" in one_line(result.stderr), result.output
    assert not (tmp_path / "copy.db").exists()


def test_check_names_a_column_dropped_by_hand(tmp_path: Path) -> None:
    """F13: with `resolution` dropped, check said "ok" while export and forget failed."""
    store, _, healthy = store_with_damage(tmp_path, "segment = segment")
    conn = sqlite3.connect(store)
    conn.execute("ALTER TABLE cases DROP COLUMN resolution")
    conn.commit()
    conn.close()
    check = cli("check", "--store", str(store))
    assert check.exit_code == 1 and "DAMAGED" in check.stdout
    assert "table cases lacks column(s) resolution of schema v" in check.stdout
    # and every other command refuses the store at once, in one line, before reading or writing anything
    said = (
        f"{store}: the store's tables do not match its schema (table cases lacks column(s) resolution of schema"
        f" v{SCHEMA_VERSION}) — it was changed by hand; `recover check` names the damage; restore a backup"
    )

    def content() -> tuple[int, list[str]]:  # what the store holds, whatever the WAL's checkpoints did to its bytes
        conn = sqlite3.connect(store)
        try:
            return conn.execute("PRAGMA user_version").fetchone()[0], list(conn.iterdump())
        finally:
            conn.close()

    before = content()
    for args in (
        ["export"],
        ["report", "--format", "json"],
        ["close", healthy, "--resolution", "Refunded"],
        ["note", healthy, "Called back"],
        ["followup", healthy, "--done"],
        ["forget", "--customer", "max.p@example.com", "--yes"],
        ["start", "other", "--answers", str(ANSWERS)],
    ):
        result = cli(*args, "--store", str(store))
        assert result.exit_code == 1 and one_line(result.stderr) == said, (args, result.output)
    assert content() == before  # nothing written, nothing erased, not even migrated
    assert cli("backup", str(tmp_path / "copy.db"), "--store", str(store)).exit_code == 0  # what is there can be saved
