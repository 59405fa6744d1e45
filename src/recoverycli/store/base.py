"""The one store interface (BaseStore) and the case logic both backends share: filters, reads, report, writes.

SQL is written once here with `?` placeholders in the SQL both engines speak; each backend
supplies its connection, its transactions and the few expressions where the dialects differ.
"""

from __future__ import annotations

import json
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from recoverycli.caselog.filters import CaseFilter, day_after, day_start_utc
from recoverycli.caselog.record import EMERGENCY_FROM, Case, Event, iso_utc
from recoverycli.errors import NotFoundError, NothingChanged, StoreError
from recoverycli.store.columns import (
    ANSWER_COLUMNS,
    CHANGEABLE,
    LATER_COLUMNS,
    NAME_IN_TEXT,
    NAMED_ANSWERS,
    answer_columns,
    case_of,
    load_json,
    row_of,
    sqlite_json_value,
    stored_json,
)
from recoverycli.store.crisis import CrisisStoreMixin
from recoverycli.store.migrations import NOTIFY_CHANNEL

if TYPE_CHECKING:
    from recoverycli.identity import Mentions

ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L or U: easy to read aloud
ID_LENGTH = 5
ERASED = "[erased]"

ORDERS = {"newest": "created_at DESC, id", "oldest": "created_at, id", "follow_up": "follow_up_date, created_at, id"}


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    return iso_utc(dt)


def new_case_id() -> str:
    return "RC-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


class Garbled(str):
    """Stored text that is not valid UTF-8 (another tool's Latin-1, a flipped bit), read with U+FFFD in place of the
    bad bytes: the row it is in cannot be read as a case, and readers leave it out and name it."""


def unreadable_row(row: Any) -> str | None:
    """Why a case row cannot become a case before even trying (its text is not UTF-8), else None."""
    bad = [k for k in row.keys() if isinstance(row[k], Garbled)] if hasattr(row, "keys") else []
    return f"{', '.join(bad)} not valid UTF-8" if bad else None


