"""The embedded case store: one SQLite file with WAL, short transactions and a versioned schema."""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from recoverycli.errors import NotFoundError, StoreError
from recoverycli.query import CaseFilter
from recoverycli.store.base import (
    BASE_ANSWERS,
    MIGRATIONS,
    ORDERS,
    PLAIN_EXPORT,
    SCHEMA_VERSION,
    TEXT_COLUMNS,
    BaseStore,
)

BUSY_TIMEOUT_MS = 10_000
BUSY_RETRIES = 20


def _private_dir(path: Path) -> None:
    if not path.exists():
        old = os.umask(0o077)
        try:
            path.mkdir(parents=True, exist_ok=True)
        finally:
            os.umask(old)


class SqliteStore(BaseStore):
    """Cases in one SQLite file, safe for several processes at once."""

    duplicate_errors = (sqlite3.IntegrityError,)

    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser()
        self.label = str(self.path)
        self.migrated_from: int | None = None
        try:
            _private_dir(self.path.parent)
            if not self.path.exists():
                self._create_atomically()
            self.conn = self._connect(self.path)
            self._upgrade()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: {_describe(e)}") from None
        except OSError as e:
            raise StoreError(f"{self.path}: cannot open the case store ({e.strerror}) — check the path and its permissions, or pass --store") from None

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
        """Build the schema in a temp file and rename it in, so a crash never leaves half a store."""
        tmp = self.path.with_name(f".new-{self.path.name}.{os.getpid()}")
        old = os.umask(0o077)
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode = DELETE")
                self._migrate(conn, 0)
            finally:
                conn.close()
            os.chmod(tmp, 0o600)
            if self.path.exists():  # another process won the race; theirs is as good as ours
                tmp.unlink()
            else:
                os.replace(tmp, self.path)
        finally:
            os.umask(old)
            if tmp.exists():
                tmp.unlink()

    @staticmethod
    def _migrate(conn: sqlite3.Connection, current: int) -> None:
        for version in range(current, SCHEMA_VERSION):
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
        if version < SCHEMA_VERSION:
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
                    raise StoreError(f"{self.path}: {_describe(e)}") from None
                time.sleep(0.05 * (attempt + 1))
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except sqlite3.IntegrityError:
            self._rollback()
            raise
        except sqlite3.DatabaseError as e:
            self._rollback()
            raise StoreError(f"{self.path}: {_describe(e)}") from None
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.DatabaseError:
                pass

    def execute(self, sql: str, args: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, args)

    def ci_equal(self, column: str) -> str:
        return f"{column} = ? COLLATE NOCASE"

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

    def before_forget(self, tx: sqlite3.Connection) -> None:
        tx.execute("PRAGMA secure_delete = ON")  # erased text is overwritten in the file, not just unlinked

    def after_forget(self) -> None:
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # old pages must not linger in the WAL

    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> tuple[int, int]:
        """Bring the file up to date (opening it already does: a desk's own file upgrades itself)."""
        now = self.schema_version()
        return (now if self.migrated_from is None else self.migrated_from), now

    def export_rows(self, cols: tuple[str, ...], f: CaseFilter, order: str, limit: int | None,
                    neutralise: bool) -> Iterator[tuple[Any, ...]]:
        """Plain tuples in `cols` order, computed by SQLite itself so a CSV export runs at C speed."""
        where, args = self.where(f)
        inner = f"SELECT {', '.join(f'{EXPORT_SQL[c]} AS {c}' for c in cols)} FROM cases"
        inner += (f" WHERE {where}" if where else "") + f" ORDER BY {ORDERS[order]}" + (f" LIMIT {int(limit)}" if limit else "")
        outer = [_neutralised(c) if neutralise and c in TEXT_COLUMNS else c for c in cols]
        sql = f"SELECT {', '.join(outer)} FROM ({inner})"  # each JSON value extracted once, then checked
        cur = self.conn.cursor()
        cur.row_factory = None
        cur.execute(sql, args)
        while batch := cur.fetchmany(1000):
            yield from batch

    def backup(self, dest: Path) -> None:
        """A consistent copy while others keep writing (SQLite's online backup API)."""
        dest = Path(dest).expanduser()
        if dest.exists():
            raise StoreError(f"{dest} already exists — choose a new file name for the backup")
        tmp = dest.with_name(f".{dest.name}.partial")
        old = os.umask(0o077)
        try:
            target = sqlite3.connect(tmp)
            try:
                self.conn.backup(target, pages=1024)
            finally:
                target.close()
            os.chmod(tmp, 0o600)
            os.replace(tmp, dest)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{dest}: {_describe(e)}") from None
        except OSError as e:
            raise StoreError(f"{dest}: cannot write the backup ({e.strerror}) — check the directory and free space") from None
        finally:
            os.umask(old)
            if tmp.exists():
                tmp.unlink()

    def check(self) -> dict[str, Any]:
        """Integrity check plus the figures a person wants to see after it."""
        problems = [r[0] for r in self.conn.execute("PRAGMA integrity_check").fetchall() if r[0] != "ok"]
        problems += [f"event {r[1]} points at a missing case" for r in self.conn.execute("PRAGMA foreign_key_check").fetchall()]
        by_status = dict(self.conn.execute("SELECT status, count(*) FROM cases GROUP BY status").fetchall())
        events = self.conn.execute("SELECT count(*) FROM events").fetchone()[0]
        version = self.schema_version()
        return {"path": str(self.path), "backend": "sqlite", "ok": not problems, "problems": problems, "schema_version": version,
                "cases": by_status, "events": events}

    def close(self) -> None:
        self.conn.close()


EXPORT_SQL: dict[str, str] = {
    **PLAIN_EXPORT,
    **{k: f"json_extract(answers, '$.{k}')" for k in BASE_ANSWERS if k != "follow_up_date"},
    "extra": "json_remove(answers, " + ", ".join(f"'$.{k}'" for k in BASE_ANSWERS) + ")",
}
QUOTE = "''''"  # SQL for a one-character string holding a single quote


def _neutralised(expr: str) -> str:
    """A cell that a spreadsheet would run as a formula gets a leading quote."""
    return (f"CASE WHEN substr({expr}, 1, 1) IN ('=', '+', '-', '@', char(9), char(13))"
            f" THEN {QUOTE} || {expr} ELSE {expr} END")


def _is_busy(e: sqlite3.OperationalError) -> bool:
    return "locked" in str(e) or "busy" in str(e)


def _describe(e: sqlite3.DatabaseError) -> str:
    text = str(e)
    if "not a database" in text or "malformed" in text:
        return "this file is not a recover case store (not SQLite, or damaged) — point --store at another file, or restore a backup"
    if "readonly" in text or "read-only" in text:
        return "the case store is read-only — check its permissions, or use --store for a writable file"
    if "locked" in text or "busy" in text:
        return "the case store stayed busy for too long — try again in a moment"
    if "disk" in text and "full" in text:
        return "the disk is full; nothing new was saved — free some space and try again"
    if "unable to open" in text:
        return "cannot open the case store — check the path and its permissions, or pass --store"
    return f"database error ({text}) — run `recover check`"


def open_sqlite(path: Path, create: bool = True) -> SqliteStore:
    """Open (or first create) the store; read-only commands pass create=False."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise StoreError(f"{path} is a directory — give a file path for the store, e.g. {path / 'cases.db'}")
    blocker = next((p for p in path.parents if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise StoreError(f"{path}: {blocker} is a file, not a directory — choose another --store path")
    if not create and not path.exists():
        raise NotFoundError(f"no case store at {path} yet — `recover start` creates it, or pass --store")
    return SqliteStore(path)
