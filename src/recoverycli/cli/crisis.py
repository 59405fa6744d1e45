"""Crisis outreach: open a crisis with its customer list, call every customer from one shared queue, watch the board."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import UTC
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO, cast

import typer

from recoverycli import startup
from recoverycli.cli.common import (
    ForceOpt,
    PlainOpt,
    PlaybooksOpt,
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
)
from recoverycli.cli.formats import Format, UpdateFormat
from recoverycli.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from datetime import datetime

    from rich.console import Console

    from recoverycli.call.live import Outcome
    from recoverycli.caselog.crisis import Claim, Crisis
    from recoverycli.caselog.crisis_import import Problem as ImportProblem
    from recoverycli.caselog.crisis_import import ReadList
    from recoverycli.playbooks.library import Library
    from recoverycli.playbooks.schema import Playbook
    from recoverycli.store import BaseStore
    from recoverycli.ui import Clerk

app = typer.Typer(
    help="One incident, many customers: reach every one before they call, with the supplier alongside.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

CrisisArg = Annotated[
    str | None,
    typer.Argument(
        metavar="[CRISIS]", help="Crisis id, e.g. CR-7K3QX; omit when only one is open.", show_default=False
    ),
]
CustomersOpt = Annotated[
    Path, typer.Option("--customers", help="The affected customers: CSV (any delimiter, UTF-8 or Excel's) or XLSX.")
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would load and every bad row; load nothing.")]
RegionOpt = Annotated[
    str | None,
    typer.Option(
        "--phone-region",
        metavar="CC",
        show_default=False,
        help="Country for numbers written without +code (else RECOVER_PHONE_REGION, else US).",
    ),
]


def _read(path: Path, region: str | None) -> ReadList:
    from recoverycli.caselog.crisis_import import read_customers

    return read_customers(path, region)


def _report_rows(read: ReadList, extra: Iterable[ImportProblem] = ()) -> bool:
    """The mapping and every bad row on stderr; True when the list can load."""
    from recoverycli.ui import crisis as crisis_view

    for line in crisis_view.mapping_lines(read):
        echo(line, err=True)
    problems = sorted([*read.problems, *extra], key=lambda p: p.row)
    for p in problems:
        echo(f"{read.path}: row {p.row}: {p.message}", fg="red", err=True)
    return not problems


def _summary(customers: list[dict[str, Any]]) -> str:
    from collections import Counter

    seg = Counter(c["segment"] for c in customers)
    chased = sum(1 for c in customers if c["chased"])
    parts = [f"{n} {s}" for s, n in seg.most_common()]
    return f"{len(customers)} customer(s): " + ", ".join(parts) + (f"; {chased} chased us already" if chased else "")


def _preview(read: ReadList) -> None:
    """The first customers in the order the queue will call them (dry run)."""
    from rich.markup import escape
    from rich.table import Table

    order = sorted(range(len(read.customers)), key=lambda i: (read.customers[i]["rank"], i))
    table = Table(
        show_header=True, header_style="bold", title=f"First in the queue (of {len(order)})", title_justify="left"
    )
    for col in ("Row", "Name", "Contact", "Booking", "Segment", "Notes"):
        table.add_column(col, no_wrap=col in ("Row", "Contact"))
    for i in order[:20]:
        c = read.customers[i]
        notes = "; ".join(f"{k}: {v}" for k, v in c["notes"].items())
        table.add_row(
            str(read.rows[i]),
            escape(c["name"]),
            escape(c["contact"]),
            escape(c["booking"]),
            escape(c["segment"] + (" · chased" if c["chased"] else "")),
            escape(notes[:60]),
        )
    make_console().print(table)


@guarded
def open_(
    title: Annotated[str, typer.Option("--title", help='What happened, e.g. "Aurora lost power at sea".')],
    customers: CustomersOpt,
    supplier: Annotated[
        str | None,
        typer.Option(
            "--supplier", help="Who else serves these customers (cruise line, airline, hotel).", show_default=False
        ),
    ] = None,
    playbook: Annotated[
        str, typer.Option("--playbook", help="The playbook for a reached customer.")
    ] = "crisis-outreach",
    retry_after: Annotated[
        str, typer.Option("--retry-after", help="An unreached customer is tried again after this long.")
    ] = "30m",
    lease: Annotated[
        str,
        typer.Option(
            "--lease", help="How long a desk holds a customer without a sign of life (renewed during the call)."
        ),
    ] = "2m",
    dry_run: DryRunOpt = False,
    phone_region: RegionOpt = None,
    staff: StaffOpt = None,
    store: StoreOpt = None,
    playbooks: PlaybooksOpt = None,
) -> None:
    """Open a crisis and load its affected customers; prints the crisis id."""
    from datetime import datetime

    from recoverycli.caselog import crisis
    from recoverycli.playbooks.library import Library

    retry, hold = crisis.parse_duration(retry_after, "--retry-after"), crisis.parse_duration(lease, "--lease")
    crisis.heading(title, supplier)  # a title too long is refused before the list is read
    Library.default(playbooks).get(playbook)  # an unknown playbook is refused before anything loads
    read = _read(customers, phone_region)
    clean = _report_rows(read)
    if dry_run:
        if clean and not read.customers:  # what the real open would say, not "would load 0 customer(s)" and exit 0
            fail(f"{customers}: no customers in the file — nothing to open a crisis for (dry run)")
        _preview(read)
        echo(
            f"would load {_summary(read.customers)}"
            + ("" if clean else f"; {len(read.problems)} bad row(s)")
            + " — nothing loaded (dry run)",
            err=True,
        )
        raise typer.Exit(ExitCode.OK if clean else ExitCode.ERROR)
    if not clean:
        fail(f"{customers}: {len(read.problems)} bad row(s) — nothing loaded; fix them (see --dry-run) and run again")
    if not read.customers:
        fail(f"{customers}: no customers in the file — nothing to open a crisis for")
    who = staff_for_change(staff)
    st = store_at(store)
    crisis_id = crisis.open_crisis(st, title, supplier, playbook, read, who, datetime.now(UTC), retry, hold)
    echo(
        f"opened {crisis_id} with {_summary(read.customers)}; desks call them with: recover crisis call {crisis_id}",
        err=True,
    )
    sys.stdout.write(crisis_id + "\n")
    sys.stdout.flush()  # the id is out before any page is tried
    _page_opened(st, crisis_id, title, supplier, playbook, len(read.customers), who)


def _page_opened(
    st: BaseStore, crisis_id: str, title: str, supplier: str | None, playbook: str, customers: int, who: str
) -> None:
    """[kaufman-respond-now] the duty manager hears of a crisis as it opens; a page that fails costs one yellow line."""
    from recoverycli import notify

    warn = lambda m: echo(m, err=True, fg="yellow")  # noqa: E731
    settings = notify.settings_for_call(warn)
    if settings is None or not settings.for_kind("crisis"):
        return
    sent = notify.crisis_opened(
        notify.crisis_ledger(st, crisis_id, who),
        crisis_id,
        title,
        settings,
        customers=customers,
        supplier=supplier,
        playbook=playbook,
        staff=who,
    )
    if sent is not None and not sent.ok:
        warn(f"{crisis_id} is open, but the page did not go through ({notify.summary(sent.outcomes)})")


@guarded
def add(
    crisis_id: Annotated[str, typer.Argument(metavar="CRISIS")],
    customers: CustomersOpt,
    dry_run: DryRunOpt = False,
    phone_region: RegionOpt = None,
    staff: StaffOpt = None,
    store: StoreOpt = None,
) -> None:
    """Add customers to an open crisis (every row checked against its list too)."""
    from datetime import datetime

    from recoverycli.caselog import crisis

    st = store_at(store, create=False)
    found = crisis.resolve(st, crisis_id)
    read = _read(customers, phone_region)
    if dry_run:
        existing = st.crisis_list(found.id)
        fixes = crisis.corrections_of(read, existing)
        extra = crisis.duplicates_of_list(read, [r for r in existing if r["id"] not in fixes.values()])
        clean = _report_rows(read, extra)
        _preview(read)
        echo(f"would add {_summary(read.customers)} to {found.id} — nothing added (dry run)", err=True)
        raise typer.Exit(ExitCode.OK if clean else ExitCode.ERROR)
    done = crisis.add_customers(st, found.id, read, datetime.now(UTC), staff_for_change(staff))
    if not _report_rows(read, [p for p in done.problems if p not in read.problems]):
        fail(f"{customers}: {len(done.problems)} bad row(s) — nothing added")
    fixed = (
        f"; {len(done.corrected)} wrong number(s) corrected and back in the queue ({', '.join(done.corrected)})"
        if done.corrected
        else ""
    )
    echo(f"added {done.added} customer(s) to {found.id}{fixed}", err=True)


@guarded
def call(
    crisis_id: CrisisArg = None,
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers",
            help="Script one call from this YAML file (outcome and answers); prints the case id of a reached customer.",
            show_default=False,
        ),
    ] = None,
    staff: Annotated[
        str | None,
        typer.Option(
            "--staff", help="Your name (else RECOVER_STAFF, else asked once and remembered).", show_default=False
        ),
    ] = None,
    store: StoreOpt = None,
    playbooks: PlaybooksOpt = None,
    plain: PlainOpt = False,
) -> None:
    """Call the next customer nobody is calling, and the next, until you stop: a shared queue across desks."""
    from datetime import date

    from recoverycli.call.outreach import call_from_file
    from recoverycli.caselog import crisis
    from recoverycli.config import default_store
    from recoverycli.playbooks.library import Library

    lib = Library.default(playbooks)
    location = store or str(default_store())
    st = store_at(location, create=False)
    found = crisis.resolve(st, crisis_id)
    if answers is not None:
        done = call_from_file(st, lib, found, answers, staff, date.today())
        if done is None:
            echo(crisis.nobody_due(st, found, _now()), err=True)
            raise typer.Exit(ExitCode.NOTHING_DUE)
        for line in done.notices:
            echo(line, err=True, fg="red" if line.startswith(("EMERGENCY", "CRISIS")) else "yellow")
        if not done.held:
            echo(
                f"{done.customer}: your hold ran out before the call was recorded — it is recorded, but another "
                f"desk may have called them too",
                fg="yellow",
                err=True,
            )
        again = f" — tried again after {crisis_when(done.next_try)}" if done.next_try else ""
        echo(f"{done.customer}: {crisis.OUTCOMES[done.outcome].split(':')[0].lower()}{again}", err=True)
        if done.case_id:
            sys.stdout.write(done.case_id + "\n")
        return
    from recoverycli.cli.call import need_terminal

    need_terminal("recover crisis call")
    _call_loop(st, location, lib, found, staff, plain)


def crisis_when(value: str | None) -> str:
    from recoverycli.ui.crisis import when

    return when(value)


def _now() -> datetime:
    from datetime import datetime

    return datetime.now(UTC)


def _call_loop(
    st: BaseStore, location: str | None, lib: Library, found: Crisis, staff: str | None, plain: bool
) -> None:
    """Claim, show, ask what happened, walk the playbook for a reached customer, record; then the next.

    Between calls the desk answers line by line; a reached customer's call opens the call screen (or the plain
    questions, as `recover start` would), with the crisis kept in view."""
    from datetime import date

    from recoverycli.call.live import equip, staff_name
    from recoverycli.call.outreach import ask_attempt
    from recoverycli.call.wizard import Call
    from recoverycli.caselog import crisis
    from recoverycli.config import remember
    from recoverycli.ui import crisis as crisis_view
    from recoverycli.ui.prompts import TerminalAsker, confirm_after_call

    pb = lib.get(found.playbook_id)
    console = make_console()
    who = staff_name(staff)
    if who is None:
        who = TerminalAsker(console).ask_staff()
        remember("staff", who)
    calls = 0
    while True:
        claim = crisis.claim(st, found, who, _now())
        if claim is None:
            console.print(crisis.nobody_due(st, found, _now()))
            break
        calls += 1
        console.print()
        console.print(crisis_view.claim_panel(claim))
        supplier = crisis.supplier_entries(st, found.id)
        if (panel := crisis_view.supplier_panel(found.supplier, supplier)) is not None:
            console.print(panel)
        asker = TerminalAsker(console)
        with crisis.Heartbeat(location, claim):
            try:
                attempt_call = Call(playbook=pb, staff=who, today=date.today())
                equip(attempt_call, st, dirs=lib.dirs)
                attempt = ask_attempt(asker, attempt_call)
            except KeyboardInterrupt:
                st.release(claim.customer.id, claim.token)
                fail(
                    f"interrupted — {claim.customer.name} is back in the queue; nothing was recorded",
                    ExitCode.INTERRUPTED,
                )
            if attempt.get("outcome") == "reached":
                _reached(st, console, pb, who, claim, attempt, supplier, plain, lib.dirs)
            else:
                _, held = crisis.record(st, claim, attempt, who, _now())
                after = st.crisis_customer(claim.customer.id)
                again = f"; tried again after {crisis_view.when(after['next_try_at'])}" if after["next_try_at"] else ""
                console.print(f"[green]Recorded: {crisis_view.OUTCOME_WORDS[attempt['outcome']]}{again}[/green]")
                if not held:
                    console.print(
                        "[yellow]Your hold on this customer ran out during the call; another desk may "
                        "have called them too.[/yellow]"
                    )
        if not confirm_after_call("Call the next customer?"):
            break
    echo(f"{calls} call(s) from this desk — the board: recover crisis board {found.id}", err=True)


def _reached(
    st: BaseStore,
    console: Console,
    pb: Playbook,
    who: str,
    claim: Claim,
    attempt: dict[str, Any],
    supplier: list[dict[str, Any]],
    plain: bool,
    dirs: list[Path],
) -> None:
    """The customer is on the line: the outreach playbook on the call screen, autosaved like any call, the crisis in
    view throughout; reached is recorded before the save (or on Ctrl-C, with the draft)."""
    from datetime import date

    from recoverycli.call.live import live
    from recoverycli.call.wizard import Call
    from recoverycli.caselog import crisis
    from recoverycli.cli.call import settle
    from recoverycli.ui import run_with_clerk

    c = claim.customer
    call = Call(
        playbook=pb,
        staff=who,
        today=date.today(),
        crisis_id=claim.crisis.id,
        customer={"name": c.name, "contact": c.contact, "segment": c.segment},
        answers={"customer_chased": c.chased} if pb.prompt("customer_chased") else {},
    )
    recorded: list[str] = []

    def reached(draft_id: str | None) -> None:
        if not recorded:
            crisis.record(st, claim, attempt, who, _now(), case_id=draft_id, answers=call.answers)
            recorded.append(draft_id or "")

    def conduct(clerk: Clerk) -> Outcome:
        clerk.crisis(call, crisis.outreach_listing(claim, supplier))
        return live(clerk, st, call, warn=clerk.warn, prefilled=True, dirs=dirs)

    settle(console, run_with_clerk(conduct, plain, console), before_save=reached)


@guarded
def supplier(
    crisis_id: Annotated[str, typer.Argument(metavar="CRISIS")],
    note: Annotated[str, typer.Option("--note", help="The contact: who you spoke to and what was said.")],
    commitment: Annotated[
        str | None,
        typer.Option("--commitment", help="What the supplier will do for our customers.", show_default=False),
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="By when (16:00, tomorrow 10:00, 2026-12-05).", show_default=False)
    ] = None,
    deal: Annotated[
        str | None,
        typer.Option("--deal", help="The deal secured for the customers' future travel.", show_default=False),
    ] = None,
    staff: StaffOpt = None,
    store: StoreOpt = None,
) -> None:
    """Log a contact with the supplier: what they committed to, by when, and the deal for next time."""
    from recoverycli.caselog import crisis

    if by and not commitment:
        raise UsageError("--by needs --commitment: say what the supplier will do by then")
    st = store_at(store, create=False)
    found = crisis.resolve(st, crisis_id)
    entry = crisis.log_supplier(st, found, staff_for_change(staff), note, commitment, by, deal, _now())
    due = f" by {crisis_when(entry['due'])}" if entry.get("due") else ""
    echo(f"{found.id}: supplier contact logged" + (f"; committed{due}" if commitment else ""), err=True)


@guarded
def board(
    crisis_id: CrisisArg = None,
    format: Annotated[Format, typer.Option("--format", help="table for people, json for scripts.")] = Format.table,
    watch: Annotated[bool, typer.Option("--watch", help="Keep it up to date as desks call (Ctrl-C to stop).")] = False,
    interval: Annotated[
        float,
        typer.Option(
            "--interval", min=0.2, help="With --watch: seconds between looks (SQLite; PostgreSQL wakes at once)."
        ),
    ] = 2.0,
    store: StoreOpt = None,
) -> None:
    """Where every customer stands, reach times, who is calling whom, the supplier's commitments."""
    from recoverycli.caselog import crisis
    from recoverycli.store.migrations import CRISIS_CHANNEL
    from recoverycli.ui import crisis as crisis_view

    st = store_at(store, create=False)
    found = crisis.resolve(st, crisis_id, open_only=crisis_id is None)
    figures = lambda: crisis.board(st, crisis.resolve(st, found.id), _now())  # noqa: E731
    if format is Format.json and not watch:
        print_json(figures())
        return
    startup.settled()  # a live board runs for hours: collect as usual from here on
    if format is Format.json:  # --watch: one JSON document a line, each time something changes
        import json

        last = None
        try:
            while True:
                b = figures()
                key = json.dumps({k: v for k, v in b.items() if k not in ("as_of", "open_minutes")}, sort_keys=True)
                if key != last:
                    sys.stdout.write(json.dumps(b, ensure_ascii=False) + "\n")
                    sys.stdout.flush()
                    last = key
                st.wait_for_change(interval, CRISIS_CHANNEL)
        except KeyboardInterrupt:
            raise typer.Exit(ExitCode.OK) from None
    console = make_console()
    if not watch:
        console.print(crisis_view.board_view(figures()))
        return
    from rich.live import Live

    try:
        with Live(crisis_view.board_view(figures()), console=console, auto_refresh=False, screen=False) as live:
            while True:
                st.wait_for_change(interval, CRISIS_CHANNEL)
                live.update(crisis_view.board_view(figures()), refresh=True)
    except KeyboardInterrupt:
        echo("stopped watching", err=True)


