from __future__ import annotations

import re
import sqlite3
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recoverycli.caselog.filters import CaseFilter
from recoverycli.caselog.record import Customer
from recoverycli.errors import NotFoundError, StoreError
from recoverycli.store import SCHEMA_VERSION, SqliteStore, iso, open_store
from tests.helpers import NOW, make_case


def test_saved_case_comes_back_identical(store_url: str) -> None:
    store = open_store(store_url)
    saved = store.add(make_case())
    assert re.fullmatch(r"RC-[2-9A-HJKMNP-TV-Z]{5}", saved.id)
    again = open_store(store_url).get(saved.id)
    assert again == saved
    assert open_store(store_url).get(saved.id.lower()) == saved  # ids are read back case-insensitively


def test_ids_are_unique(store_url: str) -> None:
    store = open_store(store_url)
    ids = {store.add(make_case()).id for _ in range(300)}
    assert len(ids) == 300


def test_store_file_and_directory_are_private(store_path: Path) -> None:
    open_store(store_path).add(make_case())
    assert stat.S_IMODE(store_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store_path.parent.stat().st_mode) == 0o700
    assert not list(store_path.parent.glob(".new-*"))


def test_wal_mode_and_schema_version(store_path: Path) -> None:
    store = open_store(store_path)
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_recent_is_newest_first_and_filters_status(store_url: str) -> None:
    store = open_store(store_url)
    first = store.add(make_case())
    later = store.add(make_case().model_copy(update={"created_at": NOW.replace(hour=10)}))
    assert [c.id for c in store.recent()] == [later.id, first.id]
    assert store.recent(status="closed") == []
    assert len(store.recent(limit=1)) == 1


def test_unknown_case_is_a_clear_error(store_url: str) -> None:
    with pytest.raises(NotFoundError, match="no case 'RC-ZZZZZ'"):
        open_store(store_url).get("RC-ZZZZZ")


def set_schema_version(store_url: str, version: int) -> None:
    """Pretend the store was left at another schema version (as another recover release would leave it)."""
    store = open_store(store_url)
    if store_url.startswith("postgresql://"):
        store.execute("UPDATE recover_schema SET version = ?", (version,))
    else:
        store.conn.execute(f"PRAGMA user_version = {version}")
    store.close()


def test_newer_schema_is_refused(store_url: str) -> None:
    set_schema_version(store_url, SCHEMA_VERSION + 1)
    with pytest.raises(StoreError, match="newer than this recover understands .* upgrade recover"):
        open_store(store_url)


