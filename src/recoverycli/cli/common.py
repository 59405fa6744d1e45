"""What every command shares: options, output helpers, and the one place errors become messages."""

from __future__ import annotations

import errno
import functools
import sys
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from typer.core import TyperCommand

from recoverycli.errors import ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from recoverycli.caselog.filters import CaseFilter
    from recoverycli.playbooks.library import Library
    from recoverycli.store.base import BaseStore

P = ParamSpec("P")
R = TypeVar("R")


StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="RECOVER_STORE",
        metavar="FILE|URL",
        help="Case store: a SQLite file (default: per-user data dir) or a postgresql:// URL.",
        show_default=False,
    ),
]
PlainOpt = Annotated[
    bool,
    typer.Option(
        "--plain",
        envvar="RECOVER_PLAIN",
        help="Ask line by line instead of the full call screen (screen readers, simple terminals); "
        "automatic where a full screen cannot be drawn, e.g. TERM=dumb.",
    ),
]
PlaybooksOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--playbooks",
        metavar="DIR",
        help="Extra playbook directory; repeatable. Also RECOVER_PLAYBOOKS.",
        show_default=False,
    ),
]


def library(dirs: list[Path] | None, warn: Callable[[str], None] | None = None) -> Library:
    """Every playbook that loads. Each broken file is named once (on stderr, or through `warn`: the call screen shows
    it) and only its own playbook is refused: a trainer's typo must not stop a clerk's call on another playbook."""
    from recoverycli.playbooks.library import Library, search_dirs

    lib = Library.default(dirs)
    _, problems = lib.usable()
    messages = [
        f"warning: no playbook directory {d} (from --playbooks or RECOVER_PLAYBOOKS) — its playbooks are not loaded"
        for d in search_dirs(dirs)[1:]
        if not d.is_dir()
    ]
    messages += [
        f"warning: skipped a broken playbook — {p} (`recover playbook lint {p.file}` lists every problem)"
        for p in problems
    ]
    for message in messages:
        if warn is None:
            echo(message, fg="yellow", err=True)
        else:
            warn(message)
    return lib


class PlaybookIdsHelp(TyperCommand):
    """`recover start --help` ends with the playbooks one can start, read when the help is shown (never before)."""

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        super().format_epilog(ctx, formatter)
        try:
            from recoverycli.playbooks.library import Library

            books, _ = Library.default().usable()
        except Exception:  # noqa: BLE001 - help must show even when the playbooks cannot be read
            return
        listed = [(b.id, b.title or "") for b in sorted(books.values(), key=lambda b: b.id) if b.listed()]
        if listed:
            with formatter.section("Playbooks (also RECOVER_PLAYBOOKS and --playbooks DIR)"):
                formatter.write_dl(listed)


def fail(message: str, code: ExitCode = ExitCode.ERROR) -> NoReturn:
    """End the command with one line and `code`; `guarded` says it, as it says every RecoverError."""
    from recoverycli.errors import RecoverError

    raise RecoverError(message, code)


def echo(message: object, err: bool = False, **style: Any) -> None:
    """One line built from data (ids, names, paths), printed without rich: control characters removed; on a terminal
    a line wider than it is wrapped between words, never inside one (the terminal would cut 'alrea / dy')."""
    from recoverycli.safety import safe_text

    text = safe_text(message, markup=False, multiline=False)
    stream = sys.stderr if err else sys.stdout
    if getattr(stream, "isatty", lambda: False)():
        import os

        try:  # the width of the terminal this line goes to (stdout may be a file: `-o /dev/stdout > out.csv`)
            width = os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError):
            width = 80
        if width >= 20:  # a pty that reports no width (0 columns) gets the line as it is
            text = fitted(text, width)
    typer.secho(text, err=err, **style)


