"""The database thread runs the window's work, and what that work holds is let go on the GUI
thread: a case tab closed while its timeline loads must never be deleted on the database
thread (a Qt object freed off its own thread corrupts Qt, and the app dies later)."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from restart_desktop.ui.tasks import TaskRunner
from tests.ui.conftest import SIGNAL_TIMEOUT_MS


class _Tab(QWidget):
    """A view whose last reference is its work's: where it goes, the test records."""

    def __init__(self, gone: list[str]) -> None:
        super().__init__()
        self._gone = gone
        self.destroyed.connect(lambda: None)  # a Qt object, owned by Python

    def __del__(self) -> None:
        self._gone.append(threading.current_thread().name)


def test_work_and_its_callbacks_are_let_go_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    gone: list[str] = []
    results: list[str] = []
    entered = threading.Event()
    leave = threading.Event()
    tab = _Tab(gone)

    def load(view: _Tab = tab) -> str:  # the view closed meanwhile: only this holds it
        entered.set()
        leave.wait(5)
        return type(view).__name__

    runner.run(load, results.append)
    entered.wait(5)
    del load, tab  # the tab is closed while its work runs
    leave.set()
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: bool(gone), timeout=SIGNAL_TIMEOUT_MS)
    runner.shutdown()
    assert results == ["_Tab"]
    assert gone == [threading.main_thread().name]
