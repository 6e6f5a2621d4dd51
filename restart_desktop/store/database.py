"""Opening a data folder's database: key, migrations, sessions with an actor."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from restart_desktop.domain.notices import ChangeNotice
from restart_desktop.store.bulk import DriverCursor
from restart_desktop.store.changes import (
    CLOCK,
    Actor,
    install_change_capture,
    notice_of_transaction,
    utcnow,
)
from restart_desktop.store.engine import (
    BULK_WRITE_OPTION,
    BUSY_TIMEOUT_MS,
    INCREMENTAL_VACUUM,
    LIGHT_WRITE_OPTION,
    READ_ONLY_OPTION,
    create_store_engine,
)
from restart_desktop.store.errors import StorageError, translate
from restart_desktop.store.migrate import upgrade_to_head
from restart_desktop.store.writer import background_work, gate_of

log = logging.getLogger(__name__)
CHECKPOINT_TRY_MS = 100  # one try at emptying the log: saves wait no longer than this for it
VACUUM_STEP_PAGES = 1024  # free pages given back in one step (4 MiB)


class StoreSession(Session):
    """Sessions of our store: synced writes are captured into the change log."""


install_change_capture(StoreSession)


Listener = Callable[[ChangeNotice], None]


class _Listeners:
    """Who is told about committed writes; shared by every actor's view of one database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def add(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def publish(self, notice: ChangeNotice) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(notice)
            except Exception:  # the write is committed: a failing view must not undo that
                log.exception("a change listener failed")


class Database:
    """An open, migrated, keyed database. Thread-safe to share; sessions are not."""

    def __init__(
        self,
        engine: Engine,
        actor: Actor | None = None,
        listeners: _Listeners | None = None,
        now: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.actor = actor
        self._listeners = listeners or _Listeners()
        #: Where the change hook takes "now" for the records' stamps and the audit trail:
        #: the session's one clock (``AppSession`` points it there).
        self.now = now
        self._sessions = sessionmaker(
            bind=engine, class_=StoreSession, autoflush=False, expire_on_commit=False
        )

    @classmethod
    def open(cls, path: Path, key: bytes, backups: Path, actor: Actor | None = None) -> Database:
        upgrade_to_head(path, key, backups)
        return cls(create_store_engine(path, key), actor)

    def with_actor(self, actor: Actor) -> Database:
        return Database(self.engine, actor, self._listeners, self.now)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with the change notice of every transaction committed from now
        on (by any actor of this database), on the committing thread, once it has committed;
        never for a rolled-back one. Returns the call that unsubscribes it."""
        return self._listeners.add(listener)

    @contextmanager
    def write(self, light: bool = False, bulk: bool = False) -> Iterator[Session]:
        """One transaction: everything inside commits together or not at all. It waits for
        its turn among this app's writers (store/writer.py): a save never fails because a
        sync or a retention run of this app is writing, and background work gives way. Once
        it has committed, the subscribers hear what it changed. ``light``: the transaction
        only records that something was looked at, and its commit does not wait for the
        disk (store.engine.LIGHT_WRITE_OPTION). ``bulk``: the transaction writes thousands of
        rows (a sync import) with a larger page cache (store.engine.BULK_WRITE_OPTION)."""
        session = self._sessions(info={"actor": self.actor, CLOCK: self.now})
        try:
            with gate_of(self.engine).turn(), session.begin():
                if light or bulk:
                    session.connection(
                        execution_options={LIGHT_WRITE_OPTION: light, BULK_WRITE_OPTION: bulk}
                    )
                yield session
        except (DBAPIError, sqlcipher3.Error) as error:  # the driver's own: read below it
            raise (translate(error) or error) from error
        finally:
            notice = notice_of_transaction(session)
            session.close()
        if notice:
            self._listeners.publish(notice)

    #: Mark the writes made inside (on this thread) as background work: they let waiting
    #: saves go first between transactions.
    background = staticmethod(background_work)

    def saves_waiting(self) -> bool:
        """Whether a save of this app waits for its turn (background work between steps)."""
        return gate_of(self.engine).waiting_foreground > 0

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self._sessions(info={"actor": self.actor, CLOCK: self.now})
        try:
            session.connection(execution_options={READ_ONLY_OPTION: True})
            yield session  # closed (rolled back) below: reads never commit
        except (DBAPIError, sqlcipher3.Error) as error:  # the driver's own: read below it
            raise (translate(error) or error) from error
        finally:
            session.close()

    def rows(self, statement: str, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of one read statement, below the ORM and outside any transaction of ours
        (SQLite reads a single statement from one snapshot): for the reads a worker waits on
        that are one statement (a note search), where a session with its BEGIN and ROLLBACK
        cost as much again as a rare word's search (issue 27)."""
        try:
            with self.engine.connect() as connection:  # no statement through it: no BEGIN
                return list(DriverCursor(connection).execute(statement, parameters).fetchall())
        except (DBAPIError, sqlcipher3.Error) as error:
            raise (translate(error) or error) from error

    def compact(self) -> None:
        """Give the free pages left by erased records back to the disk and empty the
        write-ahead log into the file, so that the pages of erased records are gone from the
        disk, not just unlinked (secure delete has already overwritten their content).

        Every step takes its turn like any write and is short, so a save made meanwhile waits
        a moment at most: the free pages go VACUUM_STEP_PAGES at a time (incremental vacuum).
        A database made before that was possible is rewritten whole once (VACUUM, seconds on a
        large caseload: a save waits for it, and succeeds). Emptying the log waits for
        readers: each try holds the turn only briefly."""
        self.engine.dispose()  # idle pooled connections would hold the log's old frames
        gate = gate_of(self.engine)
        with self.engine.connect() as connection:
            raw = connection.connection.driver_connection
            assert raw is not None
            # The driver connection is in autocommit: no BEGIN around these.
            with gate.turn(background=True):
                if raw.execute("PRAGMA auto_vacuum").fetchone()[0] != INCREMENTAL_VACUUM:
                    raw.execute(f"PRAGMA auto_vacuum = {INCREMENTAL_VACUUM}")
                    raw.execute("VACUUM")  # once: from then on the file shrinks in steps
            free = 1
            while free:
                with gate.turn(background=True):
                    raw.execute(f"PRAGMA incremental_vacuum({VACUUM_STEP_PAGES})").fetchall()
                    free = raw.execute("PRAGMA freelist_count").fetchone()[0]
            raw.execute(f"PRAGMA busy_timeout = {CHECKPOINT_TRY_MS}")
            try:
                for _attempt in range(50):  # a reader on another thread finishes in moments
                    with gate.turn(background=True):
                        busy = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                    if not busy:
                        return
                    time.sleep(0.1)
            finally:
                raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        log.warning("the write-ahead log could not be emptied now; the next compaction will")

    def close(self) -> None:
        self.engine.dispose()


__all__ = ["Actor", "Database", "StorageError"]