def fitted(text: str, width: int) -> str:
    """`text` wrapped at spaces to `width` terminal cells (a Chinese or Japanese character takes two); a word longer
    than the line (a path, a URL) stays whole."""
    if len(text) * 2 <= width:
        return text
    from rich.cells import cell_len

    if cell_len(text) <= width:
        return text
    lines: list[str] = []
    line: list[str] = []
    used = 0
    for word in text.split(" "):  # single spaces: a run of spaces in a path is kept as it was
        size = cell_len(word)
        if line and used + 1 + size > width:
            lines.append(" ".join(line))
            line, used = [], 0
        used += size + (1 if line else 0)
        line.append(word)
    return "\n".join([*lines, " ".join(line)])


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """The one place errors become a line and an exit code (ExitCode); never a traceback for the clerk."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from recoverycli.errors import RecoverError

        if sys.stdout is None:  # started with stdout closed (`recover list >&-`, some daemons)
            sys.stdout = _ClosedStdout()
        _check_time_zone()
        try:
            result = fn(*args, **kwargs)
            sys.stdout.flush()  # a full disk behind stdout shows here, not as a traceback at exit
            return result
        except RecoverError as e:  # UsageError included: exit 2
            if e.exit_code == ExitCode.OK:  # nothing to do is news, not an error
                typer.echo(e.message, err=True)
                raise typer.Exit(ExitCode.OK) from None
            _stop(e.message, e.exit_code)
        except KeyboardInterrupt:
            _stop("interrupted", ExitCode.INTERRUPTED)
        except BrokenPipeError:  # `recover export | head`: the reader has all it wanted
            _drop_stdout()
            raise typer.Exit(ExitCode.OK) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except OSError as e:
            if isinstance(sys.stdout, _ClosedStdout) and e.errno == errno.EBADF:
                _stop(_CLOSED, ExitCode.ERROR)
            if e.filename is None and e.errno in _WRITE_ERRORS:  # writing stdout: `recover list > /dev/full`
                _drop_stdout()
                _stop(_cannot_write(e), ExitCode.ERROR)
            _stop(f"unexpected error ({type(e).__name__}) — details in {_log_crash()}", ExitCode.ERROR)
        except Exception as e:  # noqa: BLE001 - the last line of defence
            _stop(f"unexpected error ({type(e).__name__}) — details in {_log_crash()}", ExitCode.ERROR)

    return wrapper


def _check_time_zone() -> None:
    """Every date shown is local time: a TZ the C library cannot use (TZ=UTC+99) fails each conversion, so say so
    once, before the command starts, instead of an unexpected error halfway through a table or an export."""
    import os
    from datetime import datetime

    try:
        datetime.now(UTC).astimezone()
    except (ValueError, OverflowError, OSError):
        shown = os.environ.get("TZ", "")
        shown = shown if len(shown) <= 40 and shown.isprintable() else "…"
        _stop(
            f"the time zone TZ={shown!r} cannot be used — set TZ to a zone such as Europe/London, or unset it",
            ExitCode.USAGE,
        )


_CLOSED = "standard output is closed, so nothing could be printed — give the command somewhere to write (> FILE)"


class _ClosedStdout:
    """What sys.stdout is when the process started without one: every write fails as writing to fd 1 would."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def writelines(self, lines: Any) -> None:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def isatty(self) -> bool:
        return False


def _stop(message: str, code: int) -> NoReturn:
    echo(message, err=True, fg="red")  # one line for a script; wrapped between words on a terminal
    raise typer.Exit(int(code))


_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG, errno.EPIPE}
LOG_LIMIT = 256 * 1024  # bytes; then the log is rotated to recover.log.1 (one old log is kept)


def stdout_failed(e: OSError) -> NoReturn:
    """Writing the data to stdout failed: nothing more goes there, and the command ends in one line."""
    _drop_stdout()
    fail(_cannot_write(e))


def _cannot_write(e: OSError) -> str:
    if e.errno == errno.EBADF:
        return _CLOSED
    return (
        f"cannot write the output ({e.strerror}) — free some space, or send it somewhere else; the store is unchanged"
    )


def _drop_stdout() -> None:
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _log_crash() -> str:
    import os
    import traceback
    from datetime import datetime

    from recoverycli.config import data_dir
    from recoverycli.errors import RecoverError
    from recoverycli.files import append_private

    try:
        path = data_dir() / "recover.log"
        try:
            if path.stat().st_size > LOG_LIMIT:
                os.replace(path, path.with_name(path.name + ".1"))
        except FileNotFoundError:
            pass
        with append_private(path) as fh:
            # frames and the exception type only: its message may quote a customer's words
            exc = sys.exc_info()[1]
            from recoverycli import __version__

            command = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1].replace("-", "").isalpha() else "?"
            fh.write(
                f"--- {datetime.now(UTC).isoformat()} recover {__version__} (Python {sys.version.split()[0]})"
                f" {command}\n"
            )
            fh.write("".join(traceback.format_tb(exc.__traceback__ if exc else None))[-32_000:])
            fh.write(f"{type(exc).__name__}\n")
        return str(path)
    except (OSError, RecoverError):
        return "(no log: data directory not writable)"


