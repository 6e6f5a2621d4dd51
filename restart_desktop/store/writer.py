"""One writer at a time inside this app, and the app's own background work gives way.

SQLite lets one connection write at a time; a writer that finds the lock taken waits in
SQLite's busy handler (``BUSY_TIMEOUT_MS``) and then fails. Left to that, a worker's save
made while a sync import holds the lock fails with "database is locked", and even a short
wait is unfair: the import commits and begins its next transaction in microseconds, while
the save sleeps in the busy handler and misses its turn.

So every write of this process takes a turn here first (one gate per database file), and the
lock SQLite sees is only ever contended by another process: its "database is locked" really
means another copy of the app. Background work (a sync, a retention run, compaction) marks
itself with ``background_work()``; between its transactions it lets every waiting save go
first, so a save waits at most for the one transaction in progress, and the background work
keeps its transactions short. A save that waits for our own work longer than
``FOREGROUND_WAIT_S`` says so in words (``BusyWithOwnWork``), never "another copy".
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import Engine

from restart_desktop.store.errors import BusyWithOwnWork

#: How long a save waits for this app's own background transaction before giving up. Such a
#: transaction is short (an import bundle, a batch of erasures); a whole-database VACUUM or
#: ``sync --rebuild`` can take tens of seconds on a large caseload, and a save waits for it
#: rather than fail.
FOREGROUND_WAIT_S = 120.0
#: Background work waits for saves (short) and for other background work (a sync beside a
#: retention run): long, but not for ever.
BACKGROUND_WAIT_S = 1800.0

_background: ContextVar[bool] = ContextVar("restart_background_work", default=False)


@contextmanager
def background_work() -> Iterator[None]:
    """Mark the writes made inside (on this thread) as background work that gives way."""
    token = _background.set(True)
    try:
        yield
    finally:
        _background.reset(token)


def in_background() -> bool:
    return _background.get()


class WriteGate:
    """Turns at writing one database file, saves (foreground) before background work."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._holder: int | None = None  # the thread writing now
        self._depth = 0
        self._waiting_foreground = 0

    @property
    def waiting_foreground(self) -> int:
        """Saves waiting for their turn (background work checks between transactions)."""
        return self._waiting_foreground

    @contextmanager
    def turn(self, background: bool | None = None) -> Iterator[None]:
        """Hold the turn to write for the length of the block."""
        self._acquire(in_background() if background is None else background)
        try:
            yield
        finally:
            self._release()

    def _acquire(self, background: bool) -> None:
        me = threading.get_ident()
        with self._changed:
            if self._holder == me:  # a nested write on the same thread: SQLite decides
                self._depth += 1
                return
            deadline = time.monotonic() + (BACKGROUND_WAIT_S if background else FOREGROUND_WAIT_S)
            if not background:
                self._waiting_foreground += 1
            try:
                while self._holder is not None or (background and self._waiting_foreground):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise BusyWithOwnWork()
                    self._changed.wait(left)
            finally:
                if not background:
                    self._waiting_foreground -= 1
            self._holder, self._depth = me, 1

    def _release(self) -> None:
        with self._changed:
            self._depth -= 1
            if self._depth == 0:
                self._holder = None
                self._changed.notify_all()


_gates: dict[str, WriteGate] = {}
_of_engine: weakref.WeakKeyDictionary[Engine, WriteGate] = weakref.WeakKeyDictionary()
_gates_lock = threading.Lock()


def register(engine: Engine, path: Path) -> None:
    """Give ``engine`` the one gate of its file in this process (two sessions on one folder
    share it)."""
    name = str(path.resolve())
    with _gates_lock:
        _of_engine[engine] = _gates.setdefault(name, WriteGate())


def gate_of(engine: Engine) -> WriteGate:
    with _gates_lock:
        gate = _of_engine.get(engine)
        if gate is None:
            gate = _of_engine[engine] = WriteGate()
        return gate
