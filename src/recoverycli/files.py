"""Every file recover writes or reads on a user's say-so, in one place.

Private files are 0600 in 0700 directories whatever the umask, tightened if they exist; nothing is
written through a symbolic link recover did not expect; no output ever replaces a case store, its
-wal/-shm/-journal companions or a backup; an input file is read only if it is a regular file, and
never past a size limit (a device or a FIFO would otherwise be read forever).
"""

from __future__ import annotations

import errno
import os
import re
import signal
import stat
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from recoverycli.errors import RecoverError

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
SQLITE_MAGIC = b"SQLite format 3\x00"
WAL_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")
COMPANIONS = ("-wal", "-shm", "-journal")
TEMP_MARK = ".recover-tmp"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# A URL scheme (jdbc:postgresql too). A Path argument turns scheme:// into scheme:/, so a path starting with
# scheme:/ is a database address given where a file was expected — and may hold a password.
URL_SCHEME = r"[A-Za-z][A-Za-z0-9+.\-]*(?::[A-Za-z][A-Za-z0-9+.\-]*)*"
_URLISH = re.compile(rf"\s*{URL_SCHEME}:/")
# `.NAME.recover-tmp.PID`, and the -journal/-wal/-shm a SQLite temp copy grows: what temp_beside names.
_TEMP_NAME = re.compile(rf"\..+{re.escape(TEMP_MARK)}\.(\d+)(?:{'|'.join(COMPANIONS)})?")