def test_file_that_is_not_sqlite_is_refused_and_left_alone(store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    store_path.write_text("these are my holiday notes\n" * 100)
    with pytest.raises(StoreError, match="not a recover case store"):
        open_store(store_path)
    assert store_path.read_text().startswith("these are my holiday notes")


def test_empty_store_from_schema_zero_is_migrated(store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    sqlite3.connect(store_path).close()  # an empty SQLite file: schema version 0
    store = SqliteStore(store_path)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.get(store.add(make_case()).id).staff == "Dana Reyes"


def test_a_v6_file_gets_its_answers_as_columns_and_exports_the_same(store_path: Path) -> None:
    from recoverycli.caselog.filters import CaseFilter
    from recoverycli.store.columns import ANSWER_COLUMNS, COLUMNS

    store = open_store(store_path)
    rich = make_case(customer_words="Cold.", gesture=5, root_cause="Boiler", apology=True, commitment=["a", 1])
    ids = [store.add(rich).id, store.add(make_case()).id]
    before = sorted(store.export_rows(COLUMNS, CaseFilter(), "oldest", None, neutralise=True))
    # back to v6 as v6 left it: nothing of v8, no answer columns, no events_kind index
    for stmt in [*UNDO_V8, *(f"ALTER TABLE cases DROP COLUMN {k}" for k in ANSWER_COLUMNS), "DROP INDEX events_kind"]:
        store.conn.execute(stmt)
    store.conn.execute("PRAGMA user_version = 6")
    store.close()
    again = SqliteStore(store_path)
    assert again.migrated_from == 6 and again.schema_version() == SCHEMA_VERSION
    filled = again.conn.execute(f"SELECT {', '.join(ANSWER_COLUMNS)} FROM cases WHERE id = ?", (ids[0],)).fetchone()
    assert tuple(filled) == (None, 1, '["a",1]', 5, "Boiler", None, None, None)  # as json_extract reads them: typed
    assert sorted(again.export_rows(COLUMNS, CaseFilter(), "oldest", None, neutralise=True)) == before


UNDO_V8 = (  # a SQLite store back to schema v7 as v7 left it
    "DROP INDEX cases_period",
    "DROP INDEX cases_unreadable",
    "DROP INDEX cases_odd_text",
    "ALTER TABLE cases DROP COLUMN name_in_text",
    "DROP TRIGGER events_coached",
    "DROP TRIGGER events_coached_changed",
    "ALTER TABLE cases DROP COLUMN coached",
)


def test_a_v7_file_gets_its_period_index_and_knows_which_texts_may_name_the_customer(store_path: Path) -> None:
    from datetime import date

    from recoverycli.caselog.changes import reschedule

    store = open_store(store_path)
    who = Customer(name="Ana Souza", contact="ana@example.com", segment="family")
    cases = {
        "cause": make_case(root_cause="Ana Souza's card was charged twice"),
        "gesture": make_case(root_cause="Spa terminal", gesture="Dinner for ana and family"),
        "neither": make_case(root_cause="Annual boiler service", gesture="meal"),
        "damaged": make_case(root_cause="Souza"),
        "contact": make_case(root_cause="Confirmation went to ANA@example.com twice"),  # her contact, not her name
        "digits": make_case(root_cause="Floor 4 breaker, room 412"),  # a digit, but nobody's contact
    }
    ids = {k: store.add(c.model_copy(update={"customer": who})).id for k, c in cases.items()}
    named = "SELECT name_in_text FROM cases WHERE id = ?"
    assert [store.conn.execute(named, (i,)).fetchone()[0] for i in ids.values()] == [1, 2, 0, 1, 1, 0]  # at save
    for stmt in UNDO_V8:
        store.conn.execute(stmt)
    store.conn.execute("UPDATE cases SET customer_name = CAST(X'4A6FFF' AS TEXT) WHERE id = ?", (ids["damaged"],))
    coach = "INSERT INTO events (case_id, at, staff, kind, data) VALUES (?, '2026-11-20', 'Dana', 'coached', '{}')"
    store.conn.execute(coach, (ids["cause"],))
    store.conn.execute("PRAGMA user_version = 7")
    store.close()
    again = SqliteStore(store_path)  # a name that is not UTF-8 does not stop the upgrade
    assert again.migrated_from == 7 and again.schema_version() == SCHEMA_VERSION
    assert [again.conn.execute(named, (i,)).fetchone()[0] for i in ids.values()] == [1, 2, 0, 0, 1, 0]
    indexes = {r[0] for r in again.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"cases_period", "cases_unreadable", "cases_odd_text"} <= indexes
    coached = "SELECT id FROM cases WHERE coached = 1 ORDER BY id"
    assert [r[0] for r in again.conn.execute(coached)] == [ids["cause"]]  # filled from the events there
    again.conn.execute(coach, (ids["gesture"],))  # and kept by every writer of an event
    assert [r[0] for r in again.conn.execute(coached)] == sorted([ids["cause"], ids["gesture"]])
    # a change of the answers keeps it true
    again.conn.execute(
        "UPDATE cases SET answers = json_set(answers, '$.gesture', 'Flowers for Ana') WHERE id = ?", (ids["neither"],)
    )
    reschedule(again, ids["neither"], "Dana Reyes", "2099-01-02", "guest away", date(2026, 11, 20))
    assert again.conn.execute(named, (ids["neither"],)).fetchone()[0] == 2


def test_read_only_commands_do_not_create_a_store(store_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no case store at .* yet"):
        open_store(store_path, create=False)
    assert not store_path.exists()


answer_values = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=200),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.none(),
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80
    ),  # PostgreSQL text cannot hold NUL
    answers=st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True), answer_values, max_size=8),
)
def test_round_trip_any_unicode(store_url: str, name: str, answers: dict[str, object]) -> None:
    case = make_case().model_copy(
        update={"customer": Customer(name=name, contact=name[::-1], segment="family"), "answers": answers}
    )
    store = open_store(store_url)
    saved = store.add(case)
    assert store.get(saved.id).model_dump() == saved.model_dump()
    store.close()


