"""Crises in the store: the affected customers, the shared outreach queue with leases, attempts and the supplier log.

SQL for both engines, as in base.py (migrations.py makes the tables): `?` placeholders, with the one dialect
difference of the queue (`skip_locked`) supplied by each backend. The claim is one short transaction: SQLite takes the
write lock at BEGIN IMMEDIATE, so desks take turns; PostgreSQL skips rows another desk is claiming
(FOR UPDATE SKIP LOCKED), so desks never wait on each other.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from recoverycli.errors import NotFoundError, StoreError

if TYPE_CHECKING:
    from recoverycli.caselog.record import Case
    from recoverycli.store.base import Rows

CRISIS_CHANNEL = "recover_crises"
CRISIS_ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
# The states in which a listed customer is still to be called; the others (reached, wrong_number, given_up) are
# final. "In a call" is not a state but a live lease over any of the queued ones.
QUEUED = ("new", "voicemail", "no_answer", "call_back")
_QUEUED_SQL = "state IN (" + ", ".join(f"'{s}'" for s in QUEUED) + ")"

CUSTOMER_COLUMNS = (
    "crisis_id",
    "seq",
    "name",
    "contact",
    "alt_contact",
    "booking",
    "segment",
    "chased",
    "notes",
    "contact_key",
    "alt_key",
    "booking_key",
    "name_key",
    "rank",
    "priority",
    "added_at",
    "source",
)


def _iso(dt: datetime) -> str:
    from recoverycli.store.base import iso

    return iso(dt)


def new_crisis_id() -> str:
    return "CR-" + "".join(secrets.choice(CRISIS_ID_ALPHABET) for _ in range(5))


class CrisisStoreMixin:
    """What the crisis commands need from a store; BaseStore brings transaction, execute and the dialect."""

    skip_locked = ""  # PostgreSQL: " FOR UPDATE SKIP LOCKED"
    lock_rows: str
    label: str
    duplicate_errors: tuple[type[BaseException], ...]

    if TYPE_CHECKING:  # what BaseStore and the two backends supply, declared so the queries here are checked

        def transaction(self) -> AbstractContextManager[Any]: ...
        def execute(self, sql: str, args: Any = ()) -> Rows: ...
        def ci_equal(self, column: str) -> str: ...
        def json_text(self, key: str, column: str = "answers") -> str: ...
        def hours_between(self, later: str, earlier: str) -> str: ...
        def insert_case(self, tx: Any, case: Case, later: dict[str, Any] | None = None) -> None: ...

    def require(self, table: str, right: str, what: str, role: str) -> None:
        """A shared store checks the role's right before a command starts; a file has no roles."""

    # --- crises ----------------------------------------------------------------------------
    def create_crisis(self, crisis: dict[str, Any], customers: list[dict[str, Any]]) -> str:
        """A new crisis and its whole list in one transaction: nothing half-loaded. Returns the crisis id."""
        self.require("crises", "INSERT", "open a crisis", "recover_manager")
        for _ in range(50):
            crisis_id = new_crisis_id()
            try:
                with self.transaction() as tx:
                    row = {**crisis, "id": crisis_id}
                    tx.execute(
                        f"INSERT INTO crises ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                        tuple(row.values()),
                    )
                    self._insert_customers(tx, crisis_id, customers, first_seq=1)
                    self._crisis_event(
                        tx, crisis_id, crisis["opened_at"], crisis["opened_by"], "opened", {"customers": len(customers)}
                    )
                return crisis_id
            except self.duplicate_errors:
                if self.execute("SELECT 1 FROM crises WHERE id = ?", (crisis_id,)).fetchone() is None:
                    raise StoreError(
                        f"{self.label}: two customers on the list share a contact — check the file again"
                    ) from None
                continue
        raise StoreError(f"{self.label}: could not find a free crisis id — run `recover check`")

    def _crisis_event(self, tx: Any, crisis_id: str, at: str, staff: str, kind: str, data: dict[str, Any]) -> None:
        """A line of the crisis's own history (opened, customers added, closed; notices sent about it)."""
        tx.execute(
            "INSERT INTO crisis_events (crisis_id, at, staff, kind, data) VALUES (?, ?, ?, ?, ?)",
            (crisis_id, at, staff, kind, json.dumps(data, ensure_ascii=False)),
        )

    def crisis_events(self, crisis_id: str, kind: str | None = None) -> list[Any]:
        sql = "SELECT at, staff, kind, data FROM crisis_events WHERE crisis_id = ?" + (" AND kind = ?" if kind else "")
        return self.execute(sql + " ORDER BY seq", (crisis_id, kind) if kind else (crisis_id,)).fetchall()

    def append_crisis_event_if(self, crisis_id: str, kind: str, decide: Any) -> Any:
        """Append the event `decide` makes from the crisis's `kind` events (recoverycli.playbooks.schema.Event), in one
        transaction with the crisis locked: processes deciding at once take turns (a notice about a crisis is
        claimed this way, as a case's are)."""
        from recoverycli.caselog.record import Event
        from recoverycli.store.columns import load_json

        with self.transaction() as tx:
            if tx.execute(f"SELECT id FROM crises WHERE id = ?{self.lock_rows}", (crisis_id,)).fetchone() is None:
                raise NotFoundError(f"no crisis '{crisis_id}' in {self.label} — `recover crisis board` lists them")
            events = [
                Event(at=datetime.fromisoformat(r["at"]), staff=r["staff"], kind=r["kind"], data=load_json(r["data"]))
                for r in tx.execute(
                    "SELECT at, staff, kind, data FROM crisis_events WHERE crisis_id = ? AND kind = ? ORDER BY seq",
                    (crisis_id, kind),
                ).fetchall()
            ]
            event = decide(events)
            if event is not None:
                self._crisis_event(tx, crisis_id, _iso(event.at), event.staff, event.kind, event.data)
        return event

    def add_crisis_customers(
        self,
        crisis_id: str,
        customers: list[dict[str, Any]],
        check: Callable[[list[Any]], tuple[list[Any], dict[int, int]]] | None = None,
        staff: str = "",
        at: str = "",
    ) -> list[Any]:
        """More customers for an open crisis, in one transaction.

        check(existing rows) returns (problems, corrections): with any problem nothing is added; a correction
        (index in `customers` -> existing row id) gives a wrong-number customer their right contact, back in the queue.
        """
        self.require("crisis_customers", "INSERT", "add customers to a crisis", "recover_manager")
        try:
            with self.transaction() as tx:
                self._open_crisis_locked(tx, crisis_id, "open a new crisis for these customers")
                existing = tx.execute(
                    "SELECT id, seq, name, contact, alt_contact, contact_key, alt_key, booking_key,"
                    " name_key, state FROM crisis_customers WHERE crisis_id = ?",
                    (crisis_id,),
                ).fetchall()
                problems, corrections = check(existing) if check else ([], {})
                if problems:
                    return problems
                for i, customer_id in corrections.items():
                    c = customers[i]
                    tx.execute(
                        "UPDATE crisis_customers SET contact = ?, alt_contact = ?, contact_key = ?, alt_key = ?,"
                        " state = 'new', priority = rank, next_try_at = NULL WHERE id = ? AND state = 'wrong_number'",
                        (c["contact"], c["alt_contact"], c["contact_key"], c["alt_key"], customer_id),
                    )
                last = max((r["seq"] for r in existing), default=0)
                new = [c for i, c in enumerate(customers) if i not in corrections]
                self._insert_customers(tx, crisis_id, new, first_seq=last + 1)
                self._crisis_event(
                    tx,
                    crisis_id,
                    at or (customers[0]["added_at"] if customers else ""),
                    staff,
                    "customers_added",
                    {"added": len(new), "corrected": len(corrections)},
                )
        except self.duplicate_errors:
            raise StoreError(
                f"{self.label}: another desk added one of these customers meanwhile — run the same "
                f"command again to see which"
            ) from None
        return []

    def _insert_customers(self, tx: Any, crisis_id: str, customers: list[dict[str, Any]], first_seq: int) -> None:
        rows = []
        for i, c in enumerate(customers):
            values = {
                **c,
                "crisis_id": crisis_id,
                "seq": first_seq + i,
                "notes": json.dumps(c.get("notes") or {}, ensure_ascii=False),
            }
            rows.append(tuple(values[k] for k in CUSTOMER_COLUMNS))
        if rows:
            self.insert_rows(tx, "crisis_customers", CUSTOMER_COLUMNS, rows)

    def insert_rows(self, tx: Any, table: str, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """Many rows in one go (PostgreSQL: COPY)."""
        tx.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)

    def _open_crisis_locked(self, tx: Any, crisis_id: str, closed_hint: str) -> Any:
        """The crisis row, locked for this transaction; it must exist and be open."""
        crisis = tx.execute(f"SELECT * FROM crises WHERE id = ?{self.lock_rows}", (crisis_id,)).fetchone()
        if crisis is None:
            raise NotFoundError(f"no crisis '{crisis_id}' in {self.label} — `recover crisis board` lists them")
        if crisis["status"] != "open":
            raise StoreError(f"crisis {crisis_id} is closed ({crisis['close_reason']}) — {closed_hint}")
        return crisis

    def crisis_row(self, crisis_id: str) -> Any:
        row = self.execute("SELECT * FROM crises WHERE id = ?", (crisis_id.strip().upper(),)).fetchone()
        if row is None:
            raise NotFoundError(f"no crisis '{crisis_id}' in {self.label} — `recover crisis board` lists them")
        return row

    def crisis_rows(self, status: str | None = None) -> list[Any]:
        sql = "SELECT * FROM crises" + (" WHERE status = ?" if status else "") + " ORDER BY opened_at DESC, id"
        return self.execute(sql, (status,) if status else ()).fetchall()

    def close_crisis(self, crisis_id: str, staff: str, reason: str, now: datetime, give_up: bool) -> dict[str, int]:
        """Close once nobody is left to reach (or, with give_up, mark those left as given up); counts by what was
        done."""
        self.require("crises", "UPDATE", "close a crisis", "recover_manager")
        stamp = _iso(now)
        with self.transaction() as tx:
            self._open_crisis_locked(tx, crisis_id, "nothing to do")
            calling = tx.execute(
                "SELECT count(*) FROM crisis_customers WHERE crisis_id = ? AND lease_until > ?", (crisis_id, stamp)
            ).fetchone()[0]
            left = tx.execute(
                f"SELECT id FROM crisis_customers WHERE crisis_id = ? AND {_QUEUED_SQL}{self.lock_rows}", (crisis_id,)
            ).fetchall()
            if calling:
                raise StoreError(
                    f"crisis {crisis_id}: {calling} customer(s) are being called right now — let those "
                    f"calls end, then close it"
                )
            if left and not give_up:
                raise StoreError(
                    f"crisis {crisis_id}: {len(left)} customer(s) not reached yet — keep calling "
                    f"(`recover crisis call {crisis_id}`), or close with --give-up to stop trying them"
                )
            for r in left:
                tx.execute(
                    "UPDATE crisis_customers SET state = 'given_up', priority = rank, next_try_at = NULL WHERE id = ?",
                    (r["id"],),
                )
                tx.execute(
                    "INSERT INTO crisis_attempts (crisis_id, customer_id, at, staff, outcome, direction, data)"
                    " VALUES (?, ?, ?, ?, 'given_up', 'out', ?)",
                    (crisis_id, r["id"], stamp, staff, json.dumps({"reason": reason}, ensure_ascii=False)),
                )
            tx.execute(
                "UPDATE crises SET status = 'closed', closed_at = ?, closed_by = ?, close_reason = ? WHERE id = ?",
                (stamp, staff, reason, crisis_id),
            )
            self._crisis_event(tx, crisis_id, stamp, staff, "closed", {"reason": reason, "given_up": len(left)})
        return {"given_up": len(left)}

    # --- the queue -------------------------------------------------------------------------
    def claim_next(self, crisis_id: str, staff: str, now: datetime, lease: timedelta) -> tuple[Any, str] | None:
        """The next customer nobody is calling, leased to this desk: (row, lease token), or None if nobody is due.

        Due call-backs first, then by rank (VIP, family, chased us), then in load order.
        """
        stamp = _iso(now)
        token = secrets.token_hex(8)
        pick = (
            f"SELECT {{}} FROM crisis_customers WHERE crisis_id = ? AND {_QUEUED_SQL}"
            f" AND (next_try_at IS NULL OR next_try_at <= ?) AND (lease_until IS NULL OR lease_until <= ?)"
            f" ORDER BY priority, seq LIMIT 1{self.skip_locked}"
        )
        hold = "UPDATE crisis_customers SET lease_until = ?, leased_by = ?, lease_token = ?, leased_at = ? WHERE id = "
        lease_args = (_iso(now + lease), staff, token, stamp)
        if self.skip_locked:  # one statement in a single round trip to the server
            row = self.claim_row(f"{hold}({pick.format('id')}) RETURNING *", (*lease_args, crisis_id, stamp, stamp))
            return (row, token) if row is not None else None
        with self.transaction() as tx:  # SQLite: BEGIN IMMEDIATE, so desks take turns
            row = tx.execute(pick.format("*"), (crisis_id, stamp, stamp)).fetchone()
            if row is None:
                return None
            tx.execute(hold + "?", (*lease_args, row["id"]))
        return row, token

    def claim_row(self, sql: str, args: tuple[Any, ...]) -> Any:
        """Run the one-statement claim (PostgreSQL only) and return the claimed row, or None."""
        raise NotImplementedError

    def renew_lease(self, customer_id: int, token: str, until: datetime) -> bool:
        """The desk is still on the call: hold the customer a while longer (False if the hold was lost)."""
        with self.transaction() as tx:
            cur = tx.execute(
                "UPDATE crisis_customers SET lease_until = ? WHERE id = ? AND lease_token = ?",
                (_iso(until), customer_id, token),
            )
            return bool(cur.rowcount == 1)

    def release(self, customer_id: int, token: str) -> None:
        """The desk let go without a call (interrupted, or its answers were refused): back in the queue at once."""
        with self.transaction() as tx:
            tx.execute(
                "UPDATE crisis_customers SET lease_until = NULL, leased_by = NULL, lease_token = NULL,"
                " leased_at = NULL WHERE id = ? AND lease_token = ?",
                (customer_id, token),
            )

    def record_attempt(
        self,
        customer_id: int,
        token: str | None,
        attempt: dict[str, Any],
        now: datetime,
        retry: timedelta,
        case: Any = None,
        direction: str = "out",
    ) -> tuple[str | None, bool]:
        """One call and what came of it, with the case it made (if any), in one transaction.

        Returns (the case id, whether this desk still held the customer). A desk whose hold ran out still has its
        call recorded; it changes the customer's state only if nobody else holds them now, or if it reached them.
        """
        from recoverycli.store.base import new_case_id

        stamp = _iso(now)
        for _ in range(50):
            saved = case.model_copy(update={"id": new_case_id()}) if case is not None else None
            try:
                with self.transaction() as tx:
                    row = tx.execute(
                        f"SELECT * FROM crisis_customers WHERE id = ?{self.lock_rows}", (customer_id,)
                    ).fetchone()
                    if row is None:
                        raise NotFoundError(f"customer {customer_id} is no longer on the crisis list")
                    own = token is not None and row["lease_token"] == token
                    free = row["lease_until"] is None or row["lease_until"] <= stamp
                    if saved is not None:
                        self.insert_case(tx, saved)
                    case_id = saved.id if saved is not None else attempt.get("case_id")
                    outcome = attempt["outcome"]
                    data = {k: v for k, v in attempt.items() if k not in ("outcome", "call_back_at", "told", "case_id")}
                    if not own and direction == "out":
                        data["late"] = True
                    tx.execute(
                        "INSERT INTO crisis_attempts (crisis_id, customer_id, at, staff, outcome, direction,"
                        " call_back_at, told, case_id, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            row["crisis_id"],
                            customer_id,
                            stamp,
                            attempt["staff"],
                            outcome,
                            direction,
                            attempt.get("call_back_at"),
                            attempt.get("told"),
                            case_id,
                            json.dumps(data, ensure_ascii=False),
                        ),
                    )
                    changes: dict[str, Any] = {"tries": row["tries"] + 1, "last_try_at": stamp}
                    if attempt.get("told"):
                        changes["last_told"] = attempt["told"]
                    if outcome == "reached":
                        if row["state"] != "reached":
                            changes.update(
                                state="reached",
                                reached_at=stamp,
                                reached_by=attempt["staff"],
                                case_id=case_id,
                                priority=row["rank"],
                                next_try_at=None,
                            )
                            if direction == "in" and row["state"] in QUEUED:
                                changes["chased"] = 1  # they called us before we reached them
                    elif (own or free) and row["state"] not in ("reached",):
                        changes.update(
                            state=outcome,
                            priority=-1 if outcome == "call_back" else row["rank"],
                            next_try_at=_next_try(outcome, now, retry, attempt.get("call_back_at")),
                        )
                    if own:
                        changes.update(lease_until=None, leased_by=None, lease_token=None, leased_at=None)
                    tx.execute(
                        f"UPDATE crisis_customers SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
                        (*changes.values(), customer_id),
                    )
                return case_id, own
            except self.duplicate_errors:
                if saved is None:
                    raise
                continue  # the case id was taken: draw again
        raise StoreError(f"{self.label}: could not find a free case id — run `recover check`")

    # --- reading -----------------------------------------------------------------------------
    def crisis_customer(self, customer_id: int) -> Any:
        return self.execute("SELECT * FROM crisis_customers WHERE id = ?", (customer_id,)).fetchone()

    def crisis_attempts(self, customer_id: int) -> list[Any]:
        return self.execute(
            "SELECT * FROM crisis_attempts WHERE customer_id = ? ORDER BY seq",
            (customer_id,),
        ).fetchall()

    def supplier_log(self, crisis_id: str) -> list[Any]:
        return self.execute(
            "SELECT * FROM crisis_supplier WHERE crisis_id = ? ORDER BY seq",
            (crisis_id,),
        ).fetchall()

    def log_supplier(self, crisis_id: str, entry: dict[str, Any]) -> None:
        with self.transaction() as tx:
            if tx.execute("SELECT 1 FROM crises WHERE id = ?", (crisis_id,)).fetchone() is None:
                raise NotFoundError(f"no crisis '{crisis_id}' in {self.label} — `recover crisis board` lists them")
            row = {**entry, "crisis_id": crisis_id}
            tx.execute(
                f"INSERT INTO crisis_supplier ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()),
            )

    def crisis_list(self, crisis_id: str, managers_only: bool = False) -> list[Any]:
        """Every customer on a crisis's list in load order (the mail merge reads them through the managers' view)."""
        table = "crisis_customers"
        if managers_only:
            self.require(
                "recover_crisis_list", "SELECT", "prepare a bulk update to a crisis's customers", "recover_manager"
            )
            table = self.crisis_list_view
        return self.execute(f"SELECT * FROM {table} WHERE crisis_id = ? ORDER BY seq", (crisis_id,)).fetchall()

    crisis_list_view = "crisis_customers"  # PostgreSQL: recover_crisis_list, which only managers may read

    def calling_now(self, crisis_id: str, now: datetime) -> list[Any]:
        return self.execute(
            "SELECT leased_by, name, leased_at FROM crisis_customers WHERE crisis_id = ? AND lease_until > ?"
            " ORDER BY leased_at, seq",
            (crisis_id, _iso(now)),
        ).fetchall()

    def next_due(self, crisis_id: str, now: datetime) -> str | None:
        """When the next customer in the queue may be tried again (a retry delay or a call-back time)."""
        row = self.execute(
            f"SELECT min(next_try_at) FROM crisis_customers WHERE crisis_id = ? AND {_QUEUED_SQL} AND next_try_at > ?",
            (crisis_id, _iso(now)),
        ).fetchone()
        return row[0] if row else None

    def crisis_counts(self, crisis_id: str, now: datetime) -> dict[str, Any]:
        """The board's figures for one crisis, counted by the database: every customer in exactly one bucket."""
        stamp = _iso(now)
        live = "lease_until > ?"

        def within(hours: int) -> str:
            return (
                f"sum(CASE WHEN reached_at IS NOT NULL AND "
                f"{self.hours_between('reached_at', 'added_at')} <= {hours} THEN 1 ELSE 0 END)"
            )

        buckets = {
            "in_call": f"lease_until IS NOT NULL AND {live}",
            "not_tried": "state = 'new'",
            "reached": "state = 'reached'",
            "voicemail": "state = 'voicemail'",
            "no_answer": "state = 'no_answer'",
            "call_back_due": "state = 'call_back' AND next_try_at <= ?",
            "call_back_later": "state = 'call_back' AND next_try_at > ?",
            "wrong_number": "state = 'wrong_number'",
            "given_up": "state = 'given_up'",
        }
        parts, args = [], []
        for name, cond in buckets.items():
            if name == "in_call":
                parts.append(f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END)")
                args.append(stamp)
            else:  # a customer in a call counts there, not under their last outcome
                parts.append(f"sum(CASE WHEN (lease_until IS NULL OR lease_until <= ?) AND {cond} THEN 1 ELSE 0 END)")
                args += [stamp] + [stamp] * cond.count("?")
        parts += ["count(*)", within(1), within(4), within(24), "sum(tries)"]
        row = self.execute(
            f"SELECT {', '.join(parts)} FROM crisis_customers WHERE crisis_id = ?",
            (*args, crisis_id),
        ).fetchone()
        values = [int(v or 0) for v in row]
        by_state = dict(zip(buckets, values[: len(buckets)]))
        total, h1, h4, h24, tries = values[len(buckets) :]
        return {"by_state": by_state, "total": total, "within": {"1h": h1, "4h": h4, "24h": h24}, "attempts": tries}

    def reach_minutes(self, crisis_id: str) -> list[float]:
        """Minutes from being put on the list to being reached, for every reached customer (for percentiles)."""
        rows = self.execute(
            f"SELECT {self.hours_between('reached_at', 'added_at')} * 60 FROM crisis_customers"
            " WHERE crisis_id = ? AND reached_at IS NOT NULL ORDER BY 1",
            (crisis_id,),
        ).fetchall()
        return [float(r[0]) for r in rows]

    def attempt_outcomes(self, crisis_id: str) -> dict[str, int]:
        rows = self.execute(
            "SELECT outcome, count(*) FROM crisis_attempts WHERE crisis_id = ? GROUP BY outcome"
            " ORDER BY count(*) DESC, outcome",
            (crisis_id,),
        ).fetchall()
        return {r[0]: int(r[1]) for r in rows}

    def crisis_gestures(self, crisis_id: str) -> list[tuple[str, str, int]]:
        """(playbook, gesture, count) over the open and closed cases linked to the crisis."""
        j = self.json_text("gesture")
        rows = self.execute(
            f"SELECT playbook_id, g, count(*) FROM (SELECT playbook_id, {j} AS g FROM cases"
            f" WHERE crisis_id = ? AND status != 'draft') s WHERE g IS NOT NULL"
            f" GROUP BY playbook_id, g ORDER BY count(*) DESC",
            (crisis_id,),
        ).fetchall()
        return [(r[0], str(r[1]), int(r[2])) for r in rows]

    def crisis_drafts(self, crisis_id: str, contact_key: str) -> list[str]:
        """Unfinished calls to this customer for this crisis (a desk that stopped mid-call leaves one)."""
        if not contact_key:
            return []
        return [
            r[0]
            for r in self.execute(
                "SELECT id FROM cases WHERE crisis_id = ? AND status = 'draft' AND contact_key = ? ORDER BY created_at",
                (crisis_id, contact_key),
            ).fetchall()
        ]

    def attempt_for_case(self, case_id: str) -> bool:
        return self.execute("SELECT 1 FROM crisis_attempts WHERE case_id = ?", (case_id,)).fetchone() is not None

    def crisis_cases(self, crisis_id: str) -> list[Any]:
        return self.execute(
            "SELECT id, status, staff, created_at FROM cases WHERE crisis_id = ? ORDER BY created_at, id",
            (crisis_id,),
        ).fetchall()

    def crises_in(self, since: str, until: str) -> list[Any]:
        """Crises open at any time between two UTC instants (opened before the end, not closed before the start)."""
        return self.execute(
            "SELECT * FROM crises WHERE opened_at < ? AND (closed_at IS NULL OR closed_at >= ?) ORDER BY opened_at, id",
            (until, since),
        ).fetchall()

    # --- who is calling: inbound ---------------------------------------------------------------
    def listed_as(self, keys: Iterable[str], name_key: str, closed_since: str) -> list[tuple[Any, Any, str]]:
        """Crisis lists this caller is on (open crises, or closed since `closed_since`): (crisis, customer, matched by).

        A match by phone, e-mail or booking reference comes before a match by name alone; newest crisis first.
        """
        keys = [k for k in dict.fromkeys(keys) if k]
        conds, args = [], []
        if keys:  # each term repeats its partial index's condition, so both engines use the index
            marks = ", ".join("?" * len(keys))
            conds += [f"(c.{col} IN ({marks}) AND c.{col} != '')" for col in ("contact_key", "alt_key", "booking_key")]
            args += keys * 3
        if name_key:
            conds.append("(c.name_key = ? AND c.name_key != '')")
            args.append(name_key)
        if not conds:
            return []
        rows = self.execute(
            f"SELECT c.id AS customer_id FROM crisis_customers c JOIN crises k ON k.id = c.crisis_id"
            f" WHERE ({' OR '.join(conds)}) AND (k.status = 'open' OR k.closed_at >= ?)"
            f" ORDER BY k.opened_at DESC, c.seq LIMIT 5",
            (*args, closed_since),
        ).fetchall()
        out = []
        for r in rows:
            customer = self.crisis_customer(r["customer_id"])
            how = (
                "contact"
                if keys and ({customer["contact_key"], customer["alt_key"]} & set(keys))
                else "booking"
                if keys and customer["booking_key"] in keys
                else "name"
            )
            out.append((self.crisis_row(customer["crisis_id"]), customer, how))
        return sorted(out, key=lambda m: m[2] == "name")

    # --- erasure ---------------------------------------------------------------------------------
    def forget_listed(
        self,
        tx: Any,
        term: str,
        keys: list[str],
        name_key: str,
        erased: str,
        who: list[tuple[str, list[str], str]] | None = None,
    ) -> list[str]:
        """Erase one customer from every crisis list (name, contacts, booking, notes, what we told them), found as
        `forget` finds their cases: by the normalised contact and name keys, or as written. `who` gathers the
        (name, contacts, booking) the lists held, for erasing them from the crises' own logs (forget_in_crisis_logs)."""
        rows = tx.execute(
            f"SELECT * FROM crisis_customers WHERE {self.ci_equal('name')} OR {self.ci_equal('contact')}"
            f" OR {self.ci_equal('alt_contact')} OR (name_key = ? AND name_key != '')"
            + (
                f" OR contact_key IN ({', '.join('?' * len(keys))}) OR alt_key IN ({', '.join('?' * len(keys))})"
                if keys
                else ""
            )
            + f" ORDER BY id{self.lock_rows}",
            (term, term, term, name_key, *keys, *keys),
        ).fetchall()
        done = []
        for r in rows:
            if who is not None:
                who.append((r["name"], [r["contact"], r["alt_contact"]], r["booking"] or ""))
            tx.execute(
                "UPDATE crisis_customers SET name = ?, contact = ?, alt_contact = '', booking = '', notes = '{}',"
                " contact_key = '', alt_key = '', booking_key = '', name_key = '', last_told = NULL WHERE id = ?",
                (erased, erased, r["id"]),
            )
            tx.execute("UPDATE crisis_attempts SET told = NULL, data = '{}' WHERE customer_id = ?", (r["id"],))
            done.append(f"{r['crisis_id']} #{r['seq']}")
        return done

    def forget_in_crisis_logs(self, tx: Any, mentions: Any, erased: str) -> list[str]:
        """Erase what identifies a customer (a Mentions: full name, phone, e-mail) from the crises' own text: the
        supplier log, titles, close reasons and crisis events, word by word so the rest of the log stays. The crises
        changed."""
        import json

        changed: set[str] = set()
        texts = (
            ("crisis_supplier", "seq", ("note", "commitment", "deal")),
            ("crises", "id", ("title", "supplier", "close_reason")),
        )
        for table, key, cols in texts:
            owner = "id" if table == "crises" else "crisis_id"
            for r in tx.execute(f"SELECT {key}, {owner}, {', '.join(cols)} FROM {table}").fetchall():
                new = {c: _redacted(r[c], mentions, erased) for c in cols}
                if any(new[c] != r[c] for c in cols):
                    sets = ", ".join(f"{c} = ?" for c in cols)
                    tx.execute(f"UPDATE {table} SET {sets} WHERE {key} = ?", (*new.values(), r[key]))
                    changed.add(r[owner])
        for r in tx.execute("SELECT seq, crisis_id, data FROM crisis_events").fetchall():
            raw = r["data"] if isinstance(r["data"], str) else json.dumps(r["data"])
            data = json.loads(raw or "{}")
            new_data = _redacted(data, mentions, erased)
            if new_data != data:
                tx.execute(
                    "UPDATE crisis_events SET data = ? WHERE seq = ?",
                    (json.dumps(new_data, ensure_ascii=False), r["seq"]),
                )
                changed.add(r["crisis_id"])
        return sorted(changed)


def _redacted(value: Any, mentions: Any, erased: str) -> Any:
    """`value` (text, or JSON data) with every mention of the customer replaced by `erased`, the rest kept."""
    if isinstance(value, str):
        return mentions.redact(value, erased)
    if isinstance(value, dict):
        return {k: _redacted(v, mentions, erased) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, mentions, erased) for v in value]
    return value


def _next_try(outcome: str, now: datetime, retry: timedelta, call_back_at: str | None) -> str | None:
    if outcome in ("voicemail", "no_answer"):
        return _iso(now + retry)
    if outcome == "call_back" and call_back_at:
        return _iso(datetime.fromisoformat(call_back_at))
    return None