class FileRefused(RecoverError):
    """A path recover will not write to (or read from), with what to do instead."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message  # the message without the path, for a `file:line:col: reason` line


# --- directories ---------------------------------------------------------------------------
def private_dir(path: Path, tighten: bool = False) -> Path:
    """Create `path` and any missing parents as 0700, whatever the umask.

    tighten: also take group and other rights away from an existing directory we own (recover's own
    data and config directories), never from one the user pointed us at.
    """
    path = Path(path).expanduser()
    missing: list[Path] = []
    here = path
    while not os.path.lexists(here) and here != here.parent:
        missing.append(here)
        here = here.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, PRIVATE_DIR)
        except FileExistsError:
            continue  # made by another process meanwhile: leave its mode alone
        os.chmod(d, PRIVATE_DIR)  # mkdir's mode passes through the umask; chmod does not
    if tighten and not missing:
        st = os.stat(path)
        if st.st_uid != os.geteuid():
            raise FileRefused(
                f"{path} belongs to another user — recover keeps private files only in its own directories"
            )
        if stat.S_ISDIR(st.st_mode) and st.st_mode & 0o077:
            os.chmod(path, PRIVATE_DIR)
    return path


# --- what must never be overwritten -----------------------------------------------------------
def _head(path: Path, n: int = 16) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _CLOEXEC)
    except OSError:
        return b""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""
        return os.read(fd, n)
    finally:
        os.close(fd)


def is_sqlite_file(path: Path) -> bool:
    return _head(path).startswith(SQLITE_MAGIC)


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b) or a.resolve() == b.resolve()


def protected_reason(path: Path, stores: Iterable[Path | str] = ()) -> str | None:
    """Why writing `path` would destroy a case store, a companion of one, or a backup; None if it would not."""
    path = Path(path).expanduser()
    for store in stores:
        if isinstance(store, str) and store.startswith(("postgresql://", "postgres://")):
            continue
        s = Path(store).expanduser()
        if _same(path, s):
            return f"it is the case store ({s})"
        for suffix in COMPANIONS:
            if _same(path, s.with_name(s.name + suffix)):
                return f"it belongs to the case store {s} (its {suffix} file)"
    head = _head(path)
    if head.startswith(SQLITE_MAGIC):
        return "it is a SQLite database (a case store or a backup of one)"
    if head[:4] in WAL_MAGIC:
        return "it is a SQLite write-ahead log"
    for suffix in COMPANIONS:
        if path.name.endswith(suffix) and path.name != suffix:
            base = path.with_name(path.name[: -len(suffix)])
            if is_sqlite_file(base):
                return f"it belongs to the SQLite database {base}"
    return None


def streams_onto_a_store(stores: Iterable[Path | str] = ()) -> dict[int, str]:
    """Standard output or error (fd 1, 2) that the shell opened onto a case store (one of `stores`, even emptied by
    `>`), a companion of one (its -wal even while empty: another process may be using it) or a backup, with why:
    anything written there would land in the database."""
    found: dict[int, str] = {}
    for fd in (1, 2):
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                continue
            target = Path(os.readlink(f"/proc/self/fd/{fd}"))  # the file's own name, for its -wal/-shm suffix
        except OSError:  # closed, or no /proc (the shell's own check is then all there is)
            continue
        reason = protected_reason(target, stores)
        if reason is not None and st.st_size == 0 and reason.startswith("it is the case store"):
            reason += " — the shell's `>` has just emptied it: put back your latest backup (`recover backup` made it)"
        if reason is not None:
            found[fd] = f"{target}: {reason}"
    return found


# --- output files a user names ------------------------------------------------------------------
def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISBLK, "a block device (a disk)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISFIFO, "a FIFO"),
    ):
        if test(mode):
            return name
    return "a file"


def is_urlish(path: Path | str) -> bool:
    return bool(_URLISH.match(str(path)))


def refuse_url(path: Path | str, what: str) -> None:
    """FileRefused for a URL given as a file path; the message never repeats it (it may hold a password)."""
    if is_urlish(path):
        reason = f"this is a URL, not a file (not shown: it may hold a password) — give a file path for the {what}"
        raise FileRefused(f"the {what} path: {reason}", reason)


_OWN_STREAM = re.compile(r"/dev/(?P<name>stdout|stderr)|/(?:dev/fd|proc/self/fd)/(?P<fd>\d+)")


def own_stream(path: Path | str) -> int | None:
    """The descriptor `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` or `/proc/self/fd/N` names in this process, if any.

    Such a path is written through a copy of the descriptor, never opened by name: when standard output is a file
    (`> out.csv`, `>> log`), opening the name again would start writing at the top of that file, over what is there.
    """
    m = _OWN_STREAM.fullmatch(str(path))
    if m is None:
        return None
    return {"stdout": 1, "stderr": 2}[m["name"]] if m["name"] else int(m["fd"])


def check_output(
    path: Path, force: bool | None = False, stores: Iterable[Path | str] = (), what: str = "output"
) -> str:
    """How `path` would be written ("new", "replace" or "stream"), or FileRefused saying why not and what to do.

    "stream" is a character device or a FIFO (/dev/null, /dev/stdout, a pipe): written in place, nothing to replace.
    force=None: the command never replaces a file (a backup), so an existing one is simply refused.
    """
    refuse_url(path, what)
    path = Path(path).expanduser()
    fd = own_stream(path)
    if fd is not None:
        try:
            mode = os.fstat(fd).st_mode
        except (OSError, OverflowError):
            raise FileRefused(f"{path}: that descriptor is not open in this process — give a file name") from None
        if stat.S_ISDIR(mode):
            raise FileRefused(f"{path}: that descriptor is a directory — give a file name for the {what}")
        reason = protected_reason(Path(f"/proc/self/fd/{fd}"), stores)
        if reason is not None:
            raise FileRefused(f"{path}: will not write the {what} there: {reason} — redirect it to another file")
        return "stream"
    try:
        lst = os.lstat(path)
    except FileNotFoundError:
        lst = None
    except OSError as e:
        raise FileRefused(f"{path}: cannot use this {what} path ({e.strerror}) — choose another") from None
    if lst is not None and stat.S_ISLNK(lst.st_mode):
        try:
            target = os.stat(path)
        except OSError:
            target = None
        if target is not None and (stat.S_ISCHR(target.st_mode) or stat.S_ISFIFO(target.st_mode)):
            return "stream"  # /dev/stdout, /dev/fd/N: a stream, nothing on disk to replace
        raise FileRefused(
            f"{path} is a symbolic link (to {os.readlink(path)}) — recover does not write through links; "
            f"give the real file name"
        )
    if lst is not None:
        if stat.S_ISCHR(lst.st_mode) or stat.S_ISFIFO(lst.st_mode):
            return "stream"
        if stat.S_ISDIR(lst.st_mode):
            raise FileRefused(f"{path} is a directory — give a file name inside it, e.g. {path / ('recover-' + what)}")
        if not stat.S_ISREG(lst.st_mode):
            raise FileRefused(f"{path} is {_kind(lst.st_mode)} — give a file name for the {what}")
    reason = protected_reason(path, stores)
    if reason is not None:
        raise FileRefused(f"{path}: will not write the {what} there: {reason} — choose another file name")
    if lst is not None:
        if not force:
            how = "choose a new file name" if force is None else "pass --force to replace it, or choose a new file name"
            raise FileRefused(f"{path} already exists — {how} for the {what}")
        return "replace"
    parent = path.parent
    if not parent.exists():
        raise FileRefused(f"{path}: the directory {parent} does not exist — create it first, or choose another path")
    if not parent.is_dir():
        raise FileRefused(f"{path}: {parent} is not a directory — choose another path")
    return "new"


def temp_beside(path: Path) -> Path:
    """A temporary name in the same directory (so a rename is atomic) that stale_temps can recognise."""
    return path.with_name(f".{path.name}{TEMP_MARK}.{os.getpid()}")


def new_file(path: Path, mode: int = PRIVATE_FILE) -> int:
    """Create a file that must not exist yet, not through a symlink, with exactly `mode` whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, mode)
    os.fchmod(fd, mode)
    return fd


