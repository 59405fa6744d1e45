from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROLES, as_role, cli, guide_sql


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test touches the user's real store, config or playbooks."""
    monkeypatch.setenv("RECOVER_STORE", str(tmp_path / "data" / "cases.db"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("RECOVER_STAFF", raising=False)
    monkeypatch.delenv("RECOVER_PLAYBOOKS", raising=False)
    monkeypatch.delenv("RECOVER_NOTIFY", raising=False)  # no test pages a real duty manager
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


@pytest.fixture
def store_path(isolated_home: Path) -> Path:
    return isolated_home / "data" / "cases.db"


REQUIRE_PG = "RECOVER_REQUIRE_POSTGRES"  # set by .ci/run: in CI the PostgreSQL tests run, never skip


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL cluster for the whole run; each test gets its own database."""
    from tests import pgserver

    reason = pgserver.why_unavailable()
    try:
        import psycopg  # noqa: F401
    except ImportError:
        reason = reason or "psycopg is not installed (pip install '.[test]')"
    if reason:
        if os.environ.get(REQUIRE_PG):
            pytest.fail(f"PostgreSQL tests must run here ({REQUIRE_PG} is set): {reason}")
        pytest.skip(reason)
    cluster = pgserver.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty database on the test cluster, set as RECOVER_STORE."""
    url = pg_cluster.new_database()
    monkeypatch.setenv("RECOVER_STORE", url)
    yield url
    pg_cluster.drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, isolated_home: Path) -> str:
    """The store suite's one fixture: every test using it runs on both backends."""
    if request.param == "sqlite":
        return str(isolated_home / "data" / "cases.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def guide_roles(pg_cluster, pg_url: str):
    """The guide's own SQL, run as written (names made unique, so a reused server is not disturbed)."""
    tag = uuid.uuid4().hex[:6]
    names = {r: f"{r}_{tag}" for r in ROLES}
    db = pg_url.rpartition("/")[2]

    def adapt(sql: str) -> str:
        sql = re.sub(r"\b(" + "|".join(ROLES) + r")\b", lambda m: names[m.group(1)], sql)
        return re.sub(r"DATABASE recover\b", f'DATABASE "{db}"', sql)

    superuser, grants = guide_sql()
    superuser = adapt(superuser).replace(f'CREATE DATABASE "{db}" OWNER', f'ALTER DATABASE "{db}" OWNER TO')
    for stmt in filter(str.strip, superuser.split(";")):
        pg_cluster.sql(stmt)
    owner = as_role(pg_url, names["recover_owner"])
    assert cli("store", "migrate", "--store", owner).exit_code == 0
    pg_cluster.sql(adapt(grants), owner)
    yield {role: as_role(pg_url, name) for role, name in names.items()}
    pg_cluster.drop_database(pg_url)
    for name in reversed(list(names.values())):
        pg_cluster.sql(f'DROP ROLE IF EXISTS "{name}"')


@pytest.fixture
def store(tmp_path: Path) -> object:
    """A fresh SQLite store in the test's own directory (the call-screen tests drive calls against it)."""
    from recoverycli.store import open_store

    return open_store(tmp_path / "cases.db")
