"""After the call: follow-ups, notes, closing and reopening."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from recoverycli import startup
from recoverycli.cli.common import (
    MAX_DAYS,
    MAX_INTERVAL,
    ForceOpt,
    StaffOpt,
    StoreOpt,
    echo,
    fail,
    guarded,
    make_console,
    print_json,
    staff_for_change,
    store_at,
    store_location,
    warn_left_out,
    within,
)
from recoverycli.cli.formats import ListFormat
from recoverycli.errors import UsageError


@guarded
def followups(
    upcoming: Annotated[int, typer.Option("--upcoming", min=0, help="Also those due in the next N days.")] = 0,
    format: Annotated[
        ListFormat, typer.Option("--format", help="table for people; json or csv for scripts.")
    ] = ListFormat.table,
    ics: Annotated[
        Path | None,
        typer.Option("--ics", help="Also write them as an iCalendar file for staff calendars.", show_default=False),
    ] = None,
    force: ForceOpt = False,
    store: StoreOpt = None,
) -> None:
    """Follow-ups due today and overdue, most urgent first: the promises to keep."""
    from datetime import date

    from recoverycli.caselog import followups as fu
    from recoverycli.caselog.filters import due_filter
    from recoverycli.errors import NotFoundError
    from recoverycli.files import check_output

    within(upcoming, "--upcoming", MAX_DAYS, " days")
    if ics is not None:
        check_output(ics, force, [store_location(store)], "calendar")  # before any work: never onto the store
    today = date.today()
    st = None
    try:
        st = store_at(store, create=False)
        cases = st.cases(due_filter(today, upcoming), order="follow_up", events=ics is not None)
    except NotFoundError:
        cases = []
    rows = list(fu.due(cases, today))
    if ics is not None:
        fu.write_ics(rows, ics, {c.id: fu.sequence(c) for c in cases}, force=force, stores=[store_location(store)])
        echo(f"wrote {len(rows)} follow-up(s) to {ics}", err=True)
    if format is ListFormat.json:
        print_json(rows)
    elif format is ListFormat.csv:
        from recoverycli.caselog import export

        export.write_csv((tuple(r.values()) for r in rows), sys.stdout, fu.FIELDS, guard=True)
    elif not rows:
        make_console(stderr=True).print("Nothing due. Every promise is kept.")
    else:
        from recoverycli.ui import panels

        make_console().print(panels.followups_table(rows))
    warn_left_out(st)


@guarded
def followup(
    case_id: Annotated[str, typer.Argument(metavar="CASE")],
    done: Annotated[bool, typer.Option("--done", help="The follow-up happened.")] = False,
    note: Annotated[
        str | None, typer.Option("--note", help="How it went, how the customer felt.", show_default=False)
    ] = None,
    reschedule_to: Annotated[
        str | None,
        typer.Option("--reschedule", metavar="DATE", help="Move the follow-up to DATE.", show_default=False),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why it moves (required with --reschedule).", show_default=False)
    ] = None,
    staff: StaffOpt = None,
    store: StoreOpt = None,
) -> None:
    """Record a follow-up as done, or move it to another day."""
    from datetime import date

    from recoverycli.caselog import changes

    if done == (reschedule_to is not None):
        raise UsageError("give either --done or --reschedule DATE")
    if reschedule_to is not None and not reason:
        raise UsageError('--reschedule needs --reason "…" — say why the promise moves')
    who = staff_for_change(staff)
    st = store_at(store, create=False)
    if reschedule_to is None:  # so --done
        case = changes.follow_up_done(st, case_id, who, note)
        echo(f"{case.id}: follow-up done", err=True)
    else:
        case = changes.reschedule(st, case_id, who, reschedule_to, reason or "", date.today())
        echo(f"{case.id}: follow-up moved to {case.answers['follow_up_date']}", err=True)


@guarded
def note(
    case_id: Annotated[str, typer.Argument(metavar="CASE")],
    text: Annotated[str, typer.Argument(help="The note, in quotes.")],
    staff: StaffOpt = None,
    store: StoreOpt = None,
) -> None:
    """Add a note to a case's history."""
    from recoverycli.caselog import changes

    case = changes.add_note(store_at(store, create=False), case_id, staff_for_change(staff), text)
    echo(f"{case.id}: note added", err=True)


