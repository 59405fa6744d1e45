from __future__ import annotations

import re
import sqlite3
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recoverycli.caselog.record import Customer
from recoverycli.errors import NotFoundError, StoreError
from recoverycli.store import SCHEMA_VERSION, SqliteStore, open_store
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
    # back to v6 as v6 left it: no answer columns, no events_kind index
    for stmt in [*(f"ALTER TABLE cases DROP COLUMN {k}" for k in ANSWER_COLUMNS), "DROP INDEX events_kind"]:
        store.conn.execute(stmt)
    store.conn.execute("PRAGMA user_version = 6")
    store.close()
    again = SqliteStore(store_path)
    assert again.migrated_from == 6 and again.schema_version() == SCHEMA_VERSION
    filled = again.conn.execute(f"SELECT {', '.join(ANSWER_COLUMNS)} FROM cases WHERE id = ?", (ids[0],)).fetchone()
    assert tuple(filled) == (None, 1, '["a",1]', 5, "Boiler", None, None, None)  # as json_extract reads them: typed
    assert sorted(again.export_rows(COLUMNS, CaseFilter(), "oldest", None, neutralise=True)) == before


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
