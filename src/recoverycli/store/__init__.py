"""The case store: one interface (BaseStore), two backends — embedded SQLite by default, PostgreSQL for many desks.

SQL lives only in this package. Nothing here imports psycopg until a postgresql:// store is opened.
"""

from __future__ import annotations

from pathlib import Path

from recoverycli.store.base import ERASED, BaseStore, iso, new_case_id, utcnow
from recoverycli.store.columns import content_hash
from recoverycli.store.migrations import MIGRATIONS, SCHEMA_VERSION
from recoverycli.store.sqlite import SqliteStore

__all__ = [
    "ERASED",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "BaseStore",
    "SqliteStore",
    "content_hash",
    "iso",
    "new_case_id",
    "open_store",
    "is_url",
    "utcnow",
]


def is_url(location: object) -> bool:
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def open_store(location: str | Path, create: bool = True, migrate: bool = False) -> BaseStore:
    """A SQLite file path, or a postgresql:// URL; read-only commands pass create=False."""
    if is_url(location):
        from recoverycli.store.postgres import PgStore

        return PgStore(str(location), create=create, migrate=migrate)
    from recoverycli.store.sqlite import open_sqlite

    return open_sqlite(Path(location), create=create)
