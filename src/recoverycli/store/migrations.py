"""The schema, one version at a time, for both engines: every table, index, view and trigger the store has.

A new version is appended to MIGRATIONS (never edit a released one); SCHEMA_VERSION follows from the list.
SQLite records the version in PRAGMA user_version, PostgreSQL in the recover_schema table; each backend runs
the missing steps in order (store/sqlite.py `_migrate`, store/postgres.py `_migrate`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

NOTIFY_CHANNEL = "recover_cases"  # PostgreSQL: a saved case wakes `recover watch` on this channel
CRISIS_CHANNEL = "recover_crises"  # PostgreSQL: a change to a crisis wakes its board on this channel


def add_identity(db: Any) -> None:
    """v4: normalised customer keys for the repeat-complaint lookup, severity, the system-fix track."""
    from recoverycli.identity import contact_key, name_key

    for stmt in (
        "ALTER TABLE cases ADD COLUMN contact_key TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE cases ADD COLUMN name_key TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE cases ADD COLUMN severity TEXT NOT NULL DEFAULT 'normal'",
        "ALTER TABLE cases ADD COLUMN system_fix_done_at TEXT",
    ):
        db.execute(stmt)
    rows = db.execute("SELECT id, customer_name, customer_contact FROM cases").fetchall()
    if rows:
        db.executemany(
            "UPDATE cases SET contact_key = ?, name_key = ? WHERE id = ?",
            [(contact_key(r[2]), name_key(r[1]), r[0]) for r in rows],
        )
    db.execute("CREATE INDEX cases_contact_key ON cases(contact_key, created_at) WHERE contact_key != ''")
    db.execute("CREATE INDEX cases_name_key ON cases(name_key, created_at) WHERE name_key != ''")


@dataclass(frozen=True)
class Migration:
    """One schema version, for both engines: SQL, or a function for what SQL alone cannot do."""

    why: str
    sqlite: str | Callable[[Any], None]
    postgres: str | Callable[[Any], None]


_PG_NOTIFY = f"""
CREATE FUNCTION recover_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{NOTIFY_CHANNEL}', NEW.id);
    RETURN NEW;
END $$;
CREATE TRIGGER cases_notify AFTER INSERT OR UPDATE ON cases
    FOR EACH ROW WHEN (NEW.status <> 'draft') EXECUTE FUNCTION recover_notify();
