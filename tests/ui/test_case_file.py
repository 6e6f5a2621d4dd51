"""The case file: edit with validation that explains itself, status with a reason, allocation."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from restart_desktop.app.session import unlock as unlock_folder
from restart_desktop.domain.case import Role
from restart_desktop.paths import DataPaths
from restart_desktop.store.models import Change, Person, Worker
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.case_file import CaseFileView
from restart_desktop.ui.dialogs import AllocateDialog, ReasonDialog, StatusDialog
from restart_desktop.ui.widgets import FieldError
from tests.support.constants import PASSPHRASE
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock

MakeWindow = Callable[..., MainWindow]


def _open(qtbot: QtBot, window: MainWindow, case_id: str) -> CaseFileView:
    assert window.workspace is not None
    window.workspace.open_case(case_id)
    view = window.workspace.case_views()[-1]
    qtbot.waitUntil(lambda: view.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    return view


def _stored(window: MainWindow, case_id: str) -> tuple[str, int]:
    """The stored prison number and the number of changes, read straight from the database."""
    assert window.session is not None
    with window.session.db.read() as s:
        person = s.get(Person, case_id)
        assert person is not None
        count = s.execute(
            select(func.count()).select_from(Change).where(Change.entity != "audit_entries")
        ).scalar_one()  # opening the file is audited
        return person.nomis_number, int(count)


def _save(qtbot: QtBot, window: MainWindow, view: CaseFileView) -> None:
    qtbot.keyClick(view.given_name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)


def test_invalid_prison_number_is_explained_and_nothing_is_saved(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    case_id = people["Zebedee Friday"]
    view = _open(qtbot, window, case_id)
    before = _stored(window, case_id)

    view.nomis_number.selectAll()
    qtbot.keyClicks(view.nomis_number, "12345")
    qtbot.keyClicks(view.given_name, "x")
    _save(qtbot, window, view)

    assert view.summary.isVisible()
    assert "Nothing was saved" in view.summary.text()
    error = view.findChild(FieldError, "error_nomis_number")  # the message under the field
    assert error is not None
    assert error.isVisible()
    assert "A1234BC" in error.text()
    assert view.dirty
    assert _stored(window, case_id) == before  # neither the row nor the change log moved


def test_release_date_before_referral_date_is_refused(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    case_id = people["Larry Later"]
    view = _open(qtbot, window, case_id)
    before = _stored(window, case_id)
    view.referral_date.clear()
    qtbot.keyClicks(view.referral_date, "01/02/2020")
    view.release_date.clear()
    qtbot.keyClicks(view.release_date, "01/01/2020")
    _save(qtbot, window, view)
    assert "before the referral date" in view.summary.text()
    assert _stored(window, case_id) == before

    view.release_date.clear()
    qtbot.keyClicks(view.release_date, "31/02/2027")
    _save(qtbot, window, view)
    assert "is not a date" in view.summary.text()
    assert _stored(window, case_id) == before


def test_a_valid_edit_is_saved_once_and_shown_in_the_caseload(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    case_id = people["Zebedee Friday"]
    view = _open(qtbot, window, case_id)
    _number, changes_before = _stored(window, case_id)

    view.nomis_number.selectAll()
    qtbot.keyClicks(view.nomis_number, "z9876yx")
    _save(qtbot, window, view)

    assert not view.summary.isVisible()
    assert not view.dirty
    assert view.saved_line.text().startswith("Saved at")
    assert _stored(window, case_id) == ("Z9876YX", changes_before + 1)
    assert window.workspace is not None
    caseload = window.workspace.caseload
    qtbot.keyClick(view, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # back to the list
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    numbers = [caseload.model.index(r, 1).data() for r in range(caseload.model.rowCount())]
    assert "Z9876YX" in numbers


def test_new_person_from_the_keyboard_goes_to_the_intake_queue(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    """Ctrl+N and the caseload's New button both open the recommendation form (issue 22):
    a new person waits for the allocation decision rather than landing on a caseload."""
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    workspace = window.workspace
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: workspace.intake_dialog is not None and workspace.intake_dialog.isVisible(),
        timeout=SIGNAL_TIMEOUT_MS,
    )
    dialog = workspace.intake_dialog
    assert dialog is not None
    assert workspace.case_views() == []
    qtbot.waitUntil(dialog.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # no names yet
    qtbot.waitUntil(lambda: "first name" in dialog.error.text(), timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=SIGNAL_TIMEOUT_MS)
    workspace.show_caseload()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(workspace.caseload, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(
        lambda: (
            workspace.intake_dialog is not None
            and workspace.intake_dialog is not dialog
            and workspace.intake_dialog.isVisible()
        ),
        timeout=SIGNAL_TIMEOUT_MS,
    )


def test_status_change_needs_a_reason_and_is_kept_in_the_history(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    view = _open(qtbot, window, people["Quentin Housing"])
    assert "Recommended" in view.status_line.text()

    def refuse_then_give_reason(dialog: StatusDialog) -> None:
        assert dialog.status.currentText() == "Accepted"  # only allowed next statuses offered
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)  # no reason yet
        assert "Give a reason" in dialog.error.text()
        assert dialog.isVisible()
        qtbot.keyClicks(dialog.reason, "Met the eligibility criteria")
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)

    answer_modal(StatusDialog, refuse_then_give_reason)
    qtbot.keyClick(view.status_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "Accepted" in view.status_line.text(), timeout=SIGNAL_TIMEOUT_MS)
    assert "Met the eligibility criteria" in view.history.text()


def _make_supervisor(data_paths: DataPaths) -> str:
    """The enrolled worker becomes a supervisor (as a promotion arriving by sync would make
    them), with a colleague to hand cases to; returns the colleague's id."""
    session = unlock_folder(data_paths, PASSPHRASE)
    try:
        with session.db.write() as s:
            me = s.get(Worker, session.worker.id)
            assert me is not None
            me.role = Role.SUPERVISOR.value
            colleague = Worker(name="Colleague Fictional", organisation_code="aspire_oxford")
            s.add(colleague)
            s.flush()
            return colleague.id
    finally:
        session.close()


