"""The review queue between two days a supervisor types (the period offered only "the last
7, 30 or 90 days": last month's notes, or a quarter's, could not be listed)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from restart_desktop.app.session import unlock as unlock_folder
from restart_desktop.domain.case import Role
from restart_desktop.paths import DataPaths
from restart_desktop.store.models import ContactNote, Worker
from restart_desktop.ui.application import MainWindow
from tests.support.clock import local
from tests.support.constants import PASSPHRASE
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, unlock

MakeWindow = Callable[..., MainWindow]
ALT = Qt.KeyboardModifier.AltModifier


def _colleague_notes(data_paths: DataPaths, people: dict[str, str]) -> None:
    """A colleague's notes of 2 and 9 November 2026; the enrolled user a supervisor."""
    session = unlock_folder(data_paths, PASSPHRASE)
    try:
        with session.db.write() as s:
            me = s.get(Worker, session.worker.id)
            assert me is not None
            me.role = Role.SUPERVISOR.value
            colleague = Worker(name="Colleague Fictional", organisation_code="aspire_oxford")
            s.add(colleague)
            s.flush()
            for day, who in ((2, "Zebedee Friday"), (9, "Larry Later")):
                s.add(
                    ContactNote(
                        person_id=people[who],
                        worker_id=colleague.id,
                        contact_at=local(2026, 11, day, 10),
                        contact_type="phone",
                        text=f"A fictional note of {day} November",
                    )
                )
    finally:
        session.close()


def test_the_queue_between_two_days_typed_from_the_keyboard(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    _colleague_notes(data_paths, people)
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace is not None
    view = window.workspace.review
    assert view is not None
    qtbot.waitUntil(lambda: view.count.text() == "2 to review", timeout=SIGNAL_TIMEOUT_MS)
    assert not view.dates.isVisible()

    qtbot.keyClick(view, Qt.Key.Key_O, ALT)  # Peri&od
    assert QApplication.focusWidget() is view.period
    qtbot.keyClick(view.period, Qt.Key.Key_End)  # the last choice: between two dates
    assert view.period.currentText() == "Between two dates"
    assert view.dates.isVisible()
    assert QApplication.focusWidget() is view.date_from
    qtbot.keyClicks(view.date_from, "05/11/2026")
    qtbot.keyClick(view.date_from, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.count.text() == "1 to review", timeout=SIGNAL_TIMEOUT_MS)
    assert view.model.index(0, 0).data() == "09/11/2026"

    qtbot.keyClick(view, Qt.Key.Key_U, ALT)  # &Up to
    qtbot.keyClicks(view.date_to, "31/11/2026")
    qtbot.keyClick(view.date_to, Qt.Key.Key_Return)
    assert "'31/11/2026' is not a date" in view.message.text()
    assert view.count.text() == "1 to review"  # the list as it was
    view.date_to.selectAll()
    qtbot.keyClicks(view.date_to, "08/11/2026")
    qtbot.keyClick(view.date_to, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.count.text() == "0 to review", timeout=SIGNAL_TIMEOUT_MS)
    assert view.message.text() == ""

    qtbot.keyClick(view, Qt.Key.Key_O, ALT)
    qtbot.keyClick(view.period, Qt.Key.Key_Home)  # any time: the days are put aside
    qtbot.waitUntil(lambda: view.count.text() == "2 to review", timeout=SIGNAL_TIMEOUT_MS)
    assert not view.dates.isVisible()
