"""Garbage in reference cycles is freed on the GUI thread, never on the database thread: a Qt
object freed off its own thread crashes the app later, at a random place."""

from __future__ import annotations

import gc
import threading

from pytestqt.qtbot import QtBot

from restart_desktop.ui.collector import GuiThreadCollector

CYCLES = 2_000


class _Cycle:
    freed_on: list[str] = []

    def __init__(self) -> None:
        self.me = self  # only the cyclic collector frees it

    def __del__(self) -> None:
        _Cycle.freed_on.append(threading.current_thread().name)


def _make_garbage_on_a_worker() -> None:
    def work() -> None:
        # More than the collector's first threshold (700 new objects in cycles): an automatic
        # collector would run here, on this thread.
        for _ in range(CYCLES):
            _Cycle()

    thread = threading.Thread(target=work, name="database worker")
    thread.start()
    thread.join()


def test_cycles_made_on_a_worker_thread_are_freed_on_the_gui_thread(qtbot: QtBot) -> None:
    _Cycle.freed_on.clear()
    was_enabled = gc.isenabled()
    gc.enable()  # as the app starts: the automatic collector on
    collector = GuiThreadCollector(interval_ms=20)
    try:
        assert not gc.isenabled()
        _make_garbage_on_a_worker()
        assert _Cycle.freed_on == []  # nothing freed on the worker
        qtbot.waitUntil(lambda: len(_Cycle.freed_on) == CYCLES, timeout=5000)
        assert set(_Cycle.freed_on) == {threading.main_thread().name}
        collector.stop()
        assert gc.isenabled()  # handed back to Python at shutdown
    finally:
        collector.stop()
        collector.deleteLater()
        if not was_enabled:
            gc.disable()
