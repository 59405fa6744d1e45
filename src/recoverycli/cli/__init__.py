"""The Typer app: every command registered from one table; each lives in its group's module under cli/ and keeps
heavy imports inside."""

from __future__ import annotations

from recoverycli import startup

startup.loading()  # before typer and pydantic load: see startup.py

from collections.abc import Callable  # noqa: E402
from typing import Annotated, Any  # noqa: E402

import typer  # noqa: E402

from recoverycli.cli import call, cases, casework, coach, crisis, notify, playbook, store  # noqa: E402
from recoverycli.cli.common import PlaybookIdsHelp  # noqa: E402


def _root() -> typer.Typer:
    """The top level: its settings and the --version option (a lean app for one command is built the same way)."""
    root = typer.Typer(
        name="recover",
        help="Service recovery, step by step: apologise, review, fix and follow up, document.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    root.callback()(_options)
    return root


# One short sentence per command for the command lists (`recover --help`, `recover playbook --help`): click would
# otherwise cut the docstring's first sentence mid-way to fit the terminal. Each command's own --help has the rest.
SHORT_HELP: dict[str, str] = {
    "start": "Take a call, step by step, and save the case.",
    "resume": "Continue a call that was interrupted.",
    "discard": "Drop a draft for good.",
    "show": "Show one case and its history.",
    "list": "List recent cases, newest first.",
    "export": "Export cases as CSV or JSON, for scripts.",
    "report": "Trends, root causes, promises kept, speed.",
    "followups": "Follow-ups due today and overdue.",
    "followup": "Mark a follow-up done, or move it.",
    "note": "Add a note to a case's history.",
    "close": "Close a case with its resolution.",
    "reopen": "Reopen a closed case.",
    "system-fix": "Record the system fix: cause, owner, due.",
    "watch": "A live feed of new cases and emergencies.",
    "backup": "Copy the store safely while it is in use.",
    "check": "Check the store's integrity.",
    "forget": "Erase a customer's personal data.",
    "playbook": "Author, check and preview playbooks.",
    "coach": "Check a reply; test the coach's rules.",
    "store": "Update the store; copy a desk's log in.",
    "playbook list": "Every playbook and where it comes from.",
    "playbook show": "A playbook as a clerk will meet it.",
    "playbook lint": "Check playbook files; list every problem.",
    "playbook new": "Scaffold a playbook that passes lint.",
    "playbook schema": "Print the JSON Schema of a playbook.",
    "playbook drill": "Run a playbook with canned answers.",
    "coach check": "Check a reply or an e-mail draft.",
    "coach test": "Test every rule against its examples.",
    "store migrate": "Bring the store's schema up to date.",
    "store copy": "Copy a desk's cases into another store.",
    "crisis": "One incident, many customers: reach them all.",
    "crisis open": "Open a crisis and load its customers.",
    "crisis add": "Add customers to an open crisis.",
    "crisis call": "Call the next customer in the shared queue.",
    "crisis supplier": "Log a contact with the supplier.",
    "crisis board": "Where every customer stands, live.",
    "crisis close": "Close a crisis, with a reason.",
    "crisis update": "Personal updates, for a mail merge.",
    "notify": "Page the duty manager; test the channels.",
    "notify test": "Send a test message to the channels.",
    "notify digest": "Send the day's summary (for cron).",
    "notify list": "Which channels get which messages.",
}

# Every command, in the order the help lists them: the words one types, and the function. The one way a command is
# registered; a group's own help (`recover crisis --help`) is the Typer its module makes.
COMMANDS: list[tuple[str, Callable[..., Any]]] = [
    ("start", call.start),
    ("resume", call.resume),
    ("discard", call.discard),
    ("show", cases.show),
    ("list", cases.list_cases),
    ("export", cases.export),
    ("report", cases.report),
    ("followups", casework.followups),
    ("followup", casework.followup),
    ("note", casework.note),
    ("close", casework.close),
    ("reopen", casework.reopen),
    ("system-fix", casework.system_fix),
    ("watch", casework.watch),
    ("backup", store.backup),
    ("check", store.check),
    ("forget", store.forget),
    ("playbook list", playbook.list_playbooks),
    ("playbook show", playbook.show_playbook),
    ("playbook lint", playbook.lint_playbooks),
    ("playbook new", playbook.new_playbook),
    ("playbook schema", playbook.schema),
    ("playbook drill", playbook.drill),
    ("coach check", coach.check),
    ("coach test", coach.test),
    ("store migrate", store.migrate),
    ("store copy", store.copy),
    ("crisis open", crisis.open_),
    ("crisis add", crisis.add),
    ("crisis call", crisis.call),
    ("crisis supplier", crisis.supplier),
    ("crisis board", crisis.board),
    ("crisis close", crisis.close),
    ("crisis update", crisis.update),
    ("notify test", notify.test),
    ("notify digest", notify.digest),
    ("notify list", notify.list_channels),
]
GROUPS: dict[str, typer.Typer] = {
    "playbook": playbook.app,
    "coach": coach.app,
    "store": store.app,
    "crisis": crisis.app,
    "notify": notify.app,
}


def _register(target: typer.Typer, words: str, fn: Callable[..., Any]) -> None:
    """One command on its group, or on the top level (a command missing from SHORT_HELP falls back to click's)."""
    target.command(
        words.rpartition(" ")[2], short_help=SHORT_HELP.get(words), cls=PlaybookIdsHelp if words == "start" else None
    )(fn)


def _add_group(target: typer.Typer, name: str) -> None:
    target.add_typer(GROUPS[name], name=name, short_help=SHORT_HELP.get(name))


def _version(value: bool) -> None:
    if value:
        from recoverycli import __version__

        typer.echo(f"recover {__version__}")
        raise typer.Exit()


def _options(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show recover's version and exit.")
    ] = False,
) -> None:
    """Service recovery, step by step: apologise, review, fix and follow up, document."""


