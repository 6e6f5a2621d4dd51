"""Garbage in reference cycles is freed on the GUI thread, never on the database thread: a Qt
object freed off its own thread crashes the app later, at a random place."""

from __future__ import annotations

import gc
import threading

import pytest
from pytestqt.qtbot import QtBot

from restart_desktop.ui import collector as collector_module
from restart_desktop.ui.collector import GuiThreadCollector, young_only

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
        # The collector's first check after the counts passed the threshold frees them.
        qtbot.waitUntil(lambda: len(_Cycle.freed_on) > 0, timeout=5000)
        gc.collect()  # on this (the GUI) thread: any a busy run's other threads kept older
        assert len(_Cycle.freed_on) == CYCLES
        assert set(_Cycle.freed_on) == {threading.main_thread().name}
        collector.stop()
        assert gc.isenabled()  # handed back to Python at shutdown
    finally:
        collector.stop()
        collector.deleteLater()
        if not was_enabled:
            gc.disable()


def _generations_collected(collector: GuiThreadCollector, rounds: int) -> set[int]:
    """Drive the counts up (survivors pushed into older generations) and ``check`` each
    round; the generations the collector ran, from Python's own gc callbacks."""
    seen: set[int] = set()

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.add(info["generation"])

    kept: list[list[object]] = []
    gc.callbacks.append(note)
    try:
        for _ in range(rounds):
            kept.append([[] for _ in range(800)])  # survivors: young, then middle, then old
            collector.check()
    finally:
        gc.callbacks.remove(note)
    return seen


def test_no_full_collection_while_a_sync_holds_young_only(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full collection on the GUI thread walks a large sync's whole heap (a visible stall):
    while a sync runs, only the young generations are collected."""
    monkeypatch.setattr(collector_module, "FULL_EVERY_S", 0.0)
    was_enabled = gc.isenabled()
    collector = GuiThreadCollector(interval_ms=60_000)  # checked by hand here
    try:
        with young_only():
            held = _generations_collected(collector, 400)
        free = _generations_collected(collector, 400)
    finally:
        collector.stop()
        collector.deleteLater()
        if was_enabled:
            gc.enable()
        else:
            gc.disable()
    assert held == {0, 1}
    assert 2 in free
