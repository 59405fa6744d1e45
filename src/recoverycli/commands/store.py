"""Looking after the store: backup, check, and forgetting a customer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from recoverycli.commands.common import (
    Format,
    StoreOpt,
    fail,
    guarded,
    print_json,
    store_at,
)


@guarded
def backup(
    path: Annotated[Path, typer.Argument(help="New file to write the copy to.")],
    store: StoreOpt = None,
) -> None:
    """Write a consistent copy of the case store, while others keep working."""
    store_at(store, create=False).backup(path)
    typer.echo(f"backed up to {path}", err=True)


@guarded
def check(
    format: Annotated[Format, typer.Option("--format", help="table for people, json for scripts.")] = Format.table,
    store: StoreOpt = None,
) -> None:
    """Run an integrity check on the case store and report it."""
    report = store_at(store, create=False).check()
    if format is Format.json:
        print_json(report)
    else:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(report["cases"].items())) or "no cases"
        verdict = "ok" if report["ok"] else "DAMAGED"
        typer.echo(f"{report['path']}: {verdict} · schema v{report['schema_version']} · {counts} · {report['events']} events")
        for problem in report["problems"]:
            typer.echo(f"  {problem}")
    if not report["ok"]:
        raise typer.Exit(1)


@guarded
def forget(
    customer: Annotated[str, typer.Option("--customer", metavar="CONTACT_OR_NAME", help="The customer's contact or full name.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to confirm (for scripts).")] = False,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Who asks for the erasure (for the event log).", show_default=False)] = None,
    store: StoreOpt = None,
) -> None:
    """Erase a customer's personal data from every case; the anonymised cases stay for statistics."""
    from recoverycli.config import staff_name
    from recoverycli.store import utcnow

    st = store_at(store, create=False)
    if not yes:
        if not sys.stdin.isatty():
            fail("forgetting a customer needs confirmation — run it in a terminal, or pass --yes")
        if not typer.confirm("Erase this customer's name, contact and words from every case? This cannot be undone", default=False):
            fail("kept — nothing erased")
    ids = st.forget(customer, staff_name(staff) or "unknown", utcnow())
    if not ids:
        fail("no case matches that customer — give the exact contact or full name as saved")
    sys.stdout.write("\n".join(ids) + "\n")
    typer.echo(f"erased personal data from {len(ids)} case(s)", err=True)
