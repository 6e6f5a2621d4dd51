"""Closing a case with a reason and recording a return to custody, from the keyboard only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from restart_desktop.store.models import CustodyReturn, Person
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.case_file import CaseFileView
from restart_desktop.ui.custody import CustodyReturnDialog
from restart_desktop.ui.dialogs import StatusDialog
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock

MakeWindow = Callable[..., MainWindow]
CTRL = Qt.KeyboardModifier.ControlModifier


def _open(qtbot: QtBot, window: MainWindow, case_id: str) -> CaseFileView:
    assert window.workspace is not None
    window.workspace.open_case(case_id)
    view = window.workspace.case_views()[-1]
    qtbot.waitUntil(lambda: view.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    return view


def _accept(qtbot: QtBot, view: CaseFileView) -> None:
    def accept(dialog: StatusDialog) -> None:
        assert not dialog.closure.isVisibleTo(dialog)  # only asked when closing
        qtbot.keyClicks(dialog.reason, "Eligible")
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)

    answer_modal(StatusDialog, accept)
    qtbot.keyClick(view.status_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "Accepted" in view.status_line.text(), timeout=SIGNAL_TIMEOUT_MS)


def test_closing_asks_why_from_a_coded_list_and_the_case_file_says_it(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    case_id = people["Quentin Housing"]
    view = _open(qtbot, window, case_id)
    _accept(qtbot, view)

    def close(dialog: StatusDialog) -> None:
        qtbot.keyClick(dialog.status, Qt.Key.Key_End)  # Closed: the last one offered
        assert dialog.status.currentText() == "Closed"
        assert dialog.closure.isVisibleTo(dialog)
        qtbot.keyClicks(dialog.reason, "Moved to Leeds to be near family")
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
        assert "Choose why the case is closing" in dialog.error.text()
        assert dialog.isVisible()
        assert dialog.focusWidget() is dialog.closure
        for _ in range(5):  # Choose a reason, Support completed, …, Moved out of area
            qtbot.keyClick(dialog.closure, Qt.Key.Key_Down)
        assert dialog.closure.currentText() == "Moved out of area"
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)

    answer_modal(StatusDialog, close)
    qtbot.keyClick(view.status_button, Qt.Key.Key_Space)
    qtbot.waitUntil(
        lambda: "Closed: Moved out of area" in view.status_line.text(), timeout=SIGNAL_TIMEOUT_MS
    )
    assert window.session is not None
    with window.session.db.read() as s:
        person = s.get(Person, case_id)
        assert person is not None
        assert (person.status, person.closure_reason) == ("closed", "moved_out_of_area")
    assert "Why the case closed" in view.history.text()


def test_a_return_to_custody_from_the_keyboard_shows_on_the_case_and_its_timeline(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    case_id = people["Zebedee Friday"]
    view = _open(qtbot, window, case_id)
    day = dt.date.today() - dt.timedelta(days=1)

    def record(dialog: CustodyReturnDialog) -> None:
        dialog.day.setFocus()
        dialog.day.selectAll()
        qtbot.keyClicks(dialog.day, f"{day:%d/%m/%Y}")
        qtbot.keyClick(dialog.kind, Qt.Key.Key_Down)  # Remanded in custody
        qtbot.keyClick(dialog.source, Qt.Key.Key_Down)  # The prison
        qtbot.keyClick(dialog.kind, Qt.Key.Key_Return)

    answer_modal(CustodyReturnDialog, record)
    qtbot.keyClick(view.given_name, Qt.Key.Key_R, CTRL | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: "Back in custody" in view.history.text(), timeout=SIGNAL_TIMEOUT_MS)
    assert f"Remanded in custody on {day:%d/%m/%Y}" in view.history.text()
    assert window.session is not None
    with window.session.db.read() as s:
        stored = s.query(CustodyReturn).one()
        assert (stored.person_id, stored.kind, stored.source, stored.returned_on) == (
            case_id,
            "remand",
            "prison",
            day,
        )
    timeline = view.timeline
    assert timeline is not None
    view.sections.setCurrentWidget(timeline)  # the contacts section (Alt+2)
    qtbot.waitUntil(lambda: timeline.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    assert timeline.model.index(0, 1).data() == "Back in custody"
    assert "1 event" in timeline.count_label.text()
