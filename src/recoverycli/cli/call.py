"""The live call: start, resume and discard."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from recoverycli.cli.common import (
    PlainOpt,
    PlaybooksOpt,
    StoreOpt,
    echo,
    fail,
    guarded,
    make_console,
    store_at,
)
from recoverycli.errors import ExitCode
from recoverycli.safety import safe_text

if TYPE_CHECKING:
    from rich.console import Console

    from recoverycli.call.live import Outcome, Settled
    from recoverycli.caselog.record import Case
    from recoverycli.playbooks.schema import Playbook
    from recoverycli.ui import Clerk


def callable_playbook(pb: Playbook) -> Playbook:
    """A call is never taken with the base itself: it is what every playbook builds on (`other` is the four steps
    alone). crisis-outreach may be started by name: the queue's call, taken from a file or for a caller."""
    from recoverycli.errors import UsageError

    if pb.category == "base":
        raise UsageError(f"'{pb.id}' is the base every playbook builds on — start `other` for the four steps alone")
    return pb


@guarded
def start(
    playbook: Annotated[
        str | None,
        typer.Argument(
            metavar="PLAYBOOK", help="Playbook id (listed below); omit to pick from a list.", show_default=False
        ),
    ] = None,
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers",
            metavar="FILE",
            help="Answer every prompt from this YAML file; prints the case id alone.",
            show_default=False,
        ),
    ] = None,
    staff: Annotated[
        str | None,
        typer.Option(
            "--staff",
            metavar="NAME",
            help="Your name (else RECOVER_STAFF, else asked once and remembered).",
            show_default=False,
        ),
    ] = None,
    store: StoreOpt = None,
    playbooks: PlaybooksOpt = None,
    plain: PlainOpt = False,
) -> None:
    """Walk through a recovery during a live call and save the case."""
    from datetime import date

    from recoverycli.cli.common import library

    if answers is not None:
        from recoverycli.call.answers_file import case_from_file
        from recoverycli.call.live import equip, link_to_crisis, saved_from_rescue

        lib = library(playbooks)
        if playbook:
            callable_playbook(lib.get(playbook))  # before the file is read: its problems would hide this
        st = store_at(store)
        notices: list[str] = []
        try:
            case = case_from_file(
                lib,
                playbook,
                answers,
                staff,
                date.today(),
                equip=lambda c: equip(c, st, dirs=lib.dirs, warn_rules=notices.append),
                notices=notices,
            )
        finally:  # the emergency must show even when the file is refused
            for line in notices:
                echo(line, err=True, fg="red" if line.startswith(("EMERGENCY", "CRISIS")) else "yellow")
        callable_playbook(lib.get(case.playbook.id))
        saved = st.add(case)
        sys.stdout.write(safe_text(saved.id, markup=False, multiline=False) + "\n")
        sys.stdout.flush()  # the id is out before any page is tried
        warn = lambda m: echo(m, err=True, fg="yellow")  # noqa: E731
        for line in saved_from_rescue(answers, st, saved.id):
            echo(line, err=True)
        if saved.severity == "emergency":
            from recoverycli import notify

            notify.after_save(st, saved, notify.settings_for_call(warn), warn)
        link_to_crisis(st, saved, warn)
        return

    need_terminal("recover start")
    from recoverycli.call.live import staff_name
    from recoverycli.config import remember
    from recoverycli.ui import run_with_clerk

    known = staff_name(staff)

    def conduct(clerk: Clerk) -> Outcome:
        """The call, once the screen is up: the store is opened before the first question (a bad store costs no
        typed answer) and the playbooks read while the frame is drawn; either failing ends it in one line."""
        from recoverycli.call.live import live
        from recoverycli.call.wizard import Call

        st = store_at(store)
        lib = library(playbooks, warn=clerk.warn)  # a skipped playbook is said on the screen, not under it
        pb = callable_playbook(lib.get(playbook or clerk.choose_playbook(lib.catalogue())))
        who = known
        if who is None:
            who = clerk.ask_staff()
            remember("staff", who)
        return live(clerk, st, Call(playbook=pb, staff=who, today=date.today()), warn=clerk.warn, dirs=lib.dirs)

    console = make_console()
    settle(console, run_with_clerk(conduct, plain, console))


def need_terminal(what: str) -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        fail(f"{what} needs a terminal to ask its questions — run it in a terminal, or pass --answers FILE")


def resume_hint(case_id: str, width: int) -> str:
    """Ctrl-C's one line: the resume command whole, never broken across the terminal's edge inside the case id."""
    command = f"recover resume {case_id}"
    for head in ("interrupted — every answer so far is kept: ", "interrupted; answers kept: ", ""):
        if len(head + command) <= width:
            return head + command
    return command


