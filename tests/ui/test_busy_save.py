"""A save made while the app's own background work holds the database: the case file says in
plain words that the app is busy with its own work (never "another copy"), keeps what was
typed, and the next Save stores it."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from restart_desktop.store import writer
from restart_desktop.store.models import Person
from restart_desktop.ui.application import MainWindow
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, unlock

MakeWindow = Callable[..., MainWindow]


def test_a_save_kept_waiting_by_background_work_keeps_the_typing(
    qtbot: QtBot,
    make_window: MakeWindow,
    people: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(writer, "FOREGROUND_WAIT_S", 0.3)
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    assert window.session is not None
    session = window.session
    case_id = people["Zebedee Friday"]
    window.workspace.open_case(case_id)
    view = window.workspace.case_views()[-1]
    qtbot.waitUntil(lambda: view.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    holding, release = threading.Event(), threading.Event()

    def background_transaction() -> None:  # as a very long sync import or retention run would
        with session.db.background(), session.db.write():
            holding.set()
            release.wait(20)

    background = threading.Thread(target=background_transaction, name="test-background")
    background.start()
    try:
        assert holding.wait(10)
        view.preferred_name.selectAll()
        qtbot.keyClicks(view.preferred_name, "Zeb (test)")
        qtbot.keyClick(view.given_name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: view.saved_line.text() == "Not saved", timeout=SIGNAL_TIMEOUT_MS)
        assert view.summary.isVisible()
        shown = view.summary.text()
        assert "busy with its own work in the background" in shown
        assert "another copy" not in shown
        assert view.preferred_name.text() == "Zeb (test)"  # nothing typed is lost
        assert view.dirty
    finally:
        release.set()
        background.join()
    qtbot.keyClick(view.given_name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: view.saved_line.text().startswith("Saved at"), timeout=SIGNAL_TIMEOUT_MS
    )
    with session.db.read() as s:
        person = s.get(Person, case_id)
        assert person is not None
        assert person.preferred_name == "Zeb (test)"
