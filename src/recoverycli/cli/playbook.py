"""The trainer's toolkit: list, show, lint, scaffold, schema and drill playbooks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from recoverycli.cli.common import PlaybooksOpt, echo, guarded, make_console, print_json
from recoverycli.cli.formats import Format, ShowFormat
from recoverycli.errors import ExitCode

app = typer.Typer(
    help="Author, check and preview playbooks (for trainers).", no_args_is_help=True, rich_markup_mode=None
)


@guarded
def list_playbooks(
    format: Annotated[Format, typer.Option("--format", help="table for people, json for scripts.")] = Format.table,
    playbooks: PlaybooksOpt = None,
) -> None:
    """Every playbook: id, title, version, category, where it comes from, and what it overrides."""
    from recoverycli.cli.common import library

    lib = library(playbooks)
    books, _ = lib.usable()
    rows = [
        {
            "id": e.playbook.id,
            "title": books[pid].title,
            "version": books[pid].version,
            "category": books[pid].category,
            "source": "bundled" if e.bundled else str(e.directory),
            "file": str(e.source.file),
            "overrides_bundled": pid in lib.overridden and lib.overridden[pid].bundled,
        }
        for pid, e in lib.entries.items()
        if pid in books
    ]
    if format is Format.json:
        print_json(rows)
        return
    from recoverycli.ui import panels

    make_console().print(panels.playbooks_table(rows))


@guarded
def show_playbook(
    playbook_id: Annotated[str, typer.Argument(metavar="ID")],
    format: Annotated[
        ShowFormat, typer.Option("--format", help="table as a clerk meets it; yaml or json: the merged playbook.")
    ] = ShowFormat.table,
    playbooks: PlaybooksOpt = None,
) -> None:
    """The fully merged playbook (after `extends`), as a clerk will meet it."""
    from recoverycli.cli.common import library

    pb = library(playbooks).get(playbook_id)
    data = pb.model_dump(mode="json", exclude_defaults=True, exclude={"extends", "remove_gestures"})
    if format is ShowFormat.json:
        print_json(data)
    elif format is ShowFormat.yaml:
        from recoverycli.playbooks.source import dump_yaml

        sys.stdout.write(dump_yaml(data))
    else:
        from recoverycli.ui import panels

        make_console().print(panels.playbook_view(pb))


@guarded
def lint_playbooks(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[PATH]...", help="Files or directories (default: every playbook directory).", show_default=False
        ),
    ] = None,
    format: Annotated[
        Format, typer.Option("--format", help="table: file:line:col lines; json for editors and CI.")
    ] = Format.table,
    playbooks: PlaybooksOpt = None,
) -> None:
    """Check playbook files and print every problem; exit 1 if any is an error."""
    from recoverycli.playbooks.lint import line, lint

    checked, problems = lint(paths, playbooks)
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    if format is Format.json:
        files = [
            {
                "file": f,
                "errors": sum(p.file == f and p.level == "error" for p in problems),
                "warnings": sum(p.file == f and p.level != "error" for p in problems),
            }
            for f in checked
        ]
        print_json(
            {
                "files": files,
                "problems": [
                    {"file": p.file, "line": p.line, "col": p.col, "level": p.level, "message": p.message}
                    for p in problems
                ],
                "errors": errors,
                "warnings": warnings,
            }
        )
    else:
        for f in checked:
            mine = [p for p in problems if p.file == f]
            for p in mine:
                echo(line(p))
            if not mine:
                echo(f"{f}: ok")
        typer.echo(f"{len(checked)} file(s) checked: {errors} error(s), {warnings} warning(s)")
    if errors:
        raise typer.Exit(ExitCode.ERROR)


@guarded
def new_playbook(
    playbook_id: Annotated[str, typer.Argument(metavar="ID", help="Lower-case id, e.g. late-checkin.")],
    parent: Annotated[str, typer.Option("--from", help="The playbook to extend.")] = "four-step",
    directory: Annotated[Path, typer.Option("--dir", help="Where to write ID.yaml (and the schema file).")] = Path("."),
    playbooks: PlaybooksOpt = None,
) -> None:
    """Scaffold a commented playbook that extends four-step (or --from PARENT) and passes lint."""
    from recoverycli.playbooks.scaffold import SCHEMA_FILE, scaffold

    made = scaffold(playbook_id, parent, directory, playbooks)
    if made.schema is None:
        echo(f"left {directory / SCHEMA_FILE} as it is: it is a symbolic link", err=True)
    else:
        echo(f"also wrote {made.schema}: the schema editors use to check and complete the file", err=True)
    echo(str(made.playbook))
    echo(f"check it with: recover playbook lint {made.playbook}", err=True)
    echo(f"see it with:   recover playbook show {playbook_id} --playbooks {directory}", err=True)


@guarded
def schema() -> None:
    """Print the JSON Schema of a playbook file, for editors (yaml-language-server) and CI."""
    from recoverycli.playbooks.scaffold import schema_of
    from recoverycli.playbooks.schema import Playbook

    print_json(schema_of(Playbook))


@guarded
def drill(
    playbook_id: Annotated[str, typer.Argument(metavar="ID")],
    answers: Annotated[Path, typer.Option("--answers", help="Canned answers, as for `recover start --answers`.")],
    staff: Annotated[
        str | None, typer.Option("--staff", help="Staff name if the file has none.", show_default=False)
    ] = None,
    format: Annotated[Format, typer.Option("--format", help="table for people, json for scripts.")] = Format.table,
    playbooks: PlaybooksOpt = None,
) -> None:
    """Run a playbook end to end with canned answers into a throwaway store, and show the case it makes."""
    import tempfile
    from datetime import date

    from recoverycli.call.answers_file import case_from_file
    from recoverycli.cli.common import library
    from recoverycli.store import open_store

    lib = library(playbooks)
    with tempfile.TemporaryDirectory(prefix="recover-drill-") as tmp:
        st = open_store(Path(tmp) / "drill.db")
        case = st.get(st.add(case_from_file(lib, playbook_id, answers, staff, date.today(), via="drill")).id)
        st.close()
    if format is Format.json:
        from recoverycli.caselog.export import case_record

        print_json(case_record(case))
        return
    from recoverycli.ui import panels

    make_console().print(panels.case_view(case, lib.get(playbook_id)))