def settle(console: Console, outcome: Outcome, before_save: Callable[[str | None], None] | None = None) -> Case:
    """After the questions, with the screen closed: the core saves the case or keeps every answer
    (call.live.settle); this says which, pages and links a saved case, and returns it."""
    import shutil
    from datetime import date

    from recoverycli import notify
    from recoverycli.call.live import link_to_crisis
    from recoverycli.call.live import settle as settle_call
    from recoverycli.dates import say_date

    settled = settle_call(outcome, before_save)
    if settled.unsaved is not None:
        rescued(settled, ExitCode.INTERRUPTED if settled.interrupted else ExitCode.ERROR)
    if settled.interrupted:
        if settled.draft_id is None:
            fail("interrupted — nothing had been answered, so nothing was saved", ExitCode.INTERRUPTED)
        fail(resume_hint(settled.draft_id, shutil.get_terminal_size().columns), ExitCode.INTERRUPTED)
    call, saved, st = outcome.call, settled.case, outcome.autosave.store
    assert saved is not None  # settle saves whenever it neither kept a draft nor rescued the answers

    def warn(message: str) -> None:
        console.print(f"[yellow]{safe_text(message)}[/yellow]")

    due = call.answers.get("follow_up_date")
    when = say_date(date.fromisoformat(due), call.today) if due else "—"
    if settled.moved:
        warn(settled.moved)
    console.print(f"[bold green]Saved case {safe_text(saved.id)}[/bold green] · follow-up {safe_text(when)}")
    sent = notify.after_save(st, saved, outcome.settings, warn, outcome.pager)
    if sent is not None and sent.ok:
        console.print(f"[dim]Duty manager paged ({safe_text(', '.join(o.channel.label for o in sent.outcomes))})[/dim]")
    link_to_crisis(st, saved, warn)
    return saved


def rescued(settled: Settled, code: ExitCode) -> NoReturn:
    """The store would not take the call: say where every answer is (or print them), and end with `code`."""
    why, path = settled.unsaved, settled.rescue_path
    if settled.draft_id:
        typer.echo(f"(saving the file discards the unfinished draft {settled.draft_id} and deletes the file)", err=True)
    if path is None:
        sys.stderr.write(settled.rescue_text)
        fail(
            f"not saved ({why}) and no file could be written — the answers are printed above: copy them into a file "
            f"and run `recover start --answers FILE` when the store is back",
            code,
        )
    fail(f"not saved ({why}) — every answer is in {path}; when the store is back: recover start --answers {path}", code)


@guarded
def resume(
    case_id: Annotated[
        str | None,
        typer.Argument(
            metavar="[CASE]", help="Draft to continue; omit to choose from your drafts.", show_default=False
        ),
    ] = None,
    staff: Annotated[
        str | None,
        typer.Option(
            "--staff", help="Whose drafts to list (else RECOVER_STAFF or the remembered name).", show_default=False
        ),
    ] = None,
    store: StoreOpt = None,
    playbooks: PlaybooksOpt = None,
    plain: PlainOpt = False,
) -> None:
    """Continue a call that was interrupted, at the first unanswered question."""
    from datetime import date

    from recoverycli.call.live import live, staff_name
    from recoverycli.call.resume import draft_to_resume, drafts_to_choose, resumed
    from recoverycli.cli.common import library
    from recoverycli.ui import run_with_clerk

    need_terminal("recover resume")
    st = store_at(store, create=False)
    lib = library(playbooks)  # before the screen opens: a skipped playbook is named on stderr, as elsewhere
    drafts = []
    given = None
    if case_id is None:
        drafts = drafts_to_choose(st, staff_name(staff))
    else:  # a wrong id, a case that is not a draft or a playbook that is gone fail before the screen opens
        given = draft_to_resume(st, case_id)
        lib.get(given.playbook.id)

    def conduct(clerk: Clerk) -> Outcome:
        again = resumed(given or draft_to_resume(st, clerk.choose_draft(drafts)), lib, date.today())
        if again.changed is not None:
            clerk.warn(again.changed)
        clerk.resumed(again.draft, again.call)
        return live(clerk, st, again.call, draft=again.draft, warn=clerk.warn, dirs=lib.dirs)

    console = make_console()
    settle(console, run_with_clerk(conduct, plain, console))


@guarded
def discard(
    case_id: Annotated[str, typer.Argument(metavar="CASE", help="The draft to drop.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to confirm (for scripts).")] = False,
    store: StoreOpt = None,
) -> None:
    """Drop a draft for good (open and closed cases are never deleted)."""
    from recoverycli.errors import RecoverError

    st = store_at(store, create=False)
    case = st.get(case_id)
    if case.status != "draft":
        raise RecoverError(f"case {case.id} is {case.status}, not a draft — only drafts can be discarded")
    from recoverycli.store import utcnow

    minutes = int((utcnow() - case.updated_at).total_seconds() // 60)
    if minutes < 15:
        echo(
            f"{case.id} changed {minutes} min ago: a desk may still be answering it (that call would go on as a new "
            f"draft)",
            err=True,
            fg="yellow",
        )
    if not yes:
        if not sys.stdin.isatty():
            fail(f"discarding {case.id} needs confirmation — run it in a terminal, or pass --yes")
        from recoverycli.call.live import answers_held

        if not typer.confirm(f"Discard draft {case.id} ({answers_held(case)})? This cannot be undone", default=False):
            fail("kept — nothing discarded")
    st.discard(case.id)
    echo(f"discarded {case.id}", err=True)
