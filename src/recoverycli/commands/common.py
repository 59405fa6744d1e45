"""What every command shares: options, output helpers, and the one place errors become messages."""

from __future__ import annotations

import functools
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Callable, Optional, TypeVar

import typer
from typer.core import TyperCommand

F = TypeVar("F", bound=Callable[..., Any])


class Format(str, Enum):
    table = "table"
    json = "json"


StoreOpt = Annotated[
    Optional[str],
    typer.Option("--store", envvar="RECOVER_STORE", metavar="FILE|URL",
                 help="Case store: a SQLite file (default: per-user data dir) or a postgresql:// URL.", show_default=False),
]
PlainOpt = Annotated[bool, typer.Option(
    "--plain", envvar="RECOVER_PLAIN",
    help="Ask line by line instead of the full call screen (screen readers, simple terminals); "
         "automatic where a full screen cannot be drawn, e.g. TERM=dumb.")]
PlaybooksOpt = Annotated[
    Optional[list[Path]],
    typer.Option("--playbooks", metavar="DIR", help="Extra playbook directory; repeatable. Also RECOVER_PLAYBOOKS.",
                 show_default=False),
]


def library(dirs: Optional[list[Path]], warn: Optional[Callable[[str], None]] = None):
    """Every playbook that loads. Each broken file is named once (on stderr, or through `warn`: the call screen shows
    it) and only its own playbook is refused: a trainer's typo must not stop a clerk's call on another playbook."""
    from recoverycli.playbooks import Library

    lib = Library.default(dirs)
    _, problems = lib.usable()
    for p in problems:
        message = f"warning: skipped a broken playbook — {p} (`recover playbook lint {p.file}` lists every problem)"
        if warn is None:
            typer.secho(message, fg="yellow", err=True)
        else:
            warn(message)
    return lib


class PlaybookIdsHelp(TyperCommand):
    """`recover start --help` ends with the playbooks one can start, read when the help is shown (never before)."""

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        super().format_epilog(ctx, formatter)
        try:
            from recoverycli.playbooks import Library

            books, _ = Library.default().usable()
        except Exception:  # noqa: BLE001 - help must show even when the playbooks cannot be read
            return
        listed = [(b.id, b.title or "") for b in sorted(books.values(), key=lambda b: b.id) if b.listed()]
        if listed:
            with formatter.section("Playbooks (also RECOVER_PLAYBOOKS and --playbooks DIR)"):
                formatter.write_dl(listed)


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
            if e.exit_code == 0:  # nothing to do is news, not an error
                typer.echo(e.message, err=True)
                raise typer.Exit(0) from None
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
            from recoverycli import __version__

            fh.write(f"--- {datetime.now(timezone.utc).isoformat()} recover {__version__} (Python {sys.version.split()[0]})"
                     f" {' '.join(sys.argv[1:2])}\n")
            fh.write("".join(traceback.format_tb(exc.__traceback__ if exc else None)))
            fh.write(f"{type(exc).__name__}\n")
        path.chmod(0o600)
        return str(path)
    except OSError:
        return "(no log: data directory not writable)"


def store_at(location: Optional[str], create: bool = True, migrate: bool = False):
    from recoverycli.config import default_store
    from recoverycli.store import open_store

    return open_store(location or default_store(), create=create, migrate=migrate)


def make_console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def print_json(data: Any) -> None:
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


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
SystemFixOpt = Annotated[bool, typer.Option("--system-fix-open", help="Only cases whose system fix is not done yet.")]


def case_filter(status, playbook, customer, staff, since, until, overdue, system_fix_open=False):
    from datetime import date

    from recoverycli.query import CaseFilter, as_date

    today = date.today()
    return CaseFilter(status=status, playbook=playbook, customer=customer, staff=staff,
                      since=as_date(since, today, "--since"), until=as_date(until, today, "--until"),
                      overdue=overdue, system_fix_open=system_fix_open, today=today)


def staff_for_change(given: Optional[str]) -> str:
    from recoverycli.config import staff_name

    who = staff_name(given)
    if who is None:
        fail("who is making this change? — pass --staff NAME or set RECOVER_STAFF")
    return who


StaffOpt = Annotated[Optional[str], typer.Option("--staff", help="Who makes the change (else RECOVER_STAFF or the remembered name).", show_default=False)]
