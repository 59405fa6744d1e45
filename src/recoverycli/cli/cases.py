"""Reading cases: show, list and export."""

from __future__ import annotations

import sys
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO, cast

import typer

from recoverycli.cli.common import (
    MAX_LIMIT,
    CustomerOpt,
    ForceOpt,
    OverdueOpt,
    PlaybookFilter,
    PlaybooksOpt,
    SinceOpt,
    StaffFilter,
    StatusOpt,
    StoreOpt,
    SystemFixOpt,
    UntilOpt,
    case_filter,
    date_range,
    echo,
    guarded,
    make_console,
    print_json,
    stdout_failed,
    store_at,
    store_location,
    warn_left_out,
    within,
)
from recoverycli.cli.formats import ExportFormat, Format, ListFormat, ReportFormat, Zone
from recoverycli.errors import UsageError

if TYPE_CHECKING:
    from recoverycli.caselog.filters import CaseFilter
    from recoverycli.playbooks.schema import Playbook
    from recoverycli.store import BaseStore


@guarded
def show(
    case_id: Annotated[str, typer.Argument(metavar="CASE", help="Case id, e.g. RC-7K3QX.")],
    format: Annotated[Format, typer.Option("--format", help="table for people, json for scripts.")] = Format.table,
    store: StoreOpt = None,
    playbooks: PlaybooksOpt = None,
) -> None:
    """Show one case: customer, answers and history."""
    case = store_at(store, create=False).get(case_id)
    if format is Format.json:
        from recoverycli.caselog.export import case_record

        print_json(case_record(case))
        return
    from recoverycli.ui import panels

    make_console().print(panels.case_view(case, playbook_or_none(case.playbook.id, playbooks)))


def playbook_or_none(playbook_id: str, dirs: list[Path] | None) -> Playbook | None:
    """Labels for a case view; a case must still show if its playbook is gone or broken."""
    from recoverycli.errors import RecoverError
    from recoverycli.playbooks.library import Library

    try:
        return Library.default(dirs).get(playbook_id)
    except RecoverError:
        return None


@guarded
def list_cases(
    status: StatusOpt = None,
    playbook: PlaybookFilter = None,
    customer: CustomerOpt = None,
    staff: StaffFilter = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    overdue: OverdueOpt = False,
    system_fix_open: SystemFixOpt = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many, newest first.")] = 20,
    format: Annotated[
        ListFormat, typer.Option("--format", help="table for people; json or csv for scripts.")
    ] = ListFormat.table,
    store: StoreOpt = None,
) -> None:
    """List recent cases, newest first."""
    from recoverycli.errors import NotFoundError

    filt = case_filter(status, playbook, customer, staff, since, until, overdue, system_fix_open)
    within(limit, "--limit", MAX_LIMIT)
    try:
        st = store_at(store, create=False)
    except NotFoundError:
        st = None
    if format is ListFormat.csv:
        from recoverycli.caselog import export

        rows = st.export_rows(export.COLUMNS, filt, "newest", limit, neutralise=True) if st else []
        export.write_csv(rows, sys.stdout, export.COLUMNS)
        if st:
            warn_unreadable(st, filt)
        return
    cases = st.cases(filt, limit=limit) if st else []
    if format is ListFormat.json:
        from recoverycli.caselog.export import case_record

        print_json([case_record(c) for c in cases])
    elif not cases:
        make_console(stderr=True).print("No cases match." if st else "No cases yet. Start one with `recover start`.")
    else:
        from recoverycli.ui import panels

        make_console().print(panels.cases_table(cases))
    warn_left_out(st)


