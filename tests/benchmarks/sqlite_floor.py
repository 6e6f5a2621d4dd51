"""The floor of an import: SQLite alone writing the rows a laptop holds into the same schema.

A new encrypted database (attached to the laptop's own connection, so it has the same key) is
given every table, index and trigger of the laptop's, then each table is filled from the
laptop's with one ``INSERT ... SELECT`` in row order, in one transaction with the import's
page cache, and committed. No Python touches a row: what is left is the work of SQLite and
SQLCipher (indexes, the search index's and summaries' triggers, encrypting each page). An
import cannot beat it without changing the schema. The file is deleted afterwards.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from restart_desktop.store.database import Database
from restart_desktop.store.engine import BULK_CACHE_KIB

_SCHEMA = "floor"
_NAMED = re.compile(
    r"^(CREATE\s+(?:UNIQUE\s+)?(?:VIRTUAL\s+)?(?:TABLE|INDEX|TRIGGER)\s+)", re.IGNORECASE
)
#: Filled by the triggers of the tables they follow (the search index, the review waits), or
#: SQLite's and Alembic's own.
_NOT_COPIED = ("note_search", "review_waits", "alembic_version")


def _in_floor(sql: str) -> str:
    """A CREATE statement of the laptop's schema, for the same object in the floor's."""
    return _NAMED.sub(lambda m: f"{m.group(1)}{_SCHEMA}.", sql, count=1)


def _copied(name: str) -> bool:
    return not name.startswith("sqlite_") and not any(
        name == table or name.startswith(f"{table}_") for table in _NOT_COPIED
    )


def write_floor(db: Database, folder: Path) -> dict[str, float]:
    """Seconds per table (and ``COMMIT``, ``total``) to write ``db``'s rows afresh."""
    target = folder / "sqlite-floor.db"
    raw: Any = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"ATTACH DATABASE ? AS {_SCHEMA}", (str(target),))
        cursor.execute(f"PRAGMA {_SCHEMA}.journal_mode = WAL")  # as the laptop's
        schema = cursor.execute(
            "SELECT type, name, sql FROM main.sqlite_master WHERE sql IS NOT NULL "
            "ORDER BY type = 'table' DESC, type = 'index' DESC"
        ).fetchall()
        for kind, name, sql in schema:
            if kind == "table" and name.startswith("note_search_"):
                continue  # the search index's own tables: made by its CREATE VIRTUAL TABLE
            cursor.execute(_in_floor(sql))
        tables = [name for kind, name, _sql in schema if kind == "table" and _copied(str(name))]
        cursor.execute(f"PRAGMA {_SCHEMA}.cache_size = -{BULK_CACHE_KIB}")
        spent: dict[str, float] = {}
        cursor.execute("BEGIN IMMEDIATE")
        cursor.execute("PRAGMA defer_foreign_keys = ON")
        for table in tables:
            columns = ", ".join(
                f'"{row[1]}"' for row in cursor.execute(f'PRAGMA main.table_info("{table}")')
            )
            started = time.perf_counter()
            cursor.execute(
                f'INSERT INTO {_SCHEMA}."{table}" ({columns}) '
                f'SELECT {columns} FROM main."{table}" ORDER BY rowid'
            )
            spent[table] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute("COMMIT")
        spent["COMMIT"] = time.perf_counter() - started
        spent["total"] = sum(spent.values())
    finally:
        if raw.in_transaction:
            raw.rollback()
        raw.execute(f"DETACH DATABASE {_SCHEMA}")
        raw.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    return spent
