"""Python's cyclic garbage collector, run only on the GUI thread.

Left automatic, the collector runs on whichever thread happens to allocate when its count is
reached, often the database thread (``ui.tasks``), and frees there the Qt objects it finds in
reference cycles (dialogs, timers, event loops). A Qt object deleted off its own thread
corrupts Qt's state, and the app dies later at a random place. So the automatic collector is
turned off and a timer on the GUI thread collects instead (pyqtgraph's ``GarbageCollector``
does the same for the same reason). Plain reference counting, which frees almost
everything, is unaffected.

The young generations are collected when their counts pass Python's own thresholds. A full
collection walks every object the app holds (about 120,000 once the modules are loaded, 100 ms
and more on the GUI thread), so three things keep it short and rare: what start-up made
(modules, classes, the ORM's mappers) is frozen out of the collector's sight once the window
has warmed up (``settle``), so a full collection walks only what came after; it comes at most
once a minute; and never while a long background job (a sync) holds ``young_only``.

``install`` starts the one collector of the app; ``run_gui`` and the benchmarks (which build
the window themselves) both call it, so they measure what a worker gets.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QTimer

#: How often the counts are looked at: often enough that garbage never piles up. A collection
#: takes time in proportion to the young objects it walks, and a large sync makes thousands a
#: second on its thread: looked at every 100 ms, each collection stays a few milliseconds.
CHECK_MS = 100
#: The least time between two full collections.
FULL_EVERY_S = 60.0

_holds = 0
_holds_lock = threading.Lock()
_installed: GuiThreadCollector | None = None


@contextmanager
def young_only() -> Iterator[None]:
    """While the block runs (on any thread), the collector leaves the oldest generation alone."""
    global _holds
    with _holds_lock:
        _holds += 1
    try:
        yield
    finally:
        with _holds_lock:
            _holds -= 1


class GuiThreadCollector(QObject):
    """Turns the automatic collector off while it runs and collects on the GUI thread."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = CHECK_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        self._last_full = time.monotonic()
        self._settled = False
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> int:
        """Collect the generations whose counts passed their thresholds; what was freed."""
        first, second, third = self._thresholds
        young, middle, old = gc.get_count()
        if young <= first:
            return 0
        if middle <= second:
            return gc.collect(0)
        full_due = time.monotonic() - self._last_full >= FULL_EVERY_S
        if old <= third or not full_due or _holds:
            return gc.collect(1)
        self._last_full = time.monotonic()
        return gc.collect(2)

    def settle(self) -> None:
        """Start-up is over: what it made lives as long as the app, so it is frozen out of
        the collector's sight (a full collection afterwards walks a tenth of the objects). Its
        garbage is collected first; once only."""
        if self._settled:
            return
        self._settled = True
        gc.collect()
        gc.freeze()

    def stop(self) -> None:
        """Hand collection back to Python (at shutdown, once the threads have stopped)."""
        global _installed
        self._timer.stop()
        if _installed is self:
            _installed = None
        if self._was_enabled:
            gc.enable()


def install(app: QObject) -> GuiThreadCollector:
    """The app's collector, started on first call (from the GUI thread, with the app object
    as its parent); later calls return the same one."""
    global _installed
    if _installed is None:
        _installed = GuiThreadCollector(app)
    return _installed


def settle() -> None:
    """Freeze what start-up made (``GuiThreadCollector.settle``), if a collector runs: without
    one (the tests, which manage collection themselves) nothing is frozen."""
    if _installed is not None:
        _installed.settle()
