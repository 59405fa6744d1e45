"""The shared case store: PostgreSQL through psycopg 3, one log for every desk and site.

The case logic is BaseStore's; this module brings the connection (libpq conventions: the URL,
PGHOST, PGUSER, ~/.pgpass, sslmode), transactions with row locks, the PostgreSQL dialect, the
migrations lock, LISTEN/NOTIFY for the live feed, and error messages that never show a password.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from functools import lru_cache
from typing import Any

from recoverycli.caselog.filters import CaseFilter
from recoverycli.errors import NoRightError, NotFoundError, StoreError
from recoverycli.store.base import ORDERS, BaseStore, Rows
from recoverycli.store.columns import export_cells, pg_text
from recoverycli.store.migrations import MIGRATIONS, NOTIFY_CHANNEL, SCHEMA_VERSION, TIMESTAMP_FORM
from recoverycli.store.pgurl import UnreadableUrl, parse, redact, secrets

__all__ = ["PgStore", "redact"]

GUIDE = "docs/shared-store.md"
MIGRATE_LOCK = 0x7265636F  # any fixed number: one `recover store migrate` at a time
MIGRATE_LOCK_WAIT = "10s"  # how long `store migrate` waits for a table another session holds


@lru_cache(maxsize=256)
def pg_sql(sql: str) -> str:
    """Our SQL is written with ? placeholders; psycopg wants %s (and a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class _Row(tuple[Any, ...]):
    """A row readable by column name or position, like sqlite3.Row."""

    __slots__ = ()
    _index: dict[str, int] = {}

    def __getitem__(self, key: Any) -> Any:
        return tuple.__getitem__(self, self._index[key] if isinstance(key, str) else key)


def _row_factory(cursor: Any) -> Any:
    names = [c.name for c in cursor.description or ()]
    return type("Row", (_Row,), {"__slots__": (), "_index": {n: i for i, n in enumerate(names)}})


class PgStore(BaseStore):
    """Cases in a PostgreSQL database shared by many desks; every command behaves as on SQLite."""

    lock_rows = " FOR UPDATE"
    skip_locked = " FOR UPDATE SKIP LOCKED"  # desks claiming from one crisis queue never wait on each other
    crisis_list_view = "recover_crisis_list"
    live = True
    erasure_note = (
        "PostgreSQL keeps old row versions in its data files until the store's owner runs "
        f"VACUUM FULL cases, events — see {GUIDE}"
    )
    migrated_from: int | None = None  # the version `store migrate` started from, when it ran
    answer_cell = staticmethod(pg_text)

    def __init__(self, url: str, create: bool = True, migrate: bool = False) -> None:
        try:
            import psycopg
        except ImportError:
            raise StoreError("PostgreSQL support is not installed — pip install 'recoverycli[postgresql]'") from None
        self._pg = psycopg
        self.url = url
        self.label = redact(url)
        try:
            parse(url)
        except UnreadableUrl as e:
            raise StoreError(
                f"{self.label}: this URL cannot be read as PostgreSQL reads it ({e}) — percent-encode "
                f"'@' as %40 and '/' as %2F in the password, or keep the password in ~/.pgpass ({GUIDE})"
            ) from None
        self.duplicate_errors = (psycopg.errors.UniqueViolation,)
        self._listeners: dict[str, Any] = {}
        self._depth = 0  # > 0 inside a transaction: never silently reconnect there
        self.conn = self._connect()
        self.user = self.conn.info.user
        version = self.schema_version()
        if version < SCHEMA_VERSION and (migrate or (version == 0 and create)):
            version = self._migrate(upgrade=migrate)
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.label}: this store has schema version {version}, newer than this recover understands "
                f"({SCHEMA_VERSION}) — upgrade recover (pip install -U recoverycli)"
            )
        if version == 0:
            raise NotFoundError(
                f"no recover store in {self.label} yet — create it with `recover store migrate --store URL` ({GUIDE})"
            )
        elif version < SCHEMA_VERSION:
            raise StoreError(
                f"{self.label}: the shared store has schema v{version}, this recover needs v{SCHEMA_VERSION} — "
                f"run `recover store migrate --store URL` as the store's owner first ({GUIDE})"
            )

    def _connect(self) -> Any:
        import os

        kwargs: dict[str, Any] = {"autocommit": True, "row_factory": _row_factory, "application_name": "recover"}
        if "connect_timeout" not in self.url and "PGCONNECT_TIMEOUT" not in os.environ:
            kwargs["connect_timeout"] = 10
        try:
            conn = self._pg.connect(self.url, **kwargs)
            conn.execute("SET TIME ZONE 'UTC'")  # naive times mean UTC, as in SQLite's julianday()
            return conn
        except self._pg.Error as e:
            raise StoreError(
                f"{self.label}: cannot connect to PostgreSQL ({self._first_line(e)}) — check the server, "
                f"the URL, PGHOST/PGUSER/PGPASSWORD or ~/.pgpass"
            ) from None

    # --- errors --------------------------------------------------------------------------
    def _first_line(self, e: BaseException) -> str:
        text = (str(e).strip().splitlines() or [type(e).__name__])[0]
        text = re.sub(r"^(connection failed|connection to server .*? failed):\s*", "", text).strip() or text
        for secret in secrets(self.url):
            if len(secret) >= 3:
                text = text.replace(secret, "***")
        return text

    def _describe(self, e: BaseException) -> StoreError:
        errors = self._pg.errors
        if isinstance(e, errors.InsufficientPrivilege):
            return self.no_right("do this", str(getattr(e.diag, "message_primary", "") or self._first_line(e)))
        if isinstance(e, errors.LockNotAvailable):  # lock_timeout: the schema upgrade waits for no one for long
            return StoreError(
                f"{self.label}: another session holds the tables this needs ({self._first_line(e)}) — nothing was "
                f"changed; try again once it ends (a long export, a pager left open, an open transaction)"
            )
        if isinstance(e, self._pg.OperationalError):
            return StoreError(
                f"{self.label}: the connection to PostgreSQL failed ({self._first_line(e)}) — nothing "
                f"half-done was kept; try again"
            )
        return StoreError(f"{self.label}: database error ({self._first_line(e)}) — run `recover check`")

    def no_right(self, what: str, why: str, need: str = "ask the store's owner for the grant") -> NoRightError:
        return NoRightError(
            f"{self.label}: the PostgreSQL role {self.user!r} may not {what} ({why}) — {need} ({GUIDE})"
        )

    def _require(self, table: str, right: str, what: str, role: str) -> None:
        ok = self.execute("SELECT has_table_privilege(?, ?)", (table, right)).fetchone()[0]
        if not ok:
            raise self.no_right(what, f"no {right} on {table}", f"that needs the {role} role")

    require = _require

    # --- what BaseStore needs --------------------------------------------------------------
    def _reconnect(self) -> None:
        """A connection dropped between statements (a server restart, an idle timeout during a long call)."""
        try:
            self.conn.close()
        except self._pg.Error:
            pass
        self.conn = self._connect()

    def execute(self, sql: str, args: Any = ()) -> Rows:
        """Outside a transaction a dropped connection is reopened and the read tried once more."""
        retried = False
        while True:
            try:
                cursor: Rows = self.conn.execute(pg_sql(sql), args) if args else self.conn.execute(sql)
                return cursor
            except self.duplicate_errors:
                raise
            except self._pg.OperationalError as e:
                if self._depth or retried or not self.conn.broken:
                    raise self._describe(e) from None
                self._reconnect()
                retried = True
            except self._pg.Error as e:
                raise self._describe(e) from None

    def claim_row(self, sql: str, args: tuple[Any, ...]) -> Any:
        """A claim is a lease, not a record: its commit need not wait for the disk (synchronous_commit off for this
        transaction only). A server crash could forget a claim, never a recorded call. Sent as one pipeline."""
        for attempt in (1, 2):
            try:
                if self.conn.broken or self.conn.closed:
                    self._reconnect()
                # a libpq older than 14 has no pipeline mode: the same transaction, statement by statement
                with (
                    self.conn.pipeline() if self._pg.Pipeline.is_supported() else nullcontext(),
                    self.conn.transaction(),
                ):
                    self.conn.execute("SET LOCAL synchronous_commit = off")
                    cur = self.conn.execute(pg_sql(sql), args)
                return cur.fetchone()
            except self._pg.OperationalError as e:
                if attempt == 2 or not self.conn.broken:
                    raise self._describe(e) from None
                self._reconnect()
            except self._pg.Error as e:
                raise self._describe(e) from None

    def insert_rows(self, tx: Any, table: str, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """COPY: a 10,000-customer crisis list in a fraction of the time of row-by-row inserts."""
        try:
            with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        except self.duplicate_errors:
            raise
        except self._pg.Error as e:
            raise self._describe(e) from None

    def executemany(self, sql: str, seq: Any) -> None:
        try:
            with self.conn.cursor() as cur:
                cur.executemany(pg_sql(sql), seq)
        except self._pg.Error as e:
            raise self._describe(e) from None

    @contextmanager
    def transaction(self) -> Iterator[PgStore]:
        """One transaction; rows are locked with FOR UPDATE where two desks may change the same case.

        If the connection turns out dead at BEGIN, nothing was sent yet: reconnect and begin again.
        """
        stack = ExitStack()
        for attempt in (1, 2):
            try:
                if self.conn.broken or self.conn.closed:
                    self._reconnect()
                stack.enter_context(self.conn.transaction())
                break
            except self._pg.OperationalError as e:
                if attempt == 2:
                    raise self._describe(e) from None
                self._reconnect()
        self._depth += 1
        try:
            with stack:
                yield self
        except (StoreError, NotFoundError) + self.duplicate_errors:
            raise
        except self._pg.Error as e:
            raise self._describe(e) from None
        finally:
            self._depth -= 1

    def ci_equal(self, column: str) -> str:
        return f"lower({column}) = lower(?)"

    def contains(self, column: str) -> str:
        return f"{column} ILIKE ? ESCAPE '\\'"

    def json_text(self, key: str, column: str = "answers") -> str:
        return f"({column}->>'{key}')"

    def week_of(self, column: str) -> str:
        return f"to_char(date_trunc('week', left({column}, 10)::date), 'YYYY-MM-DD')"

    def days_between(self, later: str, earlier: str) -> str:
        return f"(left({later}, 10)::date - left({earlier}, 10)::date)::float8"

    def hours_between(self, later: str, earlier: str) -> str:
        return f"(extract(epoch FROM {later}::timestamptz - {earlier}::timestamptz)::float8 / 3600)"

    def is_timestamp(self, x: str) -> str:
        return f"({x} ~ '{TIMESTAMP_FORM}')"

    def durations(self) -> tuple[str, str]:
        return "minutes_to_contact", "hours_to_close"  # kept by the database (schema v9, store/migrations.py)

    def flags_of(self, column: str) -> str:
        return f"LATERAL json_array_elements_text({column}->'flags') AS f(value)"

    def is_true(self, expr: str) -> str:
        return f"({expr})::boolean"

    def distinct_json(self, column: str) -> str:
        return f"json_agg(DISTINCT {column})::text"

    nulls_first = False

    def sample_rows(self, every: int) -> str:
        return f"random() < {1 / every}"  # a temporary table has no rowid; which rows does not change the answer

    @contextmanager
    def scratch(self, select: str, args: list[Any]) -> Iterator[str]:
        """The report's scratch table, in one transaction (one snapshot of the store), dropped at its end."""
        with self.transaction():
            # the groups of half a million cases hash in memory instead of sorting on disk (the default is 4 MB)
            self.execute("SET LOCAL work_mem = '64MB'")
            # read by parallel workers, the table fills faster than the planner's defaults expect (they find passing
            # the wide rows between processes, and starting workers for a period of 50,000 cases, too dear): 100,000
            # cases, half of them in the period: 92 -> 83 ms
            self.execute("SET LOCAL parallel_tuple_cost = 0.01")
            self.execute("SET LOCAL parallel_setup_cost = 100")
            self.execute(f"CREATE TEMP TABLE recover_period ON COMMIT DROP AS {select}", args)
            yield "recover_period"

    def schema_version(self) -> int:
        tables = self.execute(
            "SELECT to_regclass('recover_schema') IS NOT NULL, to_regclass('cases') IS NOT NULL"
        ).fetchone()
        if not tables[0]:
            if tables[1]:
                raise StoreError(
                    f"{self.label}: this database has a 'cases' table that is not a recover store — "
                    f"use another database or schema for recover"
                )
            return 0
        return int(self.execute("SELECT version FROM recover_schema").fetchone()[0])

    def _migrate(self, upgrade: bool) -> int:
        """Create (or, with `upgrade`, bring up to date) the whole schema as one transaction, under an advisory lock.

        The version is read only once the lock is held: four desks opening a new, empty store at once wait for
        whichever got there first and then find the schema complete; none sees it half made. Returns the version.
        """
        try:
            with self.transaction():
                self.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATE_LOCK,))
                # an upgrade that locks `cases` queues every desk behind it: never wait long for a session that
                # holds it (a manager's export in a pager), say so instead
                self.execute(f"SET LOCAL lock_timeout = '{MIGRATE_LOCK_WAIT}'")
                # not to_regclass(): its catalog cache may not show a table another desk committed a moment ago
                self.execute("CREATE TABLE IF NOT EXISTS recover_schema (version INTEGER NOT NULL)")
                row = self.execute("SELECT version FROM recover_schema").fetchone()
                now = row[0] if row else 0
                self.migrated_from = now
                if now >= SCHEMA_VERSION or (now > 0 and not upgrade):
                    return now  # done by another desk meanwhile, or an older shared store only its owner upgrades
                if row is None:
                    self.execute("INSERT INTO recover_schema (version) VALUES (0)")
                for version in range(now, SCHEMA_VERSION):
                    step = MIGRATIONS[version].postgres
                    if callable(step):
                        step(self)
                    elif step.strip():
                        self.execute(step)
                self.execute("UPDATE recover_schema SET version = ?", (SCHEMA_VERSION,))
        except NoRightError:
            raise self.no_right(
                "create or upgrade the store's tables",
                f"schema v{SCHEMA_VERSION}",
                "run `recover store migrate --store URL` as the store's owner",
            ) from None
        return SCHEMA_VERSION

    def migrate(self) -> tuple[int, int]:
        return self.migrated_from if self.migrated_from is not None else self.schema_version(), self.schema_version()

    def before_forget(self, tx: Any) -> None:
        for table in ("events", "crisis_supplier", "crisis_events"):  # all or nothing: checked before any change
            self._require(table, "UPDATE", "erase a customer's data", "recover_manager")

    def wait_for_change(self, timeout: float, channel: str = NOTIFY_CHANNEL) -> None:
        """LISTEN on a second connection: a save at any desk wakes the feed (or a crisis board) at once."""
        try:
            if channel not in self._listeners:
                self._listeners[channel] = self._pg.connect(self.url, autocommit=True, application_name="recover watch")
                self._listeners[channel].execute(f"LISTEN {channel}")
            for _ in self._listeners[channel].notifies(timeout=timeout, stop_after=1):
                pass
        except self._pg.OperationalError:
            # the server went away: wait, then the next look at the store reconnects (or says why it cannot)
            self._listeners.pop(channel, None)
            import time

            time.sleep(timeout)
        except self._pg.Error as e:
            raise self._describe(e) from None

    def close(self) -> None:
        for conn in (*self._listeners.values(), self.conn):
            if conn is not None:
                conn.close()

    # --- what only this backend does --------------------------------------------------------
    def export_rows(
        self, cols: tuple[str, ...], f: CaseFilter, order: str, limit: int | None, neutralise: bool
    ) -> Iterator[tuple[Any, ...]]:
        """Streamed through a server-side cursor on the managers' export view, cell by cell as SQLite gives them.

        The right to export is checked now, before the caller writes a header, not when the first row is read.
        """
        self._require("recover_export", "SELECT", "export the case log", "recover_manager")
        return self._export(cols, f, order, limit, neutralise)

    def _export(
        self, cols: tuple[str, ...], f: CaseFilter, order: str, limit: int | None, neutralise: bool
    ) -> Iterator[tuple[Any, ...]]:
        where, args = self.where(f)
        sql = "SELECT * FROM recover_export" + (f" WHERE {where}" if where else "") + f" ORDER BY {ORDERS[order]}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        try:
            with self.conn.transaction(), self.conn.cursor(name="recover_export", row_factory=_row_factory) as cur:
                cur.execute(pg_sql(sql), args or None)
                while batch := cur.fetchmany(2000):
                    for row in batch:
                        yield export_cells(row, cols, neutralise)
        except self._pg.Error as e:
            raise self._describe(e) from None

    def backup(self, dest: Any) -> None:
        raise StoreError(
            f"`recover backup` copies a SQLite file; back up the shared store at {self.label} with pg_dump ({GUIDE})"
        )

    def check(self) -> dict[str, Any]:
        problems = [
            f"event {r[0]} points at a missing case"
            for r in self.execute(
                "SELECT e.seq FROM events e LEFT JOIN cases c ON c.id = e.case_id WHERE c.id IS NULL LIMIT 100"
            ).fetchall()
        ]
        problems += self.damaged_rows()
        by_status = dict(
            tuple(r) for r in self.execute("SELECT status, count(*) FROM cases GROUP BY status").fetchall()
        )
        events = self.execute("SELECT count(*) FROM events").fetchone()[0]
        return {
            "path": self.label,
            "backend": "postgresql",
            "ok": not problems,
            "problems": problems,
            "schema_version": self.schema_version(),
            "cases": by_status,
            "events": events,
        }
