"""Settings > Data retention: what will be erased next and when, and erasing what is due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from restart_desktop.app.cases import CaseService
from restart_desktop.app.session import unlock as unlock_folder
from restart_desktop.domain.case import CaseStatus, Role
from restart_desktop.paths import DataPaths
from restart_desktop.store.models import Change, Person, Worker
from restart_desktop.ui.application import RETENTION_AFTER_MS, MainWindow
from restart_desktop.ui.retention_view import RetentionDialog
from tests.support.constants import PASSPHRASE
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock

MakeWindow = Callable[..., MainWindow]


def _backdate(s: Session, case_id: str, years: int) -> None:
    for change in s.scalars(select(Change).where(Change.record_id == case_id)):
        s.execute(
            update(Change)
            .where(Change.change_id == change.change_id)
            .values(recorded_at=change.recorded_at - dt.timedelta(days=365 * years + 2))
        )


def _close(data_paths: DataPaths, case_id: str, years_ago: int, supervisor: bool) -> None:
    """Close the case, as if ``years_ago`` (its change log says when it was closed)."""
    session = unlock_folder(data_paths, PASSPHRASE)
    try:
        cases = CaseService(session)
        cases.change_status(case_id, CaseStatus.ACCEPTED, "Fictional panel")
        cases.change_status(
            case_id, CaseStatus.CLOSED, "Fictional: moved away", "moved_out_of_area"
        )
        with session.db.write() as s:
            if supervisor:
                me = s.get(Worker, session.worker.id)
                assert me is not None
                me.role = Role.SUPERVISOR.value
            if years_ago:
                _backdate(s, case_id, years_ago)
    finally:
        session.close()


def test_a_supervisor_sees_what_is_due_and_erases_it_from_the_keyboard(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    case = people["Larry Later"]
    _close(data_paths, case, years_ago=7, supervisor=True)
    window = make_window()
    unlock(qtbot, window)
    _after_retention_run(qtbot, window)
    session = window.session
    assert session is not None
    with session.db.read() as s:  # it was due: it went when the data was opened
        assert s.get(Person, case) is None

    # Another, just closed: listed with its due date, not erased.
    other = people["Zebedee Friday"]
    window.shutdown()
    window.close()
    _close(data_paths, other, years_ago=0, supervisor=True)
    window = make_window()
    unlock(qtbot, window)
    seen: list[str] = []

    def check(dialog: RetentionDialog) -> None:
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
        item = dialog.model.row_item(0)
        assert item is not None
        assert item.case_id == other
        seen.append(dialog.model.data(dialog.model.index(0, 1)))
        seen.append(dialog.model.data(dialog.model.index(0, 2)))
        assert not dialog.erase_button.isEnabled()  # nothing due
        assert dialog.laptop_days.isEnabled()  # a supervisor sets the periods
        qtbot.keyClick(dialog.export_years, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(dialog.export_years, "7")
        qtbot.keyClick(dialog.save_button, Qt.Key.Key_Space)
        later = f"{due.replace(year=due.year + 1):%d/%m/%Y}"
        qtbot.waitUntil(
            lambda: dialog.model.data(dialog.model.index(0, 2)) == later, timeout=SIGNAL_TIMEOUT_MS
        )
        seen.append(later)
        dialog.reject()

    due = dt.date.today().replace(year=dt.date.today().year + 6)
    answer_modal(RetentionDialog, check)
    window.retention_action.trigger()
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=SIGNAL_TIMEOUT_MS)
    assert seen[:2] == ["Retention period over, erased everywhere", f"{due:%d/%m/%Y}"]


def test_the_erase_button_erases_what_became_due(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    case = people["Larry Later"]
    _close(data_paths, case, years_ago=0, supervisor=True)
    window = make_window()
    unlock(qtbot, window)
    _after_retention_run(qtbot, window)  # nothing was due then
    session = window.session
    assert session is not None
    with session.db.write() as s:  # the years pass while the app is open
        _backdate(s, case, 7)
    said: list[str] = []

    def confirm(box: QMessageBox) -> None:
        qtbot.keyClick(box.button(QMessageBox.StandardButton.Yes), Qt.Key.Key_Space)

    def erase(dialog: RetentionDialog) -> None:
        qtbot.waitUntil(dialog.erase_button.isEnabled, timeout=SIGNAL_TIMEOUT_MS)
        answer_modal(QMessageBox, confirm)
        qtbot.keyClick(dialog.erase_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: "erased" in dialog.summary.text(), timeout=SIGNAL_TIMEOUT_MS)
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 0, timeout=SIGNAL_TIMEOUT_MS)
        said.append(dialog.summary.text())
        dialog.reject()

    answer_modal(RetentionDialog, erase)
    window.retention_action.trigger()
    qtbot.waitUntil(lambda: bool(said), timeout=SIGNAL_TIMEOUT_MS)
    assert said == ["1 case erased from this laptop under the retention rules."]
    # The app reads only on its database thread: the test reads once that thread is idle
    # (the compaction after an erasure may still be giving pages back).
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    with session.db.read() as s:
        assert s.get(Person, case) is None


def test_a_worker_sees_why_a_closed_case_is_still_here(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    case = people["Larry Later"]
    _close(data_paths, case, years_ago=1, supervisor=False)
    window = make_window()
    unlock(qtbot, window)
    seen: list[str] = []

    def check(dialog: RetentionDialog) -> None:
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
        seen.append(dialog.model.data(dialog.model.index(0, 3)))
        assert not dialog.laptop_days.isEnabled()
        assert not dialog.erase_button.isEnabled()
        dialog.reject()

    answer_modal(RetentionDialog, check)
    window.retention_action.trigger()
    qtbot.waitUntil(lambda: bool(seen), timeout=SIGNAL_TIMEOUT_MS)
    assert "not yet confirmed in the central export" in seen[0]
    _after_retention_run(qtbot, window)
    session = window.session
    assert session is not None
    with session.db.read() as s:
        assert s.get(Person, case) is not None  # never synced: never erased


def _after_retention_run(qtbot: QtBot, window: MainWindow) -> None:
    """The run at unlock starts once the caseload is up (RETENTION_AFTER_MS): wait for it."""
    qtbot.wait(RETENTION_AFTER_MS + 200)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