def test_a_worker_cannot_allocate(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    view = _open(qtbot, window, people["Larry Later"])
    assert view.allocate_button.isHidden()  # the programme's decision, made by a supervisor


def test_a_supervisor_hands_a_case_over_with_a_note_from_the_keyboard(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    colleague = _make_supervisor(data_paths)
    window = make_window()
    unlock(qtbot, window)
    view = _open(qtbot, window, people["Larry Later"])
    assert "Allocated to Test Worker" in view.status_line.text()
    asked: list[str] = []

    def hand_over(dialog: AllocateDialog) -> None:
        dialog.worker.setFocus()
        index = dialog.worker.findData(colleague)
        assert index > 0, [dialog.worker.itemText(i) for i in range(dialog.worker.count())]
        for _press in range(dialog.worker.count()):
            if dialog.worker.currentIndex() == index:
                break
            qtbot.keyClick(
                dialog.worker,
                Qt.Key.Key_Down if dialog.worker.currentIndex() < index else Qt.Key.Key_Up,
            )
        assert dialog.worker.currentIndex() == index
        qtbot.keyClick(dialog.worker, Qt.Key.Key_Return)  # no note: refused, with a message
        asked.append(dialog.error.text())
        assert dialog.isVisible(), "refused"
        assert dialog.focusWidget() is dialog.note, dialog.focusWidget()
        qtbot.keyClicks(dialog.note, "He prefers afternoon visits (test).")
        assert dialog.ok.text() == "&Hand over"
        qtbot.keyClick(dialog.ok, Qt.Key.Key_Space)

    answer_modal(AllocateDialog, hand_over)
    qtbot.keyClick(view.allocate_button, Qt.Key.Key_Space)
    qtbot.waitUntil(
        lambda: "Allocated to Colleague Fictional" in view.status_line.text(),
        timeout=SIGNAL_TIMEOUT_MS,
    )
    assert "Write a handover note" in asked[0]
    assert "Handed over: Test Worker (fictional) → Colleague Fictional · He prefers" in (
        view.history.text()
    )


def test_a_refused_save_on_close_keeps_the_tab_and_a_later_save_does_not_close_it(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    from PySide6.QtWidgets import QMessageBox

    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    view = _open(qtbot, window, people["Zebedee Friday"])
    view.nomis_number.selectAll()
    qtbot.keyClicks(view.nomis_number, "12345")

    def press_save(dialog: QMessageBox) -> None:
        qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Save is the default button

    answer_modal(QMessageBox, press_save)
    qtbot.keyClick(view.nomis_number, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    assert view in window.workspace.case_views()  # refused: the tab stays, with the message
    assert "Nothing was saved" in view.summary.text()

    window.activateWindow()  # as the window manager does when the question closes
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    view.nomis_number.setFocus()
    view.nomis_number.selectAll()
    qtbot.keyClicks(view.nomis_number, "Z1234AB")
    _save(qtbot, window, view)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    assert view in window.workspace.case_views(), "closed"  # a later save keeps it
    assert _stored(window, people["Zebedee Friday"])[0] == "Z1234AB"


def test_typing_and_undoing_leaves_nothing_unsaved(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    view = _open(qtbot, window, people["Larry Later"])
    qtbot.keyClicks(view.given_name, "x")
    assert view.dirty
    assert view.saved_line.text() == "Unsaved changes"
    qtbot.keyClick(view.given_name, Qt.Key.Key_Backspace)
    assert not view.dirty
    assert view.saved_line.text() == ""


def test_opening_a_case_file_is_in_the_audit_trail(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    from restart_desktop.store.models import AuditEntry

    window = make_window()
    unlock(qtbot, window)
    case_id = people["Larry Later"]
    assert window.workspace is not None
    window.workspace.caseload.search.setFocus()
    qtbot.keyClicks(window.workspace.caseload.search, "Laterton")
    qtbot.waitUntil(
        lambda: window.workspace is not None and window.workspace.caseload.model.rowCount() == 1,
        timeout=SIGNAL_TIMEOUT_MS,
    )
    qtbot.keyClick(window.workspace.caseload.search, Qt.Key.Key_Down)
    qtbot.keyClick(window.workspace.caseload.table, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: bool(
            window.workspace
            and window.workspace.case_views()
            and window.workspace.case_views()[-1].details
        ),
        timeout=SIGNAL_TIMEOUT_MS,
    )
    assert window.session is not None

    def opened() -> bool:
        assert window.session is not None
        with window.session.db.read() as s:
            return (
                s.scalars(
                    select(AuditEntry).where(
                        AuditEntry.person_id == case_id, AuditEntry.action == "viewed_case"
                    )
                ).first()
                is not None
            )

    qtbot.waitUntil(opened, timeout=SIGNAL_TIMEOUT_MS)


def test_changing_a_risk_flag_asks_why_and_the_history_shows_old_new_who_and_why(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    case_id = people["Zebedee Friday"]
    view = _open(qtbot, window, case_id)
    assert not view.mappa.isChecked()
    view.mappa.setFocus()
    qtbot.keyClick(view.mappa, Qt.Key.Key_Space)
    asked: list[str] = []

    def cancel(dialog: ReasonDialog) -> None:
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    answer_modal(ReasonDialog, cancel)
    _save(qtbot, window, view)
    assert "a reason is needed" in view.saved_line.text()
    with window.session.db.read() as s:  # type: ignore[union-attr]
        person = s.get(Person, case_id)
        assert person is not None
        assert not person.mappa

    def give_reason(dialog: ReasonDialog) -> None:
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)  # no reason yet: refused
        asked.append(dialog.error.text())
        assert dialog.isVisible()
        qtbot.keyClicks(dialog.reason, "Fictional letter from probation")
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)

    answer_modal(ReasonDialog, give_reason)
    view.save_button.setFocus()
    qtbot.keyClick(view.save_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "MAPPA: No → Yes" in view.history.text(), timeout=SIGNAL_TIMEOUT_MS)
    assert "Give a reason" in asked[0]
    assert "MAPPA: No → Yes · Fictional letter from probation · Test Worker" in (
        view.history.text()
    )
    with window.session.db.read() as s:  # type: ignore[union-attr]
        person = s.get(Person, case_id)
        assert person is not None
        assert person.mappa


def test_every_problem_is_said_in_one_round_and_correcting_does_not_move_the_form(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    view = _open(qtbot, window, people["Zebedee Friday"])
    view.date_of_birth.selectAll()
    qtbot.keyClicks(view.date_of_birth, "31/31/1990")  # cannot be read
    view.nomis_number.selectAll()
    qtbot.keyClicks(view.nomis_number, "12345")  # read, but not a prison number
    view.crn.selectAll()
    qtbot.keyClicks(view.crn, "X1")
    _save(qtbot, window, view)

    for field in ("date_of_birth", "nomis_number", "crn"):
        error = view.findChild(FieldError, f"error_{field}")
        assert error is not None, field
        assert error.isVisible(), field
        assert error.text(), field
    crn_at = view.crn.mapTo(view, view.crn.rect().topLeft())

    view.nomis_number.selectAll()
    qtbot.keyClicks(view.nomis_number, "Z1111AA")  # correcting: nothing jumps
    qtbot.wait(50)
    assert view.summary.text() == ""
    assert view.crn.mapTo(view, view.crn.rect().topLeft()) == crn_at
