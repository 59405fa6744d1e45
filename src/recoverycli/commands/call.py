"""The live call: start, resume and discard."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from recoverycli.commands.common import (
    PlaybooksOpt,
    StoreOpt,
    echo,
    make_console,
    fail,
    guarded,
    store_at,
)
from recoverycli.safety import safe_text


@guarded
def start(
    playbook: Annotated[Optional[str], typer.Argument(metavar="PLAYBOOK", help="Playbook id (listed below); omit to pick from a list.", show_default=False)] = None,
    answers: Annotated[Optional[Path], typer.Option("--answers", metavar="FILE", help="Answer every prompt from this YAML file; prints the case id alone.", show_default=False)] = None,
    staff: Annotated[Optional[str], typer.Option("--staff", metavar="NAME", help="Your name (else RECOVER_STAFF, else asked once and remembered).", show_default=False)] = None,
    store: StoreOpt = None,
    playbooks: PlaybooksOpt = None,
) -> None:
    """Walk through a recovery during a live call and save the case."""
    from datetime import date

    from recoverycli.commands.common import library
    from recoverycli.wizard import Call

    lib = library(playbooks)
    if answers is not None:
        from recoverycli.answers import case_from_file
        from recoverycli.session import equip

        st = store_at(store)
        notices: list[str] = []
        try:
            case = case_from_file(lib, playbook, answers, staff, date.today(), equip=lambda c: equip(c, st), notices=notices)
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
    from recoverycli import terminal
    from recoverycli.config import remember, staff_name

    st = store_at(store)  # open it before the first question: a bad store must not cost a typed call
    pb_id = playbook or terminal.choose_playbook(lib.catalogue())
    pb = lib.get(pb_id)
    who = staff_name(staff)
    if who is None:
        who = terminal.ask_staff()
        remember("staff", who)
    console = make_console()
    console.print(f"[bold]{safe_text(pb.title)}[/bold] · {safe_text(pb.description)}")
    live_call(console, st, Call(playbook=pb, staff=who, today=date.today()), draft=None)


def need_terminal(what: str) -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        fail(f"{what} needs a terminal to ask its questions — run it in a terminal, or pass --answers FILE")


def live_call(console, st, call, draft, before_save=None, prefilled=False):
    """Ask, autosaving every answer; on Ctrl-C say how to pick the call up again. Returns the saved case.

    before_save(draft_id): called once the clerk confirms, or is interrupted, with the draft holding the call
    (a crisis outreach call records that the customer was reached before its case is saved).
    prefilled: what the call already holds (a crisis list's customer) is not asked again.
    """
    from recoverycli import notify, terminal
    from recoverycli.errors import StoreError
    from recoverycli.session import Autosave, equip
    from recoverycli.wizard import run_call

    def warn(message: str) -> None:
        console.print(f"[yellow]{safe_text(message)}[/yellow]")

    autosave = Autosave(st, via="wizard", draft=draft, warn=warn)
    call.on_answer = autosave
    equip(call, st, warn=warn)
    settings = notify.settings_for_call(warn)
    pager = None
    if settings is not None and settings.for_kind("emergency"):  # page the moment a repeat complaint is identified
        pager = notify.Pager(notify.reopener(st), settings, call.staff)
        notify.page_when_identified(call, lambda: autosave.case_id if autosave.trouble is None else None, pager)
    try:
        run_call(terminal.TerminalAsker(console), call, skip_answered=draft is not None or prefilled)
    except KeyboardInterrupt:
        if pager is not None:
            pager.finish(wait=settings.timeout if settings else 0)
        if before_save is not None and autosave.case_id is not None:
            before_save(autosave.case_id)
        if autosave.trouble is not None:
            rescued(st, call, autosave.trouble, 130, autosave.case_id)
        if autosave.case_id is None:
            fail("interrupted — nothing had been answered, so nothing was saved", 130)
        fail(f"interrupted — every answer so far is kept; continue with: recover resume {autosave.case_id}", 130)
    try:
        if before_save is not None:
            before_save(autosave.case_id)
        saved = autosave.finish(call)
    except StoreError as e:
        rescued(st, call, e.message, 1, autosave.case_id)
    console.print(f"\n[bold green]Saved case {safe_text(saved.id)}[/bold green] · follow-up on "
                  f"{safe_text(call.answers.get('follow_up_date', '—'))}")
    sent = notify.after_save(st, saved, settings, warn, pager)
    if sent is not None and sent.ok:
        console.print(f"[dim]Duty manager paged ({safe_text(', '.join(o.channel.label for o in sent.outcomes))})[/dim]")
    linked(st, saved, warn)
    return saved


def linked(st, case, warn) -> None:
    """A listed customer's own call, once saved, marks them reached on the crisis list."""
    if not case.crisis_id:
        return
    from recoverycli.crisis import note_inbound
    from recoverycli.errors import StoreError

    try:
        if (what := note_inbound(st, case)) is not None:
            warn(what)
    except StoreError as e:
        warn(f"the case is saved, but crisis {case.crisis_id}'s list could not be updated ({e.message})")


def rescued(st, call, why: str, code: int, draft_id: str | None) -> None:
    """The store would not take the call: put every answer in a file that `start --answers` can replay."""
    from recoverycli.session import rescue

    path, text = rescue(call, st.label, why)
    if draft_id:
        typer.echo(f"(the unfinished draft {draft_id} in the store can be discarded once the file is saved)", err=True)
    if path is None:
        sys.stderr.write(text)
        fail(f"not saved ({why}) and no file could be written — the answers are printed above: copy them into a file "
             f"and run `recover start --answers FILE` when the store is back", code)
    fail(f"not saved ({why}) — every answer is in {path}; when the store is back: recover start --answers {path}", code)


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
    from recoverycli.commands.common import library
    from recoverycli.wizard import call_from_case

    need_terminal("recover resume")
    st = store_at(store, create=False)
    if case_id is None:
        who = staff_name(staff)
        drafts = st.recent(limit=50, status="draft", staff=who)
        if not drafts:
            raise NotFoundError(f"no drafts to resume{f' for {who}' if who else ''} — `recover list --status draft` shows every draft")
        case_id = terminal.choose_draft(drafts)
    case = st.get(case_id)
    if case.status != "draft":
        raise RecoverError(f"case {case.id} is {case.status}, not a draft — nothing to resume; `recover show {case.id}` shows it")
    pb = library(playbooks).get(case.playbook.id)
    console = make_console()
    if pb.content_hash() != case.playbook.hash:
        console.print(f"[yellow]Playbook '{pb.id}' has changed since this call began (v{case.playbook.version} → v{pb.version}). "
                      "Every answer is kept; any new questions will be asked.[/yellow]")
    call = call_from_case(case, pb, date.today())
    console.print(render.call_summary(call, title=f"Captured so far · {case.id}"))
    live_call(console, st, call, draft=case)


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
        if not typer.confirm(f"Discard draft {case.id} ({len(case.answers)} answers)? This cannot be undone", default=False):
            fail("kept — nothing discarded")
    st.discard(case.id)
    echo(f"discarded {case.id}", err=True)
