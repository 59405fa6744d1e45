"""The embedded case store: one SQLite file with WAL, short transactions and a versioned schema."""

from __future__ import annotations

import errno
import functools
import os
import re
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from recoverycli.caselog.filters import CaseFilter
from recoverycli.errors import NotFoundError, StoreError
from recoverycli.files import (
    PRIVATE_FILE,
    SQLITE_MAGIC,
    check_output,
    link_into_place,
    new_file,
    private_dir,
    stale_temps,
    stopping_cleanly,
    temp_beside,
    tighten,
)
from recoverycli.safety import RISKY
from recoverycli.store.base import ORDERS, BaseStore, Garbled, Rows, altered_by_hand, unreadable_row
from recoverycli.store.columns import ANSWER_COLUMNS, BASE_ANSWERS, BY_NAME, EXPORT, EXTRA
from recoverycli.store.migrations import MIGRATIONS, ODD_TEXT, SCHEMA_VERSION, sqlite_current

BUSY_TIMEOUT_MS = 10_000
BUSY_RETRIES = 20


OUR_TABLES = {"sqlite_sequence"} | {  # every table a schema version creates: a new version's tables count by themselves
    name
    for step in MIGRATIONS
    if isinstance(step.sqlite, str)
    for name in re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", step.sqlite, re.IGNORECASE)
}
FIRST_COLUMNS = {  # what schema v1 gave each table: every recover store has at least these
    "cases": {
        "id",
        "status",
        "created_at",
        "updated_at",
        "staff",
        "customer_name",
        "customer_contact",
        "segment",
        "playbook_id",
        "playbook_version",
        "playbook_hash",
        "answers",
    },
    "events": {"seq", "case_id", "at", "staff", "kind", "data"},
}
NOT_A_STORE = "is not a recover case store"


def inspect(path: Path) -> tuple[str, int]:
    """What a store path holds, read without changing a byte: ("missing" | "empty" | "store", schema version).

    A file that is not a recover store — not SQLite, another program's tables, a user_version that is not
    ours — raises StoreError and is left exactly as it was (no tables added, no WAL switched on).
    """
    if not os.path.lexists(path):
        return "missing", 0
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise StoreError(f"{path} is a symbolic link to a missing file — point --store at the real file") from None
    if not stat.S_ISREG(st.st_mode):
        raise StoreError(f"{path} {NOT_A_STORE} (it is not a regular file) — point --store at another file")
    if st.st_size == 0:
        return "empty", 0
    with open(path, "rb") as fh:
        head = fh.read(100)
    if not head.startswith(SQLITE_MAGIC):
        raise StoreError(
            f"{path} {NOT_A_STORE} (not a SQLite database) — point --store at another file, or restore a backup"
        )
    wal = path.with_name(path.name + "-wal")
    # immutable: no lock, no -wal/-shm created; a live WAL must be read through a normal read-only connection
    mode = "ro" if wal.exists() and wal.stat().st_size > 0 else "ro&immutable=1"
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode={mode}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            # sqlite_* names are SQLite's own (sqlite_sequence, sqlite_stat1 after ANALYZE): never another program's
            tables = {
                r[0]
                for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                if not r[0].startswith("sqlite_")
            }
            columns = {
                t: {r[1] for r in conn.execute(f"PRAGMA table_info({t})")} for t in ("cases", "events") if t in tables
            }
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{path}: {_describe(e, path)}") from None
    except UnicodeDecodeError:  # damage in the schema itself: a table name that is not text
        raise StoreError(
            f"{path}: the store is damaged (its list of tables cannot be read) — restore the latest backup "
            "(`recover backup` makes them)"
        ) from None
    if not tables and version == 0:
        return "empty", 0
    ours = {"cases", "events"} <= tables
    strangers = [t for t, need in FIRST_COLUMNS.items() if t in columns and not need <= columns[t]]
    if strangers:
        raise StoreError(
            f"{path} {NOT_A_STORE} (its {strangers[0]} table is not recover's) — it was left untouched; "
            f"point --store at another file"
        )
    if ours and version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: this store has schema version {version}, newer than this recover understands "
            f"({SCHEMA_VERSION}) — upgrade recover (pip install -U recoverycli)"
        )
    if not ours or not tables <= OUR_TABLES or not 1 <= version <= SCHEMA_VERSION:
        other = sorted(tables - OUR_TABLES)
        lacking = sorted({"cases", "events"} - tables)
        why = (
            f"it holds other tables: {', '.join(other[:3])}{' …' if len(other) > 3 else ''}"
            if other
            else f"it has no {' or '.join(lacking)} table"
            if lacking
            else f"its schema version is {version}, not one of recover's"
        )
        raise StoreError(f"{path} {NOT_A_STORE} ({why}) — it was left untouched; point --store at another file")
    return "store", version


