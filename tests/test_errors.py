"""Exit codes: named once, raised by the core, turned into a line and a number in one place (cli.common.guarded)."""

from __future__ import annotations

from datetime import date

import pytest
import typer

from recoverycli.caselog.filters import as_date
from recoverycli.cli.common import fail, guarded
from recoverycli.errors import ExitCode, NothingChanged, RecoverError, UsageError


def test_exit_codes_keep_the_numbers_scripts_rely_on() -> None:
    assert {c.name: int(c) for c in ExitCode} == {
        "OK": 0,
        "ERROR": 1,
        "USAGE": 2,
        "NOTHING_DUE": 3,
        "INTERRUPTED": 130,
    }


def test_a_date_the_core_cannot_read_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as caught:
        as_date("the day after never", date(2026, 11, 20), "--since")
    assert caught.value.exit_code == ExitCode.USAGE and caught.value.message.startswith("--since: ")


def _exit_of(fn) -> int:
    with pytest.raises(typer.Exit) as caught:
        guarded(fn)()
    return caught.value.exit_code


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError("--limit: too many"), 2),
        (RecoverError("no such case"), 1),
        (NothingChanged("already done"), 0),
        (KeyboardInterrupt(), 130),
        (RecoverError("nobody due", ExitCode.NOTHING_DUE), 3),
    ],
)
def test_guarded_turns_each_error_into_its_exit_code(error: BaseException, code: int, capsys) -> None:
    def command() -> None:
        raise error

    assert _exit_of(command) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_fail_ends_the_command_through_guarded_with_one_line(capsys) -> None:
    def command() -> None:
        fail("kept — nothing discarded")

    assert _exit_of(command) == ExitCode.ERROR
    assert capsys.readouterr().err == "kept — nothing discarded\n"