def test_a_v8_postgresql_store_gets_the_report_durations_kept_by_the_database(pg_url: str) -> None:
    """PostgreSQL keeps each case's minutes to contact and hours to close in columns (schema v9): filled for the cases
    already stored, kept by a trigger for every writer (a hand UPDATE too), and a text that is no timestamp gives no
    duration instead of refusing the save."""
    from recoverycli.store.postgres import PgStore

    created = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    store = open_store(pg_url)
    kept = [
        store.add(
            make_case(customer_words="x", incident_at=(created - timedelta(minutes=m)).isoformat()).model_copy(
                update={"created_at": created, "updated_at": created}
            )
        ).id
        for m in (45, 90)
    ]
    store.execute("UPDATE cases SET closed_at = ? WHERE id = ?", (iso(created + timedelta(hours=30)), kept[0]))
    # back to v8 as v8 left it
    store.execute("DROP TRIGGER cases_durations ON cases")
    store.execute("DROP FUNCTION recover_durations")
    store.execute("ALTER TABLE cases DROP COLUMN minutes_to_contact, DROP COLUMN hours_to_close")
    store.close()
    set_schema_version(pg_url, 8)
    again = open_store(pg_url, migrate=True)  # `recover store migrate`, as the store's owner
    assert isinstance(again, PgStore) and again.migrated_from == 8 and again.schema_version() == SCHEMA_VERSION
    durations = "SELECT minutes_to_contact, hours_to_close FROM cases WHERE id = ?"
    assert [tuple(again.execute(durations, (i,)).fetchone()) for i in kept] == [(45.0, 30.0), (90.0, None)]
    again.execute("UPDATE cases SET closed_at = ? WHERE id = ?", (iso(created + timedelta(hours=2.5)), kept[1]))
    local = make_case(customer_words="x", incident_at="2026-11-03T08:30+01:00")  # an offset of its own
    odd = make_case(customer_words="x", incident_at="the night before")
    added = [again.add(c.model_copy(update={"created_at": created, "updated_at": created})).id for c in (local, odd)]
    assert [tuple(again.execute(durations, (i,)).fetchone()) for i in [kept[1], *added]] == [
        (90.0, 2.5),
        (30.0, None),
        (None, None),
    ]
    figures = again.aggregates(CaseFilter(since=date(2026, 11, 1), until=date(2026, 11, 30)), "2026-11-20")
    assert figures["to_contact_minutes"] == {"n": 3, "median": 45.0, "p90": 81.0}  # the odd text is not counted


def test_a_sqlite_file_lacking_only_postgresql_steps_is_read_as_it_is(store_path: Path) -> None:
    """Schema v9 changed PostgreSQL only: a v8 file is not rewritten to bump its number (hostile pass 5, F3), so a
    read-only copy of it (a backup, a snapshot) stays readable and the older recover that wrote it still reads it."""
    store = open_store(store_path)
    saved = store.add(make_case()).id
    store.conn.execute("PRAGMA user_version = 8")
    store.close()
    before = store_path.read_bytes()
    again = open_store(store_path, create=False)
    assert again.get(saved).id == saved and again.schema_version() == 8 and again.migrate() == (8, 8)
    again.close()
    assert store_path.read_bytes() == before
    store_path.chmod(0o444)
    try:
        assert open_store(store_path, create=False).get(saved).id == saved
    finally:
        store_path.chmod(0o600)


def test_an_upgrade_blocked_by_another_session_says_so_instead_of_freezing_every_desk(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A manager's export left open in a pager holds `cases`: `store migrate` waits a few seconds, not for ever with
    every desk queued behind it, and says what to do (hostile pass 5, F6)."""
    import psycopg

    from recoverycli.store import postgres

    store = open_store(pg_url)
    store.add(make_case())
    store.execute("DROP TRIGGER cases_durations ON cases")
    store.execute("DROP FUNCTION recover_durations")
    store.execute("ALTER TABLE cases DROP COLUMN minutes_to_contact, DROP COLUMN hours_to_close")
    store.close()
    set_schema_version(pg_url, 8)
    monkeypatch.setattr(postgres, "MIGRATE_LOCK_WAIT", "1s")
    with psycopg.connect(pg_url) as holder:
        holder.execute("SELECT count(*) FROM cases").fetchone()  # a transaction left open holds the table
        with pytest.raises(StoreError, match="another session holds the tables this needs .* nothing was changed"):
            open_store(pg_url, migrate=True)
    again = open_store(pg_url, migrate=True)
    assert again.schema_version() == SCHEMA_VERSION