def link_into_place(tmp: Path, path: Path) -> None:
    """Give a finished temp file its real name, unless that name was taken meanwhile (FileExistsError)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, "File exists", str(path)) from None
        os.replace(tmp, path)


def _failed(path: Path, e: OSError, what: str, kept: str) -> RecoverError:
    why = e.strerror or type(e).__name__
    hint = "free some space" if e.errno in (errno.ENOSPC, errno.EDQUOT) else "check the path and its permissions"
    return RecoverError(f"cannot write the {what} to {path} ({why}) — {hint}; {kept}")


class Terminated(KeyboardInterrupt):
    """SIGTERM (a timeout, systemd) or SIGHUP (a closed terminal) while recover writes a file: it unwinds as Ctrl-C
    does, so the writer's cleanup removes the partial copy instead of leaving it hidden beside the target."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _terminate(signum: int, frame: object) -> None:
    raise Terminated(signum)


@contextmanager
def stopping_cleanly() -> Iterator[None]:
    """While writing: SIGTERM and SIGHUP raise Terminated. A signal already ignored (nohup) or handled elsewhere is
    left alone; outside the main thread (where Python cannot set handlers) nothing changes."""
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None and signal.getsignal(sig) is signal.SIG_DFL:
                previous[sig] = signal.signal(sig, _terminate)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def output_file(
    path: Path,
    force: bool = False,
    stores: Iterable[Path | str] = (),
    what: str = "output",
    binary: bool = False,
    newline: str | None = None,
    mode: int = PRIVATE_FILE,
) -> Iterator[IO[Any]]:
    """Write a file the user named: created `mode` (0600), an existing one replaced only with `force`; always through
    a temporary file named into place once whole, so a failure (a full disk, a kill) never leaves half a file under
    that name and an existing one stays as it was. Never the store or a backup.
    """
    path = Path(path).expanduser()
    how = check_output(path, force, stores, what)
    own = own_stream(path)
    if how == "stream":
        try:
            fd = (
                os.dup(own)
                if own is not None
                else os.open(
                    path,
                    os.O_WRONLY | os.O_NONBLOCK | _CLOEXEC
                    if stat.S_ISFIFO(os.stat(path).st_mode)
                    else os.O_WRONLY | _CLOEXEC,
                )
            )
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.set_blocking(fd, True)
        except OSError as e:
            why = "no process is reading it" if e.errno == errno.ENXIO else e.strerror
            raise FileRefused(f"cannot write the {what} to {path} ({why})") from None
        if own in (1, 2):  # what this process already printed there goes first
            stream = sys.stdout if own == 1 else sys.stderr
            with suppress(OSError, ValueError, AttributeError):
                stream.flush()
        fh = open(fd, "wb" if binary else "w", encoding=None if binary else "utf-8", newline=newline)
        try:
            yield fh
            fh.close()
        except OSError as e:
            _close_quietly(fh)
            raise _failed(path, e, what, "the store is unchanged") from None
        return
    target = temp_beside(path)
    with stopping_cleanly():
        try:
            stale_temps(path)
            _unlink_quietly(target)  # ours only if a killed process had our process id: never a live writer's
            fd = new_file(target, mode)
        except OSError as e:
            raise _failed(path, e, what, "nothing was written") from None
        fh = open(fd, "wb" if binary else "w", encoding=None if binary else "utf-8", newline=newline)
        done = False
        try:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            if how == "replace":
                if protected_reason(path, stores) is not None:  # it became a database meanwhile: leave it be
                    raise FileRefused(
                        f"{path}: will not replace it: it is now a SQLite database — choose another file name"
                    )
                os.replace(target, path)
            else:
                try:
                    link_into_place(target, path)
                except FileExistsError:  # created by someone else while we wrote: theirs is kept
                    raise FileRefused(
                        f"{path} already exists — pass --force to replace it, or choose a new file name"
                    ) from None
                _unlink_quietly(target)
            done = True
        except OSError as e:
            kept = f"{path} was left as it was" if how == "replace" else "no partial file was left"
            raise _failed(path, e, what, kept) from None
        finally:
            if not done:
                _close_quietly(fh)
                _unlink_quietly(target)