CREATE VIEW recover_export AS SELECT * FROM cases;
"""  # the view's * is fixed when it is made: a later step that adds an exported column must replace the view

_CRISIS_TABLES = """
CREATE TABLE crises (
    id TEXT{c} PRIMARY KEY, title TEXT{c} NOT NULL, supplier TEXT{c} NOT NULL DEFAULT '',
    playbook_id TEXT{c} NOT NULL, status TEXT{c} NOT NULL DEFAULT 'open',
    opened_at TEXT{c} NOT NULL, opened_by TEXT{c} NOT NULL,
    retry_seconds INTEGER NOT NULL, lease_seconds INTEGER NOT NULL,
    closed_at TEXT{c}, closed_by TEXT{c}, close_reason TEXT{c}
);
CREATE TABLE crisis_customers (
    id {serial},
    crisis_id TEXT{c} NOT NULL REFERENCES crises(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    name TEXT{c} NOT NULL, contact TEXT{c} NOT NULL, alt_contact TEXT{c} NOT NULL DEFAULT '',
    booking TEXT{c} NOT NULL DEFAULT '', segment TEXT{c} NOT NULL DEFAULT 'other',
    chased INTEGER NOT NULL DEFAULT 0, notes {json} NOT NULL DEFAULT '{{}}',
    contact_key TEXT{c} NOT NULL DEFAULT '', alt_key TEXT{c} NOT NULL DEFAULT '',
    booking_key TEXT{c} NOT NULL DEFAULT '', name_key TEXT{c} NOT NULL DEFAULT '',
    rank INTEGER NOT NULL, priority INTEGER NOT NULL,
    state TEXT{c} NOT NULL DEFAULT 'new', tries INTEGER NOT NULL DEFAULT 0,
    next_try_at TEXT{c}, last_try_at TEXT{c},
    lease_until TEXT{c}, leased_by TEXT{c}, lease_token TEXT{c}, leased_at TEXT{c},
    case_id TEXT{c}, reached_at TEXT{c}, reached_by TEXT{c}, last_told TEXT{c},
    added_at TEXT{c} NOT NULL, source TEXT{c} NOT NULL DEFAULT '',
    UNIQUE (crisis_id, seq)
){fill};
CREATE INDEX crisis_queue ON crisis_customers(crisis_id, priority, seq)
    WHERE state IN ('new', 'voicemail', 'no_answer', 'call_back');
CREATE UNIQUE INDEX crisis_customers_contact ON crisis_customers(crisis_id, contact_key) WHERE contact_key != '';
CREATE INDEX crisis_customers_contact_key ON crisis_customers(contact_key) WHERE contact_key != '';
CREATE INDEX crisis_customers_alt_key ON crisis_customers(alt_key) WHERE alt_key != '';
CREATE INDEX crisis_customers_booking_key ON crisis_customers(booking_key) WHERE booking_key != '';
CREATE INDEX crisis_customers_name_key ON crisis_customers(name_key) WHERE name_key != '';
CREATE TABLE crisis_attempts (
    seq {serial},
    crisis_id TEXT{c} NOT NULL REFERENCES crises(id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL REFERENCES crisis_customers(id) ON DELETE CASCADE,
    at TEXT{c} NOT NULL, staff TEXT{c} NOT NULL, outcome TEXT{c} NOT NULL, direction TEXT{c} NOT NULL DEFAULT 'out',
    call_back_at TEXT{c}, told TEXT{c}, case_id TEXT{c}, data {json} NOT NULL DEFAULT '{{}}'
);
CREATE INDEX crisis_attempts_customer ON crisis_attempts(customer_id, seq);
CREATE INDEX crisis_attempts_crisis ON crisis_attempts(crisis_id, at);
CREATE INDEX crisis_attempts_case ON crisis_attempts(case_id) WHERE case_id IS NOT NULL;
CREATE TABLE crisis_supplier (
    seq {serial},
    crisis_id TEXT{c} NOT NULL REFERENCES crises(id) ON DELETE CASCADE,
    at TEXT{c} NOT NULL, staff TEXT{c} NOT NULL, note TEXT{c} NOT NULL,
    commitment TEXT{c}, due TEXT{c}, deal TEXT{c}
);
CREATE INDEX crisis_supplier_crisis ON crisis_supplier(crisis_id, seq);
CREATE TABLE crisis_events (
    seq {serial},
    crisis_id TEXT{c} NOT NULL REFERENCES crises(id) ON DELETE CASCADE,
    at TEXT{c} NOT NULL, staff TEXT{c} NOT NULL, kind TEXT{c} NOT NULL, data {json} NOT NULL DEFAULT '{{}}'
);
CREATE INDEX crisis_events_crisis ON crisis_events(crisis_id, kind, seq);
ALTER TABLE cases ADD COLUMN crisis_id TEXT{c};
CREATE INDEX cases_crisis ON cases(crisis_id) WHERE crisis_id IS NOT NULL;
"""

_CRISIS_SQLITE = _CRISIS_TABLES.format(c="", serial="INTEGER PRIMARY KEY AUTOINCREMENT", json="TEXT", fill="")

# PostgreSQL: the export view's * was fixed when v5 made it, so it is replaced to carry cases.crisis_id; a view of
# the customer lists for the managers' mail merge; and a statement-level notification so a board wakes at once.
# room in each page lets a claim (which changes no indexed column) update the row in place (a HOT update)
_CRISIS_PG = (
    _CRISIS_TABLES.format(
        c=' COLLATE "C"',
        serial="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        json="JSON",
        fill=" WITH (fillfactor = 70)",
    )
    + f"""
CREATE OR REPLACE VIEW recover_export AS SELECT * FROM cases;
CREATE VIEW recover_crisis_list AS SELECT * FROM crisis_customers;
CREATE FUNCTION recover_crisis_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CRISIS_CHANNEL}', TG_TABLE_NAME);
    RETURN NULL;
END $$;
CREATE TRIGGER crises_notify AFTER INSERT OR UPDATE ON crises
    FOR EACH STATEMENT EXECUTE FUNCTION recover_crisis_notify();
CREATE TRIGGER crisis_customers_notify AFTER INSERT OR UPDATE ON crisis_customers
    FOR EACH STATEMENT EXECUTE FUNCTION recover_crisis_notify();
CREATE TRIGGER crisis_supplier_notify AFTER INSERT ON crisis_supplier
    FOR EACH STATEMENT EXECUTE FUNCTION recover_crisis_notify();
"""
)

# v7: the base answers the report and the export read, as columns of their own (store/columns.py ANSWER_COLUMNS),
# filled here for the cases already stored; an index that finds coaching events without visiting every case.
# the list as v7 made it: a column added later is a later migration, never an edit here
_ANSWERS = (
    "desired_outcome",
    "apology",
    "commitment",
    "gesture",
    "root_cause",
    "incident_at",
    "room_number",
    "location",
)
_ANSWERS_SQLITE = (
    "".join(f"ALTER TABLE cases ADD COLUMN {k};\n" for k in _ANSWERS)  # no type: values kept as json_extract gives them
    + "UPDATE cases SET "
    + ", ".join(f"{k} = json_extract(answers, '$.{k}')" for k in _ANSWERS)
    + " WHERE json_valid(answers);\n"
    + "CREATE INDEX events_kind ON events(kind, case_id);\n"
)
_ANSWERS_PG = (
    "ALTER TABLE cases "
    + ", ".join(f"ADD COLUMN {k} TEXT" for k in _ANSWERS)  # ->>'s text, in the database's collation as ->> gives it
    + ";\nUPDATE cases SET "
    + ", ".join(f"{k} = answers->>'{k}'" for k in _ANSWERS)
    + ";\nCREATE INDEX events_kind ON events(kind, case_id);\n"
    + "CREATE OR REPLACE VIEW recover_export AS SELECT * FROM cases;\n"
)

# v8: what the report reads of a period, in one index (a range of it is the period: the wide rows holding the answers
# JSON are never read); the rows whose answers cannot be read (SQLite; PostgreSQL's json type holds none) and, as a
# superset of the rows whose text is not UTF-8, those with any character that is not printable ASCII, each in an
# index of its own that holds only them, which every writer keeps true (a hand edit with sqlite3 too); and
# cases.name_in_text (store/columns.py NAME_IN_TEXT), filled here for the cases already stored.
_PERIOD = (  # the list as v8 made it: the report's scratch table reads only these (store/base.py `aggregates`)
    "status, playbook_id, staff, complaint_number, follow_up_date, follow_up_done_at, closed_at, root_cause,"
    " room_number, location, gesture, incident_at, name_in_text, coached, customer_name, customer_contact, id"
)
# cases.coached: 1 once the case has a `coached` event, set by a trigger so every writer keeps it (a superset: the
# report's coaching figure joins the events of these cases only, not of every case in the period)
_COACHED_SQLITE = """
CREATE TRIGGER events_coached AFTER INSERT ON events WHEN NEW.kind = 'coached'
BEGIN UPDATE cases SET coached = 1 WHERE id = NEW.case_id AND coached = 0; END;
CREATE TRIGGER events_coached_changed AFTER UPDATE OF kind, case_id ON events WHEN NEW.kind = 'coached'
BEGIN UPDATE cases SET coached = 1 WHERE id = NEW.case_id AND coached = 0; END;
"""
_COACHED_PG = """
CREATE FUNCTION recover_coached() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases SET coached = 1 WHERE id = NEW.case_id AND coached = 0;
    RETURN NULL;
END $$;
CREATE TRIGGER events_coached AFTER INSERT OR UPDATE OF kind, case_id ON events
    FOR EACH ROW WHEN (NEW.kind = 'coached') EXECUTE FUNCTION recover_coached();
"""
# v9 (PostgreSQL): the report's durations, kept by the database in columns of their own. Parsing two text timestamps
# per case was half of the report's scratch table there (~60 ms of ~120 at 100,000 cases); SQLite's julianday() is
# cheap and its period index covers what the report reads, so it computes them as before (store/base.py durations).
# A trigger keeps them, as cases.coached is kept: it needs no grant for the desks that write (a function called by a
# generated column would need EXECUTE for each of them). Only an ISO 8601 time counts (TIMESTAMP_FORM, the forms
# recover writes; SQLite reads the same, store/sqlite.py is_timestamp): never 'yesterday' or '11/12/2026', which
# PostgreSQL would read as of the day the row is written or by the desk's DateStyle; a time it still cannot read gives
# no duration, and never refuses the row's save.
TIMESTAMP_FORM = (  # {0,1}, not ?: a ? in SQL sent with parameters would be taken for a placeholder
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+){0,1}){0,1}(Z|[+-][0-9]{2}:[0-9]{2}){0,1}){0,1}$"
)
_HOURS = "(extract(epoch FROM {later}::timestamptz - {earlier}::timestamptz)::float8 / 3600)"  # the one arithmetic
_DURATIONS_PG = f"""
-- filled as generated columns (one rewrite of the table: 1.6 s per 100,000 cases, where an UPDATE of every row took
-- 5 s), then kept by the trigger: the fill's function goes once the columns are plain
CREATE FUNCTION recover_v9_hours(later text, earlier text) RETURNS float8 LANGUAGE plpgsql IMMUTABLE
    SET TimeZone = 'UTC' AS $$
BEGIN
    IF later ~ '{TIMESTAMP_FORM}' AND earlier ~ '{TIMESTAMP_FORM}' THEN
        RETURN {_HOURS.format(later="later", earlier="earlier")};
    END IF;
    RETURN NULL;
EXCEPTION WHEN data_exception THEN
    RETURN NULL;
END $$;
ALTER TABLE cases
    ADD COLUMN minutes_to_contact float8 GENERATED ALWAYS AS (recover_v9_hours(created_at, incident_at) * 60) STORED,
    ADD COLUMN hours_to_close float8 GENERATED ALWAYS AS (recover_v9_hours(closed_at, created_at)) STORED;
ALTER TABLE cases ALTER COLUMN minutes_to_contact DROP EXPRESSION, ALTER COLUMN hours_to_close DROP EXPRESSION;
DROP FUNCTION recover_v9_hours(text, text);
CREATE FUNCTION recover_durations() RETURNS trigger LANGUAGE plpgsql SET TimeZone = 'UTC' AS $$
BEGIN
    NEW.minutes_to_contact := NULL;
    NEW.hours_to_close := NULL;
    IF NEW.incident_at ~ '{TIMESTAMP_FORM}' AND NEW.created_at ~ '{TIMESTAMP_FORM}' THEN
        BEGIN
            NEW.minutes_to_contact := {_HOURS.format(later="NEW.created_at", earlier="NEW.incident_at")} * 60;
        EXCEPTION WHEN data_exception THEN  -- a day or hour out of range: no duration, the save goes on
            NULL;
        END;
    END IF;
    IF NEW.closed_at ~ '{TIMESTAMP_FORM}' AND NEW.created_at ~ '{TIMESTAMP_FORM}' THEN
        BEGIN
            NEW.hours_to_close := {_HOURS.format(later="NEW.closed_at", earlier="NEW.created_at")};
        EXCEPTION WHEN data_exception THEN
            NULL;
        END;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER cases_durations BEFORE INSERT OR UPDATE OF created_at, incident_at, closed_at ON cases
    FOR EACH ROW EXECUTE FUNCTION recover_durations();
"""
ODD_TEXT = "customer_name GLOB '*[^ -~]*' OR customer_contact GLOB '*[^ -~]*'"


def add_period_index(db: Any) -> None:
    """v8 on both engines (`db`: a sqlite3 connection or a PgStore, both with execute and executemany)."""
    import sqlite3

    from recoverycli.store.columns import name_in_text

    db.execute("ALTER TABLE cases ADD COLUMN name_in_text INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE cases ADD COLUMN coached INTEGER NOT NULL DEFAULT 0")
    db.execute("UPDATE cases SET coached = 1 WHERE id IN (SELECT case_id FROM events WHERE kind = 'coached')")
    lite = isinstance(db, sqlite3.Connection)
    factory = db.text_factory if lite else None
    if lite:  # a name that is not UTF-8 (hand damage) must not stop the upgrade: readers leave that row out
        db.text_factory = lambda raw: raw.decode("utf-8", "replace")
    named = []
    try:
        cur = db.execute(
            "SELECT id, customer_name, customer_contact, root_cause, gesture FROM cases"
            " WHERE root_cause IS NOT NULL OR gesture IS NOT NULL"
        )
        while rows := cur.fetchmany(5000):
            named += [(bits, r[0]) for r in rows if (bits := name_in_text(r[1], r[2], r[3], r[4]))]
    finally:
        if lite:
            db.text_factory = factory
    if named:
        db.executemany("UPDATE cases SET name_in_text = ? WHERE id = ?", named)
    if lite:
        for trigger in _COACHED_SQLITE.split("END;")[:-1]:
            db.execute(trigger + "END;")
        db.execute(f"CREATE INDEX cases_period ON cases(created_at, {_PERIOD})")
        db.execute("CREATE INDEX cases_unreadable ON cases(created_at) WHERE NOT json_valid(answers)")
        db.execute(f"CREATE INDEX cases_odd_text ON cases(created_at) WHERE {ODD_TEXT}")
    else:
        db.execute(_COACHED_PG)
        db.execute(f"CREATE INDEX cases_period ON cases(created_at) INCLUDE ({_PERIOD})")


# Each entry upgrades the schema by one version on both engines; never edit a released one, append.
MIGRATIONS: list[Migration] = [
    Migration(
        "cases and their events",
        """
        CREATE TABLE cases (
            id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            staff TEXT NOT NULL, customer_name TEXT NOT NULL DEFAULT '', customer_contact TEXT NOT NULL DEFAULT '',
            segment TEXT NOT NULL DEFAULT 'other', playbook_id TEXT NOT NULL, playbook_version INTEGER NOT NULL,
            playbook_hash TEXT NOT NULL, answers TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX cases_created ON cases(created_at);
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            at TEXT NOT NULL, staff TEXT NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_case ON events(case_id, seq);
        """,
        # timestamps stay ISO-8601 UTC text, as in SQLite, and text compares byte by byte (COLLATE "C", whatever
        # the database's locale), so both stores sort, filter and export identically; json (not jsonb) keeps the
        # answers in the order the call asked them
        """
        CREATE TABLE cases (
            id TEXT COLLATE "C" PRIMARY KEY, status TEXT COLLATE "C" NOT NULL,
            created_at TEXT COLLATE "C" NOT NULL, updated_at TEXT COLLATE "C" NOT NULL,
            staff TEXT COLLATE "C" NOT NULL, customer_name TEXT COLLATE "C" NOT NULL DEFAULT '',
            customer_contact TEXT COLLATE "C" NOT NULL DEFAULT '', segment TEXT COLLATE "C" NOT NULL DEFAULT 'other',
            playbook_id TEXT COLLATE "C" NOT NULL, playbook_version INTEGER NOT NULL,
            playbook_hash TEXT COLLATE "C" NOT NULL, answers JSON NOT NULL DEFAULT '{}'
        );
        CREATE INDEX cases_created ON cases(created_at);
        CREATE TABLE events (
            seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            case_id TEXT COLLATE "C" NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            at TEXT COLLATE "C" NOT NULL, staff TEXT COLLATE "C" NOT NULL, kind TEXT COLLATE "C" NOT NULL,
            data JSON NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_case ON events(case_id, seq);
        """,
    ),
    Migration(
        "list and search indexes",
        """
        CREATE INDEX cases_status ON cases(status, created_at);
        CREATE INDEX cases_contact ON cases(customer_contact);
        CREATE INDEX cases_name ON cases(customer_name COLLATE NOCASE);
        """,
        """
        CREATE INDEX cases_status ON cases(status, created_at);
        CREATE INDEX cases_contact ON cases(lower(customer_contact));
        CREATE INDEX cases_name ON cases(lower(customer_name));
        """,
    ),
    Migration(
        "follow-up and close columns",
        """
        ALTER TABLE cases ADD COLUMN follow_up_date TEXT;
        ALTER TABLE cases ADD COLUMN follow_up_done_at TEXT;
        ALTER TABLE cases ADD COLUMN closed_at TEXT;
        ALTER TABLE cases ADD COLUMN resolution TEXT;
        ALTER TABLE cases ADD COLUMN complaint_number INTEGER NOT NULL DEFAULT 1;
        UPDATE cases SET follow_up_date = json_extract(answers, '$.follow_up_date');
        CREATE INDEX cases_follow_up ON cases(follow_up_date) WHERE follow_up_done_at IS NULL;
        """,
        """
        ALTER TABLE cases ADD COLUMN follow_up_date TEXT COLLATE "C";
        ALTER TABLE cases ADD COLUMN follow_up_done_at TEXT COLLATE "C";
        ALTER TABLE cases ADD COLUMN closed_at TEXT COLLATE "C";
        ALTER TABLE cases ADD COLUMN resolution TEXT COLLATE "C";
        ALTER TABLE cases ADD COLUMN complaint_number INTEGER NOT NULL DEFAULT 1;
        UPDATE cases SET follow_up_date = answers->>'follow_up_date';
        CREATE INDEX cases_follow_up ON cases(follow_up_date) WHERE follow_up_done_at IS NULL;
        """,
    ),
    Migration("customer keys for the repeat lookup, severity, system fix", add_identity, add_identity),
    Migration(
        "live feed and the managers' export view",
        "",  # SQLite: the feed polls, and a file has no roles
        _PG_NOTIFY,
    ),
    Migration(
        "crises: customer lists, the outreach queue, attempts, the supplier log; cases.crisis_id",
        _CRISIS_SQLITE,
        _CRISIS_PG,
    ),
    Migration(
        "the report's and export's base answers as columns; coaching events by kind", _ANSWERS_SQLITE, _ANSWERS_PG
    ),
    Migration(
        "the report's period in one index, unreadable and odd rows indexed apart, cases.name_in_text",
        add_period_index,
        add_period_index,
    ),
    Migration("the report's durations as columns the database keeps (PostgreSQL)", "", _DURATIONS_PG),
]
SCHEMA_VERSION = len(MIGRATIONS)


def sqlite_current(version: int) -> bool:
    """Whether a SQLite file at `version` lacks nothing: every later version changed PostgreSQL only. Such a file is
    read as it is, never rewritten just to bump its number: a read-only copy (a backup, a snapshot) stays readable,
    and an older recover that wrote it still reads it."""
    return 0 < version and not any(callable(m.sqlite) or m.sqlite.strip() for m in MIGRATIONS[version:])