def _drop_temp(tmp: Path) -> None:
    """A temp copy of a database and the rollback journal SQLite kept beside it."""
    for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
        if os.path.lexists(leftover):
            leftover.unlink()


class SqliteStore(BaseStore):
    """Cases in one SQLite file, safe for several processes at once."""

    duplicate_errors = (sqlite3.IntegrityError,)

    def __init__(self, path: Path, create: bool = True, damaged_ok: bool = False) -> None:
        self.path = Path(path).expanduser()
        self.label = str(self.path)
        self.migrated_from: int | None = None
        try:
            kind, _ = inspect(self.path)
            self.created = kind != "store"  # `store migrate` says it made a new store, not "already up to date"
            if kind != "missing":
                stale_temps(self.path)  # left by a recover killed while it created this store or replaced a file here
            if kind != "store" and not create:
                raise NotFoundError(
                    f"no case store at {self.path} yet{' (the file is empty)' if kind == 'empty' else ''} — "
                    f"`recover start` creates it, or pass --store"
                )
            if kind == "missing":
                private_dir(self.path.parent)
                self._create_atomically()
            elif kind == "empty":
                if not tighten(self.path, follow_links=True):  # it is about to hold personal data
                    raise PermissionError(errno.EPERM, "Operation not permitted")
            self.conn = self._connect(self.path)
            if not self._altered(refuse=not damaged_ok):  # a damaged store is never written, not even migrated
                self._upgrade()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: {_describe(e, self.path)}") from None
        except OSError as e:
            raise StoreError(
                f"{self.path}: cannot open the case store ({e.strerror}) — check the path and its permissions, or "
                "pass --store"
            ) from None

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _create_atomically(self) -> None:
        """Build the schema in a temp file and link it in, so a crash never leaves half a store.

        The link fails if another process got there first: theirs is kept (it may hold a case already).
        Temp files left by a process killed here earlier are removed.
        """
        stale_temps(self.path)
        tmp = temp_beside(self.path)
        try:
            os.close(new_file(tmp, PRIVATE_FILE))
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode = DELETE")
                self._migrate(conn, 0)
            finally:
                conn.close()
            try:
                link_into_place(tmp, self.path)
            except FileExistsError:
                pass  # another desk created it meanwhile: theirs is kept, and may already hold a case
        finally:
            _drop_temp(tmp)

    @staticmethod
    def _migrate(conn: sqlite3.Connection, current: int, to: int = SCHEMA_VERSION) -> None:
        for version in range(current, to):
            conn.execute("BEGIN IMMEDIATE")
            try:
                now = conn.execute("PRAGMA user_version").fetchone()[0]
                if now == version:  # not done by another process meanwhile
                    step = MIGRATIONS[version].sqlite
                    if callable(step):
                        step(conn)
                    else:
                        for stmt in step.split(";"):
                            if stmt.strip():
                                conn.execute(stmt)
                    conn.execute(f"PRAGMA user_version = {version + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def _upgrade(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: this store has schema version {version}, newer than this recover understands "
                f"({SCHEMA_VERSION}) — upgrade recover (pip install -U recoverycli)"
            )
        if version < SCHEMA_VERSION and not sqlite_current(version):
            self.migrated_from = version
            self._migrate(self.conn, version)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction; the write lock is taken up front, so it never deadlocks mid-way.

        sqlite3.IntegrityError passes through untouched (callers retry with a new id);
        every other database error becomes one StoreError line.
        """
        for attempt in range(BUSY_RETRIES):
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as e:
                if not _is_busy(e) or attempt == BUSY_RETRIES - 1:
                    raise StoreError(f"{self.path}: {_describe(e, self.path)}") from None
                time.sleep(0.05 * (attempt + 1))
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except sqlite3.IntegrityError:
            self._rollback()
            raise
        except sqlite3.DatabaseError as e:
            self._rollback()
            raise StoreError(f"{self.path}: {_describe(e, self.path)}") from None
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.DatabaseError:
                pass

    def execute(self, sql: str, args: Any = ()) -> Rows:
        return _Reading(self.conn, lambda: self.conn.execute(sql, args), self.path)

    def ci_equal(self, column: str) -> str:
        return f"{column} = ? COLLATE NOCASE"

    def readable(self, column: str = "answers") -> str:
        return f"json_valid({column})"  # text an older recover saved with Infinity in it would stop json_extract

    def contains(self, column: str) -> str:
        return f"{column} LIKE ? ESCAPE '\\'"

    def json_text(self, key: str, column: str = "answers") -> str:
        return f"json_extract({column}, '$.{key}')"

    def week_of(self, column: str) -> str:
        return f"strftime('%Y-%m-%d', {column}, 'weekday 0', '-6 days')"

    def days_between(self, later: str, earlier: str) -> str:
        return f"(julianday(date({later})) - julianday(date({earlier})))"

    def hours_between(self, later: str, earlier: str) -> str:
        return f"((julianday({later}) - julianday({earlier})) * 24)"

    def flags_of(self, column: str) -> str:
        return f"json_each({column}, '$.flags') f"

    def is_true(self, expr: str) -> str:
        return f"{expr} = 1"

    def as_text(self, column: str) -> str:
        return f"CAST({column} AS TEXT)"  # a BLOB's bytes read as text; text unchanged; the index still covers it

    def is_timestamp(self, x: str) -> str:
        """SQLite has no regular expressions, and a full check of the pattern costs the report 40 ms at 100,000 cases:
        a date first ('-' where ISO puts it; julianday() reads nothing else that starts so), on a real calendar day
        (date() with a modifier moves 30 February to 2 March; without one it echoes it), and julianday() reads the
        rest. It also reads an ISO time with extra spaces or a lower-case z, which the PostgreSQL pattern does not."""
        day = f"substr({x}, 1, 10)"
        return (
            f"(substr({x}, 5, 1) = '-' AND substr({x}, 8, 1) = '-'"
            f" AND (substr({x}, 9, 2) <= '28' OR date({day}, '+0 days') = {day}))"
        )

    def distinct_json(self, column: str) -> str:
        return f"json_group_array(DISTINCT {column})"

    def period_source(self, f: CaseFilter) -> str:
        """The report reads its period from the index that holds what it needs (schema v8), never the wide rows: a
        range of it when the period has a start, all of it otherwise, whatever order the cases were stored in."""
        return "cases INDEXED BY cases_period"

    def notice_odd_text(self, where: str, args: list[Any]) -> None:
        """Names and contacts with a character that is not printable ASCII, from the index holding only those cases:
        reading one that is not UTF-8 switches the connection to tolerant reading, and `unreadable` then names it."""
        sql = f"SELECT customer_name, customer_contact FROM cases WHERE ({ODD_TEXT})" + (
            f" AND {where}" if where else ""
        )
        for _ in self.execute(sql, args):
            pass

    def before_forget(self, tx: sqlite3.Connection) -> None:
        tx.execute("PRAGMA secure_delete = ON")  # erased text is overwritten in the file, not just unlinked

    def after_forget(self, wait: float = 10.0) -> str | None:
        """Old pages must not linger in the file or the WAL; a reader holding the file keeps them there until it ends.

        Retries for `wait` seconds; returns None once the checkpoint is complete, else why it is not.
        """
        deadline = time.monotonic() + wait
        while True:
            busy, log, done = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy and (log <= 0 or done == log):
                return None
            if time.monotonic() >= deadline:
                return (
                    f"another process is reading {self.path}, so old copies of the erased text stay in the file "
                    f"until it ends"
                )
            time.sleep(0.2)

    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> tuple[int, int]:
        """Bring the file up to date (opening it already does: a desk's own file upgrades itself)."""
        now = self.schema_version()
        return (now if self.migrated_from is None else self.migrated_from), now

    def export_rows(
        self, cols: tuple[str, ...], f: CaseFilter, order: str, limit: int | None, neutralise: bool
    ) -> Iterator[tuple[Any, ...]]:
        """Plain tuples in `cols` order, computed by SQLite itself so a CSV export runs at C speed."""
        where, args = self.where(f)
        inner = f"SELECT {', '.join(f'{EXPORT_SQL[c]} AS {c}' for c in cols)} FROM cases WHERE {self.readable()}"
        inner += (
            (f" AND {where}" if where else "")
            + f" ORDER BY {ORDERS[order]}"
            + (f" LIMIT {int(limit)}" if limit else "")
        )
        outer = [f"{formula_guard(c)} AS {c}" if neutralise and BY_NAME[c].text else c for c in cols]
        sql = f"SELECT {', '.join(outer)} FROM ({inner})"  # each JSON value extracted once, then checked

        def run() -> sqlite3.Cursor:
            cur = self.conn.cursor()
            cur.row_factory = None
            return cur.execute(sql, args)

        for row in _Reading(self.conn, run, self.path):
            if any(isinstance(v, Garbled) for v in row):  # text that is not UTF-8: left out, named by unreadable()
                continue
            yield row

    def unreadable(self, f: CaseFilter) -> list[str]:
        """Also the rows holding text that is not UTF-8, once a reader has met one (a scan only then)."""
        found = super().unreadable(f)
        if self.conn.text_factory is not _tolerant:
            return found
        where, args = self.where(f)
        rows = self.execute("SELECT * FROM cases" + (f" WHERE {where}" if where else ""), args)
        return sorted(set(found) | {str(r["id"]) for r in rows if unreadable_row(r)})

    def backup(self, dest: Path) -> None:
        """A consistent copy while others keep writing (SQLite's online backup API); never over an existing file."""
        dest = Path(dest).expanduser()
        check_output(dest, None, [self.path], "backup")
        with stopping_cleanly():  # SIGTERM/SIGHUP unwind like Ctrl-C: the partial copy below is removed
            self._backup_through_temp(dest)

    def _backup_through_temp(self, dest: Path) -> None:
        stale_temps(dest)
        tmp = temp_beside(dest)
        try:
            _drop_temp(tmp)  # left by a killed process that had our process id
            os.close(new_file(tmp, PRIVATE_FILE))
            target = sqlite3.connect(tmp)
            try:
                # the callback between steps lets a signal (Ctrl-C, SIGTERM) stop a long copy at once
                self.conn.backup(target, pages=1024, progress=lambda status, remaining, total: None)
            finally:
                target.close()
            link_into_place(tmp, dest)
        except FileExistsError:
            raise StoreError(f"{dest} already exists — choose a new file name for the backup") from None
        except sqlite3.DatabaseError as e:
            text = str(e)
            if "full" in text:
                raise StoreError(
                    f"{dest}: cannot write the backup (the disk is full) — free some space; the store is unchanged"
                ) from None
            raise StoreError(
                f"{dest}: cannot write the backup ({text}) — check the directory; the store is unchanged"
            ) from None
        except OSError as e:
            raise StoreError(
                f"{dest}: cannot write the backup ({e.strerror}) — check the directory and free space"
            ) from None
        finally:
            _drop_temp(tmp)

    def _missing_columns(self, ask: Callable[[str, str, Any], Any], version: int = SCHEMA_VERSION) -> list[str]:
        """Columns schema `version` has that the store lacks (a column dropped by hand): every reader would fail."""
        out = []
        for table, columns in _reference_columns(version).items():
            have = {r[1] for r in ask(f"read the {table} table's columns", f'PRAGMA table_info("{table}")', [])}
            lacking = [c for c in columns if c not in have]
            if lacking:
                out.append(f"table {table} lacks column(s) {', '.join(lacking)} of schema v{version}")
        return out

    def _altered(self, refuse: bool) -> bool:
        """Whether the store's tables lost a column by hand; refused at once, before any command reads or writes it
        (found only mid-way, a note or a close was saved and then reported as an error, and saved twice on a retry).
        `check` and `backup` open it anyway (refuse=False), to name the damage and to copy what is there."""
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if not 0 < version <= SCHEMA_VERSION:  # an empty file has nothing yet; a newer one is refused as such
            return False
        lacking = self._missing_columns(lambda what, sql, default: self.conn.execute(sql).fetchall(), version)
        if lacking and refuse:
            self.conn.close()
            raise StoreError(f"{self.path}: {altered_by_hand('; '.join(lacking))}")
        return bool(lacking)

    def check(self) -> dict[str, Any]:
        """Integrity check plus the figures a person wants to see after it; damage is reported, never a crash."""
        problems: list[str] = []

        def ask(what: str, sql: str, default: Any) -> Any:
            try:
                return self.conn.execute(sql).fetchall()
            except sqlite3.DatabaseError as e:
                problems.append(f"cannot {what} ({e})")
                return default

        problems += [r[0] for r in ask("run the integrity check", "PRAGMA integrity_check", []) if r[0] != "ok"]
        missing = self._missing_columns(ask)
        problems += [f"{m} — it was changed by hand; restore a backup" for m in missing]
        problems += [
            f"event {r[1]} points at a missing case" for r in ask("check the links", "PRAGMA foreign_key_check", [])
        ]
        try:
            problems += [] if missing else self.damaged_rows()  # rows cannot be read whole without their columns
        except sqlite3.DatabaseError as e:
            problems.append(f"cannot read every case ({e})")
        by_status = dict(ask("count the cases", "SELECT status, count(*) FROM cases GROUP BY status", []))
        events = ask("count the events", "SELECT count(*) FROM events", [(0,)])[0][0]
        version = ask("read the schema version", "PRAGMA user_version", [(None,)])[0][0]
        return {
            "path": str(self.path),
            "backend": "sqlite",
            "ok": not problems,
            "problems": problems,
            "schema_version": version,
            "cases": by_status,
            "events": events,
        }

    def close(self) -> None:
        self.conn.close()


EXPORT_SQL: dict[str, str] = {  # each export column of the registry as SQLite computes it
    c.name: c.row
    if c.row is not None
    else "json_remove(answers, " + ", ".join(f"'$.{k}'" for k in BASE_ANSWERS) + ")"
    if c.name == EXTRA
    else c.name
    if c.answer in ANSWER_COLUMNS
    else f"json_extract(answers, '$.{c.answer}')"
    for c in EXPORT
}
QUOTE = "''''"  # SQL for a one-character string holding a single quote


def formula_guard(expr: str) -> str:
    """safety.neutralise in SQL, built from the same risky first characters: text a spreadsheet would run as a
    formula gets a leading quote; a plain negative number ("-5", "-5.2") and numbers stored as numbers do not."""
    first = ", ".join(f"char({ord(c)})" for c in RISKY)
    negative_number = (  # safety.NEGATIVE_NUMBER: '-', digits, at most one '.' followed by digits
        f"({expr} GLOB '-[0-9]*' AND substr({expr}, 2) NOT GLOB '*[^0-9.]*'"
        f" AND {expr} NOT GLOB '*.*.*' AND {expr} NOT GLOB '*.')"
    )
    return (
        f"CASE WHEN typeof({expr}) = 'text' AND substr({expr}, 1, 1) IN ({first}) AND NOT {negative_number}"
        f" THEN {QUOTE} || {expr} ELSE {expr} END"
    )


def _is_busy(e: sqlite3.OperationalError) -> bool:
    return "locked" in str(e) or "busy" in str(e)


FULL_BELOW = 1 << 20  # bytes free: below this, SQLite's "disk I/O error" opening a store is a full disk


def _disk_full(path: Path) -> bool:
    """Whether the file system that holds (or would hold) `path` has next to no room left."""
    where = next((p for p in (path.parent, *path.parents) if p.is_dir()), None)
    try:
        st = os.statvfs(where or ".")
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < FULL_BELOW


def _describe(e: sqlite3.DatabaseError, path: Path | None = None) -> str:
    text = str(e)
    if path is not None and ("disk I/O" in text or "cannot rollback" in text or "full" in text) and _disk_full(path):
        # SQLite says "disk I/O error" when it cannot even make the -shm file: not damage, so `check` would not help
        return (
            f"the disk is full where the store is ({Path(path).expanduser().parent}) — free some space there and "
            "try again; nothing new was saved"
        )
    if "not a database" in text or "malformed" in text:
        return (
            "this file is not a recover case store (not SQLite, or damaged) — point --store at another file, or "
            "restore a backup"
        )
    if "readonly" in text or "read-only" in text:
        return "the case store is read-only — check its permissions, or use --store for a writable file"
    if "locked" in text or "busy" in text:
        return "the case store stayed busy for too long — try again in a moment"
    if "disk" in text and "full" in text:
        return "the disk is full; nothing new was saved — free some space and try again"
    if text.startswith(("no such column", "no such table")):
        return altered_by_hand(text)
    if "unable to open" in text:
        return "cannot open the case store — check the path and its permissions, or pass --store"
    return f"database error ({text}) — run `recover check`"


def open_sqlite(path: Path, create: bool = True, damaged_ok: bool = False) -> SqliteStore:
    """Open (or first create, only in a new or empty file) the store; read-only commands pass create=False."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise StoreError(f"{path} is a directory — give a file path for the store, e.g. {path / 'cases.db'}")
    blocker = next((p for p in path.parents if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise StoreError(f"{path}: {blocker} is a file, not a directory — choose another --store path")
    return SqliteStore(path, create=create, damaged_ok=damaged_ok)


@functools.cache
def _reference_columns(version: int) -> dict[str, list[str]]:
    """Every table's columns at schema `version`, from the migrations run on an empty database (once a process)."""
    reference = sqlite3.connect(":memory:", isolation_level=None)
    try:
        SqliteStore._migrate(reference, 0, version)
        tables = [r[0] for r in reference.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: [r[1] for r in reference.execute(f'PRAGMA table_info("{t}")')] for t in tables}
    finally:
        reference.close()


def _tolerant(raw: bytes) -> str:
    """Text as SQLite holds it; bytes that are not UTF-8 become a Garbled string (U+FFFD for each bad byte)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return Garbled(raw.decode("utf-8", "replace"))


class _Reading:
    """A cursor whose rows keep coming when one holds text that is not UTF-8 (the default decoder stops the whole
    query): the connection then decodes tolerantly (slower, so only from then on), the query runs again and the
    rows already read are passed over. Readers leave out the row holding Garbled text and name it."""

    def __init__(self, conn: sqlite3.Connection, run: Callable[[], sqlite3.Cursor], path: Path) -> None:
        self.conn, self.done, self.path = conn, 0, path
        self.run = lambda: self._schema_checked(run)
        self.cur = self.run()

    def _schema_checked(self, step: Callable[[], Any]) -> Any:
        """A table or column removed by hand (the version number still says all is well) is one line naming the
        damage, not an unexpected error halfway through an export or an erasure."""
        try:
            return step()
        except sqlite3.OperationalError as e:
            if str(e).startswith(("no such column", "no such table")):
                raise StoreError(f"{self.path}: {_describe(e)}") from None
            raise

    def __getattr__(self, name: str) -> Any:  # rowcount, lastrowid, description
        return getattr(self.cur, name)

    def fetchmany(self, size: int = 500) -> list[Any]:
        while True:
            try:
                batch: list[Any] = self._schema_checked(lambda: self.cur.fetchmany(size))
            except sqlite3.OperationalError as e:
                if "decode" not in str(e) or self.conn.text_factory is _tolerant:
                    raise
                self.conn.text_factory = _tolerant
                self.cur = self.run()
                skip = self.done
                while skip > 0 and (got := self.cur.fetchmany(min(skip, 1000))):
                    skip -= len(got)
                continue
            self.done += len(batch)
            return batch

    def fetchone(self) -> Any:
        batch = self.fetchmany(1)
        return batch[0] if batch else None

    def fetchall(self) -> list[Any]:
        out: list[Any] = []
        while batch := self.fetchmany(1000):
            out += batch
        return out

    def __iter__(self) -> Iterator[Any]:
        while batch := self.fetchmany(500):
            yield from batch
