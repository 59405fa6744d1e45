"""The Typer app: registers the commands; each lives in commands/ and keeps heavy imports inside."""

from __future__ import annotations

import typer

from recoverycli.commands import call, cases, casework, coach, crisis, playbook, store

app = typer.Typer(
    name="recover",
    help="Service recovery, step by step: apologise, review, fix and follow up, document.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

for name, fn in [
    ("start", call.start), ("resume", call.resume), ("discard", call.discard),
    ("show", cases.show), ("list", cases.list_cases), ("export", cases.export), ("report", cases.report),
    ("followups", casework.followups), ("followup", casework.followup), ("note", casework.note),
    ("close", casework.close), ("reopen", casework.reopen), ("system-fix", casework.system_fix), ("watch", casework.watch),
    ("backup", store.backup), ("check", store.check), ("forget", store.forget),
]:
    app.command(name)(fn)
app.add_typer(playbook.app, name="playbook")
app.add_typer(coach.app, name="coach")
app.add_typer(store.app, name="store")
app.add_typer(crisis.app, name="crisis")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
