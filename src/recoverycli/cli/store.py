"""Looking after the store: backup, check, and forgetting a customer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from recoverycli.cli.common import (
    StoreOpt,
    echo,
    fail,
    guarded,
    print_json,
    store_at,
)
from recoverycli.cli.formats import Format
from recoverycli.errors import ExitCode

if TYPE_CHECKING:
    from rich.progress import Progress


@guarded
def backup(
    path: Annotated[Path, typer.Argument(help="New file to write the copy to.")],
    store: StoreOpt = None,
) -> None:
    """Write a consistent copy of the case store, while others keep working."""
    store_at(store, create=False, damaged_ok=True).backup(path)
    echo(f"backed up to {path}", err=True)


@guarded
def check(
    format: Annotated[Format, typer.Option("--format", help="table for people, json for scripts.")] = Format.table,
    store: StoreOpt = None,
) -> None:
    """Run an integrity check on the case store and report it."""
    report = store_at(store, create=False, damaged_ok=True).check()
    if format is Format.json:
        print_json(report)
    else:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(report["cases"].items())) or "no cases"
        verdict = "ok" if report["ok"] else "DAMAGED"
        echo(f"{report['path']}: {verdict} · schema v{report['schema_version']} · {counts} · {report['events']} events")
        for problem in report["problems"]:
            echo(f"  {problem}")
    if not report["ok"]:
        raise typer.Exit(ExitCode.ERROR)


@guarded
def forget(
    customer: Annotated[
        str, typer.Option("--customer", metavar="CONTACT_OR_NAME", help="The customer's contact or full name.")
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to confirm (for scripts).")] = False,
    staff: Annotated[
        str | None, typer.Option("--staff", help="Who asks for the erasure (for the event log).", show_default=False)
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Erase a customer's personal data from every case; the anonymised cases stay for statistics."""
    from recoverycli.call.live import rescued_for, staff_name
    from recoverycli.store import utcnow

    st = store_at(store, create=False)
    if not yes:
        if not sys.stdin.isatty():
            fail("forgetting a customer needs confirmation — run it in a terminal, or pass --yes")
        found = st.forget(customer, "", utcnow(), dry_run=True)
        others = (
            f" and {len(found.quoted_in)} other case(s) that quote their full name or contact"
            f" ({', '.join(found.quoted_in)})"
            if found.quoted_in
            else ""
        )
        if not typer.confirm(
            f"Erase this customer's name, contact and words from {len(found.cases)} case(s){others}? This cannot be "
            f"undone",
            default=False,
        ):
            fail("kept — nothing erased")
    done = st.forget(customer, staff_name(staff) or "unknown", utcnow())
    files, unread = rescued_for(customer)
    deleted = [p for p in files if _deleted(p)]
    if not done.cases and not done.listed and not deleted:
        fail(
            "no case matches that customer — give their contact or name as saved (case, accents, spacing and how a "
            "phone number is written do not matter)"
        )
    for case_id in done.cases:
        echo(case_id)
    keys = [
        f"{done.by_contact} by contact ({done.key_contact})" if done.by_contact else "",
        f"{done.by_name} by name ({done.key_name})" if done.by_name else "",
    ]
    found_by = f", found {' and '.join(k for k in keys if k)}" if done.cases else ""
    lists = (
        f" and {len(done.listed)} crisis list entr{'y' if len(done.listed) == 1 else 'ies'} ({', '.join(done.listed)})"
        if done.listed
        else ""
    )
    echo(f"erased personal data from {len(done.cases)} case(s){lists}{found_by}", err=True)
    if done.quoted_in:
        echo(
            f"also erased their name or contact where {len(done.quoted_in)} other case(s) quoted it: "
            f"{', '.join(done.quoted_in)}",
            err=True,
        )
    if done.crisis_logs:
        logs = ", ".join(f"crisis {c}'s" for c in done.crisis_logs)
        echo(f"also erased their full name or contact from {logs} supplier log and events", err=True)
    if deleted:
        many = "s" if len(deleted) > 1 else ""
        echo(f"deleted {len(deleted)} rescue file{many} that held them: {', '.join(map(str, deleted))}", err=True)
    for path in [p for p in files if p not in deleted] + unread:
        echo(
            f"could not erase or read {path} (a call's rescue file) — open it and delete it if it holds them", err=True
        )
    echo(
        "backups and exports made before now still hold their data — delete them, or make them again "
        "(recover backup, recover export)",
        err=True,
        fg="yellow",
    )
    if st.erasure_note:
        echo(st.erasure_note, err=True, fg="yellow")
    if done.lingering:
        fail(
            f"not finished: {done.lingering} — end it (recover watch, a long export), then run this forget again "
            f"(it finds nothing left to erase, and clears the old copies)"
        )


