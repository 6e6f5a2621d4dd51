"""The one place that opens and configures SQLite (SQLCipher).

The raw 256-bit key is handed to SQLCipher as a blob key (no passphrase KDF inside SQLCipher:
we already stretched the passphrase once at unlock). The key never appears in a URL or a log:
the plain pysqlite dialect is given a creator that returns a configured sqlcipher3 connection.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from restart_desktop.store.errors import DatabaseEmpty, DatabaseUnreadable, translate
from restart_desktop.store.writer import register

BUSY_TIMEOUT_MS = 5000
#: Connection execution option set by ``Database.read()``: begin a deferred transaction.
READ_ONLY_OPTION = "restart_read_only"
#: A write that only records that something was looked at (an audit entry of a search, a
#: case opened): committed without waiting for the disk (``synchronous = NORMAL``). It is
#: safe from a crash or a killed process at once, and from a power cut at the next ordinary
#: commit, whose sync of the log carries it too. Ordinary writes keep ``FULL``.
LIGHT_WRITE_OPTION = "restart_light_write"
_SYNCHRONOUS = "restart_synchronous"  # the DB-API connection's info: its level now
CACHE_KIB = 16 * 1024
#: Connection execution option set by the sync import (``Database.write(bulk=True)``): a
#: larger page cache while a transaction writes thousands of rows into indexes larger than
#: the usual cache (a first import: some 400,000 changes and as many records), so that their
#: pages are decrypted once, not at every insert. The next transaction without it gives the
#: memory back.
BULK_WRITE_OPTION = "restart_bulk_write"
BULK_CACHE_KIB = 256 * 1024
_CACHE = "restart_cache_kib"  # the DB-API connection's info: its page cache now
#: ``PRAGMA auto_vacuum`` value: free pages can be given back in short steps (Database.compact).
INCREMENTAL_VACUUM = 2


def _configure(connection: Any, key: bytes, new: bool = False) -> None:
    cursor = connection.cursor()
    # SQLCipher's own log goes to the terminal ("ERROR CORE ... hmac check failed"): a damaged
    # file or a wrong key is said by the app in words (StorageError) instead.
    cursor.execute("PRAGMA cipher_log_level = NONE")
    cursor.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    # Reading the schema proves the key: SQLCipher reports a wrong key here, not at PRAGMA key.
    cursor.execute("SELECT count(*) FROM sqlite_master")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if new:  # only before the first table; an older file changes at its next compaction
        cursor.execute(f"PRAGMA auto_vacuum = {INCREMENTAL_VACUUM}")
    cursor.execute("PRAGMA journal_mode = WAL")
    # A laptop's battery dies: FULL keeps every committed transaction across power loss.
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA temp_store = MEMORY")  # no plaintext temp files on disk
    # Deleted records are overwritten with zeros, not just unlinked (SQLCipher's default,
    # stated here so that erasure never depends on a build's default).
    cursor.execute("PRAGMA secure_delete = ON")
    # Every page read from disk is decrypted; a 16 MiB cache keeps a 10,000-person caseload's
    # pages decrypted in memory, halving the time of a caseload query (tests/benchmarks).
    cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    cursor.close()


def connect_raw(path: Path, key: bytes) -> Any:
    """A configured DB-API connection; raises a StorageError for a wrong key or damaged file."""
    if len(key) != 32:
        raise ValueError("the database key must be 32 bytes")
    new = not path.exists()
    if not new and path.is_file() and path.stat().st_size == 0:
        # SQLite would make a new, empty database in it: the records are somewhere else
        # (a backup), and the file must stay as it is for whoever recovers the folder.
        raise DatabaseEmpty()
    if new:
        # Owner-only from the first byte (SQLite gives its -wal and -shm files the same mode).
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:  # a folder in the file's place, a file that cannot be opened: said in words too
        connection = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    except sqlcipher3.DatabaseError as error:
        raise (translate(error) or DatabaseUnreadable()) from error
    try:
        _configure(connection, key, new)
    except sqlcipher3.DatabaseError as error:
        connection.close()
        raise (translate(error) or DatabaseUnreadable()) from error
    return connection


def raw_rows(connection: Any, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` on a connection from ``connect_raw``; a damaged page or file
    raises a StorageError (said in words), never the driver's error."""
    try:
        return list(connection.execute(sql, params).fetchall())
    except sqlcipher3.DatabaseError as error:
        raise (translate(error) or DatabaseUnreadable()) from error


def create_store_engine(path: Path, key: bytes) -> Engine:
    """An Engine whose every connection is keyed and configured, with explicit transactions.

    ``isolation_level=None`` on the driver plus our own BEGIN is SQLAlchemy's documented recipe
    for correct SQLite transactions (including transactional DDL for migrations).
    """
    engine = create_engine(
        "sqlite+pysqlite://",
        # The driver really in use: SQLAlchemy then wraps its errors (DBAPIError, so that
        # Database turns them into StorageErrors) and reads SQLCipher's SQLite version.
        module=sqlcipher3,
        creator=lambda: connect_raw(path, key),
        poolclass=QueuePool,
        pool_size=2,
        max_overflow=2,
        # The connection used last goes out next: its page cache is warm (each connection
        # keeps its own, decrypted), and the others' caches stay small. First in, first out
        # sent a search to a connection whose cache had never seen the index (issue 27).
        pool_use_lifo=True,
        hide_parameters=True,  # SQL errors must never quote a person's data into a log
        # JSON columns read back several times faster (the figures read thousands of
        # assessments' scores and changes' fields); what is stored is unchanged.
        json_deserializer=orjson.loads,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Writes take the write lock up front (no lock upgrade deadlock between two writers);
        # reads begin deferred, so they never hold the write lock.
        options = conn.get_execution_options()
        cache = BULK_CACHE_KIB if options.get(BULK_WRITE_OPTION) else CACHE_KIB
        if conn.connection.info.get(_CACHE, CACHE_KIB) != cache:
            conn.exec_driver_sql(f"PRAGMA cache_size = -{cache}")
            conn.connection.info[_CACHE] = cache
        if options.get(READ_ONLY_OPTION):
            conn.exec_driver_sql("BEGIN")
            return
        # Set before each write that needs another level than the last (a pooled connection
        # keeps it), so that no write ever inherits a light write's level.
        wanted = "NORMAL" if options.get(LIGHT_WRITE_OPTION) else "FULL"
        if conn.connection.info.get(_SYNCHRONOUS, "FULL") != wanted:
            conn.exec_driver_sql(f"PRAGMA synchronous = {wanted}")
            conn.connection.info[_SYNCHRONOUS] = wanted
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    register(engine, path)  # this process's writers take turns (store/writer.py)
    return engine
