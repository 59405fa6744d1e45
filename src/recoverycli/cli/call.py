"""The live call: start, resume and discard."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

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
from recoverycli.safety import safe_text


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
        from recoverycli.call.live import equip

        lib = library(playbooks)
        st = store_at(store)
        notices: list[str] = []
        try:
            case = case_from_file(
                lib, playbook, answers, staff, date.today(), equip=lambda c: equip(c, st), notices=notices
            )
        finally:  # the emergency must show even when the file is refused
            for line in notices:
                echo(line, err=True, fg="red" if line.startswith(("EMERGENCY", "CRISIS")) else "yellow")
        saved = st.add(case)
        sys.stdout.write(safe_text(saved.id, markup=False, multiline=False) + "\n")
        sys.stdout.flush()  # the id is out before any page is tried
        warn = lambda m: echo(m, err=True, fg="yellow")  # noqa: E731
        if saved.severity == "emergency":
            from recoverycli import notify

            notify.after_save(st, saved, notify.settings_for_call(warn), warn)
        linked(st, saved, warn)
        return

    need_terminal("recover start")
    from recoverycli.call.live import staff_name
    from recoverycli.config import remember
    from recoverycli.ui import run_with_clerk

    known = staff_name(staff)

    def conduct(clerk):
        """The call, once the screen is up: the store is opened before the first question (a bad store costs no
        typed answer) and the playbooks read while the frame is drawn; either failing ends it in one line."""
        from recoverycli.call.live import live
        from recoverycli.call.wizard import Call

        st = store_at(store)
        lib = library(playbooks, warn=clerk.warn)  # a skipped playbook is said on the screen, not under it
        pb = lib.get(playbook or clerk.choose_playbook(lib.catalogue()))
        who = known
        if who is None:
            who = clerk.ask_staff()
            remember("staff", who)
        return live(clerk, st, Call(playbook=pb, staff=who, today=date.today()), warn=clerk.warn)

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


def settle(console, outcome, before_save=None):
    """After the questions, with the screen closed: save the case (then page and link it), or say how to pick the
    call up again. Returns the saved case.

    before_save(draft_id): called once the clerk confirms, or is interrupted, with the draft holding the call
    (a crisis outreach call records that the customer was reached before its case is saved).
    """
    import shutil
    from datetime import date

    from recoverycli import notify
    from recoverycli.dates import say_date
    from recoverycli.errors import StoreError

    call, autosave = outcome.call, outcome.autosave
    settings, pager = outcome.settings, outcome.pager
    st = autosave.store

    def warn(message: str) -> None:
        console.print(f"[yellow]{safe_text(message)}[/yellow]")

    if outcome.interrupted:
        if pager is not None:
            pager.finish(wait=settings.timeout if settings else 0)
        if before_save is not None and autosave.case_id is not None:
            before_save(autosave.case_id)
        if autosave.trouble is not None:
            rescued(st, call, autosave.trouble, 130, autosave.case_id)
        if autosave.case_id is None:
            fail("interrupted — nothing had been answered, so nothing was saved", 130)
        fail(resume_hint(autosave.case_id, shutil.get_terminal_size().columns), 130)
    try:
        if before_save is not None:
            before_save(autosave.case_id)
        saved = autosave.finish(call)
    except StoreError as e:
        rescued(st, call, e.message, 1, autosave.case_id)
    due = call.answers.get("follow_up_date")
    when = say_date(date.fromisoformat(due), call.today) if due else "—"
    console.print(f"[bold green]Saved case {safe_text(saved.id)}[/bold green] · follow-up {safe_text(when)}")
    sent = notify.after_save(st, saved, settings, warn, pager)
    if sent is not None and sent.ok:
        console.print(f"[dim]Duty manager paged ({safe_text(', '.join(o.channel.label for o in sent.outcomes))})[/dim]")
    linked(st, saved, warn)
    return saved


def linked(st, case, warn) -> None:
    """A listed customer's own call, once saved, marks them reached on the crisis list."""
    if not case.crisis_id:
        return
    from recoverycli.caselog.crisis import note_inbound
    from recoverycli.errors import StoreError

    try:
        if (what := note_inbound(st, case)) is not None:
            warn(what)
    except StoreError as e:
        warn(f"the case is saved, but crisis {case.crisis_id}'s list could not be updated ({e.message})")


def rescued(st, call, why: str, code: int, draft_id: str | None) -> None:
    """The store would not take the call: put every answer in a file that `start --answers` can replay."""
    from recoverycli.call.live import rescue

    path, text = rescue(call, st.label, why)
    if draft_id:
        typer.echo(f"(the unfinished draft {draft_id} in the store can be discarded once the file is saved)", err=True)
    if path is None:
        sys.stderr.write(text)
        fail(
            f"not saved ({why}) and no file could be written — the answers are printed above: copy them into a file "
            f"and run `recover start --answers FILE` when the store is back",
            code,
        )
    fail(f"not saved ({why}) — every answer is in {path}; when the store is back: recover start --answers {path}", code)


def draft_to_resume(st, case_id: str):
    from recoverycli.errors import RecoverError

    case = st.get(case_id)
    if case.status != "draft":
        raise RecoverError(
            f"case {case.id} is {case.status}, not a draft — nothing to resume; `recover show {case.id}` shows it"
        )
    return case


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
    from recoverycli.call.wizard import call_from_case
    from recoverycli.cli.common import library
    from recoverycli.errors import NotFoundError
    from recoverycli.ui import run_with_clerk

    need_terminal("recover resume")
    st = store_at(store, create=False)
    lib = library(playbooks)  # before the screen opens: a skipped playbook is named on stderr, as elsewhere
    drafts = []
    given = None
    if case_id is None:
        who = staff_name(staff)
        drafts = st.recent(limit=50, status="draft", staff=who)
        if not drafts:
            raise NotFoundError(
                f"no drafts to resume{f' for {who}' if who else ''} — `recover list --status draft` shows every draft"
            )
    else:  # a wrong id, a case that is not a draft or a playbook that is gone fail before the screen opens
        given = draft_to_resume(st, case_id)
        lib.get(given.playbook.id)

    def conduct(clerk):
        case = given or draft_to_resume(st, clerk.choose_draft(drafts))
        pb = lib.get(case.playbook.id)
        if pb.content_hash() != case.playbook.hash:
            clerk.warn(
                f"Playbook '{pb.id}' has changed since this call began (v{case.playbook.version} → v{pb.version}). "
                "Every answer is kept; any new questions will be asked."
            )
        call = call_from_case(case, pb, date.today())
        clerk.resumed(case, call)
        return live(clerk, st, call, draft=case, warn=clerk.warn)

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
    if not yes:
        if not sys.stdin.isatty():
            fail(f"discarding {case.id} needs confirmation — run it in a terminal, or pass --yes")
        from recoverycli.call.live import answers_held

        if not typer.confirm(f"Discard draft {case.id} ({answers_held(case)})? This cannot be undone", default=False):
            fail("kept — nothing discarded")
    st.discard(case.id)
    echo(f"discarded {case.id}", err=True)
