"""The Typer layer: parse arguments, call the core, render. Heavy imports stay inside commands."""

from __future__ import annotations

import functools
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Callable, Optional, TypeVar

import typer

app = typer.Typer(
    name="recover",
    help="Service recovery, step by step: apologise, review, fix and follow up, document.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

F = TypeVar("F", bound=Callable[..., Any])


class Format(str, Enum):
    table = "table"
    json = "json"


StoreOpt = Annotated[
    Optional[Path],
    typer.Option("--store", envvar="RECOVER_STORE", help="Case store file (default: per-user data dir).", show_default=False),
]
PlaybooksOpt = Annotated[
    Optional[list[Path]],
    typer.Option("--playbooks", help="Extra playbook directory; repeatable. Also RECOVER_PLAYBOOKS.", show_default=False),
]


def fail(message: str, code: int = 1) -> None:
    typer.secho(message, fg="red", err=True)
    raise typer.Exit(code)


def guarded(fn: F) -> F:
    """Turn our errors into one red line and an exit code; never show a traceback to the clerk."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from recoverycli.errors import RecoverError

        try:
            return fn(*args, **kwargs)
        except RecoverError as e:
            fail(e.message, e.exit_code)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except BrokenPipeError:  # `recover export | head`: the reader has all it wanted
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as e:  # noqa: BLE001 - the last line of defence
            fail(f"unexpected error ({type(e).__name__}) — details in {_log_crash()}")

    return wrapper  # type: ignore[return-value]


def _log_crash() -> str:
    import traceback
    from datetime import datetime, timezone

    from recoverycli.config import data_dir

    try:
        path = data_dir() / "recover.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            # frames and the exception type only: its message may quote a customer's words
            exc = sys.exc_info()[1]
            fh.write(f"--- {datetime.now(timezone.utc).isoformat()} recover {' '.join(sys.argv[1:2])}\n")
            fh.write("".join(traceback.format_tb(exc.__traceback__ if exc else None)))
            fh.write(f"{type(exc).__name__}\n")
        path.chmod(0o600)
        return str(path)
    except OSError:
        return "(no log: data directory not writable)"


def _store(path: Optional[Path], create: bool = True):
    from recoverycli.config import default_store
    from recoverycli.store import open_store

    return open_store(path or default_store(), create=create)


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _print_json(data: Any) -> None:
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@app.command()
@guarded
def start(
    playbook: Annotated[Optional[str], typer.Argument(help="Playbook id, e.g. room-failure; omit to pick from a list.", show_default=False)] = None,
    answers: Annotated[Optional[Path], typer.Option("--answers", help="Answer every prompt from this YAML file; prints the case id alone.", show_default=False)] = None,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Your name (else RECOVER_STAFF, else asked once and remembered).", show_default=False)] = None,
    store: StoreOpt = None,
    playbooks: PlaybooksOpt = None,
) -> None:
    """Walk through a recovery during a live call and save the case."""
    from datetime import date

    from recoverycli.playbooks import Library
    from recoverycli.wizard import Call, case_from_call, run_call

    lib = Library.default(playbooks)
    if answers is not None:
        from recoverycli.answers import FileAsker, load_answers
        from recoverycli.config import staff_name
        from recoverycli.errors import AnswersError

        data = load_answers(answers)
        pb = lib.get(playbook or data.playbook or "other")
        who = (staff or "").strip() or data.staff or staff_name(None)
        if not who:
            raise AnswersError(f"{answers}: no staff name — add `staff: Your Name` to the file, or pass --staff / set RECOVER_STAFF")
        st = _store(store)
        asker = FileAsker(data)
        call = run_call(asker, Call(playbook=pb, staff=who, today=date.today()))
        asker.verdict(call)
        saved = st.add(case_from_call(call, via="answers"))
        sys.stdout.write(saved.id + "\n")
        return

    _need_terminal("recover start")
    from recoverycli import terminal
    from recoverycli.config import remember, staff_name

    st = _store(store)  # open it before the first question: a bad store must not cost a typed call
    pb_id = playbook or terminal.choose_playbook(lib.catalogue())
    pb = lib.get(pb_id)
    who = staff_name(staff)
    if who is None:
        who = terminal.ask_staff()
        remember("staff", who)
    console = _console()
    console.print(f"[bold]{pb.title}[/bold] · {pb.description}")
    _live_call(console, st, Call(playbook=pb, staff=who, today=date.today()), draft=None)


def _need_terminal(what: str) -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        fail(f"{what} needs a terminal to ask its questions — run it in a terminal, or pass --answers FILE")


def _live_call(console, st, call, draft) -> None:
    """Ask, autosaving every answer; on Ctrl-C say how to pick the call up again."""
    from recoverycli import terminal
    from recoverycli.session import Autosave
    from recoverycli.wizard import run_call

    autosave = Autosave(st, via="wizard", draft=draft)
    call.on_answer = autosave
    try:
        run_call(terminal.TerminalAsker(console), call, skip_answered=draft is not None)
    except KeyboardInterrupt:
        if autosave.case_id is None:
            fail("interrupted — nothing had been answered, so nothing was saved", 130)
        fail(f"interrupted — every answer so far is kept; continue with: recover resume {autosave.case_id}", 130)
    saved = autosave.finish(call)
    console.print(f"\n[bold green]Saved case {saved.id}[/bold green] · follow-up on {call.answers.get('follow_up_date', '—')}")


@app.command()
@guarded
def resume(
    case_id: Annotated[Optional[str], typer.Argument(metavar="[CASE]", help="Draft to continue; omit to choose from your drafts.", show_default=False)] = None,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Whose drafts to list (else RECOVER_STAFF or the remembered name).", show_default=False)] = None,
    store: StoreOpt = None,
    playbooks: PlaybooksOpt = None,
) -> None:
    """Continue a call that was interrupted, at the first unanswered question."""
    from datetime import date

    from recoverycli import render, terminal
    from recoverycli.config import staff_name
    from recoverycli.errors import NotFoundError, RecoverError
    from recoverycli.playbooks import Library
    from recoverycli.wizard import call_from_case

    _need_terminal("recover resume")
    st = _store(store, create=False)
    if case_id is None:
        who = staff_name(staff)
        drafts = st.recent(limit=50, status="draft", staff=who)
        if not drafts:
            raise NotFoundError(f"no drafts to resume{f' for {who}' if who else ''} — `recover list --status draft` shows every draft")
        case_id = terminal.choose_draft(drafts)
    case = st.get(case_id)
    if case.status != "draft":
        raise RecoverError(f"case {case.id} is {case.status}, not a draft — nothing to resume; `recover show {case.id}` shows it")
    pb = Library.default(playbooks).get(case.playbook.id)
    console = _console()
    if pb.content_hash() != case.playbook.hash:
        console.print(f"[yellow]Playbook '{pb.id}' has changed since this call began (v{case.playbook.version} → v{pb.version}). "
                      "Every answer is kept; any new questions will be asked.[/yellow]")
    call = call_from_case(case, pb, date.today())
    console.print(render.call_summary(call, title=f"Captured so far · {case.id}"))
    _live_call(console, st, call, draft=case)


@app.command()
@guarded
def discard(
    case_id: Annotated[str, typer.Argument(metavar="CASE", help="The draft to drop.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to confirm (for scripts).")] = False,
    store: StoreOpt = None,
) -> None:
    """Drop a draft for good (open and closed cases are never deleted)."""
    from recoverycli.errors import RecoverError

    st = _store(store, create=False)
    case = st.get(case_id)
    if case.status != "draft":
        raise RecoverError(f"case {case.id} is {case.status}, not a draft — only drafts can be discarded")
    if not yes:
        if not sys.stdin.isatty():
            fail(f"discarding {case.id} needs confirmation — run it in a terminal, or pass --yes")
        if not typer.confirm(f"Discard draft {case.id} ({len(case.answers)} answers)? This cannot be undone", default=False):
            fail("kept — nothing discarded")
    st.discard(case.id)
    typer.echo(f"discarded {case.id}", err=True)


@app.command()
@guarded
def show(
    case_id: Annotated[str, typer.Argument(metavar="CASE", help="Case id, e.g. RC-7K3QX.")],
    format: Annotated[Format, typer.Option("--format", help="table for people, json for scripts.")] = Format.table,
    store: StoreOpt = None,
    playbooks: PlaybooksOpt = None,
) -> None:
    """Show one case: customer, answers and history."""
    case = _store(store, create=False).get(case_id)
    if format is Format.json:
        _print_json(case.model_dump(mode="json"))
        return
    from recoverycli import render

    _console().print(render.case_view(case, _playbook_or_none(case.playbook.id, playbooks)))


def _playbook_or_none(playbook_id: str, dirs: Optional[list[Path]]):
    """Labels for a case view; a case must still show if its playbook is gone or broken."""
    from recoverycli.errors import RecoverError
    from recoverycli.playbooks import Library

    try:
        return Library.default(dirs).get(playbook_id)
    except RecoverError:
        return None


class ListFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class ExportFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"
    json = "json"


class Zone(str, Enum):
    utc = "utc"
    local = "local"


StatusOpt = Annotated[Optional[str], typer.Option("--status", help="draft, open or closed.", show_default=False)]
PlaybookFilter = Annotated[Optional[str], typer.Option("--playbook", help="Only this playbook id.", show_default=False)]
CustomerOpt = Annotated[Optional[str], typer.Option("--customer", help="Name or contact contains this text.", show_default=False)]
StaffFilter = Annotated[Optional[str], typer.Option("--staff", help="Only cases taken by this staff member.", show_default=False)]
SinceOpt = Annotated[Optional[str], typer.Option("--since", help="Created on or after (2026-11-01, -7d, 7 days ago, mon …).", show_default=False)]
UntilOpt = Annotated[Optional[str], typer.Option("--until", help="Created on or before (same forms).", show_default=False)]
OverdueOpt = Annotated[bool, typer.Option("--overdue", help="Only open cases whose follow-up date has passed.")]


def _filter(status, playbook, customer, staff, since, until, overdue):
    from datetime import date

    from recoverycli.query import CaseFilter, as_date

    today = date.today()
    return CaseFilter(status=status, playbook=playbook, customer=customer, staff=staff,
                      since=as_date(since, today, "--since"), until=as_date(until, today, "--until"),
                      overdue=overdue, today=today)


@app.command("list")
@guarded
def list_cases(
    status: StatusOpt = None,
    playbook: PlaybookFilter = None,
    customer: CustomerOpt = None,
    staff: StaffFilter = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    overdue: OverdueOpt = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many, newest first.")] = 20,
    format: Annotated[ListFormat, typer.Option("--format", help="table for people; json or csv for scripts.")] = ListFormat.table,
    store: StoreOpt = None,
) -> None:
    """List recent cases, newest first."""
    from recoverycli.errors import NotFoundError

    where, args = _filter(status, playbook, customer, staff, since, until, overdue).sql()
    try:
        st = _store(store, create=False)
    except NotFoundError:
        st = None
    if format is ListFormat.csv:
        from recoverycli import export

        rows = st.export_rows(export.COLUMNS, where, args, "created_at DESC, id", limit, neutralise=True) if st else []
        export.write_csv(rows, sys.stdout, export.COLUMNS)
        return
    cases = st.cases(where, args, limit=limit) if st else []
    if format is ListFormat.json:
        _print_json([c.model_dump(mode="json") for c in cases])
        return
    from recoverycli import render

    if not cases:
        _console(stderr=True).print("No cases match." if st else "No cases yet. Start one with `recover start`.")
        return
    _console().print(render.cases_table(cases))


@app.command()
@guarded
def export(
    format: Annotated[ExportFormat, typer.Option("--format", help="csv, jsonl (one object a line) or json (an array).")] = ExportFormat.csv,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout (created 0600).", show_default=False)] = None,
    columns: Annotated[Optional[str], typer.Option("--columns", help="Comma-separated columns to keep, in this order.", show_default=False)] = None,
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
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="At most this many.", show_default=False)] = None,
    store: StoreOpt = None,
) -> None:
    """Stream every matching case as CSV, JSON lines or JSON, oldest first; nothing but data on stdout."""
    import os

    from recoverycli import export as ex

    cols = ex.pick_columns(columns)
    where, args = _filter(status, playbook, customer, staff, since, until, overdue).sql()
    st = _store(store, create=False)
    csv_out = format is ExportFormat.csv
    rows = st.export_rows(cols, where, args, "created_at, id", limit, neutralise=csv_out and not raw)
    if tz is Zone.local:
        rows = ex.localised(rows, cols)
    if output is not None:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        out = open(fd, "w", encoding="utf-8", newline="")
    else:
        out = _raw_stdout()
    try:
        if csv_out:
            ex.write_csv(rows, out, cols, excel=excel)
        elif format is ExportFormat.jsonl:
            ex.write_jsonl(rows, out, cols)
        else:
            ex.write_json(rows, out, cols)
        out.close()
    except BrokenPipeError:
        raise
    except OSError as e:
        fail(f"cannot write {output or 'stdout'} ({e.strerror}) — check free space and permissions; the store is unchanged")
    if output is not None:
        typer.echo(f"exported to {output}", err=True)


def _raw_stdout():
    """stdout as UTF-8 with no newline translation (CSV wants CRLF) and a large buffer."""
    import io

    sys.stdout.flush()
    try:
        return open(sys.stdout.fileno(), "w", encoding="utf-8", newline="", buffering=1 << 20, closefd=False)
    except (OSError, io.UnsupportedOperation, AttributeError):  # an in-memory stdout, as in tests
        return _Unclosable(sys.stdout)


class _Unclosable:
    def __init__(self, stream) -> None:
        self.write, self.writelines = stream.write, stream.writelines

    def close(self) -> None:
        pass


@app.command()
@guarded
def followups(
    upcoming: Annotated[int, typer.Option("--upcoming", min=0, help="Also those due in the next N days.")] = 0,
    format: Annotated[ListFormat, typer.Option("--format", help="table for people; json or csv for scripts.")] = ListFormat.table,
    ics: Annotated[Optional[Path], typer.Option("--ics", help="Also write them as an iCalendar file for staff calendars.", show_default=False)] = None,
    store: StoreOpt = None,
) -> None:
    """Follow-ups due today and overdue, most urgent first: the promises to keep."""
    from datetime import date

    from recoverycli import followups as fu
    from recoverycli.errors import NotFoundError
    from recoverycli.query import due_followups

    today = date.today()
    try:
        st = _store(store, create=False)
        rows = list(fu.due(st.select(*due_followups(today, upcoming), None), today))
    except NotFoundError:
        rows = []
    if ics is not None:
        fu.write_ics(rows, ics)
        typer.echo(f"wrote {len(rows)} follow-up(s) to {ics}", err=True)
    if format is ListFormat.json:
        _print_json(rows)
    elif format is ListFormat.csv:
        from recoverycli import export

        cells = (tuple(export.neutralise(v) if isinstance(v, str) else v for v in r.values()) for r in rows)
        export.write_csv(cells, sys.stdout, fu.FIELDS)
    elif not rows:
        _console(stderr=True).print("Nothing due. Every promise is kept.")
    else:
        from recoverycli import render

        _console().print(render.followups_table(rows))


def _staff(given: Optional[str]) -> str:
    from recoverycli.config import staff_name

    who = staff_name(given)
    if who is None:
        fail("who is making this change? — pass --staff NAME or set RECOVER_STAFF")
    return who


StaffOpt = Annotated[Optional[str], typer.Option("--staff", help="Who makes the change (else RECOVER_STAFF or the remembered name).", show_default=False)]


@app.command()
@guarded
def followup(
    case_id: Annotated[str, typer.Argument(metavar="CASE")],
    done: Annotated[bool, typer.Option("--done", help="The follow-up happened.")] = False,
    note: Annotated[Optional[str], typer.Option("--note", help="How it went, how the customer felt.", show_default=False)] = None,
    reschedule_to: Annotated[Optional[str], typer.Option("--reschedule", metavar="DATE", help="Move the follow-up to DATE.", show_default=False)] = None,
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why it moves (required with --reschedule).", show_default=False)] = None,
    staff: StaffOpt = None,
    store: StoreOpt = None,
) -> None:
    """Record a follow-up as done, or move it to another day."""
    from datetime import date

    from recoverycli import casework

    if done == (reschedule_to is not None):
        fail("give either --done or --reschedule DATE", 2)
    if reschedule_to is not None and not reason:
        fail("--reschedule needs --reason \"…\" — say why the promise moves", 2)
    who = _staff(staff)
    st = _store(store, create=False)
    if done:
        case = casework.follow_up_done(st, case_id, who, note)
        typer.echo(f"{case.id}: follow-up done", err=True)
    else:
        case = casework.reschedule(st, case_id, who, reschedule_to, reason, date.today())
        typer.echo(f"{case.id}: follow-up moved to {case.answers['follow_up_date']}", err=True)


@app.command()
@guarded
def note(
    case_id: Annotated[str, typer.Argument(metavar="CASE")],
    text: Annotated[str, typer.Argument(help="The note, in quotes.")],
    staff: StaffOpt = None,
    store: StoreOpt = None,
) -> None:
    """Add a note to a case's history."""
    from recoverycli import casework

    case = casework.add_note(_store(store, create=False), case_id, _staff(staff), text)
    typer.echo(f"{case.id}: note added", err=True)


@app.command()
@guarded
def close(
    case_id: Annotated[str, typer.Argument(metavar="CASE")],
    resolution: Annotated[str, typer.Option("--resolution", help="How it ended.")],
    staff: StaffOpt = None,
    store: StoreOpt = None,
) -> None:
    """Close a case with its resolution."""
    from recoverycli import casework

    case = casework.close(_store(store, create=False), case_id, _staff(staff), resolution)
    typer.echo(f"{case.id}: closed", err=True)


@app.command()
@guarded
def reopen(
    case_id: Annotated[str, typer.Argument(metavar="CASE")],
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why it is open again.", show_default=False)] = None,
    staff: StaffOpt = None,
    store: StoreOpt = None,
) -> None:
    """Reopen a closed case."""
    from recoverycli import casework

    case = casework.reopen(_store(store, create=False), case_id, _staff(staff), reason)
    typer.echo(f"{case.id}: open again", err=True)


@app.command()
@guarded
def backup(
    path: Annotated[Path, typer.Argument(help="New file to write the copy to.")],
    store: StoreOpt = None,
) -> None:
    """Write a consistent copy of the case store, while others keep working."""
    _store(store, create=False).backup(path)
    typer.echo(f"backed up to {path}", err=True)


@app.command()
@guarded
def check(
    format: Annotated[Format, typer.Option("--format", help="table for people, json for scripts.")] = Format.table,
    store: StoreOpt = None,
) -> None:
    """Run an integrity check on the case store and report it."""
    report = _store(store, create=False).check()
    if format is Format.json:
        _print_json(report)
    else:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(report["cases"].items())) or "no cases"
        verdict = "ok" if report["ok"] else "DAMAGED"
        typer.echo(f"{report['path']}: {verdict} · schema v{report['schema_version']} · {counts} · {report['events']} events")
        for problem in report["problems"]:
            typer.echo(f"  {problem}")
    if not report["ok"]:
        raise typer.Exit(1)


@app.command()
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

    st = _store(store, create=False)
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