def _close_quietly(fh: IO[Any]) -> None:
    try:
        fh.close()
    except OSError:
        pass


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_output(
    path: Path,
    data: str | bytes,
    force: bool = False,
    stores: Iterable[Path | str] = (),
    what: str = "output",
    mode: int = PRIVATE_FILE,
) -> None:
    with output_file(path, force, stores, what, binary=isinstance(data, bytes), mode=mode) as fh:
        fh.write(data)


# --- recover's own private files --------------------------------------------------------------
def _private_fd(fd: int) -> None:
    """A regular file made 0600: os.open's mode applies only to a file it creates, never to one that exists."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise OSError(errno.EINVAL, f"not a regular file ({_kind(st.st_mode)})")
    if stat.S_IMODE(st.st_mode) != PRIVATE_FILE:
        os.fchmod(fd, PRIVATE_FILE)


def _open_private(path: Path, flags: int) -> int:
    """Open (creating 0600) a private file, never through a symlink, and tighten it if it was looser."""
    fd = os.open(path, flags | os.O_CREAT | _NOFOLLOW | _CLOEXEC, PRIVATE_FILE)
    try:
        _private_fd(fd)
    except BaseException:
        os.close(fd)
        raise
    return fd


def tighten(path: Path, follow_links: bool = False) -> bool:
    """Make an existing regular file of ours 0600 (a store about to hold personal data, a config holding secrets);
    False, and nothing changed, when it belongs to another user. Through a symlink only with follow_links (a path
    the user chose, such as --store)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _CLOEXEC | (0 if follow_links else _NOFOLLOW))
    try:
        if os.fstat(fd).st_uid != os.geteuid():
            return False
        _private_fd(fd)
        return True
    finally:
        os.close(fd)


def append_private(path: Path) -> IO[str]:
    """A private log file opened for appending, in a private directory."""
    private_dir(path.parent, tighten=True)
    return open(_open_private(path, os.O_WRONLY | os.O_APPEND), "a", encoding="utf-8")


def new_private(path: Path, text: str) -> None:
    """Write a private file that must not exist yet (a rescued call)."""
    private_dir(path.parent, tighten=True)
    fd = new_file(path, PRIVATE_FILE)
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def replace_private(path: Path, text: str) -> None:
    """Replace a private file whole (the config): written beside it, then renamed in; never through a link."""
    private_dir(path.parent, tighten=True)
    if os.path.islink(path):
        raise FileRefused(f"{path} is a symbolic link — recover does not write through links; edit the file yourself")
    tmp = temp_beside(path)
    _unlink_quietly(tmp)
    fd = new_file(tmp, PRIVATE_FILE)
    try:
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        _unlink_quietly(tmp)


def stale_temps(path: Path) -> int:
    """Remove temporary files in `path`'s directory left by a recover process that no longer runs (a kill -9 during
    a backup, an export, the store's creation): whatever name they were written for. Their count.

    Also the `.new-NAME.PID` files earlier versions left when killed while creating the store `path`.
    """
    removed = 0
    try:
        siblings = list(path.parent.iterdir())
    except OSError:
        return 0
    for p in siblings:
        ours = _TEMP_NAME.fullmatch(p.name)
        rest = ours.group(1) if ours else ""
        if not ours and p.name.startswith(old := f".new-{path.name}."):
            rest = p.name[len(old) :]
            for suffix in COMPANIONS:
                rest = rest.removesuffix(suffix)
        if rest.isdigit() and int(rest) != os.getpid() and not _running(int(rest)):
            try:
                p.unlink()
                removed += 1
            except OSError:
                pass
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- input files -------------------------------------------------------------------------------
def read_limited(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; OSError-free: a FileRefused that says what is wrong.

    Opened without blocking (a FIFO would wait for a writer forever) and read no further than the limit,
    whatever the size the file claims (/dev/zero claims none).
    """
    refuse_url(path, what)
    path = Path(path).expanduser()

    def refuse(reason: str) -> FileRefused:
        return FileRefused(f"{path}: {reason}", reason)

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | _CLOEXEC)
    except OSError as e:
        raise refuse(f"cannot read file ({e.strerror}) — check the path and its permissions") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise refuse(f"this is {_kind(st.st_mode)}, not a file — give the {what} as a regular file")
        if st.st_size > limit:
            raise refuse(f"file is {st.st_size} bytes, over the {limit} limit — split it into smaller files")
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, min(1 << 16, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise refuse(f"file is over the {limit} byte limit — split it into smaller files")
        return b"".join(chunks)
    except OSError as e:
        raise refuse(f"cannot read file ({e.strerror}) — check the path and its permissions") from None
    finally:
        os.close(fd)
