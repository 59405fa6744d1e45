"""The case store: SQLite with WAL, short transactions and a versioned schema.

The CLI talks to `CaseStore`; SQL lives only here.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Protocol

from recoverycli.errors import NotFoundError, StoreError
from recoverycli.models import Case, Customer, Event, PlaybookRef

ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L or U: easy to read aloud
ID_LENGTH = 5
BUSY_TIMEOUT_MS = 10_000
BUSY_RETRIES = 20
ERASED = "[erased]"

def _add_identity(conn: sqlite3.Connection) -> None:
    """v4: normalised customer keys for the repeat-complaint lookup, severity, the system-fix track."""
    from recoverycli.identity import contact_key, name_key

    for stmt in (
        "ALTER TABLE cases ADD COLUMN contact_key TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE cases ADD COLUMN name_key TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE cases ADD COLUMN severity TEXT NOT NULL DEFAULT 'normal'",
        "ALTER TABLE cases ADD COLUMN system_fix_done_at TEXT",
    ):
        conn.execute(stmt)
    rows = conn.execute("SELECT id, customer_name, customer_contact FROM cases").fetchall()
    conn.executemany("UPDATE cases SET contact_key = ?, name_key = ? WHERE id = ?",
                     [(contact_key(r[2]), name_key(r[1]), r[0]) for r in rows])
    conn.execute("CREATE INDEX cases_contact_key ON cases(contact_key, created_at) WHERE contact_key != ''")
    conn.execute("CREATE INDEX cases_name_key ON cases(name_key, created_at) WHERE name_key != ''")


# Each entry upgrades the schema by one version; never edit a released one, append.
# An entry is SQL, or a function for what SQL alone cannot do (normalising phone numbers).
MIGRATIONS: list[Any] = [
    """
    CREATE TABLE cases (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        staff TEXT NOT NULL,
        customer_name TEXT NOT NULL DEFAULT '',
        customer_contact TEXT NOT NULL DEFAULT '',
        segment TEXT NOT NULL DEFAULT 'other',
        playbook_id TEXT NOT NULL,
        playbook_version INTEGER NOT NULL,
        playbook_hash TEXT NOT NULL,
        answers TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX cases_created ON cases(created_at);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        staff TEXT NOT NULL,
        kind TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX events_case ON events(case_id, seq);
    """,
    """
    CREATE INDEX cases_status ON cases(status, created_at);
    CREATE INDEX cases_contact ON cases(customer_contact);
    CREATE INDEX cases_name ON cases(customer_name COLLATE NOCASE);
    """,
    """
    ALTER TABLE cases ADD COLUMN follow_up_date TEXT;
    ALTER TABLE cases ADD COLUMN follow_up_done_at TEXT;
    ALTER TABLE cases ADD COLUMN closed_at TEXT;
    ALTER TABLE cases ADD COLUMN resolution TEXT;
    ALTER TABLE cases ADD COLUMN complaint_number INTEGER NOT NULL DEFAULT 1;
    UPDATE cases SET follow_up_date = json_extract(answers, '$.follow_up_date');
    CREATE INDEX cases_follow_up ON cases(follow_up_date) WHERE follow_up_done_at IS NULL;
    """,
    lambda conn: _add_identity(conn),
]
SCHEMA_VERSION = len(MIGRATIONS)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="microseconds")


def new_case_id() -> str:
    return "RC-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


class CaseStore(Protocol):
    """What the CLI needs from a store; SQLite today, others later."""

    def add(self, case: Case) -> Case: ...

    def get(self, case_id: str) -> Case: ...

    def recent(self, limit: int = 20, status: str | None = None, staff: str | None = None) -> list[Case]: ...

    def save_draft(self, case: Case) -> None: ...

    def finish_draft(self, case: Case, events: list[Event]) -> None: ...

    def discard(self, case_id: str) -> None: ...

    def forget(self, who: str, staff: str, now: datetime) -> list[str]: ...

    def apply(self, case_id: str, event: Event, allowed: tuple[str, ...], columns: dict[str, Any],
              answers: dict[str, Any] | None = None) -> Case: ...

    def select(self, where: str, args: list[Any], order: str, limit: int | None) -> Iterator[Any]: ...

    def cases(self, where: str, args: list[Any], order: str = ..., limit: int | None = None) -> list[Case]: ...

    def aggregates(self, where: str, args: list[Any], today: str) -> dict[str, Any]: ...

    def earlier_cases(self, contact_key: str, name_key: str, since: str, exclude: str | None = None,
                      limit: int = 3) -> tuple[int, list[Case]]: ...

    def export_rows(self, columns: tuple[str, ...], where: str, args: list[Any], order: str, limit: int | None,
                    neutralise: bool) -> Iterator[tuple[Any, ...]]: ...

    def backup(self, dest: Path) -> None: ...

    def check(self) -> dict[str, Any]: ...

    def close(self) -> None: ...


def _private_dir(path: Path) -> None:
    if not path.exists():
        old = os.umask(0o077)
        try:
            path.mkdir(parents=True, exist_ok=True)
        finally:
            os.umask(old)


class SqliteStore:
    """Cases in one SQLite file, safe for several processes at once."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser()
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
                    step = MIGRATIONS[version]
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

    def add(self, case: Case) -> Case:
        """Insert a new case under a fresh unique id, with its events."""
        for _ in range(50):
            candidate = case.model_copy(update={"id": new_case_id()})
            try:
                with self.transaction() as conn:
                    cols = _columns(candidate)
                    conn.execute(f"INSERT INTO cases ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", tuple(cols.values()))
                    for ev in candidate.events:
                        _insert_event(conn, candidate.id, ev)
                return candidate
            except sqlite3.IntegrityError:
                continue  # id collision: draw again
        raise StoreError(f"{self.path}: could not find a free case id — run `recover check`")

    def save_draft(self, case: Case) -> None:
        """Write what a call has captured so far; only a draft can be written this way."""
        with self.transaction() as conn:
            self.save_draft_in(conn, case)

    def finish_draft(self, case: Case, events: list[Event]) -> None:
        """Turn a draft into an open case, with its final answers and events, in one transaction."""
        with self.transaction() as conn:
            self.save_draft_in(conn, case)
            conn.execute("UPDATE cases SET status = 'open' WHERE id = ?", (case.id,))
            for event in events:
                _insert_event(conn, case.id, event)

    def save_draft_in(self, conn: sqlite3.Connection, case: Case) -> None:
        cols = {k: v for k, v in _columns(case).items() if k not in ("id", "status", "created_at", "playbook_id")}
        cur = conn.execute(f"UPDATE cases SET {', '.join(f'{k} = ?' for k in cols)} WHERE id = ? AND status = 'draft'",
                           (*cols.values(), case.id))
        if cur.rowcount != 1:
            raise NotFoundError(f"no draft '{case.id}' in {self.path} — it was saved or discarded meanwhile")

    def discard(self, case_id: str) -> None:
        """Drop a draft; open and closed cases are never deleted."""
        case = self.get(case_id)
        if case.status != "draft":
            raise StoreError(f"case {case.id} is {case.status}, not a draft — only drafts can be discarded")
        with self.transaction() as conn:
            conn.execute("DELETE FROM cases WHERE id = ? AND status = 'draft'", (case.id,))

    def apply(self, case_id: str, event: Event, allowed: tuple[str, ...], columns: dict[str, Any],
              answers: dict[str, Any] | None = None) -> Case:
        """Change a case and log why, in one transaction: nothing changes without its event."""
        with self.transaction() as conn:
            row = conn.execute("SELECT id, status, answers FROM cases WHERE id = ?", (case_id.strip().upper(),)).fetchone()
            if row is None:
                raise NotFoundError(f"no case '{case_id}' in {self.path} — `recover list` shows the cases there")
            if row["status"] not in allowed:
                raise StoreError(f"case {row['id']} is {row['status']} — {event.kind.replace('_', ' ')} needs a case that is {' or '.join(allowed)}")
            updates = {**columns, "updated_at": iso(event.at)}
            if answers:
                updates["answers"] = json.dumps({**json.loads(row["answers"]), **answers}, ensure_ascii=False)
            assert all(k in _CHANGEABLE for k in updates)
            conn.execute(f"UPDATE cases SET {', '.join(f'{k} = ?' for k in updates)} WHERE id = ?", (*updates.values(), row["id"]))
            _insert_event(conn, row["id"], event)
        return self.get(row["id"])

    def select(self, where: str, args: list[Any], order: str, limit: int | None) -> Iterator[sqlite3.Row]:
        """Stream case rows with derived export fields; the filter SQL comes from `query.py` only."""
        sql = f"SELECT cases.*, {_EXPORT_FIELDS} FROM cases" + (f" WHERE {where}" if where else "") + f" ORDER BY {order}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        cur = self.conn.execute(sql, args)
        while batch := cur.fetchmany(500):
            yield from batch

    def export_rows(self, columns: tuple[str, ...], where: str, args: list[Any], order: str, limit: int | None,
                    neutralise: bool) -> Iterator[tuple[Any, ...]]:
        """Plain tuples in `columns` order, computed by SQLite itself so a CSV export runs at C speed."""
        inner = f"SELECT {', '.join(f'{EXPORT_SQL[c]} AS {c}' for c in columns)} FROM cases"
        inner += (f" WHERE {where}" if where else "") + f" ORDER BY {order}" + (f" LIMIT {int(limit)}" if limit else "")
        outer = [_neutralised(c) if neutralise and c in TEXT_COLUMNS else c for c in columns]
        sql = f"SELECT {', '.join(outer)} FROM ({inner})"  # each JSON value extracted once, then checked
        cur = self.conn.cursor()
        cur.row_factory = None
        cur.execute(sql, args)
        while batch := cur.fetchmany(1000):
            yield from batch

    def aggregates(self, where: str, args: list[Any], today: str) -> dict[str, Any]:
        """The manager's figures, computed by SQLite in aggregate queries (never a Python loop over cases)."""
        w = "WHERE status != 'draft'" + (f" AND {where}" if where else "")
        q = lambda sql, before=(), after=(): self.conn.execute(sql, [*before, *args, *after]).fetchall()  # noqa: E731
        out: dict[str, Any] = {}
        out["total"] = q(f"SELECT count(*) FROM cases {w}")[0][0]
        out["by_status"] = dict(q(f"SELECT status, count(*) FROM cases {w} GROUP BY status"))
        out["by_playbook"] = dict(q(f"SELECT playbook_id, count(*) FROM cases {w} GROUP BY playbook_id ORDER BY count(*) DESC"))
        out["weeks"] = [tuple(r) for r in q(
            f"SELECT strftime('%Y-%m-%d', created_at, 'weekday 0', '-6 days') AS week, playbook_id, status, count(*)"
            f" FROM cases {w} GROUP BY week, playbook_id, status ORDER BY week")]
        out["root_causes"] = [tuple(r) for r in q(
            f"SELECT json_extract(answers, '$.root_cause') AS rc, playbook_id,"
            f" coalesce(json_extract(answers, '$.room_number'), json_extract(answers, '$.location'), '') AS place, count(*)"
            f" FROM cases {w} AND rc IS NOT NULL AND trim(rc) != '' GROUP BY lower(trim(rc)), playbook_id, place")]
        out["repeats"] = q(f"SELECT count(*) FROM cases {w} AND complaint_number >= 2")[0][0]
        out["repeat_customers"] = [r[0] for r in q(
            f"SELECT DISTINCT customer_name FROM cases {w} AND complaint_number >= 2 ORDER BY customer_name")]
        done = "(julianday(date(follow_up_done_at)) - julianday(follow_up_date))"
        out["promises"] = dict(zip(("due", "on_time", "late", "overdue"), q(
            f"SELECT count(*), sum(follow_up_done_at IS NOT NULL AND {done} <= 0), sum(follow_up_done_at IS NOT NULL AND {done} > 0),"
            f" sum(follow_up_done_at IS NULL AND status = 'open' AND follow_up_date < ?)"
            f" FROM cases {w} AND follow_up_date IS NOT NULL AND follow_up_date <= ?", [today], [today])[0]))
        out["late_days"] = self._percentiles(f"SELECT {done} AS v FROM cases {w} AND follow_up_done_at IS NOT NULL AND {done} > 0", args)
        out["to_contact_minutes"] = self._percentiles(
            f"SELECT (julianday(created_at) - julianday(json_extract(answers, '$.incident_at'))) * 1440 AS v FROM cases {w}"
            f" AND json_extract(answers, '$.incident_at') IS NOT NULL", args)
        out["to_close_hours"] = self._percentiles(
            f"SELECT (julianday(closed_at) - julianday(created_at)) * 24 AS v FROM cases {w} AND closed_at IS NOT NULL", args)
        out["gestures"] = [tuple(r) for r in q(
            f"SELECT playbook_id, json_extract(answers, '$.gesture') AS g, count(*) FROM cases {w} AND g IS NOT NULL"
            f" GROUP BY playbook_id, g ORDER BY count(*) DESC")]
        out["coaching"] = [tuple(r) for r in q(
            f"SELECT f.value, count(*), sum(json_extract(e.data, '$.kept')) FROM events e, json_each(e.data, '$.flags') f"
            f" WHERE e.kind = 'coached' AND e.case_id IN (SELECT id FROM cases {w}) GROUP BY f.value ORDER BY count(*) DESC")]
        return out

    def _percentiles(self, sql: str, args: list[Any]) -> dict[str, Any]:
        """Nearest-rank median and 90th percentile in one pass with window functions (SQLite has no median)."""
        rows = self.conn.execute(
            f"SELECT n, max(CASE WHEN rn = min(CAST(n * 0.5 AS INTEGER) + 1, n) THEN v END),"
            f" max(CASE WHEN rn = min(CAST(n * 0.9 AS INTEGER) + 1, n) THEN v END)"
            f" FROM (SELECT v, row_number() OVER (ORDER BY v) AS rn, count(*) OVER () AS n FROM ({sql}))", args).fetchone()
        n, median, p90 = rows if rows and rows[0] else (0, None, None)
        return {"n": n, "median": None if median is None else round(median, 1), "p90": None if p90 is None else round(p90, 1)}

    def earlier_cases(self, contact_key: str, name_key: str, since: str, exclude: str | None = None,
                      limit: int = 3) -> tuple[int, list[Case]]:
        """The customer's earlier complaints still open or made since `since`: (how many, the newest few).

        Both keys are indexed; the OR becomes two index look-ups, so this stays fast at a million cases.
        """
        where = ("status != 'draft' AND id != ? AND ((contact_key = ? AND contact_key != '') OR (name_key = ? AND name_key != ''))"
                 " AND (status = 'open' OR created_at >= ?)")
        args = [exclude or "", contact_key, name_key, since]
        count = self.conn.execute(f"SELECT count(*) FROM cases WHERE {where}", args).fetchone()[0]
        return count, (self.cases(where, args, limit=limit) if count else [])

    def cases(self, where: str, args: list[Any], order: str = "created_at DESC, id", limit: int | None = None) -> list[Case]:
        return [self._case(r) for r in self.select(where, args, order, limit)]

    def forget(self, who: str, staff: str, now: datetime) -> list[str]:
        """Erase one customer's personal data from every case, keep the anonymised case, log the erasure."""
        term = " ".join(who.split())
        if not term or term == ERASED:
            return []
        done: list[str] = []
        with self.transaction() as conn:
            conn.execute("PRAGMA secure_delete = ON")
            rows = conn.execute(
                "SELECT * FROM cases WHERE customer_contact = ? COLLATE NOCASE OR customer_name = ? COLLATE NOCASE", (term, term)
            ).fetchall()
            for row in rows:
                answers = json.loads(row["answers"])
                quoted = [s for s in (row["customer_name"], row["customer_contact"], *row["customer_name"].split()) if len(s) >= 3]
                erased = ["customer_name", "customer_contact"]
                for key, value in answers.items():
                    if key == "customer_words" or (isinstance(value, str) and any(q.lower() in value.lower() for q in quoted)):
                        answers[key] = ERASED
                        erased.append(key)
                conn.execute(
                    "UPDATE cases SET customer_name = ?, customer_contact = ?, answers = ?, updated_at = ? WHERE id = ?",
                    (ERASED, ERASED, json.dumps(answers, ensure_ascii=False), iso(now), row["id"]),
                )
                for ev in conn.execute("SELECT seq, data FROM events WHERE case_id = ?", (row["id"],)).fetchall():
                    data = json.loads(ev["data"])
                    hits = [k for k, v in data.items() if isinstance(v, str) and any(q.lower() in v.lower() for q in quoted)]
                    if hits:
                        conn.execute("UPDATE events SET data = ? WHERE seq = ?",
                                     (json.dumps({**data, **{k: ERASED for k in hits}}, ensure_ascii=False), ev["seq"]))
                _insert_event(conn, row["id"], Event(at=now, staff=staff, kind="forgotten", data={"fields": erased}))
                done.append(row["id"])
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # old pages must not linger in the WAL
        return done

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
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        return {"path": str(self.path), "ok": not problems, "problems": problems, "schema_version": version,
                "cases": by_status, "events": events}

    def get(self, case_id: str) -> Case:
        row = self.conn.execute("SELECT * FROM cases WHERE id = ?", (case_id.strip().upper(),)).fetchone()
        if row is None:
            raise NotFoundError(f"no case '{case_id}' in {self.path} — `recover list` shows the cases there")
        return self._case(row)

    def recent(self, limit: int = 20, status: str | None = None, staff: str | None = None) -> list[Case]:
        where = [c for c, v in (("status = ?", status), ("staff = ?", staff)) if v]
        return self.cases(" AND ".join(where), [v for v in (status, staff) if v], limit=limit)

    def _case(self, row: sqlite3.Row) -> Case:
        events = [
            Event(at=datetime.fromisoformat(e["at"]), staff=e["staff"], kind=e["kind"], data=json.loads(e["data"]))
            for e in self.conn.execute("SELECT * FROM events WHERE case_id = ? ORDER BY seq", (row["id"],))
        ]
        return Case(
            id=row["id"],
            status=row["status"],
            created_at=datetime.fromisoformat(row["created_at"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
            staff=row["staff"],
            customer=Customer(name=row["customer_name"], contact=row["customer_contact"], segment=row["segment"] or None),
            playbook=PlaybookRef(id=row["playbook_id"], version=row["playbook_version"], hash=row["playbook_hash"]),
            answers=json.loads(row["answers"]),
            complaint_number=row["complaint_number"],
            severity=row["severity"],
            events=events,
        )

    def close(self) -> None:
        self.conn.close()


_CHANGEABLE = {"status", "follow_up_date", "follow_up_done_at", "closed_at", "resolution", "updated_at", "answers",
               "system_fix_done_at"}
BASE_ANSWERS = ("customer_words", "desired_outcome", "apology", "commitment", "gesture", "follow_up_date", "root_cause")
_EXPORT_FIELDS = ", ".join(
    [f"json_extract(answers, '$.{k}') AS a_{k}" for k in BASE_ANSWERS]
    + ["json_remove(answers, " + ", ".join(f"'$.{k}'" for k in BASE_ANSWERS) + ") AS extra"]
)


EXPORT_SQL: dict[str, str] = {
    "case_id": "id", "status": "status", "created_at": "created_at", "updated_at": "updated_at", "staff": "staff",
    "playbook_id": "playbook_id", "playbook_version": "playbook_version", "customer_name": "customer_name",
    "customer_contact": "customer_contact", "segment": "segment", "complaint_number": "complaint_number",
    **{k: f"json_extract(answers, '$.{k}')" for k in BASE_ANSWERS if k != "follow_up_date"},
    "follow_up_date": "follow_up_date", "follow_up_done_at": "follow_up_done_at", "closed_at": "closed_at",
    "resolution": "resolution",
    "extra": "json_remove(answers, " + ", ".join(f"'$.{k}'" for k in BASE_ANSWERS) + ")",
}
TEXT_COLUMNS = {"staff", "customer_name", "customer_contact", "customer_words", "desired_outcome", "apology",
                "commitment", "gesture", "root_cause", "resolution", "extra"}
QUOTE = "''''"  # SQL for a one-character string holding a single quote


def _neutralised(expr: str) -> str:
    """A cell that a spreadsheet would run as a formula gets a leading quote."""
    return (f"CASE WHEN substr({expr}, 1, 1) IN ('=', '+', '-', '@', char(9), char(13))"
            f" THEN {QUOTE} || {expr} ELSE {expr} END")


def _columns(case: Case) -> dict[str, Any]:
    """The one mapping from a Case to its row, for inserts and draft updates alike."""
    from recoverycli.identity import contact_key, name_key

    return {
        "id": case.id, "status": case.status, "created_at": iso(case.created_at), "updated_at": iso(case.updated_at),
        "staff": case.staff, "customer_name": case.customer.name, "customer_contact": case.customer.contact,
        "segment": case.customer.segment or "", "playbook_id": case.playbook.id, "playbook_version": case.playbook.version,
        "playbook_hash": case.playbook.hash, "answers": json.dumps(case.answers, ensure_ascii=False),
        "follow_up_date": case.answers.get("follow_up_date"), "complaint_number": case.complaint_number,
        "severity": case.severity, "contact_key": contact_key(case.customer.contact), "name_key": name_key(case.customer.name),
    }


def _insert_event(conn: sqlite3.Connection, case_id: str, ev: Event) -> None:
    conn.execute(
        "INSERT INTO events (case_id, at, staff, kind, data) VALUES (?,?,?,?,?)",
        (case_id, iso(ev.at), ev.staff, ev.kind, json.dumps(ev.data, ensure_ascii=False)),
    )


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


def open_store(path: Path, create: bool = True) -> SqliteStore:
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