@guarded
def close(
    case_id: Annotated[str, typer.Argument(metavar="CASE")],
    resolution: Annotated[str, typer.Option("--resolution", help="How it ended.")],
    staff: StaffOpt = None,
    store: StoreOpt = None,
) -> None:
    """Close a case with its resolution."""
    from recoverycli.caselog import changes

    case = changes.close(store_at(store, create=False), case_id, staff_for_change(staff), resolution)
    echo(f"{case.id}: closed", err=True)


@guarded
def reopen(
    case_id: Annotated[str, typer.Argument(metavar="CASE")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why it is open again.", show_default=False)] = None,
    staff: StaffOpt = None,
    store: StoreOpt = None,
) -> None:
    """Reopen a closed case."""
    from recoverycli.caselog import changes

    case = changes.reopen(store_at(store, create=False), case_id, staff_for_change(staff), reason)
    echo(f"{case.id}: open again", err=True)


@guarded
def system_fix(
    case_id: Annotated[str, typer.Argument(metavar="CASE")],
    root_cause: Annotated[str | None, typer.Option("--root-cause", help="What caused it.", show_default=False)] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Who fixes the system side.", show_default=False)] = None,
    due: Annotated[
        str | None, typer.Option("--due", help="By when (dates as the follow-up takes them).", show_default=False)
    ] = None,
    done: Annotated[bool, typer.Option("--done", help="The system fix is done.")] = False,
    staff: StaffOpt = None,
    store: StoreOpt = None,
) -> None:
    """The second track: root cause, owner, due date, done — filled in after the customer is looked after."""
    from datetime import date

    from recoverycli.caselog import changes

    if not (root_cause or owner or due or done):
        raise UsageError("give --root-cause, --owner, --due and/or --done")
    case = changes.system_fix(
        store_at(store, create=False), case_id, staff_for_change(staff), root_cause, owner, due, done, date.today()
    )
    echo(f"{case.id}: system fix {'done' if done else 'updated'}", err=True)


@guarded
def watch(
    interval: Annotated[float, typer.Option("--interval", min=0.2, help="Seconds between looks at the store.")] = 2.0,
    notify_: Annotated[
        bool,
        typer.Option(
            "--notify",
            help=(
                "Also page through the [notify] channels: follow-ups falling overdue, emergencies a desk could not "
                "deliver, every retry."
            ),
        ),
    ] = False,
    store: StoreOpt = None,
) -> None:
    """A live feed for the duty manager: new cases, second-complaint emergencies, follow-ups falling overdue."""
    from datetime import date, datetime

    from recoverycli.caselog.watch import FeedState, poll

    within(interval, "--interval", MAX_INTERVAL, " s")
    st = store_at(store, create=False)
    settings = None
    if notify_:
        from recoverycli import notify

        settings = notify.load_settings()
        if not (settings.for_kind("emergency") or settings.for_kind("overdue") or settings.for_kind("crisis")):
            fail(
                "--notify: no channel receives emergency, overdue or crisis notices — add them to the [notify] table "
                "of "
                "the config file or to RECOVER_NOTIFY (docs/notifications.md)"
            )
    state = FeedState()
    poll(st, state, date.today())
    how = "as it happens (PostgreSQL notifications)" if st.live else f"every {interval:g} s"
    echo(f"watching {st.label} {how}{', paging' if settings else ''} — Ctrl-C to stop", err=True)
    colours = {"emergency": "red", "overdue": "yellow", "new-case": None}
    startup.settled()  # a long-running feed: collect as usual from here on
    try:
        while True:
            if settings is not None:
                for sent in notify.sweep(st, settings, date.today()):
                    echo(f"{datetime.now():%H:%M:%S}  {sent.line()}", fg="green" if sent.ok else "yellow")
            st.wait_for_change(interval)
            for item in poll(st, state, date.today()):
                echo(
                    f"{datetime.now():%H:%M:%S}  {item.case_id}  {item.text}",
                    fg=colours[item.kind],
                    bold=item.kind == "emergency",
                )
    except KeyboardInterrupt:
        typer.echo("stopped watching", err=True)