app = _root()
for _words, _fn in COMMANDS:
    _prefix = _words.rpartition(" ")[0]
    _register(GROUPS[_prefix] if _prefix else app, _words, _fn)
for _name in GROUPS:
    _add_group(app, _name)


def lean_app(args: list[str]) -> typer.Typer:
    """What `recover ARGS` runs: the top level with only the command or group its first word names (Typer turns
    every registered command into click's form before it runs one: ~30 ms of start-up for the 36 commands), or the
    whole app for help, --version or a word that names nothing (its error lists the commands)."""
    first = args[0] if args else ""
    top = dict(COMMANDS)
    if first not in GROUPS and (" " in first or first not in top):
        return app
    lean = _root()
    if first in GROUPS:
        _add_group(lean, first)
    else:
        _register(lean, first, top[first])
    return lean


def main() -> None:
    import sys

    _refuse_streams_onto_a_store()
    lean_app(sys.argv[1:])()


def _refuse_streams_onto_a_store() -> None:
    """`recover export >> cases.db` (or `2>> cases.db`): the shell opened the store for appending before recover
    ran. Nothing is written there, the command does not run; the other stream says why, if it is safe."""
    import os
    import sys

    from recoverycli.files import streams_onto_a_store

    found = streams_onto_a_store([_named_store(sys.argv[1:])])
    if not found:
        return
    from recoverycli.safety import safe_text

    said = []
    for fd, why in found.items():
        os.dup2(os.open(os.devnull, os.O_WRONLY), fd)  # not one byte reaches the store, even from a library
        stream = "output" if fd == 1 else "error"
        said.append(
            f"error: standard {stream} is {safe_text(why, markup=False, multiline=False)} — nothing was written and"
            f" the command did not run; redirect {'>' if fd == 1 else '2>'} to another file\n"
        )
    try:  # on the stream that is not the store; with both there (`&>> cases.db`), on the terminal
        if len(found) == 1:
            os.write(3 - next(iter(found)), "".join(said).encode())
        else:
            with open("/dev/tty", "w") as tty:
                tty.write("".join(said))
    except OSError:
        pass  # no terminal either: the exit status is all there is
    sys.exit(2)


def _named_store(args: list[str]) -> str:
    """The store this command line names (--store, else RECOVER_STORE, else the per-user file), read before Typer
    parses anything: only to protect it from the shell's redirections."""
    import os

    for i, arg in enumerate(args):
        if arg == "--store" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--store="):
            return arg.partition("=")[2]
    if os.environ.get("RECOVER_STORE"):
        return os.environ["RECOVER_STORE"]
    from recoverycli.config import default_store

    return str(default_store())


if __name__ == "__main__":
    main()
