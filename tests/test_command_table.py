"""The command line is public: every command comes from one table, and the --format choices scripts use stay put."""

from __future__ import annotations

import typer.main

from recoverycli.cli import COMMANDS, GROUPS, app
from recoverycli.cli.formats import ExportFormat, Format, ListFormat, ReportFormat, ShowFormat, UpdateFormat, Zone


def _words(group, prefix: str = "") -> list[str]:
    out = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            out += _words(command, f"{prefix}{name} ")
        else:
            out.append(prefix + name)
    return out


def test_every_command_is_registered_once_from_the_table() -> None:
    words = [w for w, _ in COMMANDS]
    assert len(words) == len(set(words))
    assert sorted(_words(typer.main.get_command(app))) == sorted(words)
    assert {w.split(" ")[0] for w in words if " " in w} == set(GROUPS)


def test_the_format_choices_are_the_ones_scripts_rely_on() -> None:
    choices = {e.__name__: [m.value for m in e] for e in (Format, ListFormat, ExportFormat, ReportFormat, ShowFormat)}
    assert choices == {
        "Format": ["table", "json"],
        "ListFormat": ["table", "json", "csv"],
        "ExportFormat": ["csv", "jsonl", "json"],
        "ReportFormat": ["table", "json", "html"],
        "ShowFormat": ["table", "yaml", "json"],
    }
    assert [m.value for m in UpdateFormat] == ["csv", "jsonl"] and [m.value for m in Zone] == ["utc", "local"]


def test_export_formats_are_the_ones_the_core_writes() -> None:
    from recoverycli.caselog.export import FORMATS

    assert tuple(m.value for m in ExportFormat) == FORMATS