class Rows(Protocol):
    """What `execute` returns on both backends (sqlite3's cursor, psycopg's, or the tolerant reader): rows are
    sqlite3.Row-like (by name or position), so a row is Any; the list of them is not."""

    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchmany(self, size: int = ...) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class BaseStore(CrisisStoreMixin, ABC):
    """The one store interface: every operation a command or the call may use, on either backend.

    The case logic both backends share is written here once; each backend brings its connection, its
    transactions, the few expressions where the SQL dialects differ, and what only it can do (export at
    speed, backup, check, migrate). The crisis operations come from CrisisStoreMixin.
    """

    label: str  # where the store is, safe to show (a PostgreSQL password never appears)
    erasure_note: str | None = None  # what erasure needs beyond `forget` on this backend
    forget_wait = 10.0  # seconds an erasure waits for readers to let go of old copies
    live = False  # True where a save at another desk wakes wait_for_change at once (PostgreSQL)
    lock_rows = ""  # PostgreSQL: " FOR UPDATE", so two desks changing one case take turns
    duplicate_errors: tuple[type[BaseException], ...] = ()
    migrated_from: int | None = None  # the schema version this process upgraded the store from, if it did
    _unreadable_seen: tuple[str, list[Any], list[str]] | None = None  # (where, args, ids) of the last report's pass
    answer_cell = staticmethod(sqlite_json_value)  # an answer as its own column holds it (columns.ANSWER_COLUMNS)
    skipped: list[str]  # ids of case rows a reader left out because they cannot be read (see `left_out`)

    # --- what a backend provides: connection and transactions --------------------------------
    @abstractmethod
    def transaction(self) -> AbstractContextManager[Any]:
        """One short write transaction; yields something with `execute` (and `executemany`)."""

    @abstractmethod
    def execute(self, sql: str, args: Any = ()) -> Rows:
        """Run one statement (written with ? placeholders) outside a transaction; a cursor."""

    @abstractmethod
    def schema_version(self) -> int:
        """The schema version the store is at (0: no recover store there yet)."""

    @abstractmethod
    def close(self) -> None: ...

    # --- what a backend provides: the few expressions where the dialects differ -----------------
    @abstractmethod
    def ci_equal(self, column: str) -> str:
        """`column` equals a parameter, ignoring case."""

    @abstractmethod
    def contains(self, column: str) -> str:
        """`column` contains a LIKE pattern parameter (escaped with backslash), ignoring case."""

    @abstractmethod
    def json_text(self, key: str, column: str = "answers") -> str:
        """The value at `key` of a JSON column (text where it is text)."""

    @abstractmethod
    def week_of(self, column: str) -> str:
        """The Monday (ISO week start) of a timestamp's UTC date, as YYYY-MM-DD."""

    @abstractmethod
    def days_between(self, later: str, earlier: str) -> str:
        """Whole calendar days between the UTC dates of two columns, as a float."""

    @abstractmethod
    def hours_between(self, later: str, earlier: str) -> str:
        """Hours between two timestamps, as a float."""

    @abstractmethod
    def is_timestamp(self, x: str) -> str:
        """SQL true where `x` is to be read as a time: text of migrations.TIMESTAMP_FORM (ISO 8601, the forms recover
        writes), never words or a bare time. A day that does not exist may pass here; it gives no duration all the
        same (SQLite refuses it here, PostgreSQL when it reads the time)."""

    @abstractmethod
    def flags_of(self, column: str) -> str:
        """A FROM item `f` with one row per element (`f.value`) of the JSON array at `column`.flags."""

    @abstractmethod
    def is_true(self, expr: str) -> str:
        """SQL true where a JSON boolean is true."""

    @abstractmethod
    def distinct_json(self, column: str) -> str:
        """An aggregate: the distinct values of `column` in the group, as a JSON array text."""

    # --- what a backend provides: what only it knows how to do ---------------------------------
    @abstractmethod
    def migrate(self) -> tuple[int, int]:
        """Bring the schema up to date: (the version it was at, the version it is at now)."""

    @abstractmethod
    def export_rows(
        self, cols: tuple[str, ...], f: CaseFilter, order: str, limit: int | None, neutralise: bool
    ) -> Iterator[tuple[Any, ...]]:
        """The export: plain tuples in `cols` order (the column registry's cells), streamed with flat memory.

        neutralise: text cells a spreadsheet would run as a formula get a leading quote (safety.neutralise).
        """

    @abstractmethod
    def backup(self, dest: Path) -> None:
        """A consistent copy of the store at `dest`, never over an existing file (or why this backend cannot)."""

    @abstractmethod
    def check(self) -> dict[str, Any]:
        """Integrity and figures for `recover check`: path, backend, ok, problems, schema_version, cases, events."""

    # --- hooks with a default ---------------------------------------------------------------
    def readable(self, column: str = "answers") -> str:
        """SQL that is true where a JSON column can be read by the database's JSON functions."""
        return "TRUE"  # PostgreSQL's json type never holds what it cannot read

    def after_forget(self, wait: float = 10.0) -> str | None:
        """After an erasure: None once no old copy of the text is left in the store's files, else why not."""
        return None

    def wait_for_change(self, timeout: float, channel: str = NOTIFY_CHANNEL) -> None:
        """Block until another desk saves or changes a case (or a crisis, on its channel), or `timeout` seconds pass."""
        import time

        time.sleep(timeout)

    # --- filters ---------------------------------------------------------------------------
    def where(self, f: CaseFilter) -> tuple[str, list[Any]]:
        """A filter as SQL for this backend; the only place list/export/report filters become SQL."""
        where: list[str] = []
        args: list[Any] = []
        if f.status:
            where.append("status = ?")
            args.append(f.status)
        elif f.live_only:
            where.append("status != 'draft'")
        if f.playbook:
            where.append("playbook_id = ?")
            args.append(f.playbook)
        if f.customer:
            where.append(f"({self.contains('customer_name')} OR {self.contains('customer_contact')})")
            pattern = like_pattern(f.customer)
            args += [pattern, pattern]
        if f.staff:
            where.append(self.ci_equal("staff"))
            args.append(f.staff)
        if f.since:
            where.append("created_at >= ?")
            args.append(day_start_utc(f.since))
        if f.until and (after := day_after(f.until)) is not None:
            where.append("created_at < ?")
            args.append(day_start_utc(after))
        if f.overdue:
            where.append("status = 'open' AND follow_up_done_at IS NULL AND follow_up_date < ?")
            args.append((f.today or date.today()).isoformat())
        if f.due_by:
            where.append(
                "status = 'open' AND follow_up_done_at IS NULL AND follow_up_date IS NOT NULL AND follow_up_date <= ?"
            )
            args.append(f.due_by.isoformat())
        if f.system_fix_open:
            where.append("status != 'draft' AND system_fix_done_at IS NULL")
        if f.severity:
            where.append("severity = ?")
            args.append(f.severity)
        return " AND ".join(where), args

    # --- reading ---------------------------------------------------------------------------
    def rows(
        self, f: CaseFilter, order: str = "newest", limit: int | None = None, table: str = "cases"
    ) -> Iterator[Any]:
        where, args = self.where(f)
        sql = f"SELECT * FROM {table}" + (f" WHERE {where}" if where else "") + f" ORDER BY {ORDERS[order]}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        cur = self.execute(sql, args)
        while batch := cur.fetchmany(500):
            yield from batch

    def unreadable(self, f: CaseFilter) -> list[str]:
        """Ids of matching cases an export or report leaves out: their stored answers cannot be read."""
        where, args = self.where(f)
        seen = self._unreadable_seen
        if seen is not None and seen[:2] == (where, args):  # found by the report's pass a moment ago
            return sorted(set(seen[2]) | set(self.left_out()))
        sql = f"SELECT id FROM cases WHERE NOT {self.readable()}" + (f" AND {where}" if where else "")  # their index
        sql += " ORDER BY id"
        return sorted({r[0] for r in self.execute(sql, args).fetchall()} | set(self.left_out()))

    def left_out(self) -> list[str]:
        """Ids of the case rows this store's readers have left out so far (a row that cannot be read)."""
        return list(dict.fromkeys(getattr(self, "skipped", [])))

    def _skip(self, case_id: str) -> None:
        if not hasattr(self, "skipped"):
            self.skipped = []
        self.skipped.append(case_id)

    def damaged_rows(self, limit: int = 100) -> list[str]:
        """For `check`: rows that cannot be read back as a case, or whose JSON the database's functions reject."""
        out = [
            f"case {r[0]}: its answers cannot be read (not valid JSON) — export and report leave it out"
            for r in self.execute(
                f"SELECT id FROM cases WHERE NOT {self.readable()} ORDER BY id LIMIT {limit}"
            ).fetchall()
        ]
        out += [
            f"event {r[0]} of case {r[1]}: its data cannot be read (not valid JSON)"
            for r in self.execute(
                f"SELECT seq, case_id FROM events WHERE NOT {self.readable('data')} ORDER BY seq LIMIT {limit}"
            ).fetchall()
        ]
        for row in self.rows(CaseFilter(), "oldest"):
            if len(out) >= limit:
                break
            try:
                self.case_from_row(row, events=False)
            except (ValueError, TypeError, KeyError) as e:
                out.append(f"case {row['id']}: cannot be read ({type(e).__name__})")
        return out

    def count(self, f: CaseFilter) -> int:
        where, args = self.where(f)
        return int(
            self.execute("SELECT count(*) FROM cases" + (f" WHERE {where}" if where else ""), args).fetchone()[0]
        )

    def cases(
        self, f: CaseFilter | None = None, order: str = "newest", limit: int | None = None, events: bool = True
    ) -> list[Case]:
        return self._with_events(list(self.rows(f or CaseFilter(), order, limit)), events)

    def get(self, case_id: str) -> Case:
        row = self.execute("SELECT * FROM cases WHERE id = ?", (case_id.strip().upper(),)).fetchone()
        if row is None:
            raise NotFoundError(f"no case '{case_id}' in {self.label} — `recover list` shows the cases there")
        try:
            return self.case_from_row(row)
        except (ValueError, TypeError, KeyError) as e:  # pydantic's ValidationError is a ValueError
            raise StoreError(
                f"case {row['id']} in {self.label} cannot be read ({type(e).__name__}) — run `recover check`; "
                "restore it from a backup"
            ) from None

    def recent(self, limit: int = 20, status: str | None = None, staff: str | None = None) -> list[Case]:
        where = [c for c, v in (("status = ?", status), ("staff = ?", staff)) if v]
        sql = "SELECT * FROM cases" + (f" WHERE {' AND '.join(where)}" if where else "")
        rows = self.execute(sql + f" ORDER BY {ORDERS['newest']} LIMIT {int(limit)}", [v for v in (status, staff) if v])
        return self._with_events(rows.fetchall())

    def earlier_cases(
        self, contact_key: str, name_key: str, since: str, exclude: str | None = None, limit: int = 3
    ) -> tuple[int, list[Case]]:
        """The customer's earlier complaints still open or made since `since`: (how many, the newest few).

        Both keys are indexed on both backends; the OR becomes two index look-ups, fast at a million cases.
        """
        where = (
            "status != 'draft' AND id != ? AND ((contact_key = ? AND contact_key != '') OR (name_key = ? AND "
            "name_key != ''))"
            " AND (status = 'open' OR created_at >= ?)"
            # a case we opened by calling the customer in a crisis is not a complaint of theirs
            " AND NOT EXISTS (SELECT 1 FROM crisis_attempts a WHERE a.case_id = cases.id AND a.direction = 'out')"
        )
        args = [exclude or "", contact_key, name_key, since]
        count = self.execute(f"SELECT count(*) FROM cases WHERE {where}", args).fetchone()[0]
        if not count:
            return 0, []
        rows = self.execute(f"SELECT * FROM cases WHERE {where} ORDER BY {ORDERS['newest']} LIMIT {int(limit)}", args)
        return count, self._with_events(rows.fetchall())

    def _with_events(self, rows: list[Any], events: bool = True) -> list[Case]:
        """Cases with their events read in a few queries, not one per case (a round trip each on a remote server)."""
        found: dict[str, list[Event]] = {r["id"]: [] for r in rows}
        bad: set[str] = set()
        ids = list(found) if events else []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for e in self.execute(
                f"SELECT case_id, at, staff, kind, data FROM events WHERE case_id IN ({', '.join('?' * len(chunk))})"
                " ORDER BY seq",
                chunk,
            ).fetchall():
                try:
                    found[e["case_id"]].append(_event(e))
                except (ValueError, TypeError, KeyError):
                    bad.add(e["case_id"])
        out = []
        for r in rows:  # one row that cannot be read is left out and named (left_out), never the whole list
            try:
                if r["id"] in bad:
                    raise ValueError("cannot be read")
                out.append(self.case_from_row(r, events=False, evs=found[r["id"]]))
            except (ValueError, TypeError, KeyError):
                self._skip(str(r["id"]))
        return out

    def case_from_row(self, row: Any, events: bool = True, evs: list[Event] | None = None) -> Case:
        if why := unreadable_row(row):
            raise ValueError(why)
        if events:
            evs = [
                _event(e)
                for e in self.execute(
                    "SELECT at, staff, kind, data FROM events WHERE case_id = ? ORDER BY seq", (row["id"],)
                ).fetchall()
            ]
        return case_of(row, evs or [])

    # --- the manager's report ------------------------------------------------------------
    def aggregates(self, f: CaseFilter, today: str) -> dict[str, Any]:
        """The manager's figures, computed by the database in aggregate queries (never a Python loop over cases).

        One pass over the period: what the figures need is read once into a scratch table (from one index: the
        answers from their own columns, no JSON parsed, the wide rows never read), and every figure is an aggregate
        over that table, not another read of the store. The cases whose answers cannot be read come from an index
        holding only them, for `unreadable`.
        """
        where, args = self.where(f)
        j = self.answer_sql
        done = self.days_between("follow_up_done_at", "follow_up_date")
        to_contact, to_close = self.durations()
        period = (
            f"SELECT id, status, playbook_id, substr(created_at, 1, 10) AS day,"
            f" {self.as_text('customer_name')} AS customer_name,"
            f" {self.as_text('customer_contact')} AS customer_contact,"
            f" complaint_number, follow_up_date, follow_up_done_at, closed_at, {NAME_IN_TEXT} AS named, coached,"
            f" CASE WHEN follow_up_done_at IS NOT NULL THEN {done} END AS done_days,"
            f" {j('root_cause')} AS rc, CASE WHEN trim({j('root_cause')}) != '' THEN lower(trim({j('root_cause')})) END"
            f" AS rc_key, coalesce({j('room_number')}, {j('location')}, '') AS place,"
            f" {j('gesture')} AS g,"
            f" {to_contact} AS to_contact, {to_close} AS to_close"
            f" FROM {self.period_source(f)} WHERE status != 'draft'" + (f" AND {where}" if where else "")
        )
        bad = f"SELECT id FROM cases WHERE NOT {self.readable()}" + (f" AND {where}" if where else "")
        with self.scratch(period, args) as p:
            unreadable = [r[0] for r in self.execute(bad + " ORDER BY id", args).fetchall()]
            self._unreadable_seen = (where, list(args), unreadable)
            if unreadable:
                self.execute(f"DELETE FROM {p} WHERE id IN ({bad})", args)
            self.notice_odd_text(where, args)
            return self._figures(p, today)

    def notice_odd_text(self, where: str, args: list[Any]) -> None:
        """Read the period's names and contacts that may be text the store cannot decode (SQLite), so that such a
        case is left out and named, as by every reader."""

    def _figures(self, p: str, today: str) -> dict[str, Any]:
        """The report's figures from the period's scratch table `p`: a few sorts and scans, each serving several."""
        q = lambda sql, params=(): [tuple(r) for r in self.execute(sql, list(params)).fetchall()]  # noqa: E731
        out: dict[str, Any] = {}
        counted = q(  # per day first: the week of each day, not of each case, is worked out; gestures ride along
            f"SELECT {self.week_of('day')} AS week, playbook_id, status, g, CAST(sum(n) AS BIGINT), max(named) FROM"
            f" (SELECT day, playbook_id, status, g, count(*) AS n, max(named & {GESTURE_BIT}) AS named FROM {p}"
            " GROUP BY day, playbook_id, status, g) d GROUP BY 1, 2, 3, 4"
        )
        weeks: dict[tuple[Any, str, str], int] = {}
        given: dict[tuple[str, Any], list[int]] = {}
        for week, playbook, status, g, n, named in counted:
            weeks[week, playbook, status] = weeks.get((week, playbook, status), 0) + n
            if g is not None:
                tally = given.setdefault((playbook, g), [0, 0])
                tally[0] += n
                tally[1] |= named
        out["weeks"] = [(*k, n) for k, n in sorted(weeks.items(), key=lambda kv: tuple(map(sql_order, kv[0])))]
        by_status: dict[str, int] = {}
        by_playbook: dict[str, int] = {}
        for (_, playbook, status), n in weeks.items():
            by_status[status] = by_status.get(status, 0) + n
            by_playbook[playbook] = by_playbook.get(playbook, 0) + n
        out["by_status"] = dict(sorted(by_status.items()))
        out["total"] = sum(by_status.values())
        out["by_playbook"] = dict(sorted(sorted(by_playbook.items()), key=lambda kv: -kv[1]))
        # free text may quote a customer: a group brings the names and contacts of the cases whose own text shares a
        # word with their customer's name or holds their contact (name_in_text, kept at save), to hide them by; a
        # group's cases share its text, so whoever it quotes is among them
        causes = q(  # rc_key: the cause as grouped (trimmed, lower case), NULL for none
            f"SELECT rc_key, playbook_id, place, min(rc), count(*), max(named & {CAUSE_BIT}) FROM {p}"
            " WHERE rc_key IS NOT NULL GROUP BY rc_key, playbook_id, place"
        )
        people = self._people(
            p,
            ("rc_key", "playbook_id", "place"),
            f"rc_key IS NOT NULL AND (named & {CAUSE_BIT}) != 0",
            [r[:3] for r in causes if r[5]],
        )
        out["root_causes"] = [(text, pb, at, n, *people.get((k, pb, at), NOBODY)) for k, pb, at, text, n, _ in causes]
        # as SQL's GROUP BY playbook_id, g ORDER BY count(*) DESC gave them
        ranked = sorted(sorted(given.items(), key=lambda kv: (kv[0][0], sql_order(kv[0][1]))), key=lambda kv: -kv[1][0])
        people = self._people(
            p,
            ("g", "playbook_id"),
            f"g IS NOT NULL AND (named & {GESTURE_BIT}) != 0",
            [(g, pb) for (pb, g), (_, named) in ranked if named],
        )
        out["gestures"] = [(pb, g, n, *people.get((g, pb), NOBODY)) for (pb, g), (n, _) in ranked]
        done, late = "follow_up_done_at IS NOT NULL", "follow_up_done_at IS NOT NULL AND done_days > 0"
        row = q(  # one scan: the promises, the repeats, and how many values each percentile ranks
            "SELECT sum(CASE WHEN follow_up_date <= ? THEN 1 ELSE 0 END),"
            f" sum(CASE WHEN follow_up_date <= ? AND {done} AND done_days <= 0 THEN 1 ELSE 0 END),"
            f" sum(CASE WHEN follow_up_date <= ? AND {late} THEN 1 ELSE 0 END),"
            " sum(CASE WHEN follow_up_date < ? AND follow_up_done_at IS NULL AND status = 'open' THEN 1 ELSE 0 END),"
            " sum(CASE WHEN follow_up_date = ? AND follow_up_done_at IS NULL THEN 1 ELSE 0 END),"
            " sum(CASE WHEN follow_up_date < ? AND follow_up_done_at IS NULL AND status != 'open' THEN 1 ELSE 0 END),"
            f" sum(CASE WHEN complaint_number >= {EMERGENCY_FROM} THEN 1 ELSE 0 END),"
            f" sum(CASE WHEN {late} THEN 1 ELSE 0 END),"
            " sum(CASE WHEN to_contact IS NOT NULL THEN 1 ELSE 0 END),"
            f" sum(CASE WHEN to_close IS NOT NULL THEN 1 ELSE 0 END) FROM {p}",
            [today] * 6,
        )[0]
        counts = [int(v or 0) for v in row]
        out["promises"] = dict(zip(("due", "on_time", "late", "overdue", "due_today", "closed_undone"), counts[:6]))
        out["repeats"] = counts[6]
        out["repeat_customers"] = [  # its own query: a JSON aggregate would refuse a name stored as a BLOB by hand
            r[0]
            for r in q(
                f"SELECT DISTINCT customer_name FROM {p} WHERE complaint_number >= {EMERGENCY_FROM}"
                " ORDER BY customer_name"
            )
        ]
        out["late_days"], out["to_contact_minutes"], out["to_close_hours"] = self._percentiles(
            p,
            out["total"],
            [
                ("done_days", late, counts[7]),
                # a time that is no timestamp (a hand edit, an old import) gives no duration: not counted
                ("to_contact", "to_contact IS NOT NULL", counts[8]),
                ("to_close", "to_close IS NOT NULL", counts[9]),
            ],
        )
        out["coaching"] = q(
            "SELECT f.value, count(*),"
            f" sum(CASE WHEN {self.is_true(self.json_text('kept', 'e.data'))} THEN 1 ELSE 0 END)"
            f" FROM events e CROSS JOIN {self.flags_of('e.data')}"
            f" WHERE e.kind = 'coached' AND {self.readable('e.data')}"
            f" AND e.case_id IN (SELECT id FROM {p} WHERE coached = 1)"  # cases.coached: those with such an event
            f" GROUP BY f.value ORDER BY count(*) DESC"
        )
        return out

    def _people(
        self, p: str, keys: tuple[str, ...], where: str, wanted: list[tuple[Any, ...]]
    ) -> dict[tuple[Any, ...], tuple[str, str]]:
        """The names and contacts (JSON arrays) of the cases of each `wanted` group of `p`, grouped by `keys`."""
        if not wanted:
            return {}
        names, contacts = self.distinct_json("customer_name"), self.distinct_json("customer_contact")
        sql = f"SELECT {', '.join(keys)}, {names}, {contacts} FROM {p} WHERE {where}"
        first = list(dict.fromkeys(w[0] for w in wanted))
        if len(first) <= 500:  # else every group: one sort either way
            sql += f" AND {keys[0]} IN ({', '.join('?' * len(first))})"
        rows = self.execute(sql + f" GROUP BY {', '.join(keys)}", first if len(first) <= 500 else []).fetchall()
        want = set(wanted)
        return {key: (r[-2], r[-1]) for r in rows if (key := tuple(r[: len(keys)])) in want}

    def durations(self) -> tuple[str, str]:
        """A case's minutes from the incident to our first contact and hours from opening to close, in SQL: only from
        an ISO 8601 time (migrations.TIMESTAMP_FORM, the same rule PostgreSQL's trigger keeps), never from words
        such as 'yesterday' or a bare '10:00' that a free-text answer may hold."""
        incident = self.answer_sql("incident_at")
        return (
            f"CASE WHEN {self.is_timestamp(incident)} THEN {self.hours_between('created_at', incident)} * 60 END",
            f"CASE WHEN closed_at IS NOT NULL THEN {self.hours_between('closed_at', 'created_at')} END",
        )

    def as_text(self, column: str) -> str:
        """A text column as text, whatever another tool stored in it (SQLite keeps bytes written by hand as a BLOB)."""
        return column

    def answer_sql(self, key: str) -> str:
        """An answer in SQL: its own column where it has one, else read from the answers JSON."""
        return key if key in ANSWER_COLUMNS else self.json_text(key)

    def period_source(self, f: CaseFilter) -> str:
        """The FROM item the report reads its period from (SQLite names the index that holds what it reads)."""
        return "cases"

    @contextmanager
    def scratch(self, select: str, args: list[Any]) -> Iterator[str]:
        """A temporary table holding the rows of `select`, for several aggregates over one read.

        It lives until the next report on this connection replaces it, or the connection closes: dropping a large
        one costs as much as a figure, and a command ends soon after its report.
        """
        name = "recover_period"
        self.execute(f"DROP TABLE IF EXISTS temp.{name}")
        self.execute(f"CREATE TEMP TABLE {name} AS {select}", args)
        yield name

    def _percentiles(self, p: str, rows: int, sets: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
        """Median and 90th percentile of each set (column v of the n rows of `p`, of `rows`, that match `where`), by
        linear interpolation as PostgreSQL's percentile_cont, on both stores (SQLite has none, so neither is used).

        Each percentile weighs the two values around its rank (integer arithmetic, the same on both engines), found
        without sorting every value where a sample brackets them (`_ranked_in_windows`), else by a bounded sort.
        """
        ranks = []
        for _, _, n in sets:
            los = [(n - 1) * tenths // 10 + 1 for tenths in (5, 9)]  # 1-based rank at or below the percentile
            ranks.append([(lo, min(lo + 1, n)) for lo in los])
        big = [i for i, (_, _, n) in enumerate(sets) if n >= self.window_from]
        found = self._ranked_in_windows(p, rows, [sets[i] for i in big], [ranks[i] for i in big]) if big else []
        out: list[dict[str, Any]] = []
        for i, ((v, where, n), pairs) in enumerate(zip(sets, ranks)):
            if not n:
                out.append({"n": 0, "median": None, "p90": None})
                continue
            at = found[big.index(i)] if i in big else None
            if at is None:
                at = self._ranked_by_sort(p, v, where, n, pairs)
            (at5, above5), (at9, above9) = ((a, b if hi > lo else None) for (a, b), (lo, hi) in zip(at, pairs))
            out.append({"n": n, "median": interpolate(n, 0.5, at5, above5), "p90": interpolate(n, 0.9, at9, above9)})
        return out

    window_from = 20_000  # values: fewer are sorted outright, as cheap as any cleverness
    sample_size = 16_000  # rows sampled to guess the windows
    nulls_first = True  # where ORDER BY puts NULL (SQLite: first; PostgreSQL: last)

    def sample_rows(self, every: int) -> str:
        """SQL true for about one row in `every` of a scratch table."""
        return f"rowid % {every} = 0"

    def _ranked_by_sort(
        self, p: str, v: str, where: str, n: int, pairs: list[tuple[int, int]]
    ) -> list[tuple[Any, Any]]:
        """The values at each pair of ascending ranks (1-based; hi is lo or lo + 1): one sort, of the ranks from the
        lowest asked to the highest, bounded by the nearer end."""
        first, last = min(lo for lo, _ in pairs), max(hi for _, hi in pairs)
        if first - 1 <= n - last:
            sql = f"SELECT {v} FROM {p} WHERE {where} ORDER BY {v} LIMIT {last - first + 1} OFFSET {first - 1}"
            values = [r[0] for r in self.execute(sql).fetchall()]
        else:  # the same ranks counted from the largest (NULLs sort at the other end, so the same way round)
            sql = f"SELECT {v} FROM {p} WHERE {where} ORDER BY {v} DESC LIMIT {last - first + 1} OFFSET {n - last}"
            values = [r[0] for r in self.execute(sql).fetchall()][::-1]
        at = lambda rank: values[rank - first] if 0 <= rank - first < len(values) else None  # noqa: E731
        return [(at(lo), at(hi)) for lo, hi in pairs]

    def _ranked_in_windows(
        self, p: str, rows: int, sets: list[tuple[str, str, int]], ranks: list[list[tuple[int, int]]]
    ) -> list[list[tuple[Any, Any]] | None]:
        """The values at the given ascending ranks of each set, read from narrow windows of values, not a sort of all.

        One scan samples about `sample_size` rows; each set's sorted sample guesses a window [a, b] around each rank.
        One scan counts each set's NULLs and its values below each window; each set's windows are then read sorted. A
        rank lands in its window, or that set gets None (the caller sorts): exact either way.
        """
        every = max(1, rows // self.sample_size)
        cols = ", ".join(f"{v}, CASE WHEN {where} THEN 1 ELSE 0 END" for v, where, _ in sets)
        sampled = self.execute(f"SELECT {cols} FROM {p} WHERE {self.sample_rows(every)}").fetchall()
        columns = list(zip(*sampled)) or [()] * (2 * len(sets))  # by column: no row indexed value by value
        windows: list[list[tuple[Any, Any]] | None] = []
        for i, ((_, _, n), pairs) in enumerate(zip(sets, ranks)):
            sample = sorted(v for v, wanted in zip(columns[2 * i], columns[2 * i + 1]) if wanted and v is not None)
            if len(sample) < self.sample_size // 16:  # too few to guess from
                windows.append(None)
                continue
            margin = int(2.5 * len(sample) ** 0.5) + 2  # a sample rank strays by about half the square root of n
            at = [int((lo + hi) / 2 / n * len(sample)) for lo, hi in pairs]
            windows.append([(sample[max(0, g - margin)], sample[min(len(sample) - 1, g + margin)]) for g in at])
        asked = [(i, w) for i, ws in enumerate(windows) if ws is not None for w in ws]
        if not asked:
            return windows
        with_nulls = sorted({i for i, _ in asked})
        counts = [f"sum(CASE WHEN ({sets[i][1]}) AND {sets[i][0]} IS NULL THEN 1 ELSE 0 END)" for i in with_nulls]
        counts += [f"sum(CASE WHEN ({sets[i][1]}) AND {sets[i][0]} < ? THEN 1 ELSE 0 END)" for i, _ in asked]
        row = self.execute(f"SELECT {', '.join(counts)} FROM {p}", [w[0] for _, w in asked]).fetchone()
        got = [int(c or 0) for c in row]
        nulls = dict(zip(with_nulls, got))
        under = iter(got[len(nulls) :])
        out: list[list[tuple[Any, Any]] | None] = []
        for i, ((v, where, n), pairs, ws) in enumerate(zip(sets, ranks, windows)):
            if ws is None:
                out.append(None)
                continue
            within = " OR ".join(f"({v} >= ? AND {v} <= ?)" for _ in ws)
            both = self.execute(  # each value once with how many have it: a window of equal values is one row
                f"SELECT {v}, count(*) FROM {p} WHERE ({where}) AND ({within}) GROUP BY {v} ORDER BY {v}",
                [x for w in ws for x in w],
            ).fetchall()
            found: list[tuple[Any, Any]] | None = []
            for (lo, hi), (a, b) in zip(pairs, ws):
                below = next(under)
                inside = [r for r in both if a <= r[0] <= b]
                pair = [self._in_window(rank, n, nulls[i], below, inside) for rank in (lo, hi)]
                if found is not None:
                    found = None if any(x is _MISSED for x in pair) else [*found, (pair[0], pair[1])]
            out.append(found)
        return out

    def _in_window(self, rank: int, n: int, nulls: int, below: int, inside: list[Any]) -> Any:
        """The value at ascending `rank` of n from a window (value, how many) with `below` values under it."""
        if (rank <= nulls) if self.nulls_first else (rank > n - nulls):
            return None  # the rank falls among the NULLs
        k = (rank - nulls if self.nulls_first else rank) - below  # 1-based, within the window
        for value, many in inside:
            if 0 < k <= many:
                return value
            k -= many
        return _MISSED  # outside the window: sort instead

    # --- writing ---------------------------------------------------------------------------
    def add(self, case: Case, keep_id: bool = False, later: dict[str, Any] | None = None) -> Case:
        """Insert a new case under a fresh unique id (unique across every desk), with its events.

        keep_id: insert under case.id or raise the duplicate error; later: columns set by later commands (a copy).
        """
        for _ in range(50):
            candidate = case if keep_id else case.model_copy(update={"id": new_case_id()})
            try:
                with self.transaction() as tx:
                    self.insert_case(tx, candidate, later)
                return candidate
            except self.duplicate_errors:
                if keep_id:
                    raise
                continue  # id taken, here or by another desk: draw again
        raise StoreError(f"{self.label}: could not find a free case id — run `recover check`")

    def insert_case(self, tx: Any, case: Case, later: dict[str, Any] | None = None) -> None:
        cols = {**row_of(case, self.answer_cell), **(later or {})}
        tx.execute(f"INSERT INTO cases ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", tuple(cols.values()))
        for ev in case.events:
            insert_event(tx, case.id, ev)

    def save_draft(self, case: Case) -> None:
        """Write what a call has captured so far; only a draft can be written this way."""
        with self.transaction() as tx:
            self._save_draft_in(tx, case)

    def finish_draft(self, case: Case, events: list[Event]) -> None:
        """Turn a draft into an open case, with its final answers and events, in one transaction."""
        with self.transaction() as tx:
            self._save_draft_in(tx, case)
            tx.execute("UPDATE cases SET status = 'open' WHERE id = ?", (case.id,))
            for event in events:
                insert_event(tx, case.id, event)

    def _save_draft_in(self, tx: Any, case: Case) -> None:
        cols = {
            k: v
            for k, v in row_of(case, self.answer_cell).items()
            if k not in ("id", "status", "created_at", "playbook_id")
        }
        cur = tx.execute(
            f"UPDATE cases SET {', '.join(f'{k} = ?' for k in cols)} WHERE id = ? AND status = 'draft'",
            (*cols.values(), case.id),
        )
        if cur.rowcount != 1:
            raise NotFoundError(f"no draft '{case.id}' in {self.label} — it was saved or discarded meanwhile")

    def discard(self, case_id: str) -> None:
        """Drop a draft; open and closed cases are never deleted."""
        case = self.get(case_id)
        if case.status != "draft":
            raise StoreError(f"case {case.id} is {case.status}, not a draft — only drafts can be discarded")
        with self.transaction() as tx:
            tx.execute("DELETE FROM cases WHERE id = ? AND status = 'draft'", (case.id,))

    def apply(
        self,
        case_id: str,
        event: Event,
        allowed: tuple[str, ...],
        columns: dict[str, Any],
        answers: dict[str, Any] | None = None,
        unless: Callable[[Any], str | None] | None = None,
    ) -> Case:
        """Change a case and log why, in one transaction with the row locked: nothing changes without its event.

        unless: given the locked row, a reason the change is already made (raised as NothingChanged, nothing written).
        """
        with self.transaction() as tx:
            row = tx.execute(f"SELECT * FROM cases WHERE id = ?{self.lock_rows}", (case_id.strip().upper(),)).fetchone()
            if row is None:
                raise NotFoundError(f"no case '{case_id}' in {self.label} — `recover list` shows the cases there")
            if unless is not None and (why := unless(row)) is not None:
                raise NothingChanged(f"{row['id']}: {why} — nothing changed")
            if row["status"] not in allowed:
                raise StoreError(
                    f"case {row['id']} is {row['status']} — {event.kind.replace('_', ' ')} needs a case that is "
                    f"{' or '.join(allowed)}"
                )
            updates = {**columns, "updated_at": iso(event.at)}
            if answers:
                merged = {**load_json(row["answers"]), **answers}
                updates["answers"] = stored_json(merged, row["id"])
                updates.update(answer_columns(merged, self.answer_cell, row["customer_name"], row["customer_contact"]))
            assert all(k in CHANGEABLE for k in updates)
            tx.execute(
                f"UPDATE cases SET {', '.join(f'{k} = ?' for k in updates)} WHERE id = ?",
                (*updates.values(), row["id"]),
            )
            insert_event(tx, row["id"], event)
        return self.get(row["id"])

    def append_event_if(self, case_id: str, kind: str, decide: Callable[[list[Event]], Event | None]) -> Event | None:
        """Append the event `decide` makes from the case's `kind` events, in one transaction with the case locked:
        processes deciding at once take turns, so what one claims no other can (notifications are claimed this way)."""
        with self.transaction() as tx:
            row = tx.execute(f"SELECT id FROM cases WHERE id = ?{self.lock_rows}", (case_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no case '{case_id}' in {self.label} — `recover list` shows the cases there")
            events = [
                _event(e)
                for e in tx.execute(
                    "SELECT at, staff, kind, data FROM events WHERE case_id = ? AND kind = ? ORDER BY seq",
                    (case_id, kind),
                ).fetchall()
            ]
            event = decide(events)
            if event is not None:
                insert_event(tx, case_id, event)
        return event

    def forget(self, who: str, staff: str, now: datetime, dry_run: bool = False) -> Erasure:
        """Erase one customer's personal data from every case, keep the anonymised case, log the erasure.

        Their cases are found by the normalised keys the repeat check uses (a phone written another way is the
        same customer). In those cases every free-text answer, the resolution and every event value that quotes
        any part of their name or their contact (whole words) is erased; other cases that quote what identifies
        them (a full name of two words or more, a phone number or e-mail however written) lose that text too.
        dry_run=True finds the same cases and changes nothing (what the confirmation counts).
        """
        from recoverycli.identity import Mentions, contact_key, name_key

        term = " ".join(who.split())
        out = Erasure()
        if not term or term == ERASED:
            return out
        ck, nk = contact_key(term), name_key(term)
        with self.transaction() as tx:
            if not dry_run:
                self.before_forget(tx)
            rows = tx.execute(
                f"SELECT * FROM cases WHERE (contact_key = ? AND contact_key != '') OR (name_key = ? AND"
                f" name_key != '') ORDER BY id{'' if dry_run else self.lock_rows}",
                (ck, nk),
            ).fetchall()
            if rows:
                out.key_contact, out.key_name = ck, nk
                out.by_contact = sum(r["contact_key"] == ck for r in rows)
                out.by_name = sum(r["name_key"] == nk for r in rows)
                names = sorted({r["customer_name"] for r in rows})
                contacts = sorted({r["customer_contact"] for r in rows})
                theirs = Mentions(names, contacts)
                try:
                    for row in rows:
                        if not dry_run:
                            self._erase(tx, row, theirs, staff, now, own=True)
                        out.cases.append(row["id"])
                except IndexError:  # a column the erasure must clear is gone: nothing is erased
                    raise StoreError(
                        f"{self.label}: {altered_by_hand('a column the erasure clears is missing')}"
                    ) from None
                quoted = Mentions(names, contacts, parts=False, identifying=True)
                for row in self._quoting(tx, quoted, exclude=set(out.cases), lock=not dry_run):
                    if self._erase(tx, row, quoted, staff, now, own=False, dry_run=dry_run):
                        out.quoted_in.append(row["id"])
            if dry_run:
                return out
            keys = sorted({k for k in (ck, *(contact_key(r["customer_contact"]) for r in rows)) if k})
            listed_as: list[tuple[str, list[str], str]] = []
            out.listed = self.forget_listed(tx, term, keys, nk, ERASED, listed_as)  # crisis lists, same transaction
            names = [r["customer_name"] for r in rows] + [name for name, _, _ in listed_as]
            contacts = [r["customer_contact"] for r in rows] + [c for _, cs, _ in listed_as for c in cs]
            in_logs = Mentions(  # the crises' logs name their own customers: "Ms. Four" and a booking are theirs
                [n for n in names if n and n != ERASED],
                [c for c in contacts if c and c != ERASED],
                False,
                True,
                titled=True,
                references=[b for _, _, b in listed_as if b],
            )
            out.crisis_logs = self.forget_in_crisis_logs(tx, in_logs, ERASED)
        # without a match, still finish what an earlier run had to leave while a reader held the file
        out.lingering = self.after_forget(wait=self.forget_wait if rows or out.listed else 0.0)
        return out

    def _erase(
        self,
        tx: Any,
        row: Any,
        quotes: Callable[[str], bool],
        staff: str,
        now: datetime,
        own: bool,
        dry_run: bool = False,
    ) -> list[str]:
        """Erase from one case what quotes the customer (and, in their own case, who they are); the fields it erased
        (with dry_run, the fields it would erase, changing nothing)."""
        answers = load_json(row["answers"])
        erased = ["customer_name", "customer_contact"] if own else []
        for key, value in answers.items():
            if (own and key == "customer_words") or (isinstance(value, str) and quotes(value)):
                answers[key] = ERASED
                erased.append(key)
        resolution = row["resolution"]
        if isinstance(resolution, str) and quotes(resolution):
            resolution = ERASED
            erased.append("resolution")
        for ev in tx.execute("SELECT seq, kind, data FROM events WHERE case_id = ?", (row["id"],)).fetchall():
            data, hits = _erased_values(load_json(ev["data"]), quotes)
            if hits and not dry_run:
                tx.execute(
                    "UPDATE events SET data = ? WHERE seq = ?", (json.dumps(data, ensure_ascii=False), ev["seq"])
                )
            erased += [f"{ev['kind']} event: {k}" for k in hits]
        if not erased or dry_run:
            return erased
        who = "customer_name = ?, customer_contact = ?, contact_key = '', name_key = '', " if own else ""
        # the answers kept as columns are erased too
        own_columns = answer_columns(
            answers,
            self.answer_cell,
            ERASED if own else row["customer_name"],
            ERASED if own else row["customer_contact"],
        )
        tx.execute(
            f"UPDATE cases SET {who}answers = ?, {''.join(f'{k} = ?, ' for k in own_columns)}resolution = ?,"
            f" updated_at = ? WHERE id = ?",
            ((ERASED, ERASED) if own else ())
            + (json.dumps(answers, ensure_ascii=False), *own_columns.values(), resolution, iso(now), row["id"]),
        )
        insert_event(
            tx,
            row["id"],
            Event(
                at=now,
                staff=staff,
                kind="forgotten",
                data={"fields": erased} if own else {"fields": erased, "quoted": True},
            ),
        )
        return erased

    def _quoting(self, tx: Any, quoted: Mentions, exclude: set[str], lock: bool = True) -> list[Any]:
        """Other cases whose text may quote what identifies the customer (narrowed in SQL by a word of each full
        name and the last digits of each contact, decided by `quoted`, a Mentions)."""
        import re

        needles = {max(re.findall(r"\w+", n), key=len) for n in quoted.names if re.findall(r"\w+", n)}
        needles |= {c if "@" in c else "".join(ch for ch in c if ch.isalnum())[-4:] for c in quoted.contacts}
        needles = {n for n in needles if len(n) >= 2}
        if not needles:
            return []
        columns = ("CAST(answers AS TEXT)", "resolution")
        text_of = " OR ".join(self.contains(col) for col in columns for _ in needles)
        in_events = " OR ".join(self.contains("CAST(data AS TEXT)") for _ in needles)
        args = [like_pattern(n) for _ in columns for n in needles] + [like_pattern(n) for n in needles]
        sql = (
            f"SELECT * FROM cases WHERE ({text_of}) OR id IN (SELECT case_id FROM events WHERE {in_events})"
            f" ORDER BY id{self.lock_rows if lock else ''}"
        )
        return [r for r in tx.execute(sql, args).fetchall() if r["id"] not in exclude]

    def before_forget(self, tx: Any) -> None:
        pass

    def rekey_names(self) -> int:
        """Recompute every customer's name key (a data fix, not a schema step): how many changed.

        Run by `recover store migrate`; needed once when the name rule changes, harmless after.
        """
        from recoverycli.identity import name_key

        rows = self.execute("SELECT id, customer_name, name_key FROM cases WHERE name_key != ''").fetchall()
        changed = [
            (name_key(r["customer_name"]), r["id"]) for r in rows if name_key(r["customer_name"]) != r["name_key"]
        ]
        for start in range(0, len(changed), 500):
            with self.transaction() as tx:
                for key, case_id in changed[start : start + 500]:
                    tx.execute("UPDATE cases SET name_key = ? WHERE id = ?", (key, case_id))
        return len(changed)

    # --- copying between stores ------------------------------------------------------------
    def snapshot(self, case_id: str) -> tuple[Case, dict[str, Any]]:
        """A case as stored with the columns later commands set: all that content_hash covers, in two queries."""
        row = self.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no case '{case_id}' in {self.label}")
        return self.case_from_row(row), {k: row[k] for k in LATER_COLUMNS}

    def live_batches(self, size: int = 500) -> Iterator[list[tuple[Case, dict[str, Any]]]]:
        """Every case but drafts, oldest first, with the columns later commands set; events read per batch."""
        batch: list[Any] = []
        for row in chain(self.rows(CaseFilter(live_only=True), "oldest"), [None]):
            if row is not None:
                batch.append(row)
            if batch and (row is None or len(batch) == size):
                cases = self._with_events(batch)
                yield [(c, {k: r[k] for k in LATER_COLUMNS}) for c, r in zip(cases, batch)]
                batch = []

    def copied_as(self, original_id: str, created_at: str, staff: str) -> str | None:
        """The id a copied case has here: its own if free, or the one it was given when that was taken."""
        for row in self.execute(
            "SELECT id FROM cases WHERE created_at = ? AND staff = ? ORDER BY id", (created_at, staff)
        ).fetchall():
            if row["id"] == original_id:
                return original_id
            marks = self.execute(
                "SELECT data FROM events WHERE case_id = ? AND kind = 'copied'", (row["id"],)
            ).fetchall()
            if any(load_json(m["data"]).get("from_id") == original_id for m in marks):
                return str(row["id"])
        return None

    def add_copy(self, case: Case, later: dict[str, Any], staff: str) -> str:
        """Insert a case from another store under its own id, or a fresh one (marked `copied`) if that id is taken."""
        try:
            return self.add(case, keep_id=True, later=later).id
        except self.duplicate_errors:
            mark = Event(at=utcnow(), staff=staff, kind="copied", data={"from_id": case.id})
            return self.add(case.model_copy(update={"events": [*case.events, mark]}), later=later).id

    def replace_copy(self, target_id: str, case: Case, later: dict[str, Any]) -> None:
        """Bring an earlier copy up to date with its source: columns, answers and the events added since."""
        with self.transaction() as tx:
            cols = {k: v for k, v in row_of(case, self.answer_cell).items() if k != "id"}
            cols.update(later)
            tx.execute(
                f"UPDATE cases SET {', '.join(f'{k} = ?' for k in cols)} WHERE id = ?", (*cols.values(), target_id)
            )
            have = tx.execute(
                "SELECT count(*) FROM events WHERE case_id = ? AND kind != 'copied'", (target_id,)
            ).fetchone()[0]
            for ev in [e for e in case.events if e.kind != "copied"][have:]:
                insert_event(tx, target_id, ev)


def altered_by_hand(detail: str) -> str:
    """A table or column removed by hand while the version number still says all is well: what to do about it."""
    return (
        f"the store's tables do not match its schema ({detail}) — it was changed by hand; `recover check` names "
        "the damage; restore a backup"
    )


_MISSED = object()  # a rank outside the window read for it
NOBODY = ("[]", "[]")  # the names and contacts of a group whose text cannot quote any of its customers
CAUSE_BIT, GESTURE_BIT = (bit for _, bit in NAMED_ANSWERS)


def sql_order(value: Any) -> tuple[int, Any]:
    """A sort key that orders values of mixed types as SQLite does: NULL, numbers, text, blobs."""
    if value is None:
        return (0, 0)
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, value) if isinstance(value, str) else (3, value)


def interpolate(n: int, p: float, at: float | None, above: float | None) -> float | None:
    """percentile_cont: the value at rank (n - 1) * p, counted from 0, between the two nearest values; rounded to
    0.1."""
    if at is None:
        return None
    frac = ((n - 1) * round(p * 10)) % 10 / 10  # the same integer arithmetic that chose the ranks
    value = at if above is None or frac == 0 else at + frac * (above - at)
    return round(float(value), 1)


def like_pattern(text: str) -> str:
    """A LIKE pattern for `text` anywhere in a value, its wildcards escaped (ESCAPE '\\')."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass
class Erasure:
    """What `forget` did: the customer's cases (found by which key), other cases that quoted them, what may linger."""

    cases: list[str] = field(default_factory=list)
    by_contact: int = 0  # how many of them the contact key found
    by_name: int = 0
    key_contact: str = ""
    key_name: str = ""
    quoted_in: list[str] = field(default_factory=list)
    lingering: str | None = None  # why old copies of the text may still be in the store's files
    listed: list[str] = field(default_factory=list)  # crisis list entries erased ("CRISIS #n")
    crisis_logs: list[str] = field(default_factory=list)  # crises whose own log (supplier notes, events) named them


def _erased_values(data: Any, quotes: Callable[[str], bool], path: str = "") -> tuple[Any, list[str]]:
    """`data` with every string that quotes the customer replaced by ERASED, and where they were (never what)."""
    if isinstance(data, str):
        return (ERASED, [path or "value"]) if quotes(data) and data != ERASED else (data, [])
    hits: list[str] = []
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            out[k], found = _erased_values(v, quotes, f"{path}.{k}" if path else str(k))
            hits += found
        return out, hits
    if isinstance(data, list):
        items = []
        for i, v in enumerate(data):
            item, found = _erased_values(v, quotes, f"{path}[{i}]")
            items.append(item)
            hits += found
        return items, hits
    return data, []


def _event(row: Any) -> Event:
    return Event(
        at=datetime.fromisoformat(row["at"]), staff=row["staff"], kind=row["kind"], data=load_json(row["data"])
    )


def insert_event(tx: Any, case_id: str, ev: Event) -> None:
    tx.execute(
        "INSERT INTO events (case_id, at, staff, kind, data) VALUES (?,?,?,?,?)",
        (case_id, iso(ev.at), ev.staff, ev.kind, stored_json(ev.data, case_id)),
    )