def store_at(location: str | None, create: bool = True, migrate: bool = False, damaged_ok: bool = False) -> BaseStore:
    from recoverycli.store import open_store

    if location is None and create:
        from recoverycli.config import data_dir
        from recoverycli.files import private_dir

        private_dir(data_dir(), tighten=True)  # recover's own directory: 0700 whatever the umask made it
    return open_store(store_location(location), create=create, migrate=migrate, damaged_ok=damaged_ok)


def warn_left_out(st: Any) -> None:
    """A reader left out case rows that cannot be read (damaged, or written by another tool): name them on stderr."""
    skipped = st.left_out() if st is not None else []
    if skipped:
        echo(
            f"left out {len(skipped)} case(s) that cannot be read: {', '.join(skipped[:10])}"
            f"{' …' if len(skipped) > 10 else ''} — run `recover check`",
            err=True,
            fg="yellow",
        )


def store_location(location: str | None) -> str | Path:
    """--store / RECOVER_STORE, else the per-user default file: what an output path must never overwrite."""
    from recoverycli.config import default_store
    from recoverycli.store.pgurl import store_location as checked

    return default_store() if location is None else checked(location)


ForceOpt = Annotated[bool, typer.Option("--force", help="Replace FILE if it exists (never a case store or a backup).")]


def make_console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def print_json(data: Any) -> None:
    from recoverycli.safety import json_dumps

    sys.stdout.write(json_dumps(data, indent=2) + "\n")


StatusOpt = Annotated[str | None, typer.Option("--status", help="draft, open or closed.", show_default=False)]
PlaybookFilter = Annotated[str | None, typer.Option("--playbook", help="Only this playbook id.", show_default=False)]
CustomerOpt = Annotated[
    str | None, typer.Option("--customer", help="Name or contact contains this text.", show_default=False)
]
StaffFilter = Annotated[
    str | None, typer.Option("--staff", help="Only cases taken by this staff member.", show_default=False)
]
SinceOpt = Annotated[
    str | None,
    typer.Option("--since", help="Created on or after (2026-11-01, -7d, 7 days ago, mon …).", show_default=False),
]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Created on or before (same forms).", show_default=False)]
OverdueOpt = Annotated[bool, typer.Option("--overdue", help="Only open cases whose follow-up date has passed.")]
SystemFixOpt = Annotated[bool, typer.Option("--system-fix-open", help="Only cases whose system fix is not done yet.")]


STATUSES = ("draft", "open", "closed")
MAX_LIMIT = 1_000_000_000
MAX_DAYS = 36_500  # a hundred years of follow-ups
MAX_INTERVAL = 86_400.0


def within(value: Any, flag: str, high: Any, unit: str = "") -> Any:
    """A number option beyond any sensible use (or past what dates and timers hold) is one line, exit 2."""
    import math

    if value is not None and (not math.isfinite(value) or value > high):
        from recoverycli.errors import UsageError

        shown = lambda n: str(n) if isinstance(n, int) else f"{n:g}"  # noqa: E731
        raise UsageError(
            f"{flag}: {shown(value)}{unit} is more than recover can use — give at most {shown(high)}{unit}"
        )
    return value


def case_filter(
    status: str | None,
    playbook: str | None,
    customer: str | None,
    staff: str | None,
    since: str | None,
    until: str | None,
    overdue: bool,
    system_fix_open: bool = False,
) -> CaseFilter:
    from datetime import date

    from recoverycli.caselog.filters import CaseFilter
    from recoverycli.errors import UsageError

    if status is not None and status not in STATUSES:
        raise UsageError(f"--status: '{status}' is not a status — use draft, open or closed")
    today = date.today()
    first, last = date_range(since, until, today)
    return CaseFilter(
        status=status,
        playbook=playbook,
        customer=customer,
        staff=staff,
        since=first,
        until=last,
        overdue=overdue,
        system_fix_open=system_fix_open,
        today=today,
    )


def date_range(since: str | None, until: str | None, today: Any) -> tuple[Any, Any]:
    """--since and --until as dates; reversed, they would match nothing without a word, so they are refused."""
    from recoverycli.caselog.filters import as_date
    from recoverycli.errors import UsageError

    first, last = as_date(since, today, "--since"), as_date(until, today, "--until")
    if first is not None and last is not None and first > last:
        raise UsageError(f"--since {first} is after --until {last} — swap them")
    return first, last


def staff_for_change(given: str | None) -> str:
    from recoverycli.call.live import staff_name

    who = staff_name(given)
    if who is None:
        fail("who is making this change? — pass --staff NAME or set RECOVER_STAFF")
    return who


StaffOpt = Annotated[
    str | None,
    typer.Option(
        "--staff", help="Who makes the change (else RECOVER_STAFF or the remembered name).", show_default=False
    ),
]