@guarded
def export(
    format: Annotated[
        ExportFormat, typer.Option("--format", help="csv, jsonl (one object a line) or json (an array).")
    ] = ExportFormat.csv,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here instead of stdout (created 0600).", show_default=False),
    ] = None,
    force: ForceOpt = False,
    columns: Annotated[
        str | None,
        typer.Option("--columns", help="Comma-separated columns to keep, in this order.", show_default=False),
    ] = None,
    raw: Annotated[bool, typer.Option("--raw", help="CSV: do not neutralise cells that look like formulas.")] = False,
    excel: Annotated[bool, typer.Option("--excel", help="CSV: start with a UTF-8 BOM so Excel shows accents.")] = False,
    tz: Annotated[Zone, typer.Option("--tz", help="Timestamps in UTC or in this machine's local time.")] = Zone.utc,
    status: StatusOpt = None,
    playbook: PlaybookFilter = None,
    customer: CustomerOpt = None,
    staff: StaffFilter = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    overdue: OverdueOpt = False,
    system_fix_open: SystemFixOpt = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most this many.", show_default=False)] = None,
    store: StoreOpt = None,
) -> None:
    """Stream every matching case as CSV, JSON lines or JSON, oldest first; nothing but data on stdout."""
    from recoverycli.caselog import export as ex
    from recoverycli.files import check_output

    cols = ex.pick_columns(columns)
    filt = case_filter(status, playbook, customer, staff, since, until, overdue, system_fix_open)
    filt.live_only = True  # a draft is a call still in progress, not yet a case to report on (unless --status draft)
    within(limit, "--limit", MAX_LIMIT)
    if output is not None:
        check_output(output, force, [store_location(store)], "export")  # before any work: never onto the store
    st = store_at(store, create=False)
    how = {"raw": raw, "excel": excel, "local": tz is Zone.local}
    if output is not None:
        ex.export_to_file(
            st, output, format.value, cols, filt, limit, force=force, protect=[store_location(store)], **how
        )
        echo(f"exported to {output}", err=True)
    else:
        out = raw_stdout()
        try:
            ex.write_cases(st, out, format.value, cols, filt, limit, **how)
            out.close()
        except BrokenPipeError:
            raise
        except OSError as e:
            stdout_failed(e)
    warn_unreadable(st, filt)


def warn_unreadable(st: BaseStore, filt: CaseFilter) -> None:
    """One bad row never stops an export or a report: it is left out, and named on stderr."""
    warn_skipped(st.unreadable(filt))


def warn_skipped(skipped: list[str]) -> None:
    if skipped:
        echo(
            f"left out {len(skipped)} case(s) whose stored answers cannot be read: {', '.join(skipped[:10])}"
            f"{' …' if len(skipped) > 10 else ''} — run `recover check`",
            err=True,
            fg="yellow",
        )


def raw_stdout() -> TextIO:
    """stdout as UTF-8 with no newline translation (CSV wants CRLF) and a large buffer."""
    import io

    sys.stdout.flush()
    try:
        return open(sys.stdout.fileno(), "w", encoding="utf-8", newline="", buffering=1 << 20, closefd=False)
    except (OSError, io.UnsupportedOperation, AttributeError):  # an in-memory stdout, as in tests
        return cast("TextIO", _Unclosable(sys.stdout))  # writes like a stream; closing it leaves stdout open


class _Unclosable:
    def __init__(self, stream: TextIO) -> None:
        self.write, self.writelines = stream.write, stream.writelines

    def close(self) -> None:
        pass


@guarded
def report(
    since: SinceOpt = None,
    until: UntilOpt = None,
    playbook: PlaybookFilter = None,
    staff: StaffFilter = None,
    show_customers: Annotated[
        bool, typer.Option("--show-customers", help="Name the customers who complained again.")
    ] = False,
    format: Annotated[
        ReportFormat, typer.Option("--format", help="table in the terminal, json for scripts, html for a page.")
    ] = ReportFormat.table,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report here (the table as plain text).", show_default=False),
    ] = None,
    force: ForceOpt = False,
    store: StoreOpt = None,
    playbooks: PlaybooksOpt = None,
) -> None:
    """Trends, root causes, promises kept and speed: the last 30 days unless --since/--until."""
    import json
    from datetime import date, datetime

    from recoverycli.caselog.report import make_report
    from recoverycli.cli.common import library
    from recoverycli.files import check_output, write_output

    if output is not None:
        check_output(output, force, [store_location(store)], "report")  # before any work: never onto the store
    today = date.today()
    start, end = date_range(since, until, today)
    books, _ = library(playbooks).usable()
    st = store_at(store, create=False)
    made = make_report(st, books, today, datetime.now(UTC), start, end, playbook, staff, show_customers)
    data = made.data
    warn_skipped(made.unreadable)
    if format is ReportFormat.table and output is None:
        from recoverycli.ui import report as report_view

        console = make_console()
        console.print(report_view.terminal(data, console.width))
        return
    if format is ReportFormat.table:  # the same table as plain text, 100 columns wide, for a file or a mail
        import io

        from rich.console import Console

        from recoverycli.ui import report as report_view

        buffer = io.StringIO()
        Console(file=buffer, width=100, color_system=None, force_terminal=False).print(report_view.terminal(data, 100))
        text = buffer.getvalue()
    elif format is ReportFormat.html:
        from recoverycli.ui import report as report_view

        text = report_view.html(data)
    else:
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        if format is ReportFormat.html:
            raise UsageError("--format html needs --output FILE (a page is not for the terminal)")
        sys.stdout.write(text)
        return
    write_output(output, text, force, [store_location(store)], "report")
    echo(f"wrote {output}", err=True)