def _deleted(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except OSError:
        return False


app = typer.Typer(
    help="The store itself: bring its schema up to date, copy a desk's log into the shared store.", no_args_is_help=True
)


@guarded
def migrate(store: StoreOpt = None) -> None:
    """Bring a store's schema up to date (creating it in an empty PostgreSQL database). Run as the store's owner."""
    st = store_at(store, create=True, migrate=True)
    before, after = st.migrate()
    if getattr(st, "created", False):  # a typo in the path must not look like the store it meant
        echo(f"{st.label}: created a new, empty case store (schema v{after}) — there was none at this path", err=True)
    elif before == after:
        echo(f"{st.label}: schema v{after}, already up to date", err=True)
    else:
        echo(f"{st.label}: schema v{before} → v{after}", err=True)
    rekeyed = st.rekey_names()  # a data fix: customer name keys as the repeat lookup now writes them
    if rekeyed:
        echo(f"{st.label}: {rekeyed} customer name key(s) brought up to date for the repeat lookup", err=True)


@guarded
def copy(
    source: Annotated[Path, typer.Option("--from", metavar="SQLITE_PATH", help="The desk's own case store file.")],
    target: Annotated[
        str, typer.Option("--to", metavar="URL", help="The shared store: a postgresql:// URL (or another file).")
    ],
    staff: Annotated[
        str | None,
        typer.Option("--staff", help="Who runs the copy (for the event on a renumbered case).", show_default=False),
    ] = None,
    format: Annotated[Format, typer.Option("--format", help="table for people, json for scripts.")] = Format.table,
) -> None:
    """Copy every case (not drafts) into another store; running it again copies nothing twice. Verified case by case."""
    from recoverycli.call.live import staff_name
    from recoverycli.store import open_store
    from recoverycli.store.copy import copy_cases, live_count

    src = open_store(source, create=False)
    dst = open_store(target, create=True)
    if src.label == dst.label:
        fail("--from and --to are the same store — give the desk's file and the shared store's URL")
    total = live_count(src)
    progress = _progress(total)
    with progress:
        task = progress.add_task("copying cases", total=total)
        report = copy_cases(
            src, dst, staff_name(staff) or "store copy", tick=lambda: progress.advance(task), total=total
        )
    if format is Format.json:
        from dataclasses import asdict

        print_json({**asdict(report), "ok": report.ok, "from": src.label, "to": dst.label})
    else:
        echo(
            f"{report.source_cases} case(s) in {src.label}: {len(report.copied)} copied, "
            f"{len(report.renumbered)} copied under a new id, {len(report.updated)} brought up to date, "
            f"{len(report.unchanged)} already there",
            err=True,
        )
        for old, new in report.renumbered.items():
            echo(f"  {old} is {new} in {dst.label} (its id was taken there)", err=True)
        if report.drafts_left:
            typer.echo(
                f"  {report.drafts_left} draft(s) not copied: calls still in progress — finish or discard them, "
                f"then copy again",
                err=True,
            )
        for case_id in report.conflicts:
            echo(
                f"  {case_id} changed in both stores since the last copy — left as it is in {dst.label}",
                fg="yellow",
                err=True,
            )
        verdict = "verified" if not report.mismatched else "MISMATCH"
        echo(
            f"{verdict}: {report.verified} of {report.source_cases - len(report.conflicts)} case(s) read back "
            f"with the same content hash",
            err=True,
        )
        for case_id in report.mismatched:
            echo(f"  {case_id}: differs in {dst.label} after the copy", fg="red", err=True)
    if not report.ok:
        raise typer.Exit(ExitCode.ERROR)


def _progress(total: int) -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from recoverycli.cli.common import make_console

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=make_console(stderr=True),
        transient=True,
        disable=total == 0,
    )