@guarded
def close(
    crisis_id: Annotated[str, typer.Argument(metavar="CRISIS")],
    reason: Annotated[str, typer.Option("--reason", help='Why it ends, e.g. "everyone reached; refunds paid".')],
    give_up: Annotated[
        bool, typer.Option("--give-up", help="Stop trying the customers not reached yet (they are marked given up).")
    ] = False,
    staff: StaffOpt = None,
    store: StoreOpt = None,
) -> None:
    """Close a crisis once everyone is reached (or, with --give-up, given up on)."""
    from recoverycli.caselog import crisis

    st = store_at(store, create=False)
    found = crisis.resolve(st, crisis_id)
    done = crisis.close(st, found, staff_for_change(staff), reason, give_up, _now())
    given = f"; {done['given_up']} customer(s) given up on" if done["given_up"] else ""
    echo(f"{found.id}: closed{given}", err=True)


class Only(str, Enum):
    all = "all"
    reached = "reached"
    unreached = "unreached"


@guarded
def update(
    crisis_id: Annotated[str, typer.Argument(metavar="CRISIS")],
    message: Annotated[
        Path, typer.Option("--message", help="The update, with {customer.first_name}-style placeholders.")
    ],
    format: Annotated[
        UpdateFormat, typer.Option("--format", help="csv for a mail merge, jsonl for a sending script.")
    ] = UpdateFormat.csv,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here instead of stdout (created 0600).", show_default=False),
    ] = None,
    only: Annotated[
        Only, typer.Option("--only", help="Which customers: all, those reached, or those not reached yet.")
    ] = Only.all,
    excel: Annotated[bool, typer.Option("--excel", help="CSV: start with a UTF-8 BOM so Excel shows accents.")] = False,
    force: ForceOpt = False,
    staff: StaffOpt = None,
    store: StoreOpt = None,
) -> None:
    """A personal update for every affected customer, checked by the coach, as mail-merge CSV or JSON lines."""
    import json

    from recoverycli.caselog import crisis, export
    from recoverycli.files import check_output, output_file, read_limited

    try:  # a regular file only, at most 1 MiB (as `coach check --file`): never a FIFO's wait or /dev/zero's flood
        template = read_limited(message, 1 << 20, "message").decode("utf-8")
    except UnicodeDecodeError:
        fail(f"{message}: cannot read it (not UTF-8 text) — save it as UTF-8")
    if output is not None:
        check_output(output, force, [store_location(store)], "mail merge")  # before any work: never onto the store
    st = store_at(store, create=False)
    found = crisis.resolve(st, crisis_id, open_only=False)
    result = crisis.updates(st, found, template, str(message), staff_for_change(staff), only.value)
    for line in result.warnings:
        echo(line, fg="yellow", err=True)
    if result.problems:
        for line in result.problems:
            echo(line, fg="red", err=True)
        fail(f"{len(result.problems)} problem(s) — nothing written; fix the message and run again")
    fields = crisis.UPDATE_FIELDS

    def write(out: TextIO) -> None:
        if format is UpdateFormat.csv:
            rows = (tuple(r[f] for f in fields) for r in result.rows)
            export.write_csv(rows, out, fields, excel=excel, guard=True)
        else:
            for r in result.rows:
                out.write(json.dumps(r, ensure_ascii=False) + "\n")

    if output is not None:
        with output_file(output, force, [store_location(store)], "mail merge", newline="") as out:
            write(cast(TextIO, out))
    else:
        from recoverycli.cli.cases import raw_stdout

        out = raw_stdout()
        write(out)
        out.close()
    echo(f"{len(result.rows)} personal update(s) for {found.id}" + (f" in {output}" if output else ""), err=True)
