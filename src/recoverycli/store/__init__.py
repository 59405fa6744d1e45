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


def open_store(location: str | Path, create: bool = True, migrate: bool = False, damaged_ok: bool = False) -> BaseStore:
    """A SQLite file path, or a postgresql:// URL; read-only commands pass create=False.

    A URL of another kind (or one a Path argument collapsed to scheme:/) is refused, shown without its password,
    never taken as a file name. A SQLite store whose tables were changed by hand is refused unless damaged_ok
    (`check`, `backup`)."""
    from recoverycli.errors import StoreError
    from recoverycli.store.pgurl import path_is_url, shown, store_location

    if isinstance(location, str):
        location = store_location(location)
    elif path_is_url(location):
        raise StoreError(
            f"{shown(location)} is a URL, not a case store file — the shared store goes in --store or --to "
            "as a postgresql:// URL"
        )
    if is_url(location):
        from recoverycli.store.postgres import PgStore

        return PgStore(str(location), create=create, migrate=migrate)
    from recoverycli.store.sqlite import open_sqlite

    return open_sqlite(Path(location), create=create, damaged_ok=damaged_ok)
